#include "engine/restart_policy.hpp"

#include <algorithm>

#include "common/fd.hpp"

namespace roost::engine {

Result<RestartPolicy> parse_restart_policy(const std::string& text) {
  RestartPolicy p;
  auto colon = text.find(':');
  p.name = text.substr(0, colon);
  if (p.name.empty()) p.name = "no";
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::invalid, "invalid restart policy \"" + text + "\": " + why);
  };
  if (p.name != "no" && p.name != "on-failure" && p.name != "always" && p.name != "unless-stopped")
    return bad("use no, on-failure[:MAX], always or unless-stopped");
  if (colon == std::string::npos) return p;
  if (p.name != "on-failure") return bad("only on-failure takes a retry count");
  std::string count = text.substr(colon + 1);
  if (count.empty() || count.size() > 6 || count.find_first_not_of("0123456789") != std::string::npos)
    return bad("the retry count must be a non-negative number");
  p.max_retries = std::stoi(count);
  return p;
}

bool restarts_after(const RestartPolicy& policy, int exit_code, int restarts) {
  if (policy.name == "always" || policy.name == "unless-stopped") return true;
  if (policy.name != "on-failure" || exit_code == 0) return false;
  return policy.max_retries == 0 || restarts < policy.max_retries;
}

std::chrono::milliseconds restart_delay(int restarts) {
  int64_t ms = 100;
  for (int i = 0; i < restarts && ms < 10000; ++i) ms *= 2;
  return std::chrono::milliseconds(std::min<int64_t>(ms, 10000));
}

std::string stopped_by_user_path(const std::string& run_dir) { return run_dir + "/stopped-by-user"; }
std::string restart_count_path(const std::string& run_dir) { return run_dir + "/restart-count"; }

int read_restart_count(const std::string& run_dir) {
  auto text = read_file(restart_count_path(run_dir));
  if (!text || text->empty() || text->find_first_not_of("0123456789\n") != std::string::npos) return 0;
  return std::stoi(*text);
}

}  // namespace roost::engine
