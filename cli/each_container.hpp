// The loop of verbs that act on several containers (stop, kill, wait,
// restart): each one in turn, its result line on stdout or its error on
// stderr, podman's exit code 125 when any failed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "engine/containers.hpp"

namespace roost::cli {

// NAMES, or with ALL the IDs of every running or paused container (not both):
// as podman, `kill --all` kills paused ones too and `stop --all` reports each
// paused one as it reports `stop NAME` of it.
Result<std::vector<std::string>> names_or_running(engine::Engine& eng, const std::vector<std::string>& names, bool all);

int for_each_container(const std::vector<std::string>& names,
                       const std::function<Result<std::string>(const std::string&)>& fn);

}  // namespace roost::cli
