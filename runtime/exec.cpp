#include "runtime/exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "common/fd.hpp"
#include "common/process.hpp"
#include "runtime/caps.hpp"
#include "runtime/container_init.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/syscalls.hpp"
#include "runtime/terminal.hpp"

namespace roost::runtime {
namespace {

using nlohmann::json;

struct Namespace {
  const char* spec_type;
  const char* proc_name;
  int flag;
};
// The user namespace first (it grants the rights to join the others), the
// mount namespace last (joining it moves the root and working directory).
constexpr Namespace kOrder[] = {
    {"user", "user", CLONE_NEWUSER}, {"ipc", "ipc", CLONE_NEWIPC},     {"uts", "uts", CLONE_NEWUTS},
    {"network", "net", CLONE_NEWNET}, {"pid", "pid", CLONE_NEWPID},    {"mount", "mnt", CLONE_NEWNS},
};

bool in_spec(const json& spec, const char* type) {
  for (const auto& n : spec.value("linux", json::object()).value("namespaces", json::array()))
    if (n.value("type", std::string()) == type) return true;
  return false;
}

// Child -> parent, one line on a close-on-exec pipe (EOF: exec succeeded):
// "X errno command" exec failed; "E kind errno message" anything else.
[[noreturn]] void report(int fd, char tag, int a, int b, const std::string& text) {
  std::string line = std::string(1, tag) + " " + std::to_string(a) + " " + std::to_string(b) + " " + text + "\n";
  (void)write_all(fd, line.data(), line.size());
  ::_exit(125);
}

Result<void> set_up(const ExecInRequest& r, const std::optional<SeccompProgram>& seccomp, std::vector<std::string>& env,
                    std::string& path_var, int pty_sock) {
  const json& process = r.spec.at("process");
  ResolvedUser user = ROOST_TRY(resolve_process_user(r.spec));
  if (pty_sock >= 0) {
    // Made here, in the container's mount namespace, so that it belongs to
    // the container's devpts, as the first process's terminal does.
    auto pty = ROOST_TRY(open_container_pty());
    ROOST_TRY(send_fd(pty_sock, 'T', pty.master.get()));
    ROOST_TRY(become_pty_session(pty.slave.get()));
  } else {
    int src[3] = {r.stdin_fd, r.stdout_fd, r.stderr_fd};
    for (int i = 0; i < 3; ++i) {
      int copy = ::fcntl(src[i], F_DUPFD_CLOEXEC, 10);
      if (copy < 0 || ::dup2(copy, i) < 0) return sys_error("setting up stdio");
      ::close(copy);
    }
  }
  CapSets caps = ROOST_TRY(parse_capabilities(process.value("capabilities", json::object())));
  ROOST_TRY(drop_bounding(caps));
  const bool nnp = process.value("noNewPrivileges", false);
  if (seccomp && !nnp) ROOST_TRY(load_seccomp_program(*seccomp));
  ROOST_TRY(switch_user_and_caps(caps, user.uid, user.gid, user.groups, !r.single_id));
  const std::string cwd = process.value("cwd", std::string("/"));
  if (::chdir(cwd.c_str()) != 0) return sys_error("changing to the working directory", cwd);
  env = process.value("env", std::vector<std::string>{});
  path_var = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  bool has_home = false;
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) path_var = e.substr(5);
    has_home |= e.rfind("HOME=", 0) == 0;
  }
  if (!has_home) env.push_back("HOME=" + user.home);
  if (nnp && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sys_error("setting no_new_privs");
  if (seccomp && nnp) ROOST_TRY(load_seccomp_program(*seccomp));
  return {};
}

// In the container's namespaces, as a child of the process that joined its
// PID namespace: sets up and execs, or reports on FD.
[[noreturn]] void exec_child(const ExecInRequest& r, const std::optional<SeccompProgram>& seccomp, int fd,
                             int pty_sock) {
  std::vector<std::string> env;
  std::string path_var;
  try {
    auto ok = set_up(r, seccomp, env, path_var, pty_sock);
    if (!ok) report(fd, 'E', static_cast<int>(ok.error().kind()), ok.error().errnum(), ok.error().message());
  } catch (const std::exception& e) {
    report(fd, 'E', static_cast<int>(ErrorKind::invalid), 0, std::string("malformed OCI spec: ") + e.what());
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  auto args = r.spec.at("process").value("args", std::vector<std::string>{});
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
  // With a timeout its parent is killed: it goes too. Set last, since a
  // change of credentials clears it.
  if (r.timeout_ms > 0) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  exec_search(args, envp, path_var);
  report(fd, 'X', errno, 0, args.empty() ? std::string() : args[0]);
}

// Joins the namespaces, forks the process that execs (a PID namespace only
// applies to children) and passes on its exit status.
[[noreturn]] void join_child(const ExecInRequest& r, const std::vector<std::pair<int, int>>& ns,
                             const std::optional<SeccompProgram>& seccomp, int fd, int pty_sock) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Opened here, in the host's mount namespace; only the process that
  // execs joins (this one, which waits for it, stays out of its stats).
  int cgroups[16];
  size_t n_cgroups = 0;
  for (const auto& procs : r.cgroup_procs) {
    if (n_cgroups == std::size(cgroups)) break;
    int cg = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (cg < 0) report(fd, 'E', static_cast<int>(ErrorKind::io), errno, "joining the container's cgroup");
    cgroups[n_cgroups++] = cg;
  }
  for (const auto& [nsfd, flag] : ns) {
    if (::setns(nsfd, flag) != 0) {
      int err = errno;
      report(fd, 'E', static_cast<int>(ErrorKind::io), err, "joining the container's namespaces (setns)");
    }
    ::close(nsfd);
  }
  pid_t pid = ::fork();
  if (pid < 0) report(fd, 'E', static_cast<int>(ErrorKind::io), errno, "fork");
  if (pid == 0) {
    for (size_t i = 0; i < n_cgroups; ++i)
      if (::write(cgroups[i], "0", 1) != 1) report(fd, 'E', static_cast<int>(ErrorKind::io), errno, "joining the container's cgroup");
    exec_child(r, seccomp, fd, pty_sock);
  }
  for (size_t i = 0; i < n_cgroups; ++i) ::close(cgroups[i]);
  ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(exit_code_of(status));
}

}  // namespace

