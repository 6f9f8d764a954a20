// Health checks, as podman runs them: a command executed in the running
// container (an exec) whose exit code says healthy (0) or not. Its settings
// come from --health-* or the image's config (Healthcheck); the state
// (starting, healthy, unhealthy, the failing streak and the last five
// results) is kept in the container's run directory. `roost healthcheck run`
// runs one check; a detached container's monitor runs one every interval
// (health_timer.hpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::engine {

constexpr int64_t kSecondNs = 1000000000;

struct HealthConfig {
  // ["CMD-SHELL", "cmd"] (run with /bin/sh -c) or ["CMD", arg...]; ["NONE"]
  // disables the image's; empty: none given.
  std::vector<std::string> test;
  int64_t interval_ns = 30 * kSecondNs;  // 0: no periodic checks ("disable")
  int64_t timeout_ns = 30 * kSecondNs;
  int64_t start_period_ns = 0;           // failures then do not count
  int retries = 3;                       // consecutive failures that make it unhealthy

  bool defined() const { return !test.empty() && test.front() != "NONE"; }
};

// --health-cmd: a JSON array (its first word CMD, CMD-SHELL or NONE, else
// CMD is put in front), "none", or a command line for /bin/sh -c.
Result<std::vector<std::string>> parse_health_cmd(const std::string& text);
// --health-interval and the others: a Go duration ("30s", "1m30s"), at
// least one second; DISABLE_OK: "disable" gives 0.
Result<int64_t> parse_health_duration(const std::string& text, const std::string& flag, bool disable_ok);

// podman's Config.Healthcheck shape (Test, Interval, Timeout, StartPeriod,
// Retries; durations in nanoseconds), which is also the image config's.
// From an image, zero or missing values take the defaults.
nlohmann::json health_to_json(const HealthConfig& h);
HealthConfig health_from_json(const nlohmann::json& j);
// The Healthcheck of an image's config JSON (the whole config blob).
HealthConfig health_from_image(const std::string& config_json);
// What a container gets: GIVEN (the flags) when it has a test (an empty
// config for NONE), else the image's.
HealthConfig resolve_health(const HealthConfig& given, const std::string& image_config_json);

struct HealthResult {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int exit_code = 0;
  std::string output;
};

struct HealthState {
  std::string status = "starting";  // starting, healthy, unhealthy
  int failing_streak = 0;
  std::vector<HealthResult> log;    // the newest five
};

// Adds one result as podman does: success is healthy and resets the streak;
// a failure outside the start period counts, RETRIES in a row is unhealthy.
void apply_health_result(HealthState& state, HealthResult result, bool in_start_period, int retries);

// RUN_DIR/healthcheck.json
std::string health_state_path(const std::string& run_dir);
// A missing or unreadable file is a fresh state (starting).
HealthState read_health_state(const std::string& run_dir);
Result<void> write_health_state(const std::string& run_dir, const HealthState& state);
// inspect's State.Health: Status, FailingStreak, Log (Start, End, ExitCode, Output).
nlohmann::json health_state_json(const HealthState& state);

// inspect: Config.Healthcheck, and State.Health (also as State.Healthcheck)
// when the container has a check.
void add_health_inspect(nlohmann::json& inspect, const HealthConfig& h, const std::string& run_dir);

// "Up 3 seconds" -> "Up 3 seconds (healthy)" while it runs with a check.
std::string status_with_health(const std::string& status, bool running, const HealthConfig& h,
                               const std::string& run_dir);

}  // namespace roost::engine
