#include "runtime/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "common/fd.hpp"
#include "common/process.hpp"

namespace roost::runtime {
namespace {

Result<void> run_hook(const nlohmann::json& hook, const std::string& state) {
  const std::string path = hook.value("path", std::string());
  if (path.empty() || path[0] != '/') return make_error(ErrorKind::invalid, "hook path \"" + path + "\" is not absolute");
  std::vector<std::string> args = hook.value("args", std::vector<std::string>{path});
  if (args.empty()) args.push_back(path);
  std::vector<std::string> env = hook.value("env", std::vector<std::string>{});
  int timeout = hook.value("timeout", 0);

  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return sys_error("pipe");
  UniqueFd rd(in[0]), wr(in[1]);
  pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork");
  if (pid == 0) {
    ::dup2(rd.get(), 0);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  Child child(pid);
  rd.reset();
  // A hook that does not read its stdin must not fail the write (EPIPE).
  struct sigaction ign{}, old{};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old);
  (void)write_all(wr.get(), state.data(), state.size());
  ::sigaction(SIGPIPE, &old, nullptr);
  wr.reset();
  if (timeout > 0) {
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (pidfd.valid()) {
      struct pollfd p{pidfd.get(), POLLIN, 0};
      int n;
      do n = ::poll(&p, 1, timeout * 1000);
      while (n < 0 && errno == EINTR);
      if (n == 0) return make_error(ErrorKind::io, "timed out after " + std::to_string(timeout) + "s");
    }
  }
  int st = ROOST_TRY(child.wait());
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return {};
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127) return make_error(ErrorKind::io, "exited with status 127 (not found or not executable?)");
  if (WIFSIGNALED(st)) return make_error(ErrorKind::io, "killed by signal " + std::to_string(WTERMSIG(st)));
  return make_error(ErrorKind::io, "exited with status " + std::to_string(exit_code_of(st)));
}

}  // namespace

bool has_hooks(const nlohmann::json& spec, const std::string& stage) {
  auto h = spec.find("hooks");
  if (h == spec.end() || !h->is_object()) return false;
  auto s = h->find(stage);
  return s != h->end() && s->is_array() && !s->empty();
}

Result<void> run_hooks(const nlohmann::json& spec, const std::string& stage, const nlohmann::json& state) {
  if (!has_hooks(spec, stage)) return {};
  const std::string text = state.dump();
  for (const auto& hook : spec.at("hooks").at(stage))
    ROOST_TRY_CTX(run_hook(hook, text), stage + " hook " + hook.value("path", std::string("?")));
  return {};
}

}  // namespace roost::runtime
