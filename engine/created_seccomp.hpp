// What a created container's start takes over from the spec stored at create.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "common/result.hpp"
#include "engine/containers.hpp"
#include "storage/db.hpp"

namespace roost::engine {

// The linux.seccomp section of C's stored spec (null when it has none:
// unconfined, --privileged), from C.spec when that was loaded, else read
// from DB without parsing the rest. nullopt when no spec is stored.
Result<std::optional<nlohmann::json>> created_seccomp(storage::Database& db, const ContainerRecord& c);

}  // namespace roost::engine
