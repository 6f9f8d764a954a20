// OCI hooks (spec.hooks): each program runs with its args and env and the
// container's state JSON on stdin. Internal to runtime/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.hpp"

namespace roost::runtime {

// Runs spec.hooks[STAGE] in order; the first failing hook (non-zero exit,
// signal, timeout, or missing program) is an error naming the stage and path.
Result<void> run_hooks(const nlohmann::json& spec, const std::string& stage, const nlohmann::json& state);

bool has_hooks(const nlohmann::json& spec, const std::string& stage);

}  // namespace roost::runtime
