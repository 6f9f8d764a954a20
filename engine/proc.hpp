// Telling whether a recorded process still runs, robust against PID reuse:
// a PID is only "the same process" when its start time (field 22 of
// /proc/PID/stat, clock ticks since boot) matches the one recorded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>

#include "common/fd.hpp"

namespace roost::engine {

// Start time of PID, or 0 when it does not exist.
int64_t process_start_time(pid_t pid);
// PID exists, is not a zombie, and (when START is non-zero) started at START.
bool process_alive(pid_t pid, int64_t start);
// Waits until process_alive turns false; false on timeout.
bool wait_process_gone(pid_t pid, int64_t start, std::chrono::milliseconds timeout);

// A pidfd for PID when it is alive and started at START (checked after the
// pidfd is open, so that a signal sent through it cannot reach a process
// that took over the PID); invalid otherwise. Works for any process, not
// only children.
UniqueFd open_process(pid_t pid, int64_t start);
// Waits for the process behind PIDFD to exit (poll, no CPU while waiting);
// TIMEOUT < 0: forever. True once it exited.
bool wait_exit(int pidfd, std::chrono::milliseconds timeout);
// Sends SIG through PIDFD; ESRCH (already gone) counts as success.
Result<void> signal_process(int pidfd, int sig);

}  // namespace roost::engine
