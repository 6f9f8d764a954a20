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

// The facts, without touching the file system.
runtime::HostFacts planned_host_facts(const HostFilesInput& in);
// Writes the files and returns the facts that point at them.
Result<runtime::HostFacts> prepare_host_files(const HostFilesInput& in);

}  // namespace roost::engine
