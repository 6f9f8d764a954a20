// Events: what happened to containers and images, recorded as it happens
// and read back by `roost events`. No daemon keeps them: every roost process
// appends its own to one file in the run root (RUNROOT/events/events.log,
// as podman's file events backend), one JSON object per line.
//
// Each event is one write(2) with O_APPEND, so lines from concurrent roost
// processes never interleave. The file is bounded: a writer that finds it
// past the limit keeps its newest half (cut at a line boundary), under an
// exclusive lock that appenders take shared, so that no event is written
// into a file being replaced. Recording never fails a command: errors are
// logged and dropped.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::engine {

struct Event {
  int64_t time_ns = 0;       // Unix time; 0: now, when recorded
  std::string type;          // container, image
  std::string status;        // create, start, died, pull, tag, ...
  std::string id;
  std::string name;          // container name; image: the reference it concerns
  std::string image;         // container events: its image's name
  std::map<std::string, std::string> attributes;  // container labels, kill's signal
  std::optional<int> exit_code;                    // died, exec_died
  std::string health_status;                       // health_status
};

// podman's default events_logfile_max_size.
constexpr uint64_t kEventsLogMaxSize = 1024 * 1024;

// RUN_ROOT/events/events.log
std::string events_log_path(const std::string& run_root);

// Appends EVENT to the log at PATH (its directory created when missing),
// trimming it to its newest half once it grows past MAX_SIZE bytes.
void record_event(const std::string& path, Event event, uint64_t max_size = kEventsLogMaxSize) noexcept;

// The stored line of an event and back (false: not an event line).
std::string event_to_line(const Event& e);
bool event_from_line(const std::string& line, Event& out);

// As podman 4.3 prints them: the human line, "2006-01-02 15:04:05.999999999
// -0700 MST container start ID (image=..., name=..., labels...)", and the
// object behind --format json and templates (ID, Image, Name, Status, Time,
// Type, Attributes, ContainerExitCode, HealthStatus).
std::string event_human(const Event& e, bool truncate);
nlohmann::json event_json(const Event& e, bool truncate);
// Go's time.Time.String() of a Unix time, in the local zone.
std::string go_time_string(int64_t time_ns);

// --filter KEY=VALUE: event, type, container (name, ID or ID prefix), image
// (name or ID prefix), label (KEY or KEY=VALUE). Values of one key are
// alternatives; different keys must all match.
class EventFilter {
 public:
  static Result<EventFilter> parse(const std::vector<std::string>& filters);
  bool matches(const Event& e) const;

 private:
  std::map<std::string, std::vector<std::string>> by_key_;
};

struct EventQuery {
  int64_t since_ns = 0;  // 0: from the oldest kept
  int64_t until_ns = 0;  // 0: no end
  bool follow = false;   // wait for new events (inotify) until UNTIL, or forever
};

// Calls EMIT with each event of the log at PATH in QUERY's range, in the
// order they were written; with FOLLOW keeps waiting for new ones (across
// trims) until UNTIL passes. A missing log has no events.
Result<void> read_events(const std::string& path, const EventQuery& query,
                         const std::function<void(const Event&)>& emit);

}  // namespace roost::engine
