// The processes of a running container, as `podman top` shows them: found by
// the container's PID namespace, described with podman's (psgo's) format
// descriptors, user and group names taken from the container's own files.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::engine {

// user, pid, ppid, pcpu, etime, tty, time, args: podman's default columns.
const std::vector<std::string>& default_top_descriptors();

// A header row and one row per process of the PID namespace INIT_PID (the
// container's first process) leads, in PID order. An unknown descriptor is
// an error that lists the known ones.
Result<std::vector<std::vector<std::string>>> container_top(pid_t init_pid, const std::vector<std::string>& descriptors);

// Go's time.Duration text: "0s", "350ms", "7.5s", "1m2.25s", "2h0m1s".
std::string go_duration(int64_t nanoseconds);

}  // namespace roost::engine
