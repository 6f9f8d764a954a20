// The per-container monitor: the process that holds a detached container's
// stdio, writes its log, waits for it and records its exit, so that the
// container outlives the roost command that started it. No daemon: one
// monitor per running container, gone when the container is.
//
// The CLI side (spawn_monitor) runs the monitor command through a double
// fork with setsid in between, so the monitor has its own session, no
// controlling terminal, and is not the CLI's child; its stdin, stdout and
// stderr are /dev/null and fd 3 is a pipe back to the CLI. The monitor
// (run_monitor) reports on that pipe once the container runs, or why it did
// not, as one JSON object, and closes it:
//   {"listening": true}                       first, with wait_attach: connect now
//   {"started": PID}                          the container runs
//   {"exit": 127, "message": "Error: ..."}    its command could not be executed
//   {"error": "...", "kind": N, "errno": N}   it never ran (an Error)
// While the container runs the monitor sleeps in waitpid and its log thread
// in poll: it uses no CPU while the container is quiet. Once the container
// runs it gives back the heap that starting it took (MonitorConfig::idle,
// malloc_trim): what stays is mostly the binary's pages, which every monitor
// shares (bench/lifecycle.sh measures it).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "engine/containers.hpp"

namespace roost::engine {

// The fd on which the monitor command finds its pipe to the CLI.
constexpr int kMonitorSyncFd = 3;

// Starts COMMAND as a monitor and waits for its report: 0 once the container
// runs, the exit code (127/126) with the reason written to ERR_FD when its
// command could not be executed, an Error when it never ran. ON_LISTENING is
// called when the monitor reports its attach socket ready (wait_attach).
Result<int> spawn_monitor(const std::vector<std::string>& command, int err_fd,
                          const std::function<void()>& on_listening = {});

// Called by the engine's start path in the monitor: STARTED once the
// container's first process runs (after its PID is recorded), EXITED once it
// has been waited for, before its exit is recorded.
struct StartHooks {
  std::function<void(pid_t)> started;
  // The pty's master, before STARTED (with a terminal); -1 once its relay
  // ended (ExecRequest::on_terminal).
  std::function<void(int master)> terminal;
  std::function<void()> exited;
};

struct MonitorConfig {
  std::string log_path;       // k8s-file log
  LifecycleOptions lifecycle;
  bool interactive = false;   // -i: stdin a pipe held open (never EOF), else /dev/null
  bool tty = false;
  int sync_fd = kMonitorSyncFd;
  // Where the attach socket goes (attach.hpp); empty: none.
  std::string attach_dir;
  // `start -a`: report {"listening": true} and give the CLI a moment to
  // connect before the container starts.
  bool wait_attach = false;
  // Asked after each run that started, with its exit code: true to start
  // the container again (the restart policy; it waits out any back-off).
  std::function<bool(int exit_code)> restart_after;
  std::string container_id, container_name;  // for the journald log driver
  // Run every HEALTH_INTERVAL_NS while the container runs (health_timer.hpp).
  std::vector<std::string> health_command;
  int64_t health_interval_ns = 0;
  // Called once the container runs, before the monitor goes idle: to drop
  // caches (the state DB's) that the wait does not need.
  std::function<void()> idle;
};

// The monitor's body: sets up stdio and the log, calls START (the engine's
// start path with this process as the container's monitor), reports on
// SYNC_FD. Returns the process exit code.
using MonitorStart = std::function<Result<int>(const StdioFds&, const StartHooks&)>;
int run_monitor(const MonitorConfig& config, const MonitorStart& start);

// Reports ERROR on SYNC_FD (for failures before run_monitor).
void report_monitor_error(int sync_fd, const Error& error);

}  // namespace roost::engine
