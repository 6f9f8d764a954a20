#include "runtime/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "common/fd.hpp"
#include "runtime/syscalls.hpp"

namespace roost::runtime {
namespace {

struct MountOptions {
  unsigned long flags = 0;
  std::vector<unsigned long> propagation;
  bool bind = false;
  bool recursive = false;
  std::string data;
};

MountOptions parse_options(const nlohmann::json& options) {
  struct Flag {
    std::string_view name;
    bool clear;
    unsigned long flag;
  };
  static const Flag flags[] = {
      {"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
      {"nosuid", false, MS_NOSUID},      {"suid", true, MS_NOSUID},
      {"nodev", false, MS_NODEV},        {"dev", true, MS_NODEV},
      {"noexec", false, MS_NOEXEC},      {"exec", true, MS_NOEXEC},
      {"sync", false, MS_SYNCHRONOUS},   {"async", true, MS_SYNCHRONOUS},
      {"dirsync", false, MS_DIRSYNC},    {"mand", false, MS_MANDLOCK},
      {"nomand", true, MS_MANDLOCK},     {"noatime", false, MS_NOATIME},
      {"atime", true, MS_NOATIME},       {"nodiratime", false, MS_NODIRATIME},
      {"diratime", true, MS_NODIRATIME}, {"relatime", false, MS_RELATIME},
      {"norelatime", true, MS_RELATIME}, {"strictatime", false, MS_STRICTATIME},
      {"nostrictatime", true, MS_STRICTATIME},
  };
  static const std::pair<std::string_view, unsigned long> props[] = {
      {"private", MS_PRIVATE},        {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
      {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},              {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE},  {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  MountOptions o;
  if (!options.is_array()) return o;
  for (const auto& j : options) {
    if (!j.is_string()) continue;
    std::string opt = j.get<std::string>();
    if (opt == "bind" || opt == "rbind") {
      o.bind = true;
      o.recursive |= opt == "rbind";
      continue;
    }
    // Options of other runtimes or engines that ask nothing of the kernel.
    if (opt == "tmpcopyup" || opt == "z" || opt == "Z" || opt == "U" || opt == "defaults" || opt == "notmpcopyup")
      continue;
    bool known = false;
    for (const auto& f : flags)
      if (opt == f.name) {
        o.flags = f.clear ? (o.flags & ~f.flag) : (o.flags | f.flag);
        known = true;
      }
    for (const auto& [name, flag] : props)
      if (opt == name) {
        o.propagation.push_back(flag);
        known = true;
      }
    if (known) continue;
    if (!o.data.empty()) o.data += ",";
    o.data += opt;
  }
  return o;
}

// Flags the kernel locked on a mount that came from a more privileged mount
// namespace: a remount inside a user namespace must repeat them or gets
// EPERM (mount_namespaces(7), "locked mounts").
unsigned long locked_flags(int fd) {
  struct statvfs sv;
  if (::fstatvfs(fd, &sv) != 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

Result<void> do_mount(const std::string& source, const std::string& target, const char* type, unsigned long flags,
                      const std::string& data) {
  if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(), type, flags,
              data.empty() ? nullptr : data.c_str()) != 0)
    return sys_error("mount");
  return {};
}

// Remounts the mount at PATH (inside ROOT, opened afresh so the fd is on the
// new mount, not the directory it covers) with FLAGS plus its locked flags.
Result<void> remount_bind(int root_fd, const std::string& path, unsigned long flags) {
  auto fd = ROOST_TRY(open_in_root(root_fd, path, O_PATH));
  unsigned long all = MS_BIND | MS_REMOUNT | flags | locked_flags(fd.get());
  if (flags & MS_RDONLY) all |= MS_RDONLY;
  if (::mount(nullptr, fd_path(fd.get()).c_str(), nullptr, all, nullptr) != 0) return sys_error("remount");
  return {};
}

Result<void> set_propagation(int root_fd, const std::string& path, const std::vector<unsigned long>& props) {
  if (props.empty()) return {};
  auto fd = ROOST_TRY(open_in_root(root_fd, path, O_PATH));
  for (unsigned long p : props)
    if (::mount(nullptr, fd_path(fd.get()).c_str(), nullptr, p, nullptr) != 0) return sys_error("setting propagation");
  return {};
}

Result<void> bind_host(const std::string& host, int target_fd, bool recursive) {
  return do_mount(host, fd_path(target_fd), nullptr, MS_BIND | (recursive ? MS_REC : 0), "");
}

std::string without_option(const std::string& data, std::string_view prefix) {
  std::string out;
  size_t pos = 0;
  while (pos <= data.size()) {
    size_t next = data.find(',', pos);
    if (next == std::string::npos) next = data.size();
    std::string opt = data.substr(pos, next - pos);
    if (!opt.empty() && opt.rfind(prefix, 0) != 0) out += (out.empty() ? "" : ",") + opt;
    pos = next + 1;
  }
  return out;
}

Result<void> mount_one(int root_fd, const nlohmann::json& m, bool in_userns) {
  const std::string dest = m.value("destination", std::string());
  if (dest.empty() || dest[0] != '/') return make_error(ErrorKind::invalid, "mount destination \"" + dest + "\" is not absolute");
  const std::string type = m.value("type", std::string());
  const std::string source = m.value("source", std::string());
  MountOptions o = parse_options(m.value("options", nlohmann::json::array()));

  if (o.bind || type == "bind") {
    struct stat st;
    if (::stat(source.c_str(), &st) != 0) return sys_error("bind source", source);
    auto target = ROOST_TRY(make_target_in_root(root_fd, dest, !S_ISDIR(st.st_mode)));
    ROOST_TRY(bind_host(source, target.get(), o.recursive));
    // A bind ignores every flag but MS_REC; the rest needs a remount.
    if (o.flags) ROOST_TRY_CTX(remount_bind(root_fd, dest, o.flags), "applying options");
    return set_propagation(root_fd, dest, o.propagation);
  }

  auto target = ROOST_TRY(make_target_in_root(root_fd, dest, false));
  const std::string tpath = fd_path(target.get());
  if (type == "cgroup" || type == "cgroup2") {
    // No cgroup namespace or delegation is set up; the host's hierarchy is
    // shown read-only where the kernel allows it, else nothing.
    if (bind_host("/sys/fs/cgroup", target.get(), true)) (void)remount_bind(root_fd, dest, MS_RDONLY | o.flags);
    return {};
  }
  auto r = do_mount(source, tpath, type.c_str(), o.flags, o.data);
  auto err = [&r] { return r ? 0 : r.error().errnum(); };
  if (!r && type == "devpts" && (err() == EINVAL || err() == EPERM) && o.data.find("gid=") != std::string::npos) {
    // gid=5 (tty) is unmapped in a single-ID user namespace.
    r = do_mount(source, tpath, type.c_str(), o.flags, without_option(o.data, "gid="));
  }
  if (!r && type == "sysfs" && in_userns && err() == EPERM) {
    // sysfs needs a network namespace of our own; without one, the host's.
    r = bind_host("/sys", target.get(), true);
    if (r) r = remount_bind(root_fd, dest, MS_RDONLY | o.flags);
  }
  if (!r && type == "mqueue" && (err() == EPERM || err() == EACCES)) {
    // An IPC namespace we do not own: the host's queues, or none.
    (void)bind_host("/dev/mqueue", target.get(), false);
    return {};
  }
  if (!r) return r;
  return set_propagation(root_fd, dest, o.propagation);
}

struct DeviceSpec {
  std::string path;
  char type = 'c';
  unsigned major = 0, minor = 0;
  mode_t mode = 0666;
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<void> make_device(int root_fd, const DeviceSpec& d, bool in_userns) {
  const std::string ctx = "creating device " + d.path;
  auto slash = d.path.find_last_of('/');
  std::string dir = d.path.substr(0, slash), name = d.path.substr(slash + 1);
  auto dirfd = ROOST_TRY_CTX(make_target_in_root(root_fd, dir.empty() ? "/" : dir, false), ctx);
  struct stat st;
  if (::fstatat(dirfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) return {};
  if (!in_userns) {
    mode_t kind = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
    ::unlinkat(dirfd.get(), name.c_str(), 0);
    if (::mknodat(dirfd.get(), name.c_str(), kind | (d.mode & 07777), makedev(d.major, d.minor)) == 0) {
      if (::fchownat(dirfd.get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) != 0) return sys_error(ctx + ": chown");
      if (::fchmodat(dirfd.get(), name.c_str(), d.mode & 07777, 0) != 0) return sys_error(ctx + ": chmod");
      return {};
    }
    if (errno != EPERM) return sys_error(ctx + ": mknod");
  }
  // Device nodes made in a user namespace do not open (nodev): bind the
  // host's node over an empty file instead, as rootless runc does.
  auto target = ROOST_TRY_CTX(make_target_in_root(root_fd, d.path, true), ctx);
  ROOST_TRY_CTX(bind_host(d.path, target.get(), false), ctx + ": bind from the host");
  return {};
}

Result<void> mask_one(int root_fd, const std::string& path) {
  auto fd = open_in_root(root_fd, path, O_PATH);
  if (!fd) return fd.error().errnum() == ENOENT ? Result<void>() : Result<void>(std::move(fd).error());
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return sys_error("stat", path);
  if (S_ISDIR(st.st_mode)) return do_mount("tmpfs", fd_path(fd->get()), "tmpfs", MS_RDONLY, "size=0k");
  return do_mount("/dev/null", fd_path(fd->get()), nullptr, MS_BIND, "");
}

}  // namespace

Result<void> apply_mounts(int root_fd, const nlohmann::json& mounts, bool in_userns) {
  if (!mounts.is_array()) return {};
  for (const auto& m : mounts) ROOST_TRY_CTX(mount_one(root_fd, m, in_userns), "mounting " + m.value("destination", std::string("?")));
  return {};
}

Result<void> create_devices(int root_fd, const nlohmann::json& devices, bool in_userns) {
  std::vector<DeviceSpec> list = {
      {"/dev/null", 'c', 1, 3}, {"/dev/zero", 'c', 1, 5},    {"/dev/full", 'c', 1, 7},
      {"/dev/random", 'c', 1, 8}, {"/dev/urandom", 'c', 1, 9}, {"/dev/tty", 'c', 5, 0},
  };
  if (devices.is_array()) {
    for (const auto& j : devices) {
      DeviceSpec d;
      d.path = j.value("path", std::string());
      if (d.path.empty() || d.path[0] != '/') return make_error(ErrorKind::invalid, "linux.devices entry without an absolute path");
      std::string t = j.value("type", std::string("c"));
      d.type = t.empty() ? 'c' : (t[0] == 'u' ? 'c' : t[0]);
      d.major = j.value("major", 0u);
      d.minor = j.value("minor", 0u);
      d.mode = j.value("fileMode", 0666u);
      d.uid = j.value("uid", 0u);
      d.gid = j.value("gid", 0u);
      list.push_back(d);
    }
  }
  for (const auto& d : list) ROOST_TRY(make_device(root_fd, d, in_userns));

  auto dev = ROOST_TRY_CTX(open_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY), "creating /dev links");
  static const std::pair<const char*, const char*> links[] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"},
  };
  for (const auto& [target, name] : links)
    if (::symlinkat(target, dev.get(), name) != 0 && errno != EEXIST) return sys_error("symlink", std::string("/dev/") + name);
  struct stat st;
  if (::fstatat(dev.get(), "pts/ptmx", &st, 0) == 0) {
    // A ptmx node left in an image would open the host's pty instance.
    if (::fstatat(dev.get(), "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode)) ::unlinkat(dev.get(), "ptmx", 0);
    if (::symlinkat("pts/ptmx", dev.get(), "ptmx") != 0 && errno != EEXIST) return sys_error("symlink", "/dev/ptmx");
  }
  return {};
}

Result<void> mask_paths(const nlohmann::json& paths) {
  if (!paths.is_array()) return {};
  auto root = ROOST_TRY(open_file("/", O_PATH | O_DIRECTORY));
  for (const auto& p : paths) ROOST_TRY_CTX(mask_one(root.get(), p.get<std::string>()), "masking " + p.get<std::string>());
  return {};
}

Result<void> readonly_paths(const nlohmann::json& paths) {
  if (!paths.is_array()) return {};
  auto root = ROOST_TRY(open_file("/", O_PATH | O_DIRECTORY));
  for (const auto& j : paths) {
    const std::string p = j.get<std::string>();
    auto fd = open_in_root(root.get(), p, O_PATH);
    if (!fd) {
      if (fd.error().errnum() == ENOENT) continue;
      return std::move(fd).error().context("making " + p + " read-only");
    }
    ROOST_TRY_CTX(do_mount(fd_path(fd->get()), fd_path(fd->get()), nullptr, MS_BIND | MS_REC, ""), "making " + p + " read-only");
    ROOST_TRY_CTX(remount_bind(root.get(), p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), "making " + p + " read-only");
  }
  return {};
}

Result<void> remount_root_readonly() {
  auto root = ROOST_TRY(open_file("/", O_PATH | O_DIRECTORY));
  ROOST_TRY_CTX(remount_bind(root.get(), "/", MS_RDONLY), "making the root file system read-only");
  return {};
}

}  // namespace roost::runtime
