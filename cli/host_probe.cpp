#include "cli/host_probe.hpp"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "common/fd.hpp"
#include "common/process.hpp"
#include "runtime/cgroups.hpp"

namespace roost::cli {
std::string cgroup_version_name(CgroupVersion v) {
  switch (v) {
    case CgroupVersion::v1: return "v1";
    case CgroupVersion::v2: return "v2";
    case CgroupVersion::hybrid: return "hybrid";
    case CgroupVersion::unknown: break;
  }
  return "unknown";
}

CgroupInfo probe_cgroups(bool root) {
  auto host = runtime::probe_host_cgroups(!root);
  CgroupInfo info;
  switch (host.mounts.layout) {
    case runtime::CgroupLayout::v1:
      info.version = host.mounts.v2.empty() ? CgroupVersion::v1 : CgroupVersion::hybrid;
      break;
    case runtime::CgroupLayout::v2: info.version = CgroupVersion::v2; break;
    case runtime::CgroupLayout::none: break;
  }
  info.controllers = std::move(host.controllers);
  info.delegated = host.usable;
  info.own_path = std::move(host.own_path);
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
