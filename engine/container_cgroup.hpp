// Which cgroup a container has: decided in this one place for every caller
// (start, exec, kill, pause, stats, removal), so that they never disagree
// about whether the store counts as rootless.
#pragma once

#include <string>

#include "common/result.hpp"
#include "runtime/cgroups.hpp"
#include "storage/store.hpp"

namespace roost::engine {

// The cgroup container ID has (or gets) with STORE's ID mapping: a store
// without the identity map is rootless. An unsupported Error says why where
// containers get none (runtime/cgroups.hpp).
inline Result<runtime::ContainerCgroup> container_cgroup(const storage::StoreOptions& store, const std::string& id) {
  return runtime::ContainerCgroup::for_container(id, !store.mapping.identity);
}

}  // namespace roost::engine
