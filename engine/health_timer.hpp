// The periodic health check of a detached container, run by its monitor:
// a thread that sleeps in poll for one interval, then runs the check
// command (`roost healthcheck run ID`, which records the result) and waits
// for it, so checks never overlap and no CPU is used between them.
//
// The monitor's other thread may clone the container while this one runs,
// so the thread neither allocates nor locks: the command line is built
// before it starts and run with posix_spawn.
#pragma once

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace roost::engine {

class HealthTimer {
 public:
  // COMMAND: the check's argv; INTERVAL_NS > 0.
  HealthTimer(std::vector<std::string> command, int64_t interval_ns);
  ~HealthTimer() { stop(); }
  HealthTimer(const HealthTimer&) = delete;
  HealthTimer& operator=(const HealthTimer&) = delete;

  Result<void> start();
  // Waits for a check that is running (bounded by the check's timeout).
  void stop();

 private:
  void run() noexcept;

  std::vector<std::string> command_;
  std::vector<char*> argv_;
  int64_t interval_ns_;
  UniqueFd stop_;
  std::thread thread_;
};

}  // namespace roost::engine
