// roost system check: is this host and this user ready for rootless
// containers? One line per check, with the exact command that fixes a problem.
// Exit status 1 when a FAIL blocks rootless use.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli/host_probe.hpp"
#include "cli/verb.hpp"
#include "common/fd.hpp"
#include "storage/config.hpp"
#include "userns/host.hpp"
#include "userns/userns.hpp"

namespace roost::cli {
namespace {

enum class Status { ok, warn, fail };

class Report {
 public:
  void ok(const std::string& what) { print(Status::ok, what, "", ""); }
  void warn(const std::string& what, const std::string& why, const std::string& fix = "") {
    print(Status::warn, what, why, fix);
    ++warnings_;
  }
  void fail(const std::string& what, const std::string& why, const std::string& fix = "") {
    print(Status::fail, what, why, fix);
    ++failures_;
  }
  // The userns module phrases its errors "problem; to fix: command".
  void fail_with_fix(const std::string& what, const std::string& message) {
    auto at = message.find("; to fix: ");
    if (at == std::string::npos) return fail(what, message);
    fail(what, message.substr(0, at), message.substr(at + 10));
  }
  int failures() const { return failures_; }
  int warnings() const { return warnings_; }

 private:
  void print(Status s, const std::string& what, const std::string& why, const std::string& fix) {
    const char* tag = s == Status::ok ? "OK    " : s == Status::warn ? "WARN  " : "FAIL  ";
    std::cout << tag << what << (why.empty() ? "" : ": " + why) << "\n";
    if (!fix.empty()) std::cout << "      fix: " << fix << "\n";
  }
  int failures_ = 0;
  int warnings_ = 0;
};

struct Who {
  uid_t uid;
  gid_t gid;
  std::string name;
};

Who who_am_i() {
  Who w{::getuid(), ::getgid(), std::to_string(::getuid())};
  if (struct passwd* pw = ::getpwuid(w.uid)) w.name = pw->pw_name;
  return w;
}

std::string range_text(const std::vector<userns::SubIdRange>& ranges) {
  std::string out;
  for (const auto& r : ranges)
    out += (out.empty() ? "" : ", ") + std::to_string(r.start) + "-" + std::to_string(uint64_t(r.start) + r.count - 1);
  return out;
}

// Checks one sub-ID file; returns the user's ranges (empty when unusable).
std::vector<userns::SubIdRange> check_sub_ids(Report& rep, const Who& w, bool uids) {
  const std::string path = uids ? "/etc/subuid" : "/etc/subgid";
  const std::string what = uids ? "sub-UIDs" : "sub-GIDs";
  auto ranges = userns::read_subid_file(path, w.name, w.uid);
  if (!ranges) {
    rep.fail(what, ranges.error().str(), "sudoedit " + path + " (each line is NAME:START:COUNT)");
    return {};
  }
  uint64_t total = 0;
  for (const auto& r : *ranges) total += r.count;
  std::string fix = userns::usermod_fix(w.name, "/etc/subuid", "/etc/subgid", uids, !uids);
  if (ranges->empty()) {
    rep.fail(what, "none for user " + w.name + " in " + path +
                       " (roost falls back to a single-ID user namespace, where images with files owned by other "
                       "users fail)",
             fix);
  } else if (total < 65536) {
    rep.warn(what, "only " + std::to_string(total) + " for " + w.name + " in " + path + " (" + range_text(*ranges) +
                       "); images with files owned by IDs above " + std::to_string(total) +
                       " fail: 65536 are recommended",
             fix);
  } else {
    rep.ok(what + ": " + std::to_string(total) + " for " + w.name + " in " + path + " (" + range_text(*ranges) + ")");
  }
  return *ranges;
}

void check_user_namespaces(Report& rep, const Who& w, const std::vector<userns::SubIdRange>& subuids,
                           const std::vector<userns::SubIdRange>& subgids, bool helpers_ok) {
  if (auto reason = userns::userns_disabled_reason()) return rep.fail_with_fix("user namespaces", *reason);
  userns::IdMapping single;
  single.single_id = true;
  single.uids = {{0, w.uid, 1}};
  single.gids = {{0, w.gid, 1}};
  auto probe = [] { return read_file("/proc/self/uid_map"); };
  auto r = userns::run_in_userns(single, probe);
  if (!r) return rep.fail_with_fix("user namespaces", "cannot create one: " + r.error().str());
  rep.ok("user namespaces: an unprivileged user namespace can be created");
  if (subuids.empty() || subgids.empty() || !helpers_ok) return;

  userns::IdMapping full;
  full.uids = userns::rootless_ranges(w.uid, subuids);
  full.gids = userns::rootless_ranges(w.gid, subgids);
  auto m = userns::run_in_userns(full, probe);
  if (!m)
    return rep.fail("ID mapping", m.error().str(),
                    "make sure the ranges in /etc/subuid and /etc/subgid do not overlap each other or your own ID");
  rep.ok("ID mapping: newuidmap/newgidmap mapped " + std::to_string(userns::mapped_count(full.uids)) + " UIDs and " +
         std::to_string(userns::mapped_count(full.gids)) + " GIDs");
}

// FATAL: whether failing to open it blocks rootless use (else a warning).
// WORKAROUND: what works meanwhile ("" none).
void check_device(Report& rep, const std::string& dev, const std::string& module, const std::string& used_by,
                  bool fatal, const std::string& workaround = "") {
  int fd = ::open(dev.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0) {
    ::close(fd);
    return rep.ok(dev + ": can be opened read-write");
  }
  int err = errno;
  std::string why, fix;
  if (err == ENOENT) {
    why = "does not exist, so " + used_by + " cannot work";
    fix = "sudo modprobe " + module + " (and add " + module + " to /etc/modules-load.d/roost.conf to keep it loaded)";
  } else {
    struct stat st;
    std::string mode;
    bool open_mode = false;
    if (::stat(dev.c_str(), &st) == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%04o", st.st_mode & 07777);
      mode = std::string(" (mode ") + buf + ")";
      open_mode = (st.st_mode & 0666) == 0666;
    }
    why = "cannot be opened read-write by you" + mode + ": " + std::strerror(err) + ", so " + used_by +
          " cannot work";
    // Mode 0666 and still refused: not the permissions but the mount or the
    // device cgroup (as inside another container).
    fix = open_mode ? "make " + dev + " usable here: its file system must not be mounted nodev, and a device cgroup "
                                      "(inside a container) must allow it"
                    : "sudo chmod 0666 " + dev;
  }
  if (!workaround.empty()) why += "; " + workaround;
  if (fatal)
    rep.fail(dev, why, fix);
  else
    rep.warn(dev, why, fix);
}

// slirp4netns opens it to give each container its network (the default).
void check_tun(Report& rep) {
  check_device(rep, "/dev/net/tun", "tun", "slirp4netns networking (the default network)", true,
               "meanwhile containers can run with --network none");
}

// Returns false when XDG_RUNTIME_DIR is set but unusable (roost refuses it).
bool check_runtime_dir(Report& rep, const Who& w) {
  const char* env = std::getenv("XDG_RUNTIME_DIR");
  std::string linger = "log in with a real session (ssh, machinectl login " + w.name +
                       "@), or run: sudo loginctl enable-linger " + w.name +
                       " && export XDG_RUNTIME_DIR=/run/user/$(id -u)";
  if (!env || !*env) {
    rep.warn("XDG_RUNTIME_DIR", "not set (as after su or sudo); roost falls back to /run/user/" +
                                           std::to_string(w.uid) + " or /tmp/roost-run-" + std::to_string(w.uid),
                    linger);
    return true;
  }
  struct stat st;
  if (::stat(env, &st) != 0) {
    rep.fail("XDG_RUNTIME_DIR", std::string(env) + " does not exist", linger);
    return false;
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != w.uid) {
    rep.fail("XDG_RUNTIME_DIR",
             std::string(env) + " is not a directory owned by you (owner uid " + std::to_string(st.st_uid) +
                 "), as happens after su",
             linger);
    return false;
  }
  rep.ok(std::string("XDG_RUNTIME_DIR: ") + env + " is yours");
  return true;
}

void check_overlay(Report& rep, const ProgramInfo& fuse, bool fuse_configured) {
  if (storage::kernel_has_overlay())
    rep.ok("kernel overlayfs: available");
  else if (!fuse.path.empty())
    rep.warn("kernel overlayfs", "not available: fuse-overlayfs is used instead (slower)", "sudo modprobe overlay");
  else
    rep.warn("kernel overlayfs", "not available and fuse-overlayfs is not installed: the vfs driver copies every "
                                 "layer in full (slow, uses much disk)",
             "sudo modprobe overlay, or: sudo apt-get install fuse-overlayfs");
  if (!fuse.path.empty())
    rep.ok("fuse-overlayfs: " + fuse.path + (fuse.version.empty() ? "" : " (" + fuse.version + ")"));
  else if (fuse_configured)
    rep.fail("fuse-overlayfs", "not installed, but the storage driver is fuse-overlayfs", "sudo apt-get install fuse-overlayfs");
  else
    rep.warn("fuse-overlayfs", "not installed (the fallback when kernel overlayfs cannot be used)",
             "sudo apt-get install fuse-overlayfs");
}

void check_cgroups(Report& rep, const Who& w, bool root) {
  auto cg = probe_cgroups(root);
  std::string list;
  for (const auto& c : cg.controllers) list += (list.empty() ? "" : " ") + c;
  const std::string v = cgroup_version_name(cg.version);
  if (root) return rep.ok("cgroups: " + v + (list.empty() ? "" : ", controllers: " + list));
  const std::string no_limits = "resource limits (--memory, --cpus, --pids-limit) are unavailable to rootless containers";
  const std::string to_v2 = "boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line (cgroups v2)";
  switch (cg.version) {
    case CgroupVersion::v2:
      if (cg.delegated && !list.empty()) return rep.ok("cgroups: v2, controllers delegated to you: " + list);
      return rep.warn("cgroups", "v2, but no controllers are delegated to you: " + no_limits,
                      "use a systemd user session (sudo loginctl enable-linger " + w.name +
                          ") and delegate controllers: sudo mkdir -p /etc/systemd/system/user@.service.d && printf "
                          "'[Service]\\nDelegate=cpu cpuset io memory pids\\n' | sudo tee "
                          "/etc/systemd/system/user@.service.d/delegate.conf");
    case CgroupVersion::hybrid:
      return rep.warn("cgroups", "hybrid (v1 controllers, a v2 hierarchy without controllers): " + no_limits, to_v2);
    case CgroupVersion::v1:
      return rep.warn("cgroups", "v1: " + no_limits, to_v2);
    case CgroupVersion::unknown:
      return rep.warn("cgroups", "no cgroup file system found at /sys/fs/cgroup: " + no_limits);
  }
}

void check_graph_root(Report& rep, const Result<const storage::StoreOptions*>& opts, bool runtime_dir_ok) {
  if (!opts && !runtime_dir_ok)
    return rep.warn("graph root", "not checked until the XDG_RUNTIME_DIR problem above is fixed");
  if (!opts) return rep.fail("graph root", "cannot resolve the store settings: " + opts.error().str());
  const std::string& root = (*opts)->graph_root;
  std::string type = fs_type(root);
  if (type == "nfs" || type == "overlayfs" || type == "cifs" || type == "smb2" || type == "ceph")
    return rep.warn("graph root", root + " is on " + type + ", where overlay mounts and ID-shifted files do not work "
                                          "reliably",
                    "put the store on a local file system: add [storage] rootless_storage_path = \"/local/dir\" to "
                    "~/.config/containers/storage.conf");
  rep.ok("graph root: " + root + " on " + type + " (driver " + storage::driver_name((*opts)->driver) + ")");
}

void check_slirp(Report& rep) {
  auto slirp = probe_program("slirp4netns");
  if (slirp.path.empty())
    return rep.fail("slirp4netns", "not installed: containers have no network (only --network none works)",
                    "sudo apt-get install slirp4netns");
  rep.ok("slirp4netns: " + slirp.path + (slirp.version.empty() ? "" : " (" + slirp.version + ")"));
}

Result<int> run_check(Session& s) {
  Report rep;
  const Who w = who_am_i();
  const bool root = w.uid == 0;
  auto fuse = probe_program("fuse-overlayfs");
  auto opts = s.store_options();
  bool fuse_configured = opts.ok() && (*opts)->driver == storage::Driver::fuse_overlayfs;

  bool runtime_dir_ok = true;
  if (root) {
    std::cout << "roost runs as root here: the rootless checks (sub-IDs, newuidmap, user namespaces, device "
                 "permissions, XDG_RUNTIME_DIR) apply to normal users, so run `roost system check` as each user. "
                 "Checking what applies to root:\n";
    // Root's containers use slirp4netns too: a missing device blocks them.
    check_tun(rep);
  } else {
    auto subuids = check_sub_ids(rep, w, true);
    auto subgids = check_sub_ids(rep, w, false);
    bool helpers_ok = true;
    for (const char* helper : {"newuidmap", "newgidmap"}) {
      auto h = userns::check_id_helper(helper);
      if (h)
        rep.ok(std::string(helper) + ": " + *h);
      else
        rep.fail_with_fix(helper, h.error().str());
      helpers_ok = helpers_ok && h.ok();
    }
    check_user_namespaces(rep, w, subuids, subgids, helpers_ok);
    check_device(rep, "/dev/fuse", "fuse", "fuse-overlayfs", fuse_configured || !storage::kernel_has_overlay());
    check_tun(rep);
    runtime_dir_ok = check_runtime_dir(rep, w);
  }
  check_overlay(rep, fuse, fuse_configured);
  check_cgroups(rep, w, root);
  check_graph_root(rep, opts, runtime_dir_ok);
  check_slirp(rep);

  std::string warned = rep.warnings() ? " (" + std::to_string(rep.warnings()) + " warning" +
                                            (rep.warnings() == 1 ? "" : "s") + ")"
                                      : "";
  if (rep.failures()) {
    std::cout << "\n" << rep.failures() << " problem" << (rep.failures() == 1 ? "" : "s") << " block"
              << (rep.failures() == 1 ? "s" : "") << (root ? " roost" : " rootless use") << warned
              << ": apply the fixes above and run `roost system check` again\n";
    return 1;
  }
  std::cout << "\n" << (root ? "ready to run roost as root" : "ready for rootless use") << warned << "\n";
  return 0;
}

VerbRegistrar reg({
    {"system check"},
    "Check that this host and user are ready for rootless containers",
    [](CLI::App&) -> RunFn { return [](Session& s) { return run_check(s); }; },
});

}  // namespace
}  // namespace roost::cli
