// Milliseconds of the monotonic clock, for debug lines that put the steps of
// one operation (across its threads and helper processes) on one timeline.
#pragma once

#include <time.h>

#include <string>

namespace roost {

inline std::string monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::to_string(static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000) + " ms";
}

}  // namespace roost
