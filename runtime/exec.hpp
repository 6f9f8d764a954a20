// Running one more process in a running container (roost exec): it joins
// the namespaces of the container's first process (user first, mount last)
// and is then set up as that process was from the spec: user and groups,
// capabilities, no_new_privs, seccomp filter, working directory and
// environment.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::runtime {

struct ExecInRequest {
  pid_t target = 0;       // host PID of the container's first process
  nlohmann::json spec;    // the container's spec, its process replaced by the one to run
  bool single_id = false; // the container's map has one ID: setgroups is denied
  std::string cache_dir;  // compiled seccomp filters (executor.hpp)
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
  bool detach = false;    // do not wait: return once it runs
  bool tty = false;       // a pty of the container's devpts, relayed to the stdio fds
  int timeout_ms = 0;     // > 0: killed (SIGKILL, exit 137) when it runs longer
  // The cgroup.procs files of the container's cgroup (cgroups.hpp), joined
  // before the namespaces, so that pause and stats cover the process too.
  std::vector<std::string> cgroup_procs;
};

// The process's exit code (128+N for a signal); 127/126 with podman's line
// on STDERR_FD when the command cannot be executed; 0 at once when detached.
// An Error: it never ran (the container is gone, a namespace cannot be
// joined, ...).
Result<int> exec_in_container(const ExecInRequest& request);

}  // namespace roost::runtime
