// Containers as objects: records in the state database (GRAPH/roost.db, table
// "containers"), their root file systems in storage, and the foreground
// lifecycle created -> running -> exited; removal deletes the record.
//
// Safe for several roost processes on one store: names are claimed by a
// UNIQUE constraint, state changes are conditional updates, and a container
// whose monitor (the roost process that started it) and process are both
// gone is reconciled to exited on the next read.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "runtime/spec.hpp"
#include "storage/store.hpp"

namespace roost::engine {

enum class State { created, running, exited, removing };
std::string state_name(State s);

struct ContainerRecord {
  std::string id;          // 64 hex
  std::string name;
  std::string image_id;
  std::string image_name;  // as the user gave it, resolved to a stored name when there is one
  std::vector<std::string> command;  // process args: entrypoint + cmd
  int64_t created_ns = 0;            // Unix time in nanoseconds
  State state = State::created;
  pid_t pid = 0;                     // host PID of the container's first process while running
  int exit_code = 0;
  int64_t started_ns = 0;            // 0: never started
  int64_t finished_ns = 0;
  bool auto_remove = false;          // --rm
  runtime::RunOptions options;
  nlohmann::json spec;               // the OCI spec it runs with (null before the first build)
};

struct CreateFlags {
  bool auto_remove = false;
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

  // Runs the container in the foreground with this process as its monitor and
  // returns its exit code (127/126 when the command cannot be executed,
  // 128+N for a signal). An Error means it never ran; with auto_remove the
  // container is removed either way. ATTACH false (detached start) is not
  // supported yet.
  Result<int> start_container(const std::string& id_or_name, const StdioFds& stdio, bool attach);

  // A running container needs FORCE, which kills it (SIGKILL) and waits.
  Result<void> remove_container(const std::string& id_or_name, bool force);

  // All containers, newest first, reconciled.
  Result<std::vector<ContainerRecord>> list();
  // By full ID, unique ID prefix, or name.
  Result<ContainerRecord> lookup(const std::string& id_or_name);
  // Those created from IMAGE_ID (their spec left null).
  Result<std::vector<ContainerRecord>> using_image(const std::string& image_id);
  // Removes every container that is not running; returns their IDs.
  Result<std::vector<std::string>> prune();

  // `podman container inspect` shape.
  nlohmann::json inspect(const ContainerRecord& c);

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
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
