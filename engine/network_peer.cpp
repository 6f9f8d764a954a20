#include "engine/network_peer.hpp"

#include "common/fd.hpp"
#include "engine/host_files.hpp"
#include "engine/proc.hpp"

namespace roost::engine {
namespace {

Result<bool> same_map(pid_t pid, const char* file, const std::vector<userns::IdRange>& expected) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  auto text = ROOST_TRY_CTX(read_file(path), "reading the ID map of the container to share the network with");
  return ROOST_TRY(userns::parse_proc_map(text)) == expected;
}

}  // namespace

Result<void> join_peer_network(const ContainerRecord& peer, const std::string& peer_run_dir,
                               const userns::IdMapping& mapping, const std::string& runtime,
                               runtime::HostFacts& facts) {
  const std::string what = "cannot share the network of container " + peer.name;
  if (peer.state != State::running || peer.pid <= 0 || !process_alive(peer.pid, peer.pid_start))
    return make_error(ErrorKind::invalid, what + ": it is not running (start it first)");
  if (peer.options.network.mode == netns::Mode::container)
    return make_error(ErrorKind::invalid, what + ": it shares the network of another container, " +
                                              peer.options.network.container.substr(0, 12) + ": use that one");
  const bool rootless = !mapping.identity;
  if (rootless && !runtime.empty())
    return make_error(ErrorKind::unsupported, what + ": --network container: needs roost's own runtime as a normal "
                                                     "user (drop --runtime)");
  const std::string ns = "/proc/" + std::to_string(peer.pid) + "/ns/";
  if (rootless) {
    bool same = ROOST_TRY(same_map(peer.pid, "uid_map", mapping.uids)) &&
                ROOST_TRY(same_map(peer.pid, "gid_map", mapping.gids));
    if (!same)
      return make_error(ErrorKind::invalid, what + ": it runs with another ID mapping than this store's");
    facts.peer_userns = ns + "user";
  }
  facts.peer_netns = ns + "net";
  network_files(peer.options.network, peer_run_dir, facts);
  return {};
}

}  // namespace roost::engine
