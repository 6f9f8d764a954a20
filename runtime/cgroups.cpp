#include "runtime/cgroups.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "common/fd.hpp"

namespace roost::runtime {
namespace {

// What roost puts containers in and reads their stats from; cpu for later
// limits. Others (devices, cpuset, net_cls, ...) are left to the host.
const char* const kV1Controllers[] = {"cpu", "cpuacct", "memory", "pids", "blkio", "freezer"};

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

uint64_t to_u64(const std::string& s) {
  try {
    return std::stoull(s);
  } catch (...) {
    return 0;
  }
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::optional<std::string> read_text(const std::string& path) {
  auto t = read_file(path);
  if (!t) return std::nullopt;
  return trimmed(*t);
}

uint64_t read_u64(const std::string& path) {
  auto t = read_text(path);
  return t ? to_u64(*t) : 0;
}

Result<void> write_text(const std::string& path, const std::string& text) {
  auto fd = ROOST_TRY(open_file(path, O_WRONLY));
  return write_all(fd.get(), text.data(), text.size());
}

bool owned_by(const std::string& path, uid_t uid) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && st.st_uid == uid;
}

// Polls until DONE or about ten seconds have passed, running RETRY now and then.
template <class Done, class Retry>
bool wait_until(Done done, Retry retry) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    if (i % 10 == 0) retry();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// cgroup.controllers lists the controllers a v2 hierarchy offers: none when
// they are all bound to v1 hierarchies (hybrid hosts).
bool lists_controllers(const std::string& cgroup_controllers) { return !split_ws(cgroup_controllers).empty(); }

}  // namespace

CgroupMounts parse_cgroup_mounts(const std::string& mountinfo, const std::string& v2_controllers) {
  CgroupMounts m;
  std::istringstream in(mountinfo);
  for (std::string line; std::getline(in, line);) {
    auto dash = line.find(" - ");
    // Only cgroup mounts matter (a host has hundreds of others): splitting
    // every line was most of a container start's parsing.
    if (dash == std::string::npos || line.compare(dash + 3, 6, "cgroup") != 0) continue;
    auto head = split_ws(line.substr(0, dash));
    auto tail = split_ws(line.substr(dash + 3));
    if (head.size() < 5 || tail.size() < 3) continue;
    const std::string& mount_point = head[4];
    if (tail[0] == "cgroup2") {
      if (m.v2.empty()) m.v2 = mount_point;
    } else if (tail[0] == "cgroup") {
      for (auto& opt : split(tail[2], ','))
        for (const char* want : kV1Controllers)
          if (opt == want && !m.v1.count(opt)) m.v1[opt] = mount_point;
    }
  }
  m.v2_has_controllers = lists_controllers(v2_controllers);
  if (m.v1.count("freezer") || m.v1.count("memory")) m.layout = CgroupLayout::v1;
  else if (!m.v2.empty()) m.layout = CgroupLayout::v2;
  return m;
}

std::string own_v2_cgroup(const std::string& proc_self_cgroup) {
  std::istringstream in(proc_self_cgroup);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return trimmed(line.substr(3));
  return "";
}

CgroupMounts probe_cgroup_mounts() {
  auto info = read_file("/proc/self/mountinfo");
  if (!info) return {};
  auto m = parse_cgroup_mounts(*info, "");
  // The layout does not depend on the controllers: the mounts are parsed once.
  if (!m.v2.empty()) m.v2_has_controllers = lists_controllers(read_text(m.v2 + "/cgroup.controllers").value_or(""));
  return m;
}

std::string delegated_v2_root(const std::string& mount, const std::string& own, uid_t uid) {
  std::string found;
  std::string cur = own;
  while (!cur.empty() && cur != "/") {
    if (owned_by(mount + cur, uid) && owned_by(mount + cur + "/cgroup.procs", uid)) found = cur;
    auto slash = cur.find_last_of('/');
    cur = slash == std::string::npos ? "" : cur.substr(0, slash);
  }
  return found;
}

std::vector<std::string> enabled_v1_controllers(const std::string& proc_cgroups) {
  std::vector<std::string> out;
  std::istringstream in(proc_cgroups);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream l(line);
    std::string name;
    int hierarchy = 0, cgroups = 0, enabled = 0;
    if (l >> name >> hierarchy >> cgroups >> enabled && hierarchy != 0 && enabled) out.push_back(name);
  }
  return out;
}

