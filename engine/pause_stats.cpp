// pause, unpause and stats: what the container's cgroup (runtime/cgroups.hpp)
// gives the engine. The states follow podman's: running <-> paused, with its
// messages for the transitions that are not allowed.
#include <unistd.h>

#include <chrono>
#include <sstream>

#include "common/fd.hpp"
#include "engine/container_cgroup.hpp"
#include "engine/containers.hpp"

namespace roost::engine {
namespace {

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// MemTotal of /proc/meminfo in bytes: the limit of a container that has none.
uint64_t host_memory() {
  auto text = read_file("/proc/meminfo");
  if (!text) return 0;
  std::istringstream in(*text);
  for (std::string key, unit; in >> key;) {
    uint64_t kb = 0;
    in >> kb >> unit;
    if (key == "MemTotal:") return kb * 1024;
  }
  return 0;
}

Error improper(const std::string& what) { return make_error(ErrorKind::invalid, what + ": container state improper"); }

}  // namespace

Result<void> Engine::cgroups_available() {
  auto cg = container_cgroup(store_options(), std::string(64, '0'));
  if (!cg) return std::move(cg).error();
  return {};
}

Result<void> Engine::pause_container(const std::string& id_or_name) {
  ROOST_TRY(cgroups_available());
  auto c = ROOST_TRY(lookup(id_or_name));
  if (c.state == State::paused) return improper("\"" + c.id + "\" is already paused");
  if (c.state != State::running || c.pid <= 0) return improper("\"" + state_name(c.state) + "\" is not running, can't pause");
  auto cg = ROOST_TRY(container_cgroup(store_options(), c.id));
  if (!cg.exists())
    return make_error(ErrorKind::unsupported, "container " + c.id + " runs without a cgroup (" + cg.path() +
                                                  "): it cannot be paused; restart it to give it one");
  ROOST_TRY_CTX(cg.freeze(), "pausing container " + c.id);
  if (!ROOST_TRY(change_state(c.id, State::running, State::paused))) {
    (void)cg.thaw();
    return improper("container " + c.id + " changed state while being paused");
  }
  record_event(c, "pause");
  return {};
}

Result<void> Engine::unpause_container(const std::string& id_or_name) {
  ROOST_TRY(cgroups_available());
  auto c = ROOST_TRY(lookup(id_or_name));
  if (c.state != State::paused) return improper("\"" + c.id + "\" is not paused, can't unpause");
  auto cg = ROOST_TRY(container_cgroup(store_options(), c.id));
  ROOST_TRY_CTX(cg.thaw(), "unpausing container " + c.id);
  if (!ROOST_TRY(change_state(c.id, State::paused, State::running)))
    return improper("container " + c.id + " changed state while being unpaused");
  record_event(c, "unpause");
  return {};
}

Result<Engine::Stats> Engine::container_stats(const ContainerRecord& c) {
  Stats s;
  s.sampled_ns = wall_ns();
  if (!is_active(c.state) || c.pid <= 0) return s;
  auto cg = ROOST_TRY(container_cgroup(store_options(), c.id));
  auto st = ROOST_TRY_CTX(cg.stats(), "container " + c.id);
  s.sampled_ns = wall_ns();
  s.cpu_ns = st.cpu_ns;
  s.mem_usage = st.mem_usage;
  uint64_t host = host_memory();
  s.mem_limit = st.mem_limit && (host == 0 || *st.mem_limit < host) ? *st.mem_limit : host;
  s.block_read = st.block_read;
  s.block_write = st.block_write;
  s.pids = st.pids;
  if (c.options.network.mode != netns::Mode::host) {
    if (auto dev = read_file("/proc/" + std::to_string(c.pid) + "/net/dev"))
      std::tie(s.net_rx, s.net_tx) = runtime::net_dev_bytes(*dev);
  }
  return s;
}

}  // namespace roost::engine
