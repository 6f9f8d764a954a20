// Containers as objects: records in the state database (GRAPH/roost.db, table
// "containers"), their root file systems in storage, and the lifecycle
// created -> running (<-> paused) -> exited; removal deletes the record. A running
// container has a monitor: the foreground roost that started it, or a
// detached monitor process (monitor.hpp) that owns its stdio and log.
//
// Safe for several roost processes on one store: names are claimed by a
// UNIQUE constraint, state changes are conditional updates, and a container
// marked running whose monitor is gone (killed), or whose per-boot state in
// the run root is gone (a reboot), is reconciled on the next read: what is
// left of its processes is killed and it is shown exited.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "engine/attach.hpp"
#include "engine/healthcheck.hpp"
#include "engine/restart_policy.hpp"
#include "runtime/spec.hpp"
#include "storage/store.hpp"

namespace roost::engine {

enum class State { created, running, exited, removing, paused };
std::string state_name(State s);
// Running or paused: its processes exist and its monitor waits for them.
inline bool is_active(State s) { return s == State::running || s == State::paused; }

// What the engine does around the process: its log and how it is stopped.
// Not part of the OCI spec; stored beside the run options.
struct LifecycleOptions {
  std::string log_driver = "k8s-file";  // or "journald", "none"
  std::string log_tag;                  // --log-opt tag (journald's CONTAINER_TAG)
  uint64_t log_max_size = 0;            // --log-opt max-size (bytes); 0: unbounded
  std::string stop_signal = "SIGTERM";  // --stop-signal, else the image's StopSignal
  int stop_timeout = 10;                // --stop-timeout, seconds before SIGKILL
  RestartPolicy restart;                // --restart, applied by a detached container's monitor
  HealthConfig health;                  // --health-*, else the image's; run by a detached container's monitor
};
// Checks and normalises: the driver is known (journald: reachable), the
// signal valid (its SIG name).
Result<void> validate_lifecycle(LifecycleOptions& l);
nlohmann::json lifecycle_to_json(const LifecycleOptions& l);
LifecycleOptions lifecycle_from_json(const nlohmann::json& j);

struct ContainerRecord {
  std::string id;          // 64 hex
  std::string name;
  std::string image_id;
  std::string image_name;  // as the user gave it, resolved to a stored name when there is one
  std::vector<std::string> command;  // process args: entrypoint + cmd
  int64_t created_ns = 0;            // Unix time in nanoseconds
  State state = State::created;
  pid_t pid = 0;                     // host PID of the container's first process while running
  int64_t pid_start = 0;             // its start time (proc.hpp), guarding against PID reuse
  pid_t monitor_pid = 0;             // the process that waits for it (a roost run, or the monitor)
  int64_t monitor_start = 0;
  int exit_code = 0;
  int64_t started_ns = 0;            // 0: never started
  int64_t finished_ns = 0;
  bool auto_remove = false;          // --rm
  runtime::RunOptions options;
  LifecycleOptions lifecycle;
  std::map<std::string, std::string> labels;  // the image's, then --label's over them
  nlohmann::json spec;               // the OCI spec it runs with (null before the first build)
};

struct CreateFlags {
  bool auto_remove = false;
  LifecycleOptions lifecycle;
  bool stop_signal_given = false;  // else the image's StopSignal, if any
  std::map<std::string, std::string> labels;  // --label, --label-file
};

struct StdioFds {
  int in = 0;
  int out = 1;
  int err = 2;
};

// What the engine needs from its caller; main's Session provides it.
struct EngineOptions {
  // Open store, outliving the engine: its options give graph root, run root,
  // mapping, driver; its database connection holds the containers table.
  storage::Store* store = nullptr;
  bool rootless = true;              // mount with userxattr (false for root without a user namespace)
  // How to run this program as a container's monitor: the executable and the
  // global options that select this store, then the hidden monitor verb; the
  // engine appends the container ID (see monitor.hpp).
  std::vector<std::string> monitor_command;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> open(const EngineOptions& options);
  ~Engine();

  // Resolves IMAGE in the store, checks the options (bind sources exist,
  // capabilities, seccomp profile, via build_spec), claims the name
  // (generated when empty) and creates the root file system. On failure
  // nothing is left: no record, no layer.
  Result<ContainerRecord> create_container(const std::string& image, runtime::RunOptions options,
                                           const CreateFlags& flags);

  // ATTACH: runs the container in the foreground with this process as its
  // monitor and returns its exit code (127/126 when the command cannot be
  // executed, 128+N for a signal). An Error means it never ran; with
  // auto_remove the container is removed either way.
  // Not ATTACH: starts a monitor process that outlives this one (monitor.hpp)
  // and returns 0 once the container runs; 127/126 (the reason written to
  // STDIO.err) when its command cannot be executed. Already running: 0.
  // ON_LISTENING (not ATTACH): the monitor makes its attach socket first
  // and calls it, then waits a moment for a client before the container starts.
  Result<int> start_container(const std::string& id_or_name, const StdioFds& stdio, bool attach,
                              const std::function<void()>& on_listening = {});

  // Relays the running container's output (and input, when it was made
  // with -i) through its monitor's attach socket until it exits or the user
  // types the detach keys (attach_container.cpp). Not running: an Error, as
  // podman's "you can only attach to running containers".
  Result<AttachOutcome> attach_container(const std::string& id_or_name, const AttachRequest& request);
  // Starts it with a monitor and attaches before it runs; attaches when it
  // already runs. Exited with 127/126 when its command could not be executed.
  Result<AttachOutcome> start_attached(const std::string& id_or_name, const AttachRequest& request);

