#include "cli/host_probe.hpp"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "common/fd.hpp"
#include "common/process.hpp"

namespace roost::cli {
namespace {

constexpr long kCgroup2Magic = 0x63677270;
constexpr long kTmpfsMagic = 0x01021994;

long statfs_type(const std::string& path) {
  struct statfs st;
  return ::statfs(path.c_str(), &st) == 0 ? static_cast<long>(st.f_type) : -1;
}

std::vector<std::string> words_of(const std::string& path) {
  std::vector<std::string> out;
  auto text = read_file(path);
  if (!text) return out;
  std::istringstream in(*text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Enabled v1 controllers that are mounted somewhere (hierarchy != 0).
std::vector<std::string> v1_controllers() {
  std::vector<std::string> out;
  auto text = read_file("/proc/cgroups");
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream l(line);
    std::string name;
    int hierarchy = 0, cgroups = 0, enabled = 0;
    if (l >> name >> hierarchy >> cgroups >> enabled && hierarchy != 0 && enabled) out.push_back(name);
  }
  return out;
}

bool owned_by(const std::string& path, uid_t uid) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && st.st_uid == uid;
}

}  // namespace

std::string cgroup_version_name(CgroupVersion v) {
  switch (v) {
    case CgroupVersion::v1: return "v1";
    case CgroupVersion::v2: return "v2";
    case CgroupVersion::hybrid: return "hybrid";
    case CgroupVersion::unknown: break;
  }
  return "unknown";
}

CgroupInfo probe_cgroups(uid_t uid, bool root) {
  CgroupInfo info;
  long top = statfs_type("/sys/fs/cgroup");
  std::string v2_mount;
  if (top == kCgroup2Magic) {
    info.version = CgroupVersion::v2;
    v2_mount = "/sys/fs/cgroup";
  } else if (top == kTmpfsMagic) {
    if (statfs_type("/sys/fs/cgroup/unified") == kCgroup2Magic) {
      info.version = CgroupVersion::hybrid;
      v2_mount = "/sys/fs/cgroup/unified";
    } else {
      info.version = CgroupVersion::v1;
    }
  }
  if (auto text = read_file("/proc/self/cgroup")) {
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("0::", 0) == 0) info.own_path = line.substr(3);
  }
  if (root) {
    info.delegated = true;
    info.controllers = info.version == CgroupVersion::v2 ? words_of(v2_mount + "/cgroup.controllers") : v1_controllers();
    return info;
  }
  if (v2_mount.empty()) return info;
  // A systemd user manager owns user@UID.service; a login session's own
  // scope is owned by root, so look at both.
  std::string u = std::to_string(uid);
  for (const std::string& dir : {v2_mount + info.own_path,
                                 v2_mount + "/user.slice/user-" + u + ".slice/user@" + u + ".service"}) {
    if (info.own_path.empty() && dir == v2_mount) continue;
    if (owned_by(dir, uid) && owned_by(dir + "/cgroup.procs", uid)) {
      info.delegated = true;
      info.controllers = words_of(dir + "/cgroup.controllers");
      break;
    }
  }
  return info;
}

ProgramInfo probe_program(const std::string& name) {
  ProgramInfo p;
  p.path = find_program(name);
  if (p.path.empty()) return p;
  auto out = run_program({p.path, "--version"});
  if (!out) return p;
  std::istringstream in(out->output);
  std::string first;
  for (std::string line; std::getline(in, line);) {
    if (first.empty()) first = line;
    if (line.find(name) != std::string::npos) {
      p.version = line;
      return p;
    }
  }
  p.version = first;
  return p;
}

std::string fs_type(const std::string& path) {
  static const std::map<long, const char*> names = {
      {0xEF53, "ext4"},        {0x58465342, "xfs"},       {0x9123683E, "btrfs"},  {0x01021994, "tmpfs"},
      {0x794c7630, "overlayfs"}, {0x6969, "nfs"},         {0x65735546, "fuse"},   {0x2fc12fc1, "zfs"},
      {0xFF534D42, "cifs"},    {0xFE534D42, "smb2"},      {0xF2F52010, "f2fs"},   {0x00c36400, "ceph"},
      {0x5346544e, "ntfs"},    {0x4d44, "vfat"},          {0x858458f6, "ramfs"},  {0x73717368, "squashfs"},
  };
  std::string p = path.empty() ? "/" : path;
  struct statfs st;
  while (::statfs(p.c_str(), &st) != 0) {
    if (p == "/" || p.empty()) return "unknown";
    auto slash = p.find_last_of('/');
    p = slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
  }
  auto it = names.find(static_cast<long>(st.f_type));
  if (it != names.end()) return it->second;
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(st.f_type));
  return buf;
}

std::string host_arch() {
  struct utsname u;
  if (::uname(&u) != 0) return "unknown";
  static const std::map<std::string, std::string> go = {
      {"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"}, {"i386", "386"}, {"armv7l", "arm"},
      {"armv6l", "arm"},   {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"}};
  auto it = go.find(u.machine);
  return it != go.end() ? it->second : u.machine;
}

std::string kernel_release() {
  struct utsname u;
  return ::uname(&u) == 0 ? u.release : "unknown";
}

std::string host_name() {
  struct utsname u;
  return ::uname(&u) == 0 ? u.nodename : "";
}

Distribution distribution() {
  Distribution d;
  auto text = read_file("/etc/os-release");
  if (!text) return d;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), v = line.substr(eq + 1);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    if (key == "ID") d.id = v;
    if (key == "VERSION_ID") d.version = v;
    if (key == "VERSION_CODENAME") d.codename = v;
  }
  return d;
}

}  // namespace roost::cli
