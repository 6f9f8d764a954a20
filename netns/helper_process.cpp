#include "netns/helper_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char** environ;

namespace roost::netns {

Result<Pipe> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return sys_error("pipe");
  return Pipe{UniqueFd(p[0]), UniqueFd(p[1])};
}

Result<bool> wait_readable(int fd, int timeout_ms) {
  struct pollfd p{fd, POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, timeout_ms);
    if (n >= 0) return n > 0;
    if (errno != EINTR) return sys_error("poll");
  }
}

Result<Child> spawn_helper(const std::vector<std::string>& argv, const std::string& log_path,
                           const std::vector<int>& keep, const std::string& cwd, bool default_sigpipe) {
  auto log = ROOST_TRY(open_file(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  ::posix_spawn_file_actions_init(&fa);
  ::posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&fa, log.get(), 1);
  ::posix_spawn_file_actions_adddup2(&fa, log.get(), 2);
  // dup2 onto itself clears close-on-exec (glibc >= 2.29).
  for (int fd : keep) ::posix_spawn_file_actions_adddup2(&fa, fd, fd);
  if (!cwd.empty()) ::posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  ::posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  ::posix_spawnattr_setsigmask(&attr, &none);
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::posix_spawnattr_setsigdefault(&attr, &pipe_only);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        (default_sigpipe ? POSIX_SPAWN_SETSIGDEF : 0));
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0].c_str(), &fa, &attr, cargs.data(), environ);
  ::posix_spawn_file_actions_destroy(&fa);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return sys_error("running", args[0]);
  }
  return Child(pid);
}

std::string log_tail(const std::string& log_path) {
  auto log = read_file(log_path);
  if (!log || log->empty()) return "";
  std::string text = *log;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  auto nl = text.rfind('\n');
  return ": " + (nl == std::string::npos ? text : text.substr(nl + 1)) + " (log: " + log_path + ")";
}

void stop_child(Child& child, int timeout_ms) {
  if (child.pid() <= 0) return;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child.pid(), 0));
  if (pidfd >= 0) {
    UniqueFd guard(pidfd);
    // Child's destructor kills what is still there after the wait.
    if (wait_readable(pidfd, timeout_ms).value_or(false)) (void)child.wait();
  }
  child = Child();
}

}  // namespace roost::netns
