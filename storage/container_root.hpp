// Working on a container's root file system from a helper process: the
// running container's own root (through /proc/PID/root), or the layer mounted
// in the helper's private mount namespace. The helper runs in a user
// namespace with the store's map, so the container's files, whatever sub-IDs
// own them, are as readable and writable as they are to the container's root.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace roost::storage {

struct ContainerRoot {
  ContainerLayer layer;
  pid_t running_pid = 0;  // > 0: the container runs, read its root through /proc
  bool rootless = true;
};

// Calls FN in the helper with an O_PATH fd of the root directory; FN's
// string (or Error) comes back. Must be called while single-threaded.
Result<std::string> in_container_root(const StoreOptions& options, const ContainerRoot& root,
                                       const std::function<Result<std::string>(int rootfd)>& fn);

// Opens PATH inside the root at ROOTFD (absolute or relative, symlinks
// resolved as if ROOTFD were /, so they cannot lead outside), with FLAGS.
Result<int> open_in_root(int rootfd, const std::string& path, int flags);

}  // namespace roost::storage
