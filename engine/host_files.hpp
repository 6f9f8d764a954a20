// The files roost puts into every container (/etc/hostname, /etc/hosts,
// /run/.containerenv), written under RUNROOT/containers/<id>/ and bind-mounted
// by the spec, and the host facts the spec is built from.
#pragma once

#include <string>

#include "engine/containers.hpp"
#include "runtime/spec.hpp"
#include "storage/store.hpp"

namespace roost::engine {

struct HostFilesInput {
  const ContainerRecord& container;  // its options carry the hostname
  const storage::ImageRecord& image;
  std::string run_dir;  // RUNROOT/containers/<id>
  std::string rootfs;   // where the root file system is mounted
  userns::IdMapping mapping;
  bool rootless = true;
};

// The /etc/hosts and /etc/resolv.conf FACTS bind for a container with NET,
// whose files are in RUN_DIR (none of them with --no-hosts; the host's
// resolv.conf on the host's network).
void network_files(const netns::NetworkOptions& net, const std::string& run_dir, runtime::HostFacts& facts);
// The facts, without touching the file system. With --network container:
// no network files: join_peer_network (network_peer.hpp) gives the peer's.
runtime::HostFacts planned_host_facts(const HostFilesInput& in);
// Writes the files and returns the facts that point at them.
Result<runtime::HostFacts> prepare_host_files(const HostFilesInput& in);

}  // namespace roost::engine
