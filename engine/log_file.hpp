// The container's log in podman's k8s-file format, one entry per line:
//
//   2024-05-01T10:00:00.123456789+02:00 stdout F a whole line
//   2024-05-01T10:00:00.123456790+02:00 stderr P the start of a line that
//
// "F" ends a line (its newline is not part of the text), "P" is a partial
// line continued by the next entry of the stream: output is logged as it is
// read, never held back waiting for a newline. The writer is used from the
// monitor's log thread while the other thread may clone the container, so
// it neither allocates nor takes a libc lock.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "common/result.hpp"
#include "engine/log_sink.hpp"

namespace roost::engine {

// "2006-01-02T15:04:05.000000000+07:00" (35 chars) into OUT; returns its
// length. GMTOFF: the zone's offset from UTC in seconds.
size_t format_log_time(char* out, const timespec& t, long gmtoff);

class LogWriter final : public LogSink {
 public:
  // Appends to PATH (created 0600). MAX_SIZE > 0: the file is emptied
  // before an entry would take it past MAX_SIZE bytes, as conmon does.
  static Result<LogWriter> open(const std::string& path, uint64_t max_size);
  LogWriter() = default;

  // Logs DATA as read from STREAM: each complete line as "F", a trailing
  // rest as "P". Write errors are dropped: the container must not block on
  // its log.
  void write(LogStream s, const char* data, size_t len) noexcept override;
  int fd() const { return fd_.get(); }

 private:
  void entry(const char* stamp, size_t stamp_len, const char* head, const char* data, size_t len) noexcept;
  UniqueFd fd_;
  uint64_t max_size_ = 0;
  uint64_t size_ = 0;
  long gmtoff_ = 0;
};

// One entry read back.
struct LogEntry {
  int64_t time_ns = 0;   // Unix time
  std::string stamp;     // the timestamp as written
  LogStream stream = LogStream::out;
  bool partial = false;
  std::string text;
};

// Parses one line of a k8s-file log; false when it is not one.
bool parse_log_line(const std::string& line, LogEntry& out);

// Parses a time as podman's --since/--until take it: RFC 3339 (with or
// without fraction and zone; no zone is local time), 2006-01-02, Unix seconds
// ("1700000000.5"), or a duration before NOW ("10m", "1h30m", "90s").
// Returns Unix nanoseconds.
Result<int64_t> parse_log_time(const std::string& text, int64_t now_ns);

// Go's time.ParseDuration for the units people use: "1h30m", "10s", "2.5m",
// "500ms". False when TEXT is not one.
bool parse_duration(const std::string& text, int64_t& ns);

}  // namespace roost::engine