Result<int> exec_in_container(const ExecInRequest& r) {
  const json& spec = r.spec;
  std::optional<SeccompProgram> seccomp;
  if (auto lx = spec.find("linux"); lx != spec.end() && lx->is_object())
    if (auto sc = lx->find("seccomp"); sc != lx->end() && sc->is_object())
      seccomp = ROOST_TRY(compile_seccomp(*sc, r.cache_dir));

  std::vector<UniqueFd> fds;
  std::vector<std::pair<int, int>> ns;
  for (const auto& n : kOrder) {
    if (!in_spec(spec, n.spec_type)) continue;
    std::string path = "/proc/" + std::to_string(r.target) + "/ns/" + n.proc_name;
    auto fd = ROOST_TRY_CTX(open_file(path, O_RDONLY), "the container's process is gone");
    ns.emplace_back(fd.get(), n.flag);
    fds.push_back(std::move(fd));
  }
  if (r.tty && r.detach)
    return make_error(ErrorKind::unsupported, "exec -d with -t is not supported: a detached process gets no terminal");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return sys_error("pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  UniqueFd pty_parent, pty_child;
  if (r.tty) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return sys_error("socketpair");
    pty_parent = UniqueFd(sv[0]);
    pty_child = UniqueFd(sv[1]);
  }
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork");
  if (pid == 0) {
    rd.reset();
    pty_parent.reset();
    join_child(r, ns, seccomp, wr.get(), pty_child.valid() ? pty_child.get() : -1);
  }
  Child child(pid);
  wr.reset();
  pty_child.reset();
  fds.clear();
  UniqueFd master;
  const int winsize_fd = ::isatty(r.stdin_fd) ? r.stdin_fd : ::isatty(r.stdout_fd) ? r.stdout_fd : -1;
  if (pty_parent.valid()) {
    // EOF (tag 0) instead: the child failed first, and its report says why.
    (void)ROOST_TRY_CTX(recv_tag(pty_parent.get(), &master), "receiving the exec process's terminal");
    if (master.valid()) copy_winsize(winsize_fd, master.get());
  }
  auto report_text = ROOST_TRY(read_fd(rd.get()));
  if (!report_text.empty()) {
    int status = ROOST_TRY(child.wait());
    (void)status;
    char tag = report_text[0];
    std::string rest = report_text.substr(std::min<size_t>(2, report_text.size()));
    while (!rest.empty() && rest.back() == '\n') rest.pop_back();
    size_t s1 = rest.find(' '), s2 = rest.find(' ', s1 == std::string::npos ? s1 : s1 + 1);
    int a = std::atoi(rest.c_str());
    int b = s1 == std::string::npos ? 0 : std::atoi(rest.c_str() + s1 + 1);
    std::string text = s2 == std::string::npos ? std::string() : rest.substr(s2 + 1);
    if (tag == 'X') {
      std::string line = exec_failure_line(text, a);
      (void)write_all(r.stderr_fd, line.data(), line.size());
      return a == ENOENT ? 127 : 126;
    }
    if (a < 0 || a > static_cast<int>(ErrorKind::internal)) a = static_cast<int>(ErrorKind::internal);
    return Error(static_cast<ErrorKind>(a), text, b);
  }
  if (r.detach) {
    child.release();
    return 0;
  }
  if (master.valid()) {
    RawMode raw(r.stdin_fd);
    auto relayed = relay_pty(master.get(), r.stdin_fd, r.stdout_fd, winsize_fd);
    // Closing the master hangs the process's terminal up when the relay ended early.
    master.reset();
    if (!relayed) return std::move(relayed).error().context("relaying the exec process's terminal");
  }
  if (r.timeout_ms > 0) {
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    pollfd pfd{pidfd.get(), POLLIN, 0};
    int n = 0;
    do {
      n = pidfd.valid() ? ::poll(&pfd, 1, r.timeout_ms) : 1;
    } while (n < 0 && errno == EINTR);
    if (n == 0) ::kill(pid, SIGKILL);
  }
  return exit_code_of(ROOST_TRY(child.wait()));
}

}  // namespace roost::runtime
