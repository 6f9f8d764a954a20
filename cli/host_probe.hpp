// Host facts shown by `roost info` and judged by `roost system check`:
// collected here once so both verbs describe the host the same way.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace roost::cli {

enum class CgroupVersion { v1, v2, hybrid, unknown };
std::string cgroup_version_name(CgroupVersion v);

struct CgroupInfo {
  CgroupVersion version = CgroupVersion::unknown;
  // Controllers this user can use: for root every enabled controller; for a
  // normal user those of a v2 cgroup it owns (a delegated subtree).
  std::vector<std::string> controllers;
  // The user owns its cgroup (v2), so it can create child cgroups there.
  bool delegated = false;
  std::string own_path;  // this process's v2 cgroup ("/user.slice/...")
};

// Reads /sys/fs/cgroup (cgroup2fs: v2; tmpfs with a cgroup2 "unified" mount:
// hybrid; else v1) and /proc/self/cgroup.
CgroupInfo probe_cgroups(uid_t uid, bool root);

struct ProgramInfo {
  std::string path;     // empty when not installed
  std::string version;  // the line of `PROGRAM --version` naming it, or its first line
};
ProgramInfo probe_program(const std::string& name);

// The file-system type under PATH (or its nearest existing parent):
// "ext4", "xfs", "btrfs", "tmpfs", "overlayfs", "nfs", ... or "0xMAGIC".
std::string fs_type(const std::string& path);

// Machine and kernel from uname(2); arch in Go's spelling (amd64, arm64), as
// podman prints it.
std::string host_arch();
std::string kernel_release();
std::string host_name();
// ID, VERSION_ID and VERSION_CODENAME from /etc/os-release (empty if absent).
struct Distribution {
  std::string id, version, codename;
};
Distribution distribution();

}  // namespace roost::cli
