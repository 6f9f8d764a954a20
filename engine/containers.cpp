#include "engine/containers.hpp"

#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "common/fd.hpp"
#include "common/fs_tree.hpp"
#include "common/log.hpp"
#include "engine/container_cgroup.hpp"
#include "engine/container_events.hpp"
#include "engine/created_seccomp.hpp"
#include "engine/health_run.hpp"
#include "engine/host_files.hpp"
#include "engine/inspect.hpp"
#include "engine/monitor.hpp"
#include "engine/network_peer.hpp"
#include "engine/proc.hpp"
#include "image/reference.hpp"
#include "netns/attach.hpp"
#include "netns/pasta.hpp"
#include "netns/ports.hpp"
#include "runtime/executor.hpp"
#include "runtime/external.hpp"
#include "runtime/own_init.hpp"
#include "runtime/start_spec.hpp"
#include "storage/db.hpp"

namespace roost::engine {

using nlohmann::json;
using storage::Database;

namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS containers(
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image_id TEXT NOT NULL, image_name TEXT NOT NULL,
  command TEXT NOT NULL, created INTEGER NOT NULL, state TEXT NOT NULL,
  pid INTEGER NOT NULL DEFAULT 0, pid_start INTEGER NOT NULL DEFAULT 0,
  monitor_pid INTEGER NOT NULL DEFAULT 0, monitor_start INTEGER NOT NULL DEFAULT 0,
  exit_code INTEGER NOT NULL DEFAULT 0, started INTEGER NOT NULL DEFAULT 0, finished INTEGER NOT NULL DEFAULT 0,
  auto_remove INTEGER NOT NULL DEFAULT 0, options TEXT NOT NULL, spec TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS containers_image ON containers(image_id);
)";

const char* kColumns =
    "id, name, image_id, image_name, command, created, state, pid, pid_start, monitor_pid, monitor_start, "
    "exit_code, started, finished, auto_remove, options";

// What a process whose monitor died without recording its exit code ends with.
constexpr int kUnknownExit = 255;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_id() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
    else if (errno != EINTR) break;
  }
  // Without the kernel's generator (never on Linux >= 3.17), something unique enough.
  if (got < sizeof bytes) {
    static std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned char b : bytes) {
    s.push_back(hex[b >> 4]);
    s.push_back(hex[b & 15]);
  }
  return s;
}

Result<State> parse_state(const std::string& s) {
  if (s == "created") return State::created;
  if (s == "running") return State::running;
  if (s == "exited") return State::exited;
  if (s == "removing") return State::removing;
  if (s == "paused") return State::paused;
  return make_error(ErrorKind::corrupt, "unknown container state \"" + s + "\"");
}

