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
  // Controllers this user's containers get: for root every enabled
  // controller; for a normal user those of a v2 cgroup it owns (delegated).
  std::vector<std::string> controllers;
  // Containers get cgroups: root, or a normal user who owns a v2 subtree.
  bool delegated = false;
  std::string own_path;  // this process's v2 cgroup ("/user.slice/...")
};

// From runtime/cgroups: v1 with a controller-less cgroup2 mount beside it is
// hybrid; ROOT or not decides what containers get, as it does for them.
CgroupInfo probe_cgroups(bool root);

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