HostCgroups probe_host_cgroups(bool rootless) {
  HostCgroups h;
  h.mounts = probe_cgroup_mounts();
  h.own_path = own_v2_cgroup(read_file("/proc/self/cgroup").value_or(""));
  switch (h.mounts.layout) {
    case CgroupLayout::none: break;
    case CgroupLayout::v1:
      h.usable = !rootless;
      if (h.usable) h.controllers = enabled_v1_controllers(read_file("/proc/cgroups").value_or(""));
      break;
    case CgroupLayout::v2: {
      std::string base = rootless ? delegated_v2_root(h.mounts.v2, h.own_path, ::geteuid()) : "";
      h.usable = !rootless || !base.empty();
      if (h.usable) h.controllers = split_ws(read_text(h.mounts.v2 + base + "/cgroup.controllers").value_or(""));
      break;
    }
  }
  return h;
}

Result<ContainerCgroup> ContainerCgroup::for_container(const std::string& id, bool rootless) {
  auto mounts = probe_cgroup_mounts();
  ContainerCgroup cg;
  cg.layout_ = mounts.layout;
  if (mounts.layout == CgroupLayout::none)
    return make_error(ErrorKind::unsupported, "no cgroup file system is mounted on this host");
  if (mounts.layout == CgroupLayout::v1) {
    if (rootless)
      return make_error(ErrorKind::unsupported,
                        "on cgroup v1 a normal user can create no cgroups (this needs cgroup v2 with a delegated "
                        "subtree)");
    cg.path_ = "/roost/" + id;
    for (auto& [controller, mount] : mounts.v1) {
      std::string dir = mount + cg.path_;
      cg.by_controller_[controller] = dir;
      bool seen = false;
      for (auto& d : cg.dirs_) seen |= d == dir;
      if (!seen) cg.dirs_.push_back(dir);
    }
    return cg;
  }
  std::string base;
  if (rootless) {
    base = delegated_v2_root(mounts.v2, own_v2_cgroup(read_file("/proc/self/cgroup").value_or("")), ::geteuid());
    if (base.empty())
      return make_error(ErrorKind::unsupported,
                        "roost runs in no cgroup v2 subtree that the user owns (no delegation: run it in a systemd "
                        "user session)");
  }
  cg.path_ = base + "/roost/" + id;
  cg.dirs_.push_back(mounts.v2 + cg.path_);
  return cg;
}

std::string ContainerCgroup::dir_of(const std::string& controller) const {
  if (layout_ == CgroupLayout::v2) return dirs_.empty() ? "" : dirs_.front();
  auto it = by_controller_.find(controller);
  return it == by_controller_.end() ? "" : it->second;
}

bool ContainerCgroup::exists() const {
  for (auto& d : dirs_)
    if (::access(d.c_str(), F_OK) == 0) return true;
  return false;
}

Result<void> ContainerCgroup::create() const {
  for (auto& d : dirs_) {
    if (layout_ == CgroupLayout::v2) {
      // Controllers reach a cgroup only through each parent's subtree_control;
      // those the parent lacks are simply not there (stats read what is).
      std::string parent = d.substr(0, d.find_last_of('/'));
      ROOST_TRY_CTX(make_dirs(parent, 0755), "creating cgroup " + parent);
      std::string grand = parent.substr(0, parent.find_last_of('/'));
      for (auto& dir : {grand, parent})
        for (auto& c : split_ws(read_text(dir + "/cgroup.controllers").value_or("")))
          (void)write_text(dir + "/cgroup.subtree_control", "+" + c);
    }
    ROOST_TRY_CTX(make_dirs(d, 0755), "creating cgroup " + d);
  }
  return {};
}

