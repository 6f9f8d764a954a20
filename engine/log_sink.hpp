// Where a container's output goes, whichever its log driver: the monitor's
// log thread hands each read to write() and calls flush() once a run's
// output has ended. write() runs while the other thread may clone, so sinks
// neither allocate nor take a libc lock there, and drop what they cannot
// write: the container must not block on its log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.hpp"

namespace roost::engine {

enum class LogStream { out, err };

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(LogStream s, const char* data, size_t len) noexcept = 0;
  virtual void flush() noexcept {}
};

struct LogTarget {
  std::string driver;      // "k8s-file", "journald" or "none"
  std::string path;        // k8s-file: the log file
  uint64_t max_size = 0;   // k8s-file: --log-opt max-size
  std::string id, name;    // journald: the container's
  std::string tag;         // journald: --log-opt tag
};

// The sink of TARGET's driver; "none" reads and drops.
Result<std::unique_ptr<LogSink>> open_log_sink(const LogTarget& target);

}  // namespace roost::engine