  // The body of the monitor process (the hidden monitor verb): runs the
  // container with its output logged, reporting to SYNC_FD once it runs.
  // WAIT_ATTACH: see MonitorConfig::wait_attach.
  int monitor_container(const std::string& id, int sync_fd, bool wait_attach = false);

  // Sends the stop signal, then SIGKILL after TIMEOUT seconds (default: the
  // container's stop timeout), and waits until its exit is recorded. A
  // container that is not running is left as it is.
  Result<void> stop_container(const std::string& id_or_name, std::optional<int> timeout);
  // Signals the container's first process; not running is an error.
  Result<void> kill_container(const std::string& id_or_name, int signal);
  // Waits until the container is no longer running; its exit code.
  Result<int> wait_container(const std::string& id_or_name);
  // Runs one more process in the running container (runtime/exec.hpp):
  // OPTIONS.command with OPTIONS.env added to the container's environment,
  // OPTIONS.workdir and OPTIONS.user when given. Its exit code, 127/126 when
  // it cannot be executed; DETACH: 0 once it runs.
  struct ExecOptions {
    std::vector<std::string> command;
    std::vector<std::string> env;
    std::string workdir;
    std::string user;
    bool detach = false;
    bool tty = false;
    int timeout_ms = 0;  // > 0: killed when it runs longer
    bool health_check = false;  // records no exec events, as podman's checks do not
  };
  Result<int> exec_container(const std::string& id_or_name, const ExecOptions& options, const StdioFds& stdio);
  // The store's settings (graph and run root, ID mapping, driver).
  const storage::StoreOptions& store_options() const;
  // Where the container's k8s-file log is (whether or not it exists).
  std::string log_path(const ContainerRecord& c) const;
  // Its per-boot state: network files, restart policy markers.
  std::string run_dir(const ContainerRecord& c) const;

  // Gives the container NEW_NAME, running or not; a name in use is an error.
  Result<void> rename_container(const std::string& id_or_name, const std::string& new_name);

  // A running container needs FORCE, which kills it (SIGKILL) and waits.
  Result<void> remove_container(const std::string& id_or_name, bool force);

  // All containers, newest first, reconciled; without their OCI specs
  // (null): lookup() gives those.
  Result<std::vector<ContainerRecord>> list();
  // Freezes or thaws every process of a running container through its
  // cgroup (pause_stats.cpp); the state becomes paused or running again.
  // Without a cgroup (rootless on cgroup v1) an unsupported Error says why.
  Result<void> pause_container(const std::string& id_or_name);
  Result<void> unpause_container(const std::string& id_or_name);
  // What `stats` shows for C, read from its cgroup now (zeros when it is not
  // running); NET IO from its first process's network namespace.
  struct Stats {
    uint64_t cpu_ns = 0;
    uint64_t mem_usage = 0, mem_limit = 0;  // the limit is the host's RAM when none is set
    uint64_t net_rx = 0, net_tx = 0;
    uint64_t block_read = 0, block_write = 0;
    uint64_t pids = 0;
    int64_t sampled_ns = 0;  // when it was read (wall clock)
  };
  Result<Stats> container_stats(const ContainerRecord& c);
  // Whether containers get cgroups here; the reason as an unsupported Error when not.
  Result<void> cgroups_available();

  // By full ID, unique ID prefix, or name.
  Result<ContainerRecord> lookup(const std::string& id_or_name);
  // Those created from IMAGE_ID (their spec left null).
  Result<std::vector<ContainerRecord>> using_image(const std::string& image_id);
  // Removes every container that is not running; returns their IDs.
  Result<std::vector<std::string>> prune();

  // Records STATUS (pause, restart, ...) for C in the events log
  // (events.hpp), with EXTRA attributes; never fails.
  void record_event(const ContainerRecord& c, const std::string& status, std::optional<int> exit_code = std::nullopt,
                    const std::map<std::string, std::string>& extra = {});

  // `podman container inspect` shape.
  nlohmann::json inspect(const ContainerRecord& c);

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  // Starts a monitor process for C (start_container without ATTACH);
  // ON_LISTENING as start_container's.
  Result<int> spawn_monitor_of(const ContainerRecord& c, const StdioFds& stdio,
                               const std::function<void()>& on_listening = {});
  // After a foreground run of ID that exited with EXIT_CODE: when its
  // restart policy starts it again, a monitor does (its output goes to the
  // log) and this waits until the policy is done, as podman's run does; the
  // last run's exit code. Else EXIT_CODE (foreground_restart.cpp).
  Result<int> restart_after_foreground(const std::string& id, int exit_code, const StdioFds& stdio);
  // Moves container ID from state FROM to TO; false when it was not in FROM.
  Result<bool> change_state(const std::string& id, State from, State to);
  std::unique_ptr<Impl> impl_;
};

// RunOptions <-> JSON, as stored in the record (enough to start it again).
nlohmann::json options_to_json(const runtime::RunOptions& o);
Result<runtime::RunOptions> options_from_json(const nlohmann::json& j);

// "adjective_noun", like Docker's generated names.
std::string generate_name();

// "Up 3 seconds", "Exited (0) 5 seconds ago", "Created".
std::string status_text(const ContainerRecord& c, int64_t now_ns);

}  // namespace roost::engine
