#include "userns/userns.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <spawn.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/fd.hpp"
#include "common/log.hpp"
#include "common/process.hpp"
#include "userns/host.hpp"

namespace roost::userns {
namespace {

constexpr uint32_t kFullRange = 4294967295U;

// Messages from the helper to the parent, one byte of type then a body:
// 'R' namespace created; 'O' len payload; 'E' kind errno len message;
// 'X' errno (exec failed).
struct Wire {
  std::string buf;
  void u64(uint64_t v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void i32(int32_t v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    buf += s;
  }
};

struct Reader {
  const std::string& buf;
  size_t pos = 0;
  bool u64(uint64_t& v) { return raw(&v, sizeof v); }
  bool i32(int32_t& v) { return raw(&v, sizeof v); }
  bool str(std::string& s) {
    uint64_t n;
    if (!u64(n) || n > buf.size() - pos) return false;
    s.assign(buf, pos, n);
    pos += n;
    return true;
  }
  bool raw(void* p, size_t n) {
    if (buf.size() - pos < n) return false;
    std::memcpy(p, buf.data() + pos, n);
    pos += n;
    return true;
  }
};

void send_error(int fd, const Error& e) {
  Wire w;
  w.buf = "E";
  w.i32(static_cast<int32_t>(e.kind()));
  w.i32(e.errnum());
  w.str(e.message());
  (void)write_all(fd, w.buf.data(), w.buf.size());
}

[[noreturn]] void child_fail(int fd, const Error& e) {
  send_error(fd, e);
  ::_exit(1);
}

Error unshare_error(int flags) {
  int saved = errno;
  if (!(flags & CLONE_NEWUSER)) {
    errno = saved;
    return sys_error("creating a mount namespace: unshare(CLONE_NEWNS)");
  }
  // The kernel's errno says little ("No space left on device" for a limit
  // of 0); the sysctl that caused it says what to change.
  if (saved == EPERM || saved == ENOSPC || saved == EUSERS) {
    if (auto reason = userns_disabled_reason())
      return Error(ErrorKind::unsupported, "creating a user namespace: " + *reason);
    if (saved != EPERM)
      return Error(ErrorKind::unsupported,
                   "creating a user namespace: the limit user.max_user_namespaces "
                   "(/proc/sys/user/max_user_namespaces) is reached; to fix: raise it with sudo sysctl -w "
                   "user.max_user_namespaces=N");
    return Error(ErrorKind::unsupported,
                 "creating a user namespace: unshare(CLONE_NEWUSER) was refused (is roost running in a chroot, or in "
                 "a container or seccomp profile that forbids nested user namespaces?)",
                 saved);
  }
  errno = saved;
  return sys_error("creating a user namespace: unshare(CLONE_NEWUSER)");
}

Result<void> write_proc(pid_t pid, const char* file, const std::string& data) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  auto fd = ROOST_TRY(open_file(path, O_WRONLY));
  // The kernel takes a map in a single write(2).
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n < 0) return sys_error("writing \"" + data.substr(0, data.find('\n')) + "\" to", path);
  if (static_cast<size_t>(n) != data.size()) return make_error(ErrorKind::io, "short write to " + path);
  return {};
}

// newuidmap or newgidmap, started; its output (for the error) in OUT.
struct MapHelper {
  std::string program;
  Child child;
  UniqueFd out;
};

Result<MapHelper> start_map_helper(const std::string& program, pid_t pid, const std::vector<IdRange>& map) {
  std::vector<std::string> args{program, std::to_string(pid)};
  for (const auto& r : map) {
    args.push_back(std::to_string(r.container_id));
    args.push_back(std::to_string(r.host_id));
    args.push_back(std::to_string(r.size));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return sys_error("pipe");
  MapHelper h{program, Child(), UniqueFd(p[0])};
  UniqueFd wr(p[1]);
  posix_spawn_file_actions_t fa;
  ::posix_spawn_file_actions_init(&fa);
  ::posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
  ::posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
  pid_t child = -1;
  // posix_spawn (a vfork) rather than fork: nothing of this process's memory
  // is copied.
  int rc = ::posix_spawnp(&child, program.c_str(), &fa, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    errno = rc;
    return sys_error("running " + program);
  }
  h.child = Child(child);
  return h;
}

Result<void> finish_map_helper(MapHelper& h) {
  auto out = read_fd(h.out.get());
  int code = exit_code_of(ROOST_TRY(h.child.wait()));
  if (code == 0) return {};
  std::string text = out ? std::move(out).value() : std::string();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return make_error(ErrorKind::unsupported, h.program + " failed (exit " + std::to_string(code) + "): " + text +
                                                " (check your ranges in /etc/subuid and /etc/subgid)");
}

}  // namespace

Result<void> write_id_maps(const IdMapping& m, pid_t pid) {
  if (m.single_id) {
    // Without CAP_SETGID outside, a gid_map is only taken once setgroups(2)
    // is denied (user_namespaces(7)).
    ROOST_TRY(write_proc(pid, "setgroups", "deny"));
    ROOST_TRY(write_proc(pid, "uid_map", format_map(m.uids)));
    return write_proc(pid, "gid_map", format_map(m.gids));
  }
  if (::geteuid() == 0) {
    ROOST_TRY(write_proc(pid, "uid_map", format_map(m.uids)));
    return write_proc(pid, "gid_map", format_map(m.gids));
  }
  // The two helpers are independent: run them side by side.
  auto uid_helper = ROOST_TRY(start_map_helper("newuidmap", pid, m.uids));
  auto gid_helper = ROOST_TRY(start_map_helper("newgidmap", pid, m.gids));
  auto uids = finish_map_helper(uid_helper);
  auto gids = finish_map_helper(gid_helper);
  if (!uids) return uids;
  return gids;
}

namespace {

// A forked helper that has entered its namespaces and is about to run the
// caller's body; MSG reads what it reports (EOF once it exits or execs).
struct Helper {
  Child child;
  UniqueFd msg;
  std::string early;  // bytes read past the 'R' handshake (a setup error)
};

// Forks; the child enters the namespaces, becomes root there and calls BODY
// with the message fd (BODY must not return). The parent writes the maps.
Result<Helper> start_helper(const IdMapping& mapping, const std::function<void(int)>& body) {
  const bool new_userns = !mapping.identity && !inside_roost_userns();
  const int flags = CLONE_NEWNS | (new_userns ? CLONE_NEWUSER : 0);

  int up[2], down[2];
  if (::pipe2(up, O_CLOEXEC) != 0) return sys_error("pipe");
  UniqueFd up_rd(up[0]), up_wr(up[1]);
  if (::pipe2(down, O_CLOEXEC) != 0) return sys_error("pipe");
  UniqueFd down_rd(down[0]), down_wr(down[1]);

  const pid_t parent = ::getpid();
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork");
  if (pid == 0) {
    up_rd.reset();
    down_wr.reset();
    int fd = up_wr.get();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    if (::unshare(flags) != 0) child_fail(fd, unshare_error(flags));
    if (!write_all(fd, "R", 1)) ::_exit(1);
    char go;
    ssize_t got;
    do got = ::read(down_rd.get(), &go, 1);
    while (got < 0 && errno == EINTR);
    if (got != 1) ::_exit(1);  // the parent gave up; it reports why
    down_rd.reset();
    if (new_userns) {
      if (::setresgid(0, 0, 0) != 0) child_fail(fd, sys_error("setresgid(0) in the new user namespace"));
      if (::setresuid(0, 0, 0) != 0) child_fail(fd, sys_error("setresuid(0) in the new user namespace"));
      // After setgroups was denied (single-ID map) the call is refused; the
      // supplementary groups then stay as inherited (shown as nobody).
      if (!mapping.single_id && ::setgroups(0, nullptr) != 0)
        child_fail(fd, sys_error("setgroups in the new user namespace"));
    }
    // Keep mounts made by the helper out of the host's mount namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      child_fail(fd, sys_error("making / a private mount (mount --make-rprivate /)"));
    body(fd);
    ::_exit(1);
  }

  Helper h{Child(pid), std::move(up_rd), {}};
  up_wr.reset();
  down_rd.reset();
  char first = 0;
  ssize_t n;
  do n = ::read(h.msg.get(), &first, 1);
  while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("reading from the user namespace helper");
  if (n == 1 && first == 'R') {
    if (new_userns) ROOST_TRY_CTX(write_id_maps(mapping, pid), "setting up the user namespace ID maps");
    ROOST_TRY(write_all(down_wr.get(), "g", 1));
  } else if (n == 1) {
    h.early.assign(1, first);
  }
  return h;
}

std::string wait_description(int status) {
  if (WIFSIGNALED(status)) return "helper process died (signal " + std::to_string(WTERMSIG(status)) + ")";
  return "helper process exited with status " + std::to_string(exit_code_of(status)) + " without reporting a result";
}

Error decode_error(Reader& r) {
  int32_t kind = 0, errnum = 0;
  std::string message;
  if (!r.i32(kind) || !r.i32(errnum) || !r.str(message))
    return make_error(ErrorKind::internal, "truncated error report from the user namespace helper");
  if (kind < 0 || kind > static_cast<int32_t>(ErrorKind::internal)) kind = static_cast<int32_t>(ErrorKind::internal);
  return Error(static_cast<ErrorKind>(kind), std::move(message), errnum);
}

std::string exec_error_message(const std::string& cmd, int err) {
  std::string what = err == ENOENT ? (cmd.find('/') == std::string::npos ? "executable file not found in $PATH"
                                                                          : "no such file or directory")
                                   : std::strerror(err);
  if (err != ENOENT) {
    for (auto& c : what) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return "exec: \"" + cmd + "\": " + what;
}

volatile sig_atomic_t g_forward_pid = 0;

void forward_signal(int sig) {
  if (g_forward_pid > 0) ::kill(g_forward_pid, sig);
}

// Ignores terminal signals (the foreground child gets its own) and relays
// SIGTERM/SIGHUP to the child while it runs; restores on scope exit.
class SignalRelay {
 public:
  explicit SignalRelay(pid_t child) {
    g_forward_pid = child;
    struct sigaction ign{}, fwd{};
    ign.sa_handler = SIG_IGN;
    fwd.sa_handler = forward_signal;
    sigemptyset(&fwd.sa_mask);
    fwd.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &ign, &old_[0]);
    ::sigaction(SIGQUIT, &ign, &old_[1]);
    ::sigaction(SIGTERM, &fwd, &old_[2]);
    ::sigaction(SIGHUP, &fwd, &old_[3]);
  }
  ~SignalRelay() {
    ::sigaction(SIGINT, &old_[0], nullptr);
    ::sigaction(SIGQUIT, &old_[1], nullptr);
    ::sigaction(SIGTERM, &old_[2], nullptr);
    ::sigaction(SIGHUP, &old_[3], nullptr);
    g_forward_pid = 0;
  }
  SignalRelay(const SignalRelay&) = delete;
  SignalRelay& operator=(const SignalRelay&) = delete;

 private:
  struct sigaction old_[4];
};

}  // namespace

Result<IdMapping> mapping_for(const UserContext& user) { return mapping_for(user, "/etc/subuid", "/etc/subgid"); }

Result<IdMapping> mapping_for(const UserContext& user, const std::string& subuid_path,
                              const std::string& subgid_path) {
  IdMapping m;
  if (!user.rootless) {
    m.identity = true;
    m.uids = {{0, 0, kFullRange}};
    m.gids = {{0, 0, kFullRange}};
    return m;
  }
  if (auto reason = userns_disabled_reason()) return make_error(ErrorKind::unsupported, *reason);
  auto subuids = ROOST_TRY(read_subid_file(subuid_path, user.name, user.uid));
  auto subgids = ROOST_TRY(read_subid_file(subgid_path, user.name, user.uid));
  if (subuids.empty() || subgids.empty()) {
    std::string what = subuids.empty() && subgids.empty() ? "sub-UIDs/sub-GIDs"
                       : subuids.empty()                 ? "sub-UIDs"
                                                         : "sub-GIDs";
    std::string where = subuids.empty() && subgids.empty() ? subuid_path + " and " + subgid_path
                        : subuids.empty()                  ? subuid_path
                                                           : subgid_path;
    m.fallback_warning = "no " + what + " for user " + user.name + " in " + where +
                         ": using a single-ID user namespace (only your own UID is mapped; images with files owned by "
                         "other users may not work); to fix: " +
                         usermod_fix(user.name, subuid_path, subgid_path, subuids.empty(), subgids.empty());
    m.single_id = true;
    m.uids = {{0, user.uid, 1}};
    m.gids = {{0, user.gid, 1}};
    return m;
  }
  // Inside a namespace roost set up no new one is made, and the helpers'
  // setuid owner is not mapped here anyway.
  if (!inside_roost_userns()) {
    ROOST_TRY(check_id_helper("newuidmap"));
    ROOST_TRY(check_id_helper("newgidmap"));
  }
  m.uids = rootless_ranges(user.uid, subuids);
  m.gids = rootless_ranges(user.gid, subgids);
  return m;
}

bool inside_roost_userns() {
  const char* env = std::getenv("ROOST_USERNS_CONFIGURED");
  if (!env || std::strcmp(env, "1") != 0) return false;
  auto map = read_file("/proc/self/uid_map");
  if (!map) return false;
  std::istringstream in(*map);
  uint64_t c = 0, h = 0, s = 0;
  int lines = 0;
  bool identity = false;
  while (in >> c >> h >> s) {
    ++lines;
    identity = c == 0 && h == 0 && s == kFullRange;
  }
  return !(lines == 1 && identity);
}

Result<std::string> run_in_userns(const IdMapping& mapping, const std::function<Result<std::string>()>& fn) {
  auto helper = ROOST_TRY(start_helper(mapping, [&fn](int fd) {
    auto r = fn();
    std::fflush(nullptr);  // _exit skips stdio's buffers
    if (!r) child_fail(fd, r.error());
    Wire w;
    w.buf = "O";
    w.str(*r);
    ::_exit(write_all(fd, w.buf.data(), w.buf.size()) ? 0 : 1);
  }));
  auto rest = ROOST_TRY_CTX(read_fd(helper.msg.get()), "reading from the user namespace helper");
  std::string report = helper.early + rest;
  int status = ROOST_TRY(helper.child.wait());
  if (report.empty()) return make_error(ErrorKind::internal, wait_description(status));
  Reader r{report, 1};
  if (report[0] == 'E') return decode_error(r);
  std::string payload;
  if (report[0] != 'O' || !r.str(payload))
    return make_error(ErrorKind::internal, "garbled report from the user namespace helper (" + wait_description(status) + ")");
  return payload;
}

Result<int> exec_in_userns(const IdMapping& mapping, const std::vector<std::string>& argv_in) {
  std::vector<std::string> argv = argv_in;
  if (argv.empty()) {
    const char* shell = std::getenv("SHELL");
    argv.push_back(shell && *shell ? shell : "/bin/sh");
  }
  std::string rootless_uid;
  if (const char* prev = std::getenv("ROOST_ROOTLESS_UID"); prev && inside_roost_userns())
    rootless_uid = prev;
  else
    rootless_uid = std::to_string(to_host(mapping.uids, 0).value_or(::getuid()));

  auto helper = ROOST_TRY(start_helper(mapping, [&argv, &rootless_uid](int fd) {
    ::setenv("ROOST_USERNS_CONFIGURED", "1", 1);
    ::setenv("ROOST_ROOTLESS_UID", rootless_uid.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    int err = errno;
    Wire w;
    w.buf = "X";
    w.i32(err);
    (void)write_all(fd, w.buf.data(), w.buf.size());
    ::_exit(err == ENOENT ? 127 : 126);
  }));
  SignalRelay relay(helper.child.pid());
  // The message pipe is close-on-exec: EOF with nothing said means exec worked.
  auto rest = ROOST_TRY_CTX(read_fd(helper.msg.get()), "reading from the user namespace helper");
  std::string report = helper.early + rest;
  int status = ROOST_TRY(helper.child.wait());
  if (report.empty()) return exit_code_of(status);
  Reader r{report, 1};
  if (report[0] == 'E') return decode_error(r);
  int32_t err = 0;
  if (report[0] == 'X' && r.i32(err)) {
    // The command's own diagnostic, printed where a shell would print it;
    // the exit code (127/126) is what callers act on.
    std::fprintf(stderr, "Error: %s\n", exec_error_message(argv[0], err).c_str());
    return err == ENOENT ? 127 : 126;
  }
  return make_error(ErrorKind::internal, "garbled report from the user namespace helper (" + wait_description(status) + ")");
}

Result<Child> fork_in_userns(const IdMapping& mapping, const std::function<int()>& fn) {
  auto helper = ROOST_TRY(start_helper(mapping, [&fn](int fd) {
    // 'S' ends the parent's wait; the pipe is then FN's business no more.
    bool told = write_all(fd, "S", 1).ok();
    ::close(fd);
    if (!told) ::_exit(1);
    int code = fn();
    std::fflush(nullptr);
    ::_exit(code);
  }));
  std::string report = helper.early;
  if (report.empty()) {
    char c;
    ssize_t n;
    do n = ::read(helper.msg.get(), &c, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0) return sys_error("reading from the user namespace helper");
    if (n == 1) report.assign(1, c);
  }
  if (report == "S") return std::move(helper.child);
  auto rest = ROOST_TRY_CTX(read_fd(helper.msg.get()), "reading from the user namespace helper");
  report += rest;
  int status = ROOST_TRY(helper.child.wait());
  if (report.empty()) return make_error(ErrorKind::internal, wait_description(status));
  Reader r{report, 1};
  if (report[0] == 'E') return decode_error(r);
  return make_error(ErrorKind::internal, "garbled report from the user namespace helper (" + wait_description(status) + ")");
}

}  // namespace roost::userns
