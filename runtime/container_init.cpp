#include "runtime/container_init.hpp"

#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "runtime/caps.hpp"
#include "runtime/mounts.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/spec_member.hpp"
#include "runtime/syscalls.hpp"
#include "runtime/terminal.hpp"
#include "runtime/user_lookup.hpp"

namespace roost::runtime {
namespace {

using nlohmann::json;

void put_i32(std::string& b, int32_t v) { b.append(reinterpret_cast<const char*>(&v), sizeof v); }
void put_str(std::string& b, const std::string& s) {
  uint64_t n = s.size();
  b.append(reinterpret_cast<const char*>(&n), sizeof n);
  b += s;
}

[[noreturn]] void report_error(int sock, const Error& e) {
  std::string b = "E";
  put_i32(b, static_cast<int32_t>(e.kind()));
  put_i32(b, e.errnum());
  put_str(b, e.message());
  (void)write_all(sock, b.data(), b.size());
  ::_exit(1);
}

[[noreturn]] void report_exec(int sock, int err, const std::string& cmd) {
  std::string b = "X";
  put_i32(b, err);
  put_str(b, cmd);
  (void)write_all(sock, b.data(), b.size());
  ::_exit(err == ENOENT ? 127 : 126);
}

Result<void> wait_go(int sock) {
  char c = 0;
  auto got = ROOST_TRY(read_exact(sock, &c, 1));
  // The parent gave up (and reports why): nothing to add.
  if (!got || c != 'G') ::_exit(1);
  return {};
}

// IN_USERNS: EACCES (opening a process's namespace) or EPERM (setns) then
// mean that another user namespace owns the one to join.
Result<void> join_namespaces(const json& spec, bool in_userns) {
  static const std::pair<const char*, int> types[] = {
      {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"network", CLONE_NEWNET},
      {"pid", CLONE_NEWPID}, {"mount", CLONE_NEWNS}, {"cgroup", CLONE_NEWCGROUP},
  };
  const json& lx = member_or_empty(spec, "linux");
  for (const auto& ns : lx.value("namespaces", json::array())) {
    std::string path = ns.value("path", std::string());
    if (path.empty()) continue;
    std::string type = ns.value("type", std::string());
    auto foreign = [&] {
      return make_error(ErrorKind::invalid, "cannot join the " + type + " namespace " + path +
                                                ": another user namespace owns it, and a normal user's container "
                                                "cannot enter that one (share a container's network with "
                                                "--network container:NAME)");
    };
    for (const auto& [name, flag] : types) {
      if (type != name) continue;
      auto fd = open_file(path, O_RDONLY);
      if (!fd && in_userns && fd.error().errnum() == EACCES) return foreign();
      if (!fd) return std::move(fd).error().context("joining the " + type + " namespace");
      if (::setns(fd->get(), flag) == 0) continue;
      if (errno == EPERM && in_userns) return foreign();
      return sys_error("joining the " + type + " namespace", path);
    }
  }
  return {};
}

Result<void> loopback_up() {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return sys_error("socket");
  struct ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) return sys_error("reading the flags of lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) return sys_error("bringing lo up");
  return {};
}

Result<void> set_sysctls(const json& sysctl) {
  if (!sysctl.is_object()) return {};
  for (const auto& [key, value] : sysctl.items()) {
    std::string path = "/proc/sys/" + key;
    for (size_t i = 10; i < path.size(); ++i)
      if (path[i] == '.') path[i] = '/';
    auto fd = ROOST_TRY_CTX(open_file(path, O_WRONLY | O_TRUNC), "setting sysctl " + key);
    std::string v = value.get<std::string>();
    ROOST_TRY_CTX(write_all(fd.get(), v.data(), v.size()), "setting sysctl " + key);
  }
  return {};
}

Result<void> set_rlimits(const json& rlimits) {
  static const std::pair<const char*, int> names[] = {
      {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},     {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},   {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK},
  };
  if (!rlimits.is_array()) return {};
  for (const auto& r : rlimits) {
    std::string type = r.value("type", std::string());
    int res = -1;
    for (const auto& [n, v] : names)
      if (type == n) res = v;
    if (res < 0) return make_error(ErrorKind::invalid, "unknown rlimit \"" + type + "\"");
    struct rlimit lim{r.value("soft", uint64_t{0}), r.value("hard", uint64_t{0})};
    if (::setrlimit(static_cast<__rlimit_resource>(res), &lim) != 0)
      return sys_error("setting " + type + " to " + std::to_string(lim.rlim_cur) + ":" + std::to_string(lim.rlim_max));
  }
  return {};
}

std::string read_optional(const char* path) {
  auto r = read_file(path);
  return r ? std::move(r).value() : std::string();
}

}  // namespace

Result<ResolvedUser> resolve_process_user(const json& spec) {
  const std::string passwd = read_optional("/etc/passwd"), group = read_optional("/etc/group");
  auto annotations = spec.value("annotations", json::object());
  ResolvedUser u;
  if (annotations.contains("io.roost.user")) {
    u = ROOST_TRY(resolve_user(annotations.at("io.roost.user").get<std::string>(), passwd, group));
  } else {
    auto user = spec.at("process").value("user", json::object());
    u = lookup_uid(user.value("uid", 0u), user.value("gid", 0u), passwd, group);
  }
  for (const auto& g : spec.at("process").value("user", json::object()).value("additionalGids", json::array())) {
    gid_t gid = g.get<gid_t>();
    if (std::find(u.groups.begin(), u.groups.end(), gid) == u.groups.end()) u.groups.push_back(gid);
  }
  return u;
}

namespace {

Result<void> setup_stdio(const ExecRequest& req) {
  // Through high copies, so fds that are already 0..2 in another order
  // cannot overwrite each other, and dup2 clears close-on-exec.
  int src[3] = {req.stdin_fd, req.stdout_fd, req.stderr_fd};
  UniqueFd copies[3];
  for (int i = 0; i < 3; ++i) {
    copies[i].reset(::fcntl(src[i], F_DUPFD_CLOEXEC, 10));
    if (!copies[i].valid()) return sys_error("duplicating stdio fd " + std::to_string(src[i]));
  }
  for (int i = 0; i < 3; ++i)
    if (::dup2(copies[i].get(), i) < 0) return sys_error("dup2");
  return {};
}

void reset_signals() {
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace

// execvpe as Go's exec.LookPath does it: PATH from the container's env, no
// /bin/sh retry on ENOEXEC. Returns only on failure, with errno set.
void exec_search(const std::vector<std::string>& args, std::vector<char*>& envp, const std::string& path_var) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string& cmd = args[0];
  if (cmd.find('/') != std::string::npos) {
    ::execve(cmd.c_str(), argv.data(), envp.data());
    return;
  }
  bool denied = false;
  size_t pos = 0;
  while (pos <= path_var.size()) {
    size_t next = path_var.find(':', pos);
    if (next == std::string::npos) next = path_var.size();
    std::string dir = path_var.substr(pos, next - pos);
    pos = next + 1;
    std::string cand = (dir.empty() ? "." : dir) + "/" + cmd;
    ::execve(cand.c_str(), argv.data(), envp.data());
    if (errno == EACCES) denied = true;
    else if (errno != ENOENT && errno != ENOTDIR) return;
  }
  errno = denied ? EACCES : ENOENT;
}

namespace {

Result<void> setup_and_exec(const InitConfig& c) {
  const json& spec = c.request->spec;
  const json process = spec.at("process");
  const json& lx = member_or_empty(spec, "linux");
  const int sock = c.sock;

  if (c.new_userns || c.wait_namespaces) ROOST_TRY(wait_go(sock));
  if (c.new_userns || c.joined_userns) {
    if (::setresgid(0, 0, 0) != 0) return sys_error("setresgid(0) in the user namespace");
    if (::setresuid(0, 0, 0) != 0) return sys_error("setresuid(0) in the user namespace");
    if (!c.single_id && ::setgroups(0, nullptr) != 0) return sys_error("setgroups in the user namespace");
  }
  ROOST_TRY(join_namespaces(spec, c.in_userns));
  if (c.new_uts && spec.contains("hostname")) {
    std::string h = spec.at("hostname").get<std::string>();
    if (::sethostname(h.data(), h.size()) != 0) return sys_error("setting the hostname to", h);
  }

  unsigned long propagation = MS_PRIVATE;
  std::string prop = lx.value("rootfsPropagation", std::string());
  if (prop == "slave" || prop == "rslave") propagation = MS_SLAVE;
  else if (prop == "shared" || prop == "rshared") propagation = MS_SHARED;
  if (::mount(nullptr, "/", nullptr, MS_REC | propagation, nullptr) != 0) return sys_error("making / a private mount");

  const std::string rootfs = spec.at("root").at("path").get<std::string>();
  if (c.request->mount_rootfs) ROOST_TRY_CTX(c.request->mount_rootfs(rootfs), "mounting the root file system");
  // pivot_root needs the new root to be a mount point.
  if (::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return sys_error("bind-mounting the root file system", rootfs);
  auto root = ROOST_TRY_CTX(open_file(rootfs, O_PATH | O_DIRECTORY), "opening the root file system");
  const json mounts = spec.value("mounts", json::array());
  ROOST_TRY(apply_mounts(root.get(), mounts, c.in_userns));
  bool dev_mounted = false;
  for (const auto& m : mounts) dev_mounted |= m.value("destination", std::string()) == "/dev";
  if (dev_mounted) ROOST_TRY(create_devices(root.get(), lx.value("devices", json::array()), c.in_userns));

  if (c.hooks_before_pivot) {
    ROOST_TRY(write_all(sock, "C", 1));
    ROOST_TRY(wait_go(sock));
  }
  ROOST_TRY(pivot_to(root.get()));
  root.reset();

  ROOST_TRY(set_sysctls(lx.value("sysctl", json::object())));
  ROOST_TRY(mask_paths(lx.value("maskedPaths", json::array())));
  ROOST_TRY(readonly_paths(lx.value("readonlyPaths", json::array())));
  if (spec.at("root").value("readonly", false)) ROOST_TRY(remount_root_readonly());
  if (c.new_netns) ROOST_TRY_CTX(loopback_up(), "setting up the loopback interface");
  ROOST_TRY(set_rlimits(process.value("rlimits", json::array())));

  ResolvedUser user = ROOST_TRY(resolve_process_user(spec));
  const std::string cwd = process.value("cwd", std::string("/"));
  {
    auto slash = ROOST_TRY(open_file("/", O_PATH | O_DIRECTORY));
    ROOST_TRY_CTX(make_target_in_root(slash.get(), cwd, false), "creating the working directory " + cwd);
  }

  if (process.value("terminal", false)) {
    auto pty = ROOST_TRY(open_container_pty());
    ROOST_TRY_CTX(send_fd(sock, 'T', pty.master.get()), "passing the pty to the parent");
    pty.master.reset();
    // The parent sets the window size before the command can ask for it.
    ROOST_TRY(wait_go(sock));
    ROOST_TRY(become_pty_session(pty.slave.get()));
  } else {
    ROOST_TRY(setup_stdio(*c.request));
    if (::setsid() < 0) return sys_error("setsid");
  }

  CapSets caps = ROOST_TRY(parse_capabilities(process.value("capabilities", json::object())));
  ROOST_TRY(drop_bounding(caps));
  const bool nnp = process.value("noNewPrivileges", false);
  const bool has_seccomp = c.seccomp != nullptr;
  // Without no_new_privs the filter must be loaded while CAP_SYS_ADMIN is
  // still held, before the user switch (runc's order); it allows what the
  // rest of this function calls.
  if (has_seccomp && !nnp) ROOST_TRY(load_seccomp_program(*c.seccomp));
  ROOST_TRY(switch_user_and_caps(caps, user.uid, user.gid, user.groups, !c.single_id));
  if (::chdir(cwd.c_str()) != 0) return sys_error("changing to the working directory", cwd);
  ::umask(process.value("user", json::object()).value("umask", 022u));

  std::vector<std::string> env = process.value("env", std::vector<std::string>{});
  std::string path_var = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  bool has_home = false;
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) path_var = e.substr(5);
    has_home |= e.rfind("HOME=", 0) == 0;
  }
  if (!has_home) env.push_back("HOME=" + user.home);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  if (nnp && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sys_error("setting no_new_privs");
  if (has_seccomp && nnp) ROOST_TRY(load_seccomp_program(*c.seccomp));

  std::vector<std::string> args = process.value("args", std::vector<std::string>{});
  if (args.empty()) return make_error(ErrorKind::invalid, "process.args is empty");
  reset_signals();
  // The user switch cleared the parent-death signal.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  exec_search(args, envp, path_var);
  report_exec(sock, errno, args[0]);
}

}  // namespace

void container_init(const InitConfig& c) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  try {
    auto r = setup_and_exec(c);
    report_error(c.sock, r ? make_error(ErrorKind::internal, "container setup returned") : r.error());
  } catch (const std::exception& e) {
    report_error(c.sock, make_error(ErrorKind::invalid, std::string("malformed OCI spec: ") + e.what()));
  }
}

}  // namespace roost::runtime
