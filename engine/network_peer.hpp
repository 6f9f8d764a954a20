// --network container:ID: a container joining the network namespace of
// another, running one. Rootless, a namespace can only be joined from the
// user namespace that owns it, so the peer's user namespace is joined too;
// that is only sound when both use the same ID map (the store's), which is
// checked. The joining container shares the peer's /etc/hosts and
// /etc/resolv.conf, as podman does.
#pragma once

#include "engine/containers.hpp"
#include "runtime/spec.hpp"

namespace roost::engine {

// Checks that PEER (as looked up, reconciled) runs and can be joined by a
// container with MAPPING, and points FACTS at its namespaces and its files
// (PEER_RUN_DIR holds them). With an external runtime (RUNTIME non-empty) only
// root can join: rootless runc runs in a user namespace of its own.
Result<void> join_peer_network(const ContainerRecord& peer, const std::string& peer_run_dir,
                               const userns::IdMapping& mapping, const std::string& runtime,
                               runtime::HostFacts& facts);

}  // namespace roost::engine
