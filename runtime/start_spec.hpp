// The spec of a created container, built again when it starts.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.hpp"
#include "runtime/spec.hpp"

namespace roost::runtime {

// As build_spec, with fresh HOST facts, except that linux.seccomp is
// CREATED_SECCOMP: that section of the spec stored at create (null when it
// had none: unconfined, --privileged). As in podman, the profile is resolved
// once, at create, not again at every start.
Result<nlohmann::json> rebuild_spec(const ImageConfig& image, const RunOptions& options, const HostFacts& host,
                                    nlohmann::json created_seccomp);

}  // namespace roost::runtime
