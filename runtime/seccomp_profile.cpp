// The default seccomp profile (a port of Docker/Moby's profiles/seccomp/
// default.json) and the resolver that turns a Docker-format profile into the
// OCI spec's linux.seccomp for a capability set and this build's architecture.
#include <seccomp.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include "runtime/spec.hpp"
#include "runtime/spec_internal.hpp"

namespace roost::runtime {

namespace {

using nlohmann::json;

struct Arg {
  unsigned index;
  uint64_t value;
  uint64_t value_two;
  const char* op;
};

struct Rule {
  std::vector<std::string_view> names;
  const char* action = "SCMP_ACT_ALLOW";
  int errno_ret = -1;  // -1: none
  std::vector<Arg> args;
  std::vector<std::string_view> include_caps;
  std::vector<std::string_view> include_arches;
  std::vector<std::string_view> exclude_caps;
  std::vector<std::string_view> exclude_arches;
  const char* min_kernel = nullptr;
  const char* comment = nullptr;
};

// CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|
// CLONE_NEWPID|CLONE_NEWNET: clone may not create namespaces without
// CAP_SYS_ADMIN.
constexpr uint64_t kCloneNamespaceFlags = 2114060288;

const std::vector<Rule>& default_rules() {
  static const std::vector<Rule> rules = {
      {.names = {
           "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir",
           "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
           "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
           "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
           "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
           "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
           "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
           "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl",
           "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
           "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64",
           "futex", "futex_time64", "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
           "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
           "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
           "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
           "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
           "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
           "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
           "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "io_uring_enter",
           "io_uring_register", "io_uring_setup", "ipc", "kill", "landlock_add_rule",
           "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
           "linkat", "listen", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr",
           "lstat", "lstat64", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
           "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
           "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
           "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
           "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
           "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
           "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll",
           "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
           "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
           "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
           "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir",
           "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
           "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
           "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
           "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
           "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
           "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
           "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
           "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
           "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
           "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
           "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
           "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
           "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
           "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
           "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
           "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
           "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill",
           "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime",
           "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid",
           "write", "writev"}},
      {.names = {"process_vm_readv", "process_vm_writev", "ptrace"}, .min_kernel = "4.8"},
      // AF_VSOCK reaches the hypervisor's host, not the container's network.
      {.names = {"socket"}, .args = {{0, 40, 0, "SCMP_CMP_NE"}}},
      // PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff.
      {.names = {"personality"}, .args = {{0, 0, 0, "SCMP_CMP_EQ"}}},
      {.names = {"personality"}, .args = {{0, 8, 0, "SCMP_CMP_EQ"}}},
      {.names = {"personality"}, .args = {{0, 131072, 0, "SCMP_CMP_EQ"}}},
      {.names = {"personality"}, .args = {{0, 131080, 0, "SCMP_CMP_EQ"}}},
      {.names = {"personality"}, .args = {{0, 4294967295, 0, "SCMP_CMP_EQ"}}},
      {.names = {"sync_file_range2", "swapcontext"}, .include_arches = {"ppc64le"}},
      {.names = {"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
                 "set_tls"},
       .include_arches = {"arm", "arm64"}},
      {.names = {"arch_prctl"}, .include_arches = {"amd64", "x32"}},
      {.names = {"modify_ldt"}, .include_arches = {"amd64", "x32", "x86"}},
      {.names = {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"},
       .include_arches = {"s390", "s390x"}},
      {.names = {"riscv_flush_icache"}, .include_arches = {"riscv64"}},
      {.names = {"open_by_handle_at"}, .include_caps = {"CAP_DAC_READ_SEARCH"}},
      {.names = {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
                 "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
                 "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount",
                 "umount2", "unshare"},
       .include_caps = {"CAP_SYS_ADMIN"}},
      {.names = {"clone"},
       .args = {{0, kCloneNamespaceFlags, 0, "SCMP_CMP_MASKED_EQ"}},
       .exclude_caps = {"CAP_SYS_ADMIN"},
       .exclude_arches = {"s390", "s390x"}},
      {.names = {"clone"},
       .args = {{1, kCloneNamespaceFlags, 0, "SCMP_CMP_MASKED_EQ"}},
       .include_arches = {"s390", "s390x"},
       .exclude_caps = {"CAP_SYS_ADMIN"},
       .comment = "s390 parameter ordering for clone is different"},
      // clone3 passes its flags in memory, out of seccomp's reach: make libc
      // fall back to clone, whose flags can be checked.
      {.names = {"clone3"}, .action = "SCMP_ACT_ERRNO", .errno_ret = 38, .exclude_caps = {"CAP_SYS_ADMIN"}},
      {.names = {"reboot"}, .include_caps = {"CAP_SYS_BOOT"}},
      {.names = {"chroot"}, .include_caps = {"CAP_SYS_CHROOT"}},
      {.names = {"delete_module", "init_module", "finit_module"}, .include_caps = {"CAP_SYS_MODULE"}},
      {.names = {"acct"}, .include_caps = {"CAP_SYS_PACCT"}},
      {.names = {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"},
       .include_caps = {"CAP_SYS_PTRACE"}},
      {.names = {"iopl", "ioperm"}, .include_caps = {"CAP_SYS_RAWIO"}},
      {.names = {"settimeofday", "stime", "clock_settime", "clock_settime64"}, .include_caps = {"CAP_SYS_TIME"}},
      {.names = {"vhangup"}, .include_caps = {"CAP_SYS_TTY_CONFIG"}},
      {.names = {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"},
       .include_caps = {"CAP_SYS_NICE"}},
      {.names = {"syslog"}, .include_caps = {"CAP_SYSLOG"}},
      {.names = {"bpf"}, .include_caps = {"CAP_BPF"}},
      {.names = {"perf_event_open"}, .include_caps = {"CAP_PERFMON"}},
  };
  return rules;
}

json string_array(const std::vector<std::string_view>& v) {
  json a = json::array();
  for (auto s : v) a.push_back(std::string(s));
  return a;
}

json rule_to_json(const Rule& r) {
  json j = {{"names", string_array(r.names)}, {"action", r.action}};
  if (r.errno_ret >= 0) j["errnoRet"] = r.errno_ret;
  if (!r.args.empty()) {
    j["args"] = json::array();
    for (const auto& a : r.args) {
      j["args"].push_back({{"index", a.index}, {"value", a.value}, {"valueTwo", a.value_two}, {"op", a.op}});
    }
  }
  auto condition = [](const std::vector<std::string_view>& caps, const std::vector<std::string_view>& arches,
                      const char* min_kernel) {
    json c = json::object();
    if (!caps.empty()) c["caps"] = string_array(caps);
    if (!arches.empty()) c["arches"] = string_array(arches);
    if (min_kernel != nullptr) c["minKernel"] = min_kernel;
    return c;
  };
  json inc = condition(r.include_caps, r.include_arches, r.min_kernel);
  json exc = condition(r.exclude_caps, r.exclude_arches, nullptr);
  if (!inc.empty()) j["includes"] = inc;
  if (!exc.empty()) j["excludes"] = exc;
  if (r.comment != nullptr) j["comment"] = r.comment;
  return j;
}

constexpr std::string_view kActions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY",
};
constexpr std::string_view kOps[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};
constexpr std::string_view kFlags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

template <size_t N>
bool known(const std::string_view (&set)[N], const std::string& s) {
  return std::find(std::begin(set), std::end(set), s) != std::end(set);
}

Error bad(const std::string& where, const std::string& what) {
  return make_error(ErrorKind::invalid, "seccomp profile: " + where + ": " + what);
}

std::string join(const std::string& where, const char* key) { return where.empty() ? key : where + "." + key; }

std::string canonical_cap(const std::string& s) {
  std::string u;
  for (char c : s) u += char(std::toupper(static_cast<unsigned char>(c)));
  return u.rfind("CAP_", 0) == 0 ? u : "CAP_" + u;
}

// Strings from an optional array field; a missing or null field is empty.
Result<std::vector<std::string>> strings_at(const json& obj, const char* key, const std::string& where) {
  std::vector<std::string> out;
  if (!obj.contains(key) || obj[key].is_null()) return out;
  const json& v = obj[key];
  if (!v.is_array()) return bad(join(where, key), "expected an array of strings");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) return bad(join(where, key) + "[" + std::to_string(i) + "]", "not a string");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct Condition {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  bool min_kernel = false;
};

Result<Condition> parse_condition(const json& call, const char* key, const std::string& where) {
  Condition c;
  if (!call.contains(key) || call[key].is_null()) return c;
  const json& v = call[key];
  std::string w = where + "." + key;
  if (!v.is_object()) return bad(w, "expected an object");
  c.caps = ROOST_TRY(strings_at(v, "caps", w));
  for (auto& cap : c.caps) cap = canonical_cap(cap);
  c.arches = ROOST_TRY(strings_at(v, "arches", w));
  // Any minKernel is taken as met: the spec is generated without probing
  // the host, and roost needs a far newer kernel than profiles name.
  if (v.contains("minKernel") && !v["minKernel"].is_null()) {
    if (!v["minKernel"].is_string()) return bad(w + ".minKernel", "not a string");
    c.min_kernel = true;
  }
  return c;
}

Result<uint64_t> unsigned_at(const json& obj, const char* key, const std::string& where, bool required) {
  if (!obj.contains(key) || obj[key].is_null()) {
    if (required) return bad(join(where, key), "missing");
    return uint64_t(0);
  }
  const json& v = obj[key];
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    return bad(join(where, key), "expected a non-negative integer");
  }
  return v.get<uint64_t>();
}

Result<json> convert_rule(const json& call, const std::string& where, const std::vector<std::string>& caps,
                          bool& applies) {
  applies = false;
  if (!call.is_object()) return bad(where, "expected an object");
  bool has_name = call.contains("name") && !call["name"].is_null();
  std::vector<std::string> names = ROOST_TRY(strings_at(call, "names", where));
  if (has_name) {
    if (!call["name"].is_string()) return bad(where + ".name", "not a string");
    if (!names.empty()) return bad(where, "use either \"name\" or \"names\", not both");
    names.push_back(call["name"].get<std::string>());
  }
  if (!call.contains("action") || !call["action"].is_string()) return bad(where + ".action", "missing");
  std::string action = call["action"].get<std::string>();
  if (!known(kActions, action)) return bad(where + ".action", "unknown action \"" + action + "\"");

  json args = json::array();
  if (call.contains("args") && !call["args"].is_null()) {
    if (!call["args"].is_array()) return bad(where + ".args", "expected an array");
    for (size_t i = 0; i < call["args"].size(); ++i) {
      const json& a = call["args"][i];
      std::string w = where + ".args[" + std::to_string(i) + "]";
      if (!a.is_object()) return bad(w, "expected an object");
      uint64_t index = ROOST_TRY(unsigned_at(a, "index", w, true));
      if (index > 5) return bad(w + ".index", "a system call has six arguments (0-5), not " + std::to_string(index + 1));
      uint64_t value = ROOST_TRY(unsigned_at(a, "value", w, false));
      uint64_t value_two = ROOST_TRY(unsigned_at(a, "valueTwo", w, false));
      if (!a.contains("op") || !a["op"].is_string()) return bad(w + ".op", "missing");
      std::string op = a["op"].get<std::string>();
      if (!known(kOps, op)) return bad(w + ".op", "unknown operator \"" + op + "\"");
      json out = {{"index", index}, {"value", value}, {"op", op}};
      if (value_two != 0) out["valueTwo"] = value_two;
      args.push_back(std::move(out));
    }
  }
  std::optional<uint64_t> errno_ret;
  if (call.contains("errnoRet") && !call["errnoRet"].is_null()) {
    errno_ret = ROOST_TRY(unsigned_at(call, "errnoRet", where, true));
  }
  Condition inc = ROOST_TRY(parse_condition(call, "includes", where));
  Condition exc = ROOST_TRY(parse_condition(call, "excludes", where));

  // Moby's setupSeccomp: any excluded arch or held cap drops the rule; every
  // included cap must be held and the arch must be among the included ones.
  const std::string arch = detail::native_docker_arch();
  if (contains(exc.arches, arch) || exc.min_kernel) return json();
  for (const auto& c : exc.caps) {
    if (contains(caps, c)) return json();
  }
  if (!inc.arches.empty() && !contains(inc.arches, arch)) return json();
  for (const auto& c : inc.caps) {
    if (!contains(caps, c)) return json();
  }

  json kept = json::array();
  for (const auto& n : names) {
    // Docker and runc skip names this libseccomp cannot resolve (newer or
    // other-architecture syscalls) rather than reject the profile.
    if (seccomp_syscall_resolve_name(n.c_str()) != __NR_SCMP_ERROR) kept.push_back(n);
  }
  if (kept.empty()) return json();
  applies = true;
  json out = {{"names", std::move(kept)}, {"action", action}};
  if (errno_ret) out["errnoRet"] = *errno_ret;
  if (!args.empty()) out["args"] = std::move(args);
  return out;
}

Result<json> resolve_profile(const json& profile, const std::vector<std::string>& caps_in) {
  if (!profile.is_object()) return bad("top level", "expected a JSON object");
  std::vector<std::string> caps;
  for (const auto& c : caps_in) caps.push_back(canonical_cap(c));

  json out = json::object();
  if (!profile.contains("defaultAction") || !profile["defaultAction"].is_string()) {
    return bad("defaultAction", "missing");
  }
  std::string def = profile["defaultAction"].get<std::string>();
  if (!known(kActions, def)) return bad("defaultAction", "unknown action \"" + def + "\"");
  out["defaultAction"] = def;
  if (profile.contains("defaultErrnoRet") && !profile["defaultErrnoRet"].is_null()) {
    out["defaultErrnoRet"] = ROOST_TRY(unsigned_at(profile, "defaultErrnoRet", "", true));
  }

  auto arches = ROOST_TRY(strings_at(profile, "architectures", ""));
  bool has_map = profile.contains("archMap") && !profile["archMap"].is_null();
  if (!arches.empty() && has_map) {
    return bad("architectures", "both \"architectures\" and \"archMap\" are given; use one");
  }
  if (has_map) {
    const json& map = profile["archMap"];
    if (!map.is_array()) return bad("archMap", "expected an array");
    for (size_t i = 0; i < map.size(); ++i) {
      std::string w = "archMap[" + std::to_string(i) + "]";
      if (!map[i].is_object() || !map[i].contains("architecture") || !map[i]["architecture"].is_string()) {
        return bad(w + ".architecture", "missing");
      }
      auto subs = ROOST_TRY(strings_at(map[i], "subArchitectures", w));
      if (map[i]["architecture"].get<std::string>() != detail::native_seccomp_arch()) continue;
      arches.push_back(detail::native_seccomp_arch());
      arches.insert(arches.end(), subs.begin(), subs.end());
    }
  }
  for (size_t i = 0; i < arches.size(); ++i) {
    std::string a = arches[i];
    std::string lower;
    if (a.rfind("SCMP_ARCH_", 0) == 0) {
      for (char c : a.substr(10)) lower += char(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower.empty() || seccomp_arch_resolve_name(lower.c_str()) == 0) {
      return bad("architectures[" + std::to_string(i) + "]", "unknown architecture \"" + a + "\"");
    }
  }
  if (!arches.empty()) out["architectures"] = arches;

  auto flags = ROOST_TRY(strings_at(profile, "flags", ""));
  for (const auto& f : flags) {
    if (!known(kFlags, f)) return bad("flags", "unknown flag \"" + f + "\"");
  }
  if (!flags.empty()) out["flags"] = flags;

  out["syscalls"] = json::array();
  if (profile.contains("syscalls") && !profile["syscalls"].is_null()) {
    const json& calls = profile["syscalls"];
    if (!calls.is_array()) return bad("syscalls", "expected an array");
    for (size_t i = 0; i < calls.size(); ++i) {
      bool applies = false;
      json rule = ROOST_TRY(convert_rule(calls[i], "syscalls[" + std::to_string(i) + "]", caps, applies));
      if (applies) out["syscalls"].push_back(std::move(rule));
    }
  }
  return out;
}

}  // namespace

namespace detail {

const nlohmann::json& default_seccomp_profile() {
  static const json profile = [] {
    json p = {{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 1}};
    p["archMap"] = json::array({
        {{"architecture", "SCMP_ARCH_X86_64"}, {"subArchitectures", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}}},
        {{"architecture", "SCMP_ARCH_AARCH64"}, {"subArchitectures", {"SCMP_ARCH_ARM"}}},
        {{"architecture", "SCMP_ARCH_S390X"}, {"subArchitectures", {"SCMP_ARCH_S390"}}},
        {{"architecture", "SCMP_ARCH_RISCV64"}, {"subArchitectures", json::array()}},
    });
    p["syscalls"] = json::array();
    for (const auto& r : default_rules()) p["syscalls"].push_back(rule_to_json(r));
    return p;
  }();
  return profile;
}

const char* native_docker_arch() {
#if defined(__x86_64__) && defined(__ILP32__)
  return "x32";
#elif defined(__x86_64__)
  return "amd64";
#elif defined(__i386__)
  return "x86";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

const char* native_seccomp_arch() {
#if defined(__x86_64__) && defined(__ILP32__)
  return "SCMP_ARCH_X32";
#elif defined(__x86_64__)
  return "SCMP_ARCH_X86_64";
#elif defined(__i386__)
  return "SCMP_ARCH_X86";
#elif defined(__aarch64__)
  return "SCMP_ARCH_AARCH64";
#elif defined(__arm__)
  return "SCMP_ARCH_ARM";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "SCMP_ARCH_PPC64LE";
#elif defined(__s390x__)
  return "SCMP_ARCH_S390X";
#elif defined(__riscv) && __riscv_xlen == 64
  return "SCMP_ARCH_RISCV64";
#else
  return "SCMP_ARCH_NATIVE";
#endif
}

}  // namespace detail

nlohmann::json default_seccomp(const std::vector<std::string>& caps) {
  auto r = resolve_profile(detail::default_seccomp_profile(), caps);
  // The built-in table is fixed data; a failure here is a bug the unit tests catch.
  if (!r) return json();
  return std::move(*r);
}

Result<nlohmann::json> seccomp_from_profile(const std::string& profile_json, const std::vector<std::string>& caps) {
  json profile;
  try {
    profile = json::parse(profile_json);
  } catch (const json::parse_error& e) {
    return make_error(ErrorKind::invalid, std::string("seccomp profile: malformed JSON: ") + e.what());
  }
  return resolve_profile(profile, caps);
}

}  // namespace roost::runtime