Result<void> ContainerCgroup::join(pid_t pid) const {
  for (auto& d : dirs_) ROOST_TRY_CTX(write_text(d + "/cgroup.procs", std::to_string(pid)), "joining cgroup " + d);
  return {};
}

Result<void> ContainerCgroup::remove() const {
  // Frozen tasks die of SIGKILL only once thawed (v1).
  const bool was_frozen = frozen();
  for (auto& d : dirs_) {
    bool gone = wait_until(
        [&] { return ::rmdir(d.c_str()) == 0 || errno == ENOENT; },
        [&] {
          for (auto& p : split_ws(read_text(d + "/cgroup.procs").value_or(""))) ::kill(static_cast<pid_t>(to_u64(p)), SIGKILL);
          if (was_frozen) (void)thaw();
        });
    if (!gone) return sys_error("removing cgroup", d);
  }
  return {};
}

Result<void> ContainerCgroup::freeze() const {
  if (layout_ == CgroupLayout::v2) {
    const std::string d = dir_of("freezer");
    ROOST_TRY_CTX(write_text(d + "/cgroup.freeze", "1"), "freezing cgroup " + d);
    if (!wait_until([&] { return frozen(); }, [] {}))
      return make_error(ErrorKind::io, "cgroup " + d + " did not reach the frozen state");
    return {};
  }
  const std::string d = dir_of("freezer");
  if (d.empty()) return make_error(ErrorKind::unsupported, "the freezer controller is not mounted on this host");
  ROOST_TRY_CTX(write_text(d + "/freezer.state", "FROZEN"), "freezing cgroup " + d);
  // FREEZING while a task resists (in a vfork, say): asking again moves it on.
  if (!wait_until([&] { return read_text(d + "/freezer.state").value_or("") == "FROZEN"; },
                  [&] { (void)write_text(d + "/freezer.state", "FROZEN"); }))
    return make_error(ErrorKind::io, "cgroup " + d + " did not reach the FROZEN state");
  return {};
}

Result<void> ContainerCgroup::thaw() const {
  const std::string d = dir_of("freezer");
  if (d.empty()) return make_error(ErrorKind::unsupported, "the freezer controller is not mounted on this host");
  if (layout_ == CgroupLayout::v2) {
    ROOST_TRY_CTX(write_text(d + "/cgroup.freeze", "0"), "thawing cgroup " + d);
    if (!wait_until([&] { return !frozen(); }, [] {}))
      return make_error(ErrorKind::io, "cgroup " + d + " did not thaw");
    return {};
  }
  ROOST_TRY_CTX(write_text(d + "/freezer.state", "THAWED"), "thawing cgroup " + d);
  if (!wait_until([&] { return read_text(d + "/freezer.state").value_or("") == "THAWED"; },
                  [&] { (void)write_text(d + "/freezer.state", "THAWED"); }))
    return make_error(ErrorKind::io, "cgroup " + d + " did not reach the THAWED state");
  return {};
}

bool ContainerCgroup::frozen() const {
  const std::string d = dir_of("freezer");
  if (d.empty()) return false;
  if (layout_ == CgroupLayout::v1) {
    auto s = read_text(d + "/freezer.state").value_or("");
    return s == "FROZEN" || s == "FREEZING";
  }
  std::istringstream in(read_text(d + "/cgroup.events").value_or(""));
  for (std::string key, value; in >> key >> value;)
    if (key == "frozen") return value == "1";
  return false;
}

