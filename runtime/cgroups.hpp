// Cgroups for containers, cgroupfs style (no systemd): one cgroup per
// container, CGROUP_ROOT/roost/<id> in each v1 hierarchy roost uses, or one
// v2 directory. The host's layout is read from /proc/self/mountinfo, never
// assumed: v1 (all controllers on v1 hierarchies, a controller-less cgroup2
// "unified" mount beside them is hybrid and counts as v1) or v2.
//
// Root gets cgroups on either. A normal user gets them only on v2 when this
// process already runs in a cgroup subtree the user owns (delegated, as
// systemd's user@.service gives): on v1 no unprivileged user may create
// cgroups, as podman rootless on v1 has none either.
//
// The built-in executor's first process joins its cgroup before it goes on to
// exec (all its children are then in it); an external runtime gets the same
// path as linux.cgroupsPath and creates it itself.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::runtime {

enum class CgroupLayout { none, v1, v2 };

// Where the cgroup file systems are mounted.
struct CgroupMounts {
  CgroupLayout layout = CgroupLayout::none;
  // v1: controller -> its hierarchy's mount point (co-mounted controllers,
  // such as "cpu,cpuacct", share one).
  std::map<std::string, std::string> v1;
  std::string v2;  // the cgroup2 mount point ("" when none)
  bool v2_has_controllers = false;  // hybrid hosts have a cgroup2 mount without any
};

// Pure: MOUNTINFO is /proc/self/mountinfo's text, V2_CONTROLLERS the
// cgroup.controllers of the cgroup2 mount's root ("" when unreadable).
CgroupMounts parse_cgroup_mounts(const std::string& mountinfo, const std::string& v2_controllers);
// Pure: this process's v2 path ("0::/user.slice/...") from /proc/self/cgroup; "" when none.
std::string own_v2_cgroup(const std::string& proc_self_cgroup);

// Reads /proc/self/mountinfo.
CgroupMounts probe_cgroup_mounts();
// v2: the topmost cgroup at or above OWN (relative to the mount at MOUNT)
// whose directory and cgroup.procs UID owns: where a normal user may make
// cgroups. "" when there is none (no delegation).
std::string delegated_v2_root(const std::string& mount, const std::string& own, uid_t uid);

// Pure: the enabled v1 controllers that are mounted (hierarchy != 0) from
// /proc/cgroups's text.
std::vector<std::string> enabled_v1_controllers(const std::string& proc_cgroups);

// The host as `roost info` and `roost system check` describe it, decided as
// ContainerCgroup::for_container decides, so they never disagree.
struct HostCgroups {
  CgroupMounts mounts;
  std::string own_path;        // this process's v2 cgroup ("" without one)
  bool usable = false;         // containers get cgroups (root: always; a normal user: a delegated v2 subtree)
  // Root on v1: every enabled controller the host mounts; else those of the
  // (delegated) v2 cgroup containers are made under.
  std::vector<std::string> controllers;
};
HostCgroups probe_host_cgroups(bool rootless);

// A container's cgroup, whether or not it exists yet.
class ContainerCgroup {
 public:
  // The cgroup roost gives container ID on this host. ROOTLESS: as a normal
  // user. Where there can be none, an `unsupported` Error saying why (v1
  // rootless; v2 without a delegated subtree; no cgroup file system).
  static Result<ContainerCgroup> for_container(const std::string& id, bool rootless);

  CgroupLayout layout() const { return layout_; }
  // linux.cgroupsPath for an external runtime (relative to each hierarchy's root).
  const std::string& path() const { return path_; }
  // One directory per hierarchy (v1) or the one v2 directory.
  const std::vector<std::string>& dirs() const { return dirs_; }
  bool exists() const;

  // Makes the directories (and on v2 enables what controllers the parent has).
  Result<void> create() const;
  // Moves PID into it (every hierarchy).
  Result<void> join(pid_t pid) const;
  // Kills what is left in it and removes its directories; gone already is fine.
  Result<void> remove() const;

  // Freezes or thaws every process in it and waits until the kernel reports
  // the state reached.
  Result<void> freeze() const;
  Result<void> thaw() const;
  bool frozen() const;

  struct Stats {
    uint64_t cpu_ns = 0;          // CPU time used (all its processes, user + system)
    uint64_t mem_usage = 0;       // bytes, without the inactive file cache
    std::optional<uint64_t> mem_limit;  // none: unlimited
    uint64_t block_read = 0, block_write = 0;
    uint64_t pids = 0;
  };
  Result<Stats> stats() const;

 private:
  std::string dir_of(const std::string& controller) const;

  CgroupLayout layout_ = CgroupLayout::none;
  std::string path_;
  std::vector<std::string> dirs_;
  std::map<std::string, std::string> by_controller_;  // v1: controller -> its directory
};

// Pure parsers of the cgroup files stats() reads.
// memory.stat (v1 "total_inactive_file", v2 "inactive_file") -> that value.
uint64_t inactive_file(const std::string& memory_stat);
// blkio.throttle.io_service_bytes(_recursive) (v1) or io.stat (v2): read and written bytes.
std::pair<uint64_t, uint64_t> block_io_v1(const std::string& io_service_bytes);
std::pair<uint64_t, uint64_t> block_io_v2(const std::string& io_stat);
// cpu.stat (v2) usage_usec, in nanoseconds.
uint64_t cpu_usage_v2(const std::string& cpu_stat);
// memory.limit_in_bytes (v1) or memory.max (v2): none when unlimited ("max",
// or v1's page-rounded LONG_MAX).
std::optional<uint64_t> memory_limit(const std::string& text);
// /proc/PID/net/dev: received and sent bytes of every interface but lo.
std::pair<uint64_t, uint64_t> net_dev_bytes(const std::string& net_dev);

}  // namespace roost::runtime
