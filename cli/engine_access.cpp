#include "cli/engine_access.hpp"

#include "engine/events.hpp"

#include <unistd.h>

#include <climits>

namespace roost::cli {
namespace {

// This binary with the global options that select the session's store, so
// that a detached container's monitor opens the same store whatever the
// working directory or the configuration files say by then.
std::vector<std::string> monitor_command(Session& s, const storage::StoreOptions& o) {
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string self = n > 0 ? std::string(exe, static_cast<size_t>(n)) : "/proc/self/exe";
  return {self, "--root", o.graph_root, "--runroot", o.run_root, "--storage-driver", storage::driver_name(o.driver),
          "--log-level", s.options().log_level, "container-monitor"};
}

}  // namespace

Result<std::unique_ptr<engine::Engine>> open_engine(Session& s) {
  auto store = ROOST_TRY(s.store());
  auto mapping = ROOST_TRY(s.mapping());
  engine::EngineOptions o;
  o.store = store;
  o.rootless = !mapping->identity;
  o.monitor_command = monitor_command(s, store->options());
  return engine::Engine::open(o);
}

void record_image_event(Session& s, const std::string& status, const std::string& id, const std::string& name) {
  auto store = s.store();
  if (!store) return;
  engine::Event e;
  e.type = "image";
  e.status = status;
  e.id = id;
  e.name = name;
  engine::record_event(engine::events_log_path((*store)->options().run_root), std::move(e));
}

Result<ContainerFiles> container_files(Session& s, const std::string& id_or_name) {
  auto eng = ROOST_TRY(open_engine(s));
  auto store = ROOST_TRY(s.store());
  auto mapping = ROOST_TRY(s.mapping());
  ContainerFiles f;
  f.container = ROOST_TRY(eng->lookup(id_or_name));
  f.image = ROOST_TRY_CTX(store->image_by_id(f.container.image_id), "container " + f.container.name);
  f.layer = ROOST_TRY(store->container_layer(f.container.id, f.image));
  f.rootless = !mapping->identity;
  // Between "running" and its PID being recorded the root file system is
  // mounted in the container but cannot be reached through it yet.
  if (f.container.state == engine::State::running && f.container.pid <= 0)
    return make_error(ErrorKind::invalid, "container " + f.container.name + " is starting: try again");
  return f;
}

}  // namespace roost::cli
