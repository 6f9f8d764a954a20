#include "engine/proc.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/fd.hpp"

namespace roost::engine {
namespace {

// The fields after "(comm)": state is [0], starttime is [19].
std::vector<std::string> stat_fields(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return {};
  auto paren = text->rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream in(text->substr(paren + 1));
  std::vector<std::string> out;
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

}  // namespace

int64_t process_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  auto f = stat_fields(pid);
  return f.size() > 19 ? std::strtoll(f[19].c_str(), nullptr, 10) : 0;
}

bool process_alive(pid_t pid, int64_t start) {
  if (pid <= 0) return false;
  auto f = stat_fields(pid);
  if (f.size() <= 19 || f[0] == "Z" || f[0] == "X") return false;
  return start == 0 || std::strtoll(f[19].c_str(), nullptr, 10) == start;
}

bool wait_process_gone(pid_t pid, int64_t start, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_alive(pid, start)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

UniqueFd open_process(pid_t pid, int64_t start) {
  if (pid <= 0) return UniqueFd();
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd.valid() || !process_alive(pid, start)) return UniqueFd();
  return fd;
}

bool wait_exit(int pidfd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int ms = -1;
    if (timeout.count() >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    pollfd p{pidfd, POLLIN, 0};
    int n = ::poll(&p, 1, ms);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

Result<void> signal_process(int pidfd, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0 || errno == ESRCH) return {};
  return sys_error("sending signal " + std::to_string(sig));
}

}  // namespace roost::engine
