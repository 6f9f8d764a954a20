// How `inspect` verbs print what they found.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.hpp"

namespace roost::cli {

// The JSON array (FORMAT empty or "json"), or each object through the Go
// template FORMAT, one line each ('{{.State.Status}}', '{{json .Config}}').
// A bad template fails before anything is printed.
Result<void> print_inspected(const nlohmann::json& objects, const std::string& format);

}  // namespace roost::cli
