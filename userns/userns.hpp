// Creating user namespaces with the calling user's full ID map.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "common/result.hpp"
#include "common/user_context.hpp"
#include "userns/idmap.hpp"

namespace roost::userns {

// The mapping roost uses for this user: identity for root; otherwise from
// /etc/subuid and /etc/subgid, or a single-ID map carrying a warning (naming
// the files to edit) when the user has none. Errors name the cause.
Result<IdMapping> mapping_for(const UserContext& user);

// Same, reading the sub-ID files from the given paths (tests point these at
// temporary files).
Result<IdMapping> mapping_for(const UserContext& user, const std::string& subuid_path,
                              const std::string& subgid_path);

// Writes MAPPING into PID's new user namespace: directly as root or for a
// single-ID map, else through newuidmap and newgidmap (run side by side); the
// error names the helper, its output and the files to check.
Result<void> write_id_maps(const IdMapping& mapping, pid_t pid);

// True when this process already runs inside a user namespace that roost set
// up (for example under `roost unshare`), so no new one is needed.
bool inside_roost_userns();

// Forks a helper that enters a new user namespace with MAPPING (written by the
// parent through newuidmap/newgidmap, or directly for a single-ID map) and a
// new mount namespace, becomes root there, and runs FN. FN's string result (or
// Error, with its kind, errno and message) comes back through a pipe. For an
// identity mapping (root) no user namespace is created, only the mount
// namespace. Must be called while single-threaded.
Result<std::string> run_in_userns(const IdMapping& mapping, const std::function<Result<std::string>()>& fn);

// Runs ARGV (PATH searched; the user's shell when empty) in a new user and
// mount namespace with MAPPING, stdio inherited, and returns its exit code
// (127 not found, 126 not executable, 128+N for a signal). Sets
// ROOST_USERNS_CONFIGURED=1 in its environment.
Result<int> exec_in_userns(const IdMapping& mapping, const std::vector<std::string>& argv);

// Forks a helper set up as run_in_userns does and returns it while it runs
// FN, whose result becomes the helper's exit status. Setup failures (the
// namespaces, the ID maps) are the Error; FN talks back, if it needs to,
// through fds the caller opened before (they are inherited, close-on-exec or
// not). For a caller that must act while the helper runs (an OCI runtime it
// drives, a PID to record). Must be called while single-threaded.
Result<Child> fork_in_userns(const IdMapping& mapping, const std::function<int()>& fn);

}  // namespace roost::userns
