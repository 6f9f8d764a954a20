#include "engine/healthcheck.hpp"

#include "common/fd.hpp"
#include "engine/log_file.hpp"
#include "engine/log_reader.hpp"

namespace roost::engine {

using nlohmann::json;

namespace {

constexpr size_t kMaxLogEntries = 5;

int64_t ns_or(const json& j, const char* key, int64_t fallback) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return fallback;
  int64_t v = it->get<int64_t>();
  return v > 0 ? v : fallback;
}

}  // namespace

Result<std::vector<std::string>> parse_health_cmd(const std::string& text) {
  if (text.empty()) return make_error(ErrorKind::invalid, "--health-cmd must not be empty");
  if (text == "none") return std::vector<std::string>{"NONE"};
  if (text.front() == '[') {
    auto j = json::parse(text, nullptr, false);
    if (!j.is_array() || j.empty())
      return make_error(ErrorKind::invalid, "--health-cmd \"" + text + "\": not a JSON array of strings");
    std::vector<std::string> words;
    for (auto& w : j) {
      if (!w.is_string())
        return make_error(ErrorKind::invalid, "--health-cmd \"" + text + "\": not a JSON array of strings");
      words.push_back(w.get<std::string>());
    }
    const auto& first = words.front();
    if (first == "NONE") return std::vector<std::string>{"NONE"};
    if (first == "CMD-SHELL") {
      if (words.size() != 2)
        return make_error(ErrorKind::invalid, "--health-cmd: CMD-SHELL takes exactly one string, the shell command");
      return words;
    }
    if (first != "CMD") words.insert(words.begin(), "CMD");
    if (words.size() < 2) return make_error(ErrorKind::invalid, "--health-cmd: CMD needs a command to run");
    return words;
  }
  return std::vector<std::string>{"CMD-SHELL", text};
}

Result<int64_t> parse_health_duration(const std::string& text, const std::string& flag, bool disable_ok) {
  if (disable_ok && text == "disable") return int64_t{0};
  int64_t ns = 0;
  if (!parse_duration(text, ns))
    return make_error(ErrorKind::invalid, "invalid " + flag + " \"" + text + "\": give a duration such as 30s or 1m30s" +
                                              (disable_ok ? ", or disable" : ""));
  if (flag == "--health-start-period") {
    if (ns < 0) return make_error(ErrorKind::invalid, flag + " must be 0 seconds or greater");
  } else if (ns < kSecondNs) {
    return make_error(ErrorKind::invalid, flag + " must be at least 1 second");
  }
  return ns;
}

json health_to_json(const HealthConfig& h) {
  json j = json::object();
  j["Test"] = h.test;
  j["Interval"] = h.interval_ns;
  j["Timeout"] = h.timeout_ns;
  if (h.start_period_ns) j["StartPeriod"] = h.start_period_ns;
  j["Retries"] = h.retries;
  return j;
}

HealthConfig health_from_json(const json& j) {
  HealthConfig h;
  if (!j.is_object()) return h;
  if (auto t = j.find("Test"); t != j.end() && t->is_array())
    for (auto& w : *t)
      if (w.is_string()) h.test.push_back(w.get<std::string>());
  // A stored "disable" is 0, kept; an image's 0 means the default.
  if (auto it = j.find("Interval"); it != j.end() && it->is_number_integer()) h.interval_ns = it->get<int64_t>();
  h.timeout_ns = ns_or(j, "Timeout", h.timeout_ns);
  h.start_period_ns = ns_or(j, "StartPeriod", 0);
  if (auto r = j.find("Retries"); r != j.end() && r->is_number_integer() && r->get<int>() > 0) h.retries = r->get<int>();
  return h;
}

HealthConfig health_from_image(const std::string& config_json) {
  auto j = json::parse(config_json, nullptr, false);
  if (!j.is_object()) return {};
  auto config = j.find("config");
  if (config == j.end() || !config->is_object()) return {};
  auto hc = config->find("Healthcheck");
  if (hc == config->end() || !hc->is_object()) return {};
  HealthConfig h = health_from_json(*hc);
  if (h.interval_ns <= 0) h.interval_ns = HealthConfig{}.interval_ns;
  // Docker writes ["CMD-SHELL", "cmd"] or ["CMD", ...]; anything else is no check.
  if (h.test.empty() || (h.test.front() != "CMD" && h.test.front() != "CMD-SHELL") || h.test.size() < 2) h.test.clear();
  return h;
}

HealthConfig resolve_health(const HealthConfig& given, const std::string& image_config_json) {
  if (!given.test.empty()) return given.defined() ? given : HealthConfig{{}, 0, 0, 0, 0};
  return health_from_image(image_config_json);
}

void apply_health_result(HealthState& state, HealthResult result, bool in_start_period, int retries) {
  if (result.exit_code == 0) {
    state.status = "healthy";
    state.failing_streak = 0;
  } else if (!in_start_period) {
    ++state.failing_streak;
    if (state.failing_streak >= retries) state.status = "unhealthy";
  }
  state.log.push_back(std::move(result));
  if (state.log.size() > kMaxLogEntries) state.log.erase(state.log.begin(), state.log.end() - kMaxLogEntries);
}

std::string health_state_path(const std::string& run_dir) { return run_dir + "/healthcheck.json"; }

HealthState read_health_state(const std::string& run_dir) {
  HealthState s;
  auto text = read_file(health_state_path(run_dir));
  if (!text) return s;
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return s;
  s.status = j.value("status", s.status);
  s.failing_streak = j.value("failing_streak", 0);
  if (auto log = j.find("log"); log != j.end() && log->is_array())
    for (auto& e : *log)
      if (e.is_object())
        s.log.push_back({e.value("start", int64_t{0}), e.value("end", int64_t{0}), e.value("exit_code", 0),
                         e.value("output", std::string())});
  return s;
}

Result<void> write_health_state(const std::string& run_dir, const HealthState& state) {
  json log = json::array();
  for (auto& e : state.log)
    log.push_back({{"start", e.start_ns}, {"end", e.end_ns}, {"exit_code", e.exit_code}, {"output", e.output}});
  json j{{"status", state.status}, {"failing_streak", state.failing_streak}, {"log", log}};
  ROOST_TRY(make_dirs(run_dir, 0700));
  return write_file_atomic(health_state_path(run_dir), j.dump(-1, ' ', false, json::error_handler_t::replace), 0600);
}

json health_state_json(const HealthState& state) {
  json log = json::array();
  for (auto& e : state.log)
    log.push_back({{"Start", log_display_time(e.start_ns)},
                   {"End", log_display_time(e.end_ns)},
                   {"ExitCode", e.exit_code},
                   {"Output", e.output}});
  return {{"Status", state.status}, {"FailingStreak", state.failing_streak},
          {"Log", state.log.empty() ? json() : log}};
}

void add_health_inspect(json& inspect, const HealthConfig& h, const std::string& run_dir) {
  if (!h.defined()) return;
  inspect["Config"]["Healthcheck"] = health_to_json(h);
  auto state = health_state_json(read_health_state(run_dir));
  inspect["State"]["Health"] = state;
  inspect["State"]["Healthcheck"] = state;
}

std::string status_with_health(const std::string& status, bool running, const HealthConfig& h,
                               const std::string& run_dir) {
  if (!running || !h.defined()) return status;
  return status + " (" + read_health_state(run_dir).status + ")";
}

}  // namespace roost::engine
