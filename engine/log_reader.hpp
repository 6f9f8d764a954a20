// Reading a container's log back for `roost logs`: its k8s-file log
// (log_file.hpp) or its entries in the journal (journal.hpp).
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

// The same from the journal: the entries whose CONTAINER_ID_FULL is ID,
// stdout or stderr by PRIORITY. FOLLOW waits on the journal.
Result<void> read_journal_log(const std::string& id, const LogQuery& query, const std::function<bool()>& running,
                              const std::function<void(const LogEntry&)>& emit);

// The one of the two that DRIVER writes (k8s-file: PATH, journald: ID).
Result<void> read_container_log(const std::string& driver, const std::string& id, const std::string& path,
                                const LogQuery& query, const std::function<bool()>& running,
                                const std::function<void(const LogEntry&)>& emit);

// A log entry's time as podman prints it with --timestamps: RFC 3339 with
// nanoseconds (trailing zeros dropped, but all nine digits for the journal's
// entries, as podman prints those), local time, "Z" for UTC.
std::string log_display_time(int64_t time_ns, bool all_digits = false);

}  // namespace roost::engine
