// Loading linux.seccomp (the OCI spec object) with libseccomp. Internal to
// runtime/.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace roost::runtime {

// Builds and loads the filter. Does not set no_new_privs: the caller either
// holds CAP_SYS_ADMIN in its user namespace or has set it. Syscall names this
// libseccomp does not know are skipped (profiles list syscalls of newer
// kernels); malformed entries are an error naming them.
Result<void> load_seccomp(const nlohmann::json& seccomp);

}  // namespace roost::runtime
