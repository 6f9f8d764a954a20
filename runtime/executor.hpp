// roost's built-in executor: applies an OCI runtime spec to a new process.
//
// The parent clones the child into the namespaces the spec lists, writes the
// ID maps (newuidmap/newgidmap, or directly for a single-ID map) through
// userns, and waits. The child mounts the root file system (through the
// caller's callback, inside its own mount namespace), applies the spec's
// mounts in order, masks and read-only paths, pivot_root, hostname, rlimits,
// user and groups, capabilities (libcap), no_new_privs, seccomp (libseccomp),
// then execs process.args. Every failure before exec reaches the parent
// through a pipe as an Error naming its step ("mounting /proc: EPERM").
#pragma once

#include <sys/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.hpp"
#include "userns/idmap.hpp"

namespace roost::runtime {

struct ExecRequest {
  nlohmann::json spec;         // from build_spec
  userns::IdMapping mapping;   // what to write for the user namespace
  // Runs in the child, inside its user and mount namespaces, before any spec
  // mount: mounts the container's root file system at spec.root.path.
  std::function<Result<void>(const std::string& rootfs)> mount_rootfs;
  // Where the executor may keep what it can reuse between containers (the
  // compiled seccomp filters); empty: nothing is kept.
  std::string cache_dir;
  // Called in the parent with the container process's PID once its
  // namespaces exist (and its ID maps are written), before it goes on to
  // mount its root and run its command: the network is attached here. An
  // error stops the container before its command runs. May be empty.
  std::function<Result<void>(pid_t)> on_namespaces;
  int stdin_fd = 0;  // used when spec.process.terminal is false
  int stdout_fd = 1;
  int stderr_fd = 2;
  // With spec.process.terminal: the executor makes a pty in the container
  // (/dev/pts newinstance), relays it to these fds, sets raw mode on a tty
  // stdin, and forwards window size changes (SIGWINCH).
  // Called in the parent with the pty's master before the relay starts, for
  // callers that set its window size themselves (an attach socket). May be
  // empty; not called by the external runtime driver, whose relay runs in a
  // helper process. Called again with -1 when the relay ends, before the
  // master is closed: a copy must go then, or the container's terminal
  // never hangs up.
  std::function<void(int master)> on_terminal;
  // With a terminal: stdin_fd ending hangs the container's terminal up (a
  // monitor's stdin pipe, closed when an attached user's terminal hung up).
  bool stdin_end_hangs_up = false;
};

struct ExecResult {
  int exit_code = 0;   // the process's code, or 128+signal
  pid_t pid = 0;       // host PID it had
};

// When exec fails the container still "ran": the result carries exit code
// 127 (command not found) or 126 (not executable), and a podman-shaped line
// goes to stderr_fd, e.g. `Error: executable file "foo" not found in $PATH`.
// Signals SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 received by
// the caller are forwarded to the container's first process while it runs.
// ON_STARTED (may be empty) is called in the parent once the process runs.
Result<ExecResult> run_container(const ExecRequest& request, const std::function<void(pid_t)>& on_started);

}  // namespace roost::runtime
