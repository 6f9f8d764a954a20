// `run -i` with detach keys: the container runs under a monitor, as with -d,
// and the roost command attaches to it (as `start -ai`), so that the user
// can detach and leave it running. All else is as a foreground run without
// a monitor: signals roost gets go on to the container (with a terminal
// too), a restart policy is waited out, and when the user's terminal hangs
// up, so does the container's.
#pragma once

#include <string>

#include "common/result.hpp"

namespace roost::engine {

class Engine;

// Starts container ID (created, not running) attached; KEYS: the detach
// keys' bytes (not empty). The container's exit code (127/126 when its
// command cannot be executed; its last run's after restarts), 0 once the
// user detached.
Result<int> run_foreground_attached(Engine& eng, const std::string& id, const std::string& keys);

}  // namespace roost::engine
