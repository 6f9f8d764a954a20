// Signal names as podman takes them: "TERM", "SIGTERM", "term", "15",
// "RTMIN+3".
#pragma once

#include <string>

#include "common/result.hpp"

namespace roost::engine {

// The signal number; podman's errors for what is not one
// ("invalid signal: FOO", "valid signals are 1 through 64").
Result<int> parse_signal(const std::string& text);
// "SIGTERM"; "SIGRTMIN+3"; the number for what has no name.
std::string signal_name(int sig);

}  // namespace roost::engine