Result<ContainerCgroup::Stats> ContainerCgroup::stats() const {
  if (!exists()) return make_error(ErrorKind::not_found, "the container's cgroup " + path_ + " does not exist");
  Stats s;
  if (layout_ == CgroupLayout::v2) {
    const std::string d = dirs_.front();
    s.cpu_ns = cpu_usage_v2(read_text(d + "/cpu.stat").value_or(""));
    uint64_t usage = read_u64(d + "/memory.current");
    uint64_t inactive = inactive_file(read_text(d + "/memory.stat").value_or(""));
    s.mem_usage = usage > inactive ? usage - inactive : usage;
    s.mem_limit = memory_limit(read_text(d + "/memory.max").value_or("max"));
    std::tie(s.block_read, s.block_write) = block_io_v2(read_text(d + "/io.stat").value_or(""));
    if (auto p = read_text(d + "/pids.current")) s.pids = to_u64(*p);
    else s.pids = split_ws(read_text(d + "/cgroup.procs").value_or("")).size();
    return s;
  }
  s.cpu_ns = read_u64(dir_of("cpuacct") + "/cpuacct.usage");
  const std::string mem = dir_of("memory");
  uint64_t usage = read_u64(mem + "/memory.usage_in_bytes");
  uint64_t inactive = inactive_file(read_text(mem + "/memory.stat").value_or(""));
  s.mem_usage = usage > inactive ? usage - inactive : usage;
  s.mem_limit = memory_limit(read_text(mem + "/memory.limit_in_bytes").value_or(""));
  const std::string blkio = dir_of("blkio");
  auto io = read_text(blkio + "/blkio.throttle.io_service_bytes_recursive");
  if (!io || io->empty() || *io == "Total 0") io = read_text(blkio + "/blkio.throttle.io_service_bytes");
  std::tie(s.block_read, s.block_write) = block_io_v1(io.value_or(""));
  s.pids = read_u64(dir_of("pids") + "/pids.current");
  return s;
}

uint64_t inactive_file(const std::string& memory_stat) {
  std::istringstream in(memory_stat);
  uint64_t v1 = 0, v2 = 0;
  for (std::string key, value; in >> key >> value;) {
    if (key == "total_inactive_file") v1 = to_u64(value);
    if (key == "inactive_file") v2 = to_u64(value);
  }
  return v1 ? v1 : v2;
}

std::pair<uint64_t, uint64_t> block_io_v1(const std::string& text) {
  std::istringstream in(text);
  uint64_t r = 0, w = 0;
  for (std::string line; std::getline(in, line);) {
    auto f = split_ws(line);
    if (f.size() != 3) continue;
    if (f[1] == "Read") r += to_u64(f[2]);
    if (f[1] == "Write") w += to_u64(f[2]);
  }
  return {r, w};
}

std::pair<uint64_t, uint64_t> block_io_v2(const std::string& text) {
  std::istringstream in(text);
  uint64_t r = 0, w = 0;
  for (std::string line; std::getline(in, line);) {
    auto f = split_ws(line);
    for (size_t i = 1; i < f.size(); ++i) {
      if (f[i].rfind("rbytes=", 0) == 0) r += to_u64(f[i].substr(7));
      if (f[i].rfind("wbytes=", 0) == 0) w += to_u64(f[i].substr(7));
    }
  }
  return {r, w};
}

uint64_t cpu_usage_v2(const std::string& cpu_stat) {
  std::istringstream in(cpu_stat);
  for (std::string key, value; in >> key >> value;)
    if (key == "usage_usec") return to_u64(value) * 1000;
  return 0;
}

std::optional<uint64_t> memory_limit(const std::string& text) {
  std::string t = trimmed(text);
  if (t.empty() || t == "max") return std::nullopt;
  uint64_t v = to_u64(t);
  // v1 writes "unlimited" as LONG_MAX rounded down to a page.
  if (v == 0 || v >= (uint64_t{1} << 62)) return std::nullopt;
  return v;
}

std::pair<uint64_t, uint64_t> net_dev_bytes(const std::string& net_dev) {
  std::istringstream in(net_dev);
  uint64_t rx = 0, tx = 0;
  for (std::string line; std::getline(in, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto name = split_ws(line.substr(0, colon));
    if (name.size() != 1 || name[0] == "lo") continue;
    auto f = split_ws(line.substr(colon + 1));
    if (f.size() < 9) continue;
    rx += to_u64(f[0]);
    tx += to_u64(f[8]);
  }
  return {rx, tx};
}

}  // namespace roost::runtime
