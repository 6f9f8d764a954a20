// The container's file system view: spec mounts in order, /dev, masked and
// read-only paths, a read-only root. Every target is resolved inside the
// root through an fd (openat2 RESOLVE_IN_ROOT), never by joining strings, so
// a symlink in the image cannot send a mount outside the container. Internal
// to runtime/.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace roost::runtime {

// IN_USERNS: running in a user namespace not owned by the host's root, where
// sysfs, mqueue and device nodes may be refused and fall back to binds of
// the host's.
Result<void> apply_mounts(int root_fd, const nlohmann::json& mounts, bool in_userns);

// /dev/null, zero, full, random, urandom, tty and the spec's linux.devices
// (mknod, or a bind of the host node where mknod is not allowed), and the
// /dev/fd, stdin, stdout, stderr and ptmx symlinks.
Result<void> create_devices(int root_fd, const nlohmann::json& devices, bool in_userns);

// After pivot_root: /dev/null over masked files, an empty read-only tmpfs
// over masked directories; read-only bind remounts; a read-only root.
// Missing paths are skipped.
Result<void> mask_paths(const nlohmann::json& paths);
Result<void> readonly_paths(const nlohmann::json& paths);
Result<void> remount_root_readonly();

}  // namespace roost::runtime