bool valid_name(const std::string& n) {
  if (n.empty() || !std::isalnum(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

struct Row {
  ContainerRecord rec;
  int64_t pid_start = 0;
  pid_t monitor_pid = 0;
  int64_t monitor_start = 0;
};

Result<Row> read_row(const storage::Statement& st) {
  Row r;
  auto& c = r.rec;
  c.id = st.text(0);
  c.name = st.text(1);
  c.image_id = st.text(2);
  c.image_name = st.text(3);
  auto cmd = json::parse(st.text(4), nullptr, false);
  if (cmd.is_array())
    for (auto& a : cmd)
      if (a.is_string()) c.command.push_back(a);
  c.created_ns = st.integer(5);
  c.state = ROOST_TRY(parse_state(st.text(6)));
  c.pid = static_cast<pid_t>(st.integer(7));
  r.pid_start = st.integer(8);
  r.monitor_pid = static_cast<pid_t>(st.integer(9));
  r.monitor_start = st.integer(10);
  c.exit_code = static_cast<int>(st.integer(11));
  c.started_ns = st.integer(12);
  c.finished_ns = st.integer(13);
  c.auto_remove = st.integer(14) != 0;
  auto opts = json::parse(st.text(15), nullptr, false);
  if (opts.is_discarded()) return make_error(ErrorKind::corrupt, "container " + c.id + ": options are not JSON");
  c.options = ROOST_TRY_CTX(options_from_json(opts), "container " + c.id);
  c.lifecycle = lifecycle_from_json(opts.value("lifecycle", json::object()));
  if (opts.contains("labels") && opts["labels"].is_object())
    for (auto& [key, value] : opts["labels"].items())
      if (value.is_string()) c.labels[key] = value.get<std::string>();
  c.pid_start = r.pid_start;
  c.monitor_pid = r.monitor_pid;
  c.monitor_start = r.monitor_start;
  std::string spec = st.text(16);
  c.spec = spec.empty() ? json() : json::parse(spec, nullptr, false);
  return r;
}

}  // namespace

bool is_name_conflict(const Error& e) {
  return e.message().find("UNIQUE constraint failed: containers.name") != std::string::npos;
}

Error name_in_use(Database& db, const std::string& name) {
  std::string holder = "another container";
  auto q = db.prepare("SELECT id FROM containers WHERE name = ?");
  if (q) {
    q->bind(1, name);
    auto row = q->step();
    if (row && *row) holder = q->text(0);
  }
  return make_error(ErrorKind::exists,
                    "the container name \"" + name + "\" is already in use by " + holder + ": remove it or pick another name");
}

Result<void> check_name(const std::string& name) {
  if (valid_name(name)) return {};
  return make_error(ErrorKind::invalid,
                    "container name \"" + name + "\" is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
}

struct Engine::Impl {
  EngineOptions opts;
  Database& db;  // the store's connection

  const storage::StoreOptions& store_opts() const { return opts.store->options(); }
  std::string run_dir(const std::string& id) const { return store_opts().run_root + "/containers/" + id; }

  // WITH_SPEC false leaves ContainerRecord::spec null: parsing the stored
  // spec is most of a lookup, and the lifecycle rebuilds it anyway.
  Result<std::vector<Row>> query(const std::string& where, const std::string& arg, bool with_spec) {
    auto st = ROOST_TRY(db.prepare(std::string("SELECT ") + kColumns + (with_spec ? ", spec" : ", ''") +
                                   " FROM containers " + where + " ORDER BY created DESC, id"));
    if (!arg.empty()) st.bind(1, arg);
    std::vector<Row> out;
    while (ROOST_TRY(st.step())) out.push_back(ROOST_TRY(read_row(st)));
    return out;
  }

  // Runs an UPDATE ... RETURNING id to completion (a statement left
  // mid-way would hold the write lock); true when it changed a row.
  static Result<bool> update(storage::Statement st) {
    bool changed = ROOST_TRY(st.step());
    ROOST_TRY(st.run());
    return changed;
  }

  // A container marked running is stale when its monitor is gone (killed:
  // nobody waits for it, logs it or records its exit) or when its per-boot
  // state in the run root is (a reboot, or the runtime dir cleared): the
  // processes left of it are killed and it is recorded as exited, with 137
  // when it was killed here and an unknown code otherwise. Start times guard
  // against reused PIDs.
  Result<bool> reconcile(Row& r) {
    auto& c = r.rec;
    if (!is_active(c.state)) return false;
    const bool monitor_alive = process_alive(r.monitor_pid, r.monitor_start);
    if (monitor_alive && ::access(run_dir(c.id).c_str(), F_OK) == 0) return false;
    if (monitor_alive && r.monitor_pid != ::getpid()) {
      // Killed before the container, so it cannot record the exit it sees.
      ::kill(r.monitor_pid, SIGKILL);
      (void)wait_process_gone(r.monitor_pid, r.monitor_start, std::chrono::seconds(2));
    }
    bool killed = false;
    if (c.pid > 0) {
      auto fd = open_process(c.pid, r.pid_start);
      if (fd.valid()) {
        killed = signal_process(fd.get(), SIGKILL).ok();
        if (c.state == State::paused) thaw(c.id);
        (void)wait_exit(fd.get(), std::chrono::seconds(10));
      }
    }
    release_cgroup(c.id);
    if (c.options.network.mode == netns::Mode::pasta) netns::Pasta::stop_left_over(run_dir(c.id));
    int64_t now = now_ns();
    bool never_ran = c.pid <= 0;
    int code = killed ? 128 + SIGKILL : kUnknownExit;
    auto st = ROOST_TRY(db.prepare(
        "UPDATE containers SET state = ?, pid = 0, exit_code = ?, finished = ? "
        "WHERE id = ? AND state IN ('running', 'paused') AND monitor_pid = ? RETURNING id"));
    st.bind(1, std::string(never_ran ? "created" : "exited")).bind(2, int64_t{never_ran ? 0 : code});
    st.bind(3, never_ran ? int64_t{0} : now).bind(4, c.id).bind(5, int64_t{r.monitor_pid});
    if (!ROOST_TRY(update(std::move(st)))) return false;
    c.state = never_ran ? State::created : State::exited;
    c.pid = 0;
    if (!never_ran) {
      c.exit_code = code;
      c.finished_ns = now;
      record_container_event(store_opts(), c, "died", code);
    }
    return true;
  }

  // Reconciles every row, removing --rm containers whose monitor died.
  Result<std::vector<Row>> load(const std::string& where, const std::string& arg, bool with_spec = true) {
    auto rows = ROOST_TRY(query(where, arg, with_spec));
    std::vector<Row> out;
    for (auto& r : rows) {
      if (ROOST_TRY(reconcile(r)) && r.rec.auto_remove) {
        auto removed = remove(r.rec, false);
        if (removed) continue;
        log_warn("removing container " + r.rec.id + ": " + removed.error().str());
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  Result<ContainerRecord> lookup(const std::string& text, bool with_spec = true) {
    if (!text.empty()) {
      auto rows = ROOST_TRY(load("WHERE id = ?1 OR name = ?1", text, with_spec));
      for (auto& r : rows)
        if (r.rec.id == text) return r.rec;
      if (!rows.empty()) return rows.front().rec;
      bool hex = text.find_first_not_of("0123456789abcdef") == std::string::npos;
      if (hex && text.size() < 64) {
        auto hits = ROOST_TRY(load("WHERE substr(id, 1, " + std::to_string(text.size()) + ") = ?1", text, with_spec));
        if (hits.size() == 1) return hits.front().rec;
        if (hits.size() > 1)
          return make_error(ErrorKind::invalid, "more than one result for container ID " + text + ": give more of the ID");
      }
    }
    return make_error(ErrorKind::not_found, "no container with name or ID \"" + text + "\" found: no such container");
  }

  // --network container:: the peer's namespaces and network files into FACTS.
  Result<ContainerRecord> join_peer(const ContainerRecord& c, runtime::HostFacts& facts) {
    const auto& net = c.options.network;
    auto peer = ROOST_TRY_CTX(lookup(net.container, false), "--network " + netns::mode_name(net));
    ROOST_TRY(join_peer_network(peer, run_dir(peer.id), store_opts().mapping, c.options.oci_runtime, facts));
    return peer;
  }

  Result<void> remove(const ContainerRecord& c, bool force);

  // The container's cgroup when it can have one here (cgroups.hpp).
  std::optional<runtime::ContainerCgroup> cgroup_of(const std::string& id) const {
    auto cg = container_cgroup(store_opts(), id);
    if (!cg) return std::nullopt;
    return std::move(cg).value();
  }
  // Kills what is left in it and removes it: whoever records an exit or a
  // removal does, so that no cgroup outlives its container.
  static void release(const runtime::ContainerCgroup& cg, const std::string& id) {
    if (!cg.exists()) return;
    if (auto r = cg.remove(); !r) log_warn("container " + id + ": " + r.error().str());
  }
  void release_cgroup(const std::string& id) const {
    if (auto cg = cgroup_of(id)) release(*cg, id);
  }
  // A paused container's processes only die of SIGKILL once thawed (v1).
  void thaw(const std::string& id) const {
    auto cg = cgroup_of(id);
    if (cg && cg->frozen()) (void)cg->thaw();
  }
  // HOOKS: set when this process is a detached container's monitor.
  Result<int> start(ContainerRecord c, const StdioFds& stdio, const StartHooks* hooks = nullptr);
  Result<storage::ImageRecord> image_of(const ContainerRecord& c) {
    auto img = opts.store->image_by_id(c.image_id);
    if (!img)
      return make_error(ErrorKind::not_found, "container " + c.id + ": its image " + c.image_id + " (" + c.image_name +
                                                  ") is no longer in the store");
    return img;
  }
};

Result<void> Engine::Impl::remove(const ContainerRecord& c, bool force) {
  if (is_active(c.state) && !force)
    return make_error(ErrorKind::invalid, "cannot remove container " + c.id + " as it is " + state_name(c.state) +
                                              " - running or paused containers cannot be removed "
                                              "without force: container state improper");
  pid_t pid = 0;
  int64_t pid_start = 0;
  {
    auto claim = ROOST_TRY(db.prepare(
        "UPDATE containers SET state = 'removing' WHERE id = ? AND state = ? RETURNING pid, pid_start"));
    claim.bind(1, c.id).bind(2, state_name(c.state));
    if (!ROOST_TRY(claim.step()))
      return make_error(ErrorKind::invalid, "container " + c.id + " changed state while being removed: try again");
    pid = static_cast<pid_t>(claim.integer(0));
    pid_start = claim.integer(1);
    ROOST_TRY(claim.run());  // completes the statement, which ends its write transaction
  }
  if (is_active(c.state) && pid > 0 && process_alive(pid, pid_start)) {
    // Killing the container's init kills its PID namespace; its mount
    // namespace, and the root file system mounted there, go with it.
    ::kill(pid, SIGKILL);
    if (c.state == State::paused) thaw(c.id);
    if (!wait_process_gone(pid, pid_start, std::chrono::seconds(10)))
      return make_error(ErrorKind::io, "container " + c.id + ": process " + std::to_string(pid) +
                                           " did not die after SIGKILL");
  }
  if (is_active(c.state) && c.monitor_pid != ::getpid()) {
    // Its monitor still holds the log and may still be cleaning up: wait for
    // it, so that nothing of the container outlives its removal.
    auto monitor = open_process(c.monitor_pid, c.monitor_start);
    if (monitor.valid()) (void)wait_exit(monitor.get(), std::chrono::seconds(10));
  }
  if (!c.options.oci_runtime.empty()) {
    // A roost killed while the container ran left the runtime's state
    // (and, as root, its cgroups) behind.
    auto path = runtime::find_runtime(c.options.oci_runtime);
    auto deleted = path ? runtime::delete_external_container(*path, store_opts().mapping,
                                                             runtime::external_state_root(store_opts().run_root, *path), c.id)
                        : Result<void>(std::move(path).error());
    if (!deleted) log_warn("removing container " + c.id + ": " + deleted.error().str());
  }
  release_cgroup(c.id);
  ROOST_TRY_CTX(opts.store->delete_container_layer(c.id), "removing container " + c.id);
  auto rd = remove_tree(run_dir(c.id));
  if (!rd) log_warn("removing " + run_dir(c.id) + ": " + rd.error().str());
  auto del = ROOST_TRY(db.prepare("DELETE FROM containers WHERE id = ?"));
  del.bind(1, c.id);
  ROOST_TRY(del.run());
  record_container_event(store_opts(), c, "remove");
  return {};
}

Result<int> Engine::Impl::start(ContainerRecord c, const StdioFds& stdio, const StartHooks* hooks) {
  if (c.state == State::running)
    return make_error(ErrorKind::invalid, "container " + c.id + " is already running");
  if (c.state == State::removing)
    return make_error(ErrorKind::invalid, "container " + c.id + " is being removed");
  State before = c.state;
  std::string runtime_path;
  if (!c.options.oci_runtime.empty()) runtime_path = ROOST_TRY(runtime::find_runtime(c.options.oci_runtime));
  auto img = ROOST_TRY(image_of(c));
  auto layer = ROOST_TRY(opts.store->container_layer(c.id, img));
  auto image_config = ROOST_TRY(runtime::parse_image_config(img.config_json));
  HostFilesInput in{c, img, run_dir(c.id), layer.dir + "/merged", store_opts().mapping, opts.rootless};
  auto facts = ROOST_TRY(prepare_host_files(in));
  // roost's own init lives in the run root, which a reboot empties.
  if (c.options.init_path == runtime::own_init_path(store_opts().run_root))
    ROOST_TRY(runtime::install_own_init(c.options.init_path));
  if (c.options.network.mode == netns::Mode::container) ROOST_TRY(join_peer(c, facts));
  auto seccomp = ROOST_TRY(created_seccomp(db, c));
  auto spec = seccomp ? ROOST_TRY(runtime::rebuild_spec(image_config, c.options, facts, std::move(*seccomp)))
                      : ROOST_TRY(runtime::build_spec(image_config, c.options, facts));
  // Its cgroup: the built-in executor's first process joins it before it
  // goes on; an external runtime creates it from linux.cgroupsPath.
  auto cgroup = cgroup_of(c.id);
  if (cgroup && runtime_path.empty()) {
    if (auto made = cgroup->create(); !made) {
      log_warn("container " + c.id + " runs without a cgroup: " + made.error().str());
      cgroup.reset();
    }
  }
  if (cgroup && !runtime_path.empty()) spec["linux"]["cgroupsPath"] = cgroup->path();
  // Checked before anything runs: slirp4netns, /dev/net/tun, free host ports.
  auto network = ROOST_TRY(netns::Attachment::prepare(c.options.network, run_dir(c.id)));

  pid_t me = ::getpid();
  auto claim = ROOST_TRY(db.prepare(
      "UPDATE containers SET state = 'running', pid = 0, pid_start = 0, monitor_pid = ?, monitor_start = ?, "
      "started = ?, finished = 0, exit_code = 0, spec = ? WHERE id = ? AND state = ? RETURNING id"));
  claim.bind(1, int64_t{me}).bind(2, process_start_time(me)).bind(3, now_ns()).bind(4, spec.dump());
  claim.bind(5, c.id).bind(6, state_name(before));
  if (!ROOST_TRY(update(std::move(claim))))
    return make_error(ErrorKind::invalid, "container " + c.id + " changed state while starting: try again");

  runtime::ExecRequest req;
  req.spec = std::move(spec);  // held for as long as the container runs: one copy
  req.mapping = store_opts().mapping;
  req.cache_dir = store_opts().run_root + "/cache";
  req.stdin_fd = stdio.in;
  req.stdout_fd = stdio.out;
  req.stderr_fd = stdio.err;
  if (hooks) req.on_terminal = hooks->terminal;
  // A monitor's stdin pipe (with -i; else /dev/null) ends only when an
  // attached terminal hung up (attach_client.cpp sends no other end then).
  req.stdin_end_hangs_up = hooks != nullptr && c.options.interactive;
  bool rootless = opts.rootless;
  req.mount_rootfs = [layer, rootless](const std::string& target) {
    return storage::mount_container_root(layer, target, rootless);
  };
  if ((network.needed() || cgroup) && runtime_path.empty())
    req.on_namespaces = [&network, &cgroup](pid_t pid) -> Result<void> {
      if (cgroup) ROOST_TRY(cgroup->join(pid));
      if (network.needed()) return network.attach(pid);
      return {};
    };
  auto on_started = [&](pid_t pid) {
    // An external runtime has no such hook: the network comes up as its
    // `start` runs.
    if (network.needed() && !runtime_path.empty()) {
      if (auto attached = network.attach(pid); !attached) {
        log_warn("container " + c.id + ": " + attached.error().str());
        ::kill(pid, SIGKILL);
      }
    }
    auto st = db.prepare("UPDATE containers SET pid = ?, pid_start = ? WHERE id = ? AND state = 'running' RETURNING id");
    bool recorded = false;
    if (st) {
      st->bind(1, int64_t{pid}).bind(2, process_start_time(pid)).bind(3, c.id);
      auto r = update(std::move(*st));
      recorded = r && *r;
    }
    // `rm -f` won the race before the PID was known: honour it.
    if (!recorded) ::kill(pid, SIGKILL);
    reset_health(run_dir(c.id), c.lifecycle.health);
    record_container_event(store_opts(), c, "init");
    record_container_event(store_opts(), c, "start");
    // The filter is loaded: its rules, a third of the spec's memory, need
    // not be held for as long as the container runs.
    if (auto lx = req.spec.find("linux"); lx != req.spec.end() && lx->is_object()) lx->erase("seccomp");
    if (hooks && hooks->started) hooks->started(pid);
  };
  auto result = runtime_path.empty()
                    ? runtime::run_container(req, on_started)
                    : runtime::run_with_external_runtime(runtime_path, req, run_dir(c.id) + "/bundle",
                                                         runtime::external_state_root(store_opts().run_root, runtime_path),
                                                         c.id, on_started);
  network.stop();
  if (cgroup) Impl::release(*cgroup, c.id);
  if (hooks && hooks->exited) hooks->exited();

  Result<bool> recorded = false;
  if (result) {
    auto st = ROOST_TRY(db.prepare(
        "UPDATE containers SET state = 'exited', exit_code = ?, finished = ?, pid = 0 "
        "WHERE id = ? AND state IN ('running', 'paused') RETURNING id"));
    st.bind(1, int64_t{result->exit_code}).bind(2, now_ns()).bind(3, c.id);
    recorded = update(std::move(st));
    // Not when `rm -f` won the race: the container is gone, not dead.
    if (recorded && *recorded) record_container_event(store_opts(), c, "died", result->exit_code);
  } else {
    auto st = ROOST_TRY(db.prepare(
        "UPDATE containers SET state = ?, pid = 0, started = 0 WHERE id = ? AND state IN ('running', 'paused') RETURNING id"));
    st.bind(1, state_name(before)).bind(2, c.id);
    recorded = update(std::move(st));
  }
  if (recorded && *recorded && c.auto_remove) {
    auto fresh = lookup(c.id, false);
    if (fresh) {
      auto removed = remove(*fresh, false);
      if (!removed) log_warn("removing container " + c.id + ": " + removed.error().str());
    }
  }
  if (!recorded) log_warn("recording the exit of container " + c.id + ": " + recorded.error().str());
  if (!result) return std::move(result).error();
  return result->exit_code;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::open(const EngineOptions& options) {
  if (!options.store) return make_error(ErrorKind::internal, "engine opened without a store");
  Database& db = options.store->database();
  ROOST_TRY(db.exec(kSchema));
  return std::unique_ptr<Engine>(new Engine(std::make_unique<Impl>(Impl{options, db})));
}

Result<ContainerRecord> Engine::create_container(const std::string& image, runtime::RunOptions options,
                                                 const CreateFlags& flags) {
  auto& s = *impl_;
  std::vector<std::string> candidates;
  if (auto cand = image::local_candidates(image)) candidates = std::move(cand).value();
  auto img = ROOST_TRY(s.opts.store->find_image(image, candidates));
  if (!options.oci_runtime.empty()) ROOST_TRY(runtime::find_runtime(options.oci_runtime));
  for (auto& b : options.binds) {
    struct stat st;
    if (::stat(b.source.c_str(), &st) != 0) {
      if (errno == ENOENT) return make_error(ErrorKind::not_found, "statfs " + b.source + ": no such file or directory");
      return sys_error("statfs", b.source);
    }
  }
  if (!options.name.empty()) ROOST_TRY(check_name(options.name));

  ContainerRecord c;
  c.id = random_id();
  c.image_id = img.id;
  c.image_name = image;
  for (auto& n : img.names)
    if (n == image || std::find(candidates.begin(), candidates.end(), n) != candidates.end()) {
      c.image_name = n;
      break;
    }
  if (c.image_name == image && image.find_first_not_of("0123456789abcdef") != std::string::npos && !img.names.empty())
    c.image_name = img.names.front();
  c.created_ns = now_ns();
  c.auto_remove = flags.auto_remove;
  auto image_config = ROOST_TRY(runtime::parse_image_config(img.config_json));
  c.lifecycle = flags.lifecycle;
  c.lifecycle.health = resolve_health(flags.lifecycle.health, img.config_json);
  if (!flags.stop_signal_given && !image_config.stop_signal.empty()) c.lifecycle.stop_signal = image_config.stop_signal;
  ROOST_TRY(validate_lifecycle(c.lifecycle));
  c.labels = image_config.labels;
  for (auto& [key, value] : flags.labels) c.labels[key] = value;
  options.container_id = c.id;
  if (options.hostname.empty()) options.hostname = c.id.substr(0, 12);

  // Building the spec now checks capabilities, seccomp profiles and ulimits
  // before anything is stored; start builds it again with fresh host facts
  // but keeps the seccomp profile resolved here (created_seccomp.hpp).
  ROOST_TRY(netns::check_network_options(options.network));
  ROOST_TRY(netns::assign_host_ports(options.network, image_config.exposed_ports));
  c.options = options;
  HostFilesInput in{c, img, s.run_dir(c.id), s.store_opts().graph_root + "/containers/" + c.id + "/merged",
                    s.store_opts().mapping, s.opts.rootless};
  auto facts = planned_host_facts(in);
  // Checked now, so that nothing is created for a peer that is missing or
  // stopped; stored by its ID, which outlives a rename.
  if (options.network.mode == netns::Mode::container)
    c.options.network.container = options.network.container = ROOST_TRY(s.join_peer(c, facts)).id;
  auto spec = ROOST_TRY(runtime::build_spec(image_config, options, facts));
  if (spec.contains("process") && spec["process"].contains("args"))
    c.command = spec["process"]["args"].get<std::vector<std::string>>();
  // What ps shows is the user's command, not the init in front of it.
  if (!options.init_path.empty() && c.command.size() >= 2) c.command.erase(c.command.begin(), c.command.begin() + 2);

  bool generated = options.name.empty();
  for (int attempt = 0;; ++attempt) {
    if (generated) options.name = generate_name() + (attempt >= 5 ? "_" + c.id.substr(0, 4 + attempt) : "");
    c.options = options;
    c.name = options.name;
    auto st = ROOST_TRY(s.db.prepare(
        "INSERT INTO containers(id, name, image_id, image_name, command, created, state, auto_remove, options, spec) "
        "VALUES(?,?,?,?,?,?,'created',?,?,?)"));
    st.bind(1, c.id).bind(2, c.name).bind(3, c.image_id).bind(4, c.image_name).bind(5, json(c.command).dump());
    auto stored = options_to_json(options);
    stored["lifecycle"] = lifecycle_to_json(c.lifecycle);
    if (!c.labels.empty()) stored["labels"] = c.labels;
    st.bind(6, c.created_ns).bind(7, int64_t{c.auto_remove}).bind(8, stored.dump());
    st.bind(9, spec.dump());
    auto ins = st.run();
    if (ins) break;
    if (!is_name_conflict(ins.error())) return std::move(ins).error();
    if (generated && attempt < 10) continue;
    return name_in_use(s.db, c.name);
  }
  c.spec = std::move(spec);
  auto layer = s.opts.store->create_container_layer(c.id, img);
  if (!layer) {
    auto del = s.db.prepare("DELETE FROM containers WHERE id = ?");
    if (del) {
      del->bind(1, c.id);
      (void)del->run();
    }
    return std::move(layer).error().context("creating the root file system");
  }
  record_container_event(s.store_opts(), c, "create");
  return c;
}

Result<int> Engine::start_container(const std::string& id_or_name, const StdioFds& stdio, bool attach,
                                    const std::function<void()>& on_listening) {
  auto c = ROOST_TRY(impl_->lookup(id_or_name, false));
  if (c.state == State::paused)
    return make_error(ErrorKind::invalid, "unable to start container \"" + c.id + "\": container " + c.id +
                                              " must be in Created or Stopped state to be started: container state improper");
  // The user starts it again: its restart policy applies again, its
  // restarts counted from 0 (as podman's RestartCount).
  ::unlink(stopped_by_user_path(run_dir(c)).c_str());
  ::unlink(restart_count_path(run_dir(c)).c_str());
  if (attach) {
    bool auto_remove = c.auto_remove;
    std::string id = c.id;
    auto result = impl_->start(std::move(c), stdio);
    // A --rm container that could not start (its network could not be set
    // up) goes too; one that ran was removed by start.
    if (!result && auto_remove) {
      auto fresh = impl_->lookup(id, false);
      if (fresh && fresh->state != State::running) {
        auto removed = impl_->remove(*fresh, false);
        if (!removed) log_warn("removing container " + id + ": " + removed.error().str());
      }
    }
    if (!result || auto_remove) return result;
    return restart_after_foreground(id, *result, stdio);
  }
  return spawn_monitor_of(c, stdio, on_listening);
}

Result<int> Engine::spawn_monitor_of(const ContainerRecord& c, const StdioFds& stdio,
                                     const std::function<void()>& on_listening) {
  if (c.state == State::running) return 0;
  if (c.state == State::removing) return make_error(ErrorKind::invalid, "container " + c.id + " is being removed");
  auto command = impl_->opts.monitor_command;
  if (command.empty()) return make_error(ErrorKind::internal, "no monitor command to start a detached container with");
  if (on_listening) command.push_back("--wait-attach");
  command.push_back(c.id);
  return spawn_monitor(command, stdio.err, on_listening);
}

Result<bool> Engine::change_state(const std::string& id, State from, State to) {
  auto st = ROOST_TRY(impl_->db.prepare("UPDATE containers SET state = ? WHERE id = ? AND state = ? RETURNING id"));
  st.bind(1, state_name(to)).bind(2, id).bind(3, state_name(from));
  return Impl::update(std::move(st));
}

Result<void> Engine::rename_container(const std::string& id_or_name, const std::string& new_name) {
  auto c = ROOST_TRY(impl_->lookup(id_or_name, false));
  ROOST_TRY(check_name(new_name));
  if (new_name == c.name) return name_in_use(impl_->db, new_name);
  auto st = ROOST_TRY(impl_->db.prepare("UPDATE containers SET name = ? WHERE id = ?"));
  st.bind(1, new_name).bind(2, c.id);
  auto updated = st.run();
  if (!updated && is_name_conflict(updated.error())) return name_in_use(impl_->db, new_name);
  if (updated) {
    c.name = new_name;
    record_event(c, "rename");
  }
  return updated;
}

int Engine::monitor_container(const std::string& id, int sync_fd, bool wait_attach) {
  auto c = impl_->lookup(id, false);
  if (!c) {
    report_monitor_error(sync_fd, c.error());
    return 125;
  }
  MonitorConfig config{log_path(*c), c->lifecycle, c->options.interactive, c->options.tty, sync_fd};
  config.container_id = c->id;
  config.container_name = c->name;
  const std::string dir = run_dir(*c);
  config.attach_dir = dir;
  config.wait_attach = wait_attach;
  if (c->lifecycle.health.defined() && c->lifecycle.health.interval_ns > 0 && !impl_->opts.monitor_command.empty()) {
    config.health_command = impl_->opts.monitor_command;
    config.health_command.back() = "healthcheck";
    config.health_command.insert(config.health_command.end(), {"run", c->id});
    config.health_interval_ns = c->lifecycle.health.interval_ns;
  }
  // SQLite's page cache: the exit is recorded in a few pages, read again then.
  config.idle = [this] { (void)impl_->db.exec("PRAGMA shrink_memory"); };
  // More than 0 when it takes over from a foreground run (foreground_restart.cpp).
  int restarts = read_restart_count(dir);
  // Whether the policy starts it again: not after the user stopped it, nor
  // once `rm -f` claimed it (its state is no longer exited).
  auto may_restart = [&](int exit_code) {
    if (!restarts_after(c->lifecycle.restart, exit_code, restarts)) return false;
    if (::access(stopped_by_user_path(dir).c_str(), F_OK) == 0) return false;
    auto now = impl_->lookup(id, false);
    return now && now->state == State::exited;
  };
  config.restart_after = [&](int exit_code) {
    if (!may_restart(exit_code)) return false;
    std::this_thread::sleep_for(restart_delay(restarts));
    if (!may_restart(exit_code)) return false;
    ++restarts;
    (void)write_file_atomic(restart_count_path(dir), std::to_string(restarts), 0600);
    return true;
  };
  return run_monitor(config, [&](const StdioFds& io, const StartHooks& hooks) -> Result<int> {
    // From the second run on, the record says exited: start from what it says now.
    auto now = ROOST_TRY(impl_->lookup(id, false));
    return impl_->start(std::move(now), io, &hooks);
  });
}

std::string Engine::run_dir(const ContainerRecord& c) const { return impl_->run_dir(c.id); }

const storage::StoreOptions& Engine::store_options() const { return impl_->store_opts(); }

std::string Engine::log_path(const ContainerRecord& c) const {
  return impl_->store_opts().graph_root + "/containers/" + c.id + "/ctr.log";
}

Result<void> Engine::remove_container(const std::string& id_or_name, bool force) {
  auto c = ROOST_TRY(impl_->lookup(id_or_name, false));
  return impl_->remove(c, force);
}

Result<std::vector<ContainerRecord>> Engine::list() {
  // Without the specs: each is tens of KB of JSON (the seccomp rules), and
  // reading and sorting them made `ps -a` with many containers slow.
  auto rows = ROOST_TRY(impl_->load("", "", false));
  std::vector<ContainerRecord> out;
  for (auto& r : rows) out.push_back(std::move(r.rec));
  return out;
}

Result<ContainerRecord> Engine::lookup(const std::string& id_or_name) { return impl_->lookup(id_or_name); }

Result<std::vector<ContainerRecord>> Engine::using_image(const std::string& image_id) {
  auto rows = ROOST_TRY(impl_->load("WHERE image_id = ?", image_id, false));
  std::vector<ContainerRecord> out;
  for (auto& r : rows) out.push_back(std::move(r.rec));
  return out;
}

Result<std::vector<std::string>> Engine::prune() {
  auto all = ROOST_TRY(impl_->load("", "", false));
  std::vector<std::string> removed;
  for (auto& row : all) {
    auto& c = row.rec;
    if (is_active(c.state)) continue;
    auto r = impl_->remove(c, false);
    if (!r) {
      log_warn("removing container " + c.id + ": " + r.error().str());
      continue;
    }
    removed.push_back(c.id);
  }
  return removed;
}

json Engine::inspect(const ContainerRecord& c) {
  auto j = inspect_json(c, impl_->store_opts().graph_root + "/containers/" + c.id, impl_->store_opts().driver);
  j["RestartCount"] = read_restart_count(run_dir(c));
  add_health_inspect(j, c.lifecycle.health, run_dir(c));
  return j;
}

std::string state_name(State s) {
  switch (s) {
    case State::created: return "created";
    case State::running: return "running";
    case State::exited: return "exited";
    case State::removing: return "removing";
    case State::paused: return "paused";
  }
  return "unknown";
}

}  // namespace roost::engine
