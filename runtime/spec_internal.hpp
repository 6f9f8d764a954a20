// Pieces of spec generation shared between the runtime's own files and its
// unit tests; not part of the module's public surface.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::runtime::detail {

// Podman's MergeCapabilities: BASE minus DROP plus ADD, sorted. "ALL" in ADD
// starts from every capability; "ALL" in DROP keeps only ADD; naming one
// capability in both is an error, as is "ALL" in both.
Result<std::vector<std::string>> merge_capabilities(const std::vector<std::string>& base,
                                                    const std::vector<std::string>& add,
                                                    const std::vector<std::string>& drop);

// The capabilities in this process's bounding set, "CAP_..." form:
// all a container without a user namespace of its own can be given.
std::vector<std::string> current_bounding_capabilities();

// The container's bounding set: podman's, BASE being AVAILABLE for a
// privileged container and the default set otherwise, merged with ADD and
// DROP, then limited to AVAILABLE as podman limits it to the bounding set
// (so a capability the host lacks is left out, not a capset failure).
// AVAILABLE is every capability in a new user namespace, which starts with a
// full bounding set, and current_bounding_capabilities() without one.
Result<std::vector<std::string>> container_bounding(bool privileged, const std::vector<std::string>& add,
                                                    const std::vector<std::string>& drop,
                                                    const std::vector<std::string>& available);

// The built-in default profile in the Docker profile-file format (archMap,
// syscalls with includes/excludes), unresolved.
const nlohmann::json& default_seccomp_profile();

// Architecture names this build resolves profiles for: the Go/Docker name used
// in includes.arches ("amd64") and libseccomp's ("SCMP_ARCH_X86_64").
const char* native_docker_arch();
const char* native_seccomp_arch();

}  // namespace roost::runtime::detail
