// Running a container through an external OCI runtime (runc) by its standard
// command line instead of the built-in executor.
//
// Rootless, the runtime runs inside a user namespace that roost has already
// made with the user's ID map and in which the root file system is already
// mounted, as podman does with its pause process: the runtime then sees
// itself as root and the spec it gets has no user namespace of its own.
// The sequence is `create` (stdio passed through, or a console socket for a
// terminal), `start`, wait for the container's first process (the helper is
// its subreaper), and `delete -f` on every path out.
#pragma once

#include <sys/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "runtime/executor.hpp"
#include "runtime/user_lookup.hpp"

namespace roost::runtime {

// The runtime's executable: NAME searched in PATH, or a path (anything with a
// '/'). Missing or not executable: `runtime "NAME" not found` (not_found).
Result<std::string> find_runtime(const std::string& name);

// The spec as an external runtime gets it. A pure function. IN_USERNS: the
// runtime already runs in the container's user namespace, so the "user"
// namespace entry and uid/gidMappings go, and so do linux.resources and
// linux.cgroupsPath (no cgroups can be set up there). USER, when given,
// replaces process.user (a name from the io.roost.user annotation, resolved
// through the container's /etc/passwd: runtimes take only numbers).
nlohmann::json external_spec(const nlohmann::json& spec, bool in_userns, const std::optional<ResolvedUser>& user);

// The last error-level message of a runtime's JSON log (--log-format json),
// or "" when it logged none.
std::string last_log_error(const std::string& log_text);

// Runs REQUEST with the runtime at RUNTIME_PATH: BUNDLE_DIR (made here,
// removed on return) gets config.json and the runtime's log, STATE_ROOT is the
// runtime's --root, CONTAINER_ID names it there. The exit code is the
// container's (127/126 when its command cannot be executed; the runtime has
// then printed why on REQUEST's stderr). Errors name the runtime and the step
// ("runc create: ..."). ON_STARTED (may be empty) gets the host PID of the
// container's first process once it exists; signals the caller receives are
// forwarded to that process as run_container does.
Result<ExecResult> run_with_external_runtime(const std::string& runtime_path, const ExecRequest& request,
                                             const std::string& bundle_dir, const std::string& state_root,
                                             const std::string& container_id,
                                             const std::function<void(pid_t)>& on_started);

// `delete -f` of CONTAINER_ID when the runtime still has state for it under
// STATE_ROOT (a roost killed while it ran leaves the container running and
// its state behind), run in a user namespace with MAPPING as the container
// was created in. Nothing to do is success.
Result<void> delete_external_container(const std::string& runtime_path, const userns::IdMapping& mapping,
                                       const std::string& state_root, const std::string& container_id);

// Where roost keeps the state of the runtime at RUNTIME_PATH under RUN_ROOT:
// RUN_ROOT/<its file name>.
std::string external_state_root(const std::string& run_root, const std::string& runtime_path);

}  // namespace roost::runtime
