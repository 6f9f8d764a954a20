// Restart policies (--restart no|on-failure[:N]|always|unless-stopped),
// applied by a detached container's monitor after each exit.
#pragma once

#include <chrono>
#include <string>

#include "common/result.hpp"

namespace roost::engine {

struct RestartPolicy {
  std::string name = "no";  // "no", "on-failure", "always", "unless-stopped"
  int max_retries = 0;      // on-failure:N; 0: no limit
};

// Parses --restart's value; an unknown policy or a bad count names itself.
Result<RestartPolicy> parse_restart_policy(const std::string& text);

// Whether a container that exited with EXIT_CODE, restarted RESTARTS times
// already, starts again. A user's stop is checked separately.
bool restarts_after(const RestartPolicy& policy, int exit_code, int restarts);

// The wait before restart number RESTARTS + 1: 100 ms, doubling up to 10 s,
// so that a container that fails at once does not spin.
std::chrono::milliseconds restart_delay(int restarts);

// Files in the container's run directory: the user's stop (which a policy
// must not undo) and the number of restarts (inspect's RestartCount).
std::string stopped_by_user_path(const std::string& run_dir);
std::string restart_count_path(const std::string& run_dir);
int read_restart_count(const std::string& run_dir);

}  // namespace roost::engine
