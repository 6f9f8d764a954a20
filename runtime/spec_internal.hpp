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

// The built-in default profile in the Docker profile-file format (archMap,
// syscalls with includes/excludes), unresolved.
const nlohmann::json& default_seccomp_profile();

// Architecture names this build resolves profiles for: the Go/Docker name used
// in includes.arches ("amd64") and libseccomp's ("SCMP_ARCH_X86_64").
const char* native_docker_arch();
const char* native_seccomp_arch();

}  // namespace roost::runtime::detail
