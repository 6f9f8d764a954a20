// The loop of verbs that act on several containers (stop, kill, wait,
// restart): each one in turn, its result line on stdout or its error on
// stderr, podman's exit code 125 when any failed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::cli {

int for_each_container(const std::vector<std::string>& names,
                       const std::function<Result<std::string>(const std::string&)>& fn);

}  // namespace roost::cli
