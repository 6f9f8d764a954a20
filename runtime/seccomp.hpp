// Loading linux.seccomp (the OCI spec object) with libseccomp. Internal to
// runtime/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.hpp"

namespace roost::runtime {

// A filter compiled to classic BPF, ready for seccomp(2).
struct SeccompProgram {
  std::string bpf;     // struct sock_filter[]
  unsigned flags = 0;  // SECCOMP_FILTER_FLAG_*
};

// Compiles linux.seccomp as load_seccomp would load it. Compiling the
// default profile takes libseccomp ~15 ms, most of a container's start, so
// with a CACHE_DIR (may be empty: none) the program is kept there with the
// profile and libseccomp version it was compiled from, and later containers
// whose profile and libseccomp match exactly read it back instead.
Result<SeccompProgram> compile_seccomp(const nlohmann::json& seccomp, const std::string& cache_dir);

// Loads a compiled program into this process (the same conditions as
// load_seccomp). Allocates nothing.
Result<void> load_seccomp_program(const SeccompProgram& program);

// Builds and loads the filter. Does not set no_new_privs: the caller either
// holds CAP_SYS_ADMIN in its user namespace or has set it. Syscall names this
// libseccomp does not know are skipped (profiles list syscalls of newer
// kernels); malformed entries are an error naming them.
Result<void> load_seccomp(const nlohmann::json& seccomp);

}  // namespace roost::runtime
