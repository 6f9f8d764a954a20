#include "engine/health_timer.hpp"

#include <poll.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

extern char** environ;

namespace roost::engine {

HealthTimer::HealthTimer(std::vector<std::string> command, int64_t interval_ns)
    : command_(std::move(command)), interval_ns_(interval_ns) {
  for (auto& a : command_) argv_.push_back(a.data());
  argv_.push_back(nullptr);
}

Result<void> HealthTimer::start() {
  if (thread_.joinable() || command_.empty() || interval_ns_ <= 0) return {};
  stop_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
  if (!stop_.valid()) return sys_error("eventfd");
  thread_ = std::thread([this] { run(); });
  return {};
}

void HealthTimer::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

void HealthTimer::run() noexcept {
  const int64_t ms = interval_ns_ / 1000000;
  const int timeout = ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms);
  for (;;) {
    pollfd p{stop_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n != 0) return;  // stopped (or poll failed: no more checks)
    pid_t pid = 0;
    if (::posix_spawn(&pid, argv_[0], nullptr, nullptr, argv_.data(), environ) != 0) continue;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace roost::engine
