// Reading a container's k8s-file log back (log_file.hpp) for `roost logs`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "engine/log_file.hpp"

namespace roost::engine {

struct LogQuery {
  bool follow = false;
  int64_t since_ns = 0;  // 0: from the start
  int64_t until_ns = 0;  // 0: to the end
  std::optional<size_t> tail;  // the last N lines
};

// Calls EMIT with each entry QUERY selects, in order. A missing file has no
// entries. FOLLOW: keeps reading as the file grows (inotify, no busy loop)
// until RUNNING returns false, then emits what is left.
Result<void> read_log(const std::string& path, const LogQuery& query, const std::function<bool()>& running,
                      const std::function<void(const LogEntry&)>& emit);

// A log entry's time as podman prints it with --timestamps: RFC 3339 with
// nanoseconds (trailing zeros dropped), local time, "Z" for UTC.
std::string log_display_time(int64_t time_ns);

}  // namespace roost::engine
