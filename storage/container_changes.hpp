// What a container changed in its root file system, as a list (`roost diff`)
// or as an OCI layer tar (`roost commit`), and its whole root file system as
// a tar (`roost export`).
//
// Each runs in a helper inside a user namespace with the store's map: a
// container's files may belong to sub-IDs its user cannot read directly. The
// tar records the IDs the container sees.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace roost::storage {

enum class ChangeKind { added, changed, deleted };

struct Change {
  ChangeKind kind = ChangeKind::added;
  std::string path;  // absolute in the container: "/etc/hosts"
};

// 'A', 'C' or 'D', as podman diff prints them.
char change_letter(ChangeKind kind);

// The changes, sorted by path. Overlay drivers list what the upper layer
// holds (a directory a file was written in shows as changed, as with podman);
// vfs compares the container's copy with the image's tree.
Result<std::vector<Change>> container_changes(const StoreOptions& options, const ContainerLayer& layer);

// Writes the changes to FD as a layer tar: new and changed entries with their
// content, deletions as .wh. markers, opaque directories as .wh..wh..opq.
Result<void> write_container_changes(const StoreOptions& options, const ContainerLayer& layer, int fd);

// Writes an image layer's own content as a layer tar to FD, in the caller
// (already inside the store's user namespace): DIR is the layer over its
// parents PARENT_DIRS (topmost first; vfs compares DIR with the first, since
// its layers hold whole trees). Same tree, same bytes.
Result<void> write_layer_tar(Driver driver, const std::string& dir, const std::vector<std::string>& parent_dirs, int fd);

// Writes the container's root file system (image plus changes) to FD as a
// tar. RUNNING_PID > 0 reads the running container's own root through /proc;
// otherwise the layer is mounted in the helper's private mount namespace.
Result<void> export_container_root(const StoreOptions& options, const ContainerLayer& layer, pid_t running_pid,
                                   bool rootless, int fd);

}  // namespace roost::storage
