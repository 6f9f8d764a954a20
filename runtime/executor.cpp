#include "runtime/executor.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "common/fd.hpp"
#include "common/log.hpp"
#include "common/process.hpp"
#include "init/init_logic.h"
#include "runtime/container_init.hpp"
#include "runtime/hooks.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/signal_forwarder.hpp"
#include "runtime/spec_member.hpp"
#include "runtime/syscalls.hpp"
#include "runtime/terminal.hpp"
#include "userns/userns.hpp"

namespace roost::runtime {
namespace {

using nlohmann::json;

struct Namespaces {
  int clone_flags = 0;
  bool user = false, net = false, uts = false;
  std::string join_user;  // a user namespace to enter before creating the others
};

Result<Namespaces> plan_namespaces(const json& spec) {
  static const std::pair<const char*, int> types[] = {
      {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS}, {"ipc", CLONE_NEWIPC},
      {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},   {"cgroup", 0},          {"time", 0},
  };
  Namespaces ns;
  bool mount = false;
  const json& lx = member_or_empty(spec, "linux");
  for (const auto& n : lx.value("namespaces", json::array())) {
    std::string type = n.value("type", std::string());
    bool known = false;
    for (const auto& [name, flag] : types) {
      if (type != name) continue;
      known = true;
      mount |= flag == CLONE_NEWNS;
      if (n.contains("path")) {
        if (flag == CLONE_NEWUSER) ns.join_user = n.at("path").get<std::string>();
        if (flag == CLONE_NEWPID) return make_error(ErrorKind::unsupported, "joining an existing PID namespace");
        continue;
      }
      // cgroup and time namespaces are left as they are: the container's
      // cgroup (cgroups.hpp) is joined through on_namespaces, and it sees
      // its path in the host's hierarchy.
      ns.clone_flags |= flag;
      ns.user |= flag == CLONE_NEWUSER;
      ns.net |= flag == CLONE_NEWNET;
      ns.uts |= flag == CLONE_NEWUTS;
    }
    if (!known) return make_error(ErrorKind::invalid, "unknown namespace type \"" + type + "\"");
  }
  if (!mount) return make_error(ErrorKind::unsupported, "a spec without a mount namespace");
  return ns;
}

// Clones the container's first process (running container_init(CFG), with
// CLOSE_IN_CHILD closed) into new namespaces FLAGS. With JOIN_USER, those are
// created inside that existing user namespace (another container's, whose
// network is shared). This process must stay in the host's, and setns of a
// user namespace needs a single thread, so a short-lived helper enters it and
// clones with CLONE_PARENT: the container is this process's child all the
// same.
Result<pid_t> clone_container(int flags, const std::string& join_user, const InitConfig& cfg, int close_in_child) {
  auto spawn = [&](int extra) {
    long rc = ::syscall(SYS_clone, static_cast<unsigned long>(flags | extra) | SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (rc == 0) {
      ::close(close_in_child);
      container_init(cfg);
    }
    return rc;
  };
  auto clone_error = [](int err) {
    Error e = Error(ErrorKind::io, "creating the container's namespaces (clone)", err);
    if (err == EPERM || err == EINVAL) e.context("(a user namespace is needed for the other namespaces when not root)");
    return e;
  };
  if (join_user.empty()) {
    long rc = spawn(0);
    if (rc < 0) return clone_error(errno);
    return static_cast<pid_t>(rc);
  }
  auto userns = ROOST_TRY_CTX(open_file(join_user, O_RDONLY), "joining the user namespace");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return sys_error("pipe");
  UniqueFd report_rd(p[0]), report_wr(p[1]);
  pid_t helper_pid = ::fork();
  if (helper_pid < 0) return sys_error("fork");
  if (helper_pid == 0) {
    // Two ints: which step failed (0 setns, 1 clone; -1 none) and errno or the PID.
    int32_t report[2] = {0, 0};
    if (::setns(userns.get(), CLONE_NEWUSER) != 0) {
      report[1] = errno;
    } else {
      long rc = spawn(CLONE_PARENT);
      report[0] = rc < 0 ? 1 : -1;
      report[1] = rc < 0 ? errno : static_cast<int32_t>(rc);
    }
    (void)write_all(report_wr.get(), report, sizeof report);
    ::_exit(0);
  }
  Child helper(helper_pid);
  report_wr.reset();
  int32_t report[2] = {0, 0};
  auto got = read_exact(report_rd.get(), report, sizeof report);
  (void)helper.wait();
  if (!got || !*got) return make_error(ErrorKind::internal, "the helper that enters the user namespace died");
  if (report[0] == 0) return Error(ErrorKind::io, "joining the user namespace " + join_user, report[1]);
  if (report[0] == 1) return clone_error(report[1]);
  return static_cast<pid_t>(report[1]);
}

}  // namespace

// The line podman prints when the command cannot be started; written once,
// in init/init_logic.h, so that roost's own init prints the same.
std::string exec_failure_line(const std::string& cmd, int err) {
  std::string line(cmd.size() + 256, '\0');
  line.resize(init_exec_failure_line(line.data(), line.size(), cmd.c_str(), err));
  return line;
}

namespace {

json oci_state(const json& spec, const char* status, pid_t pid) {
  auto annotations = spec.value("annotations", json::object());
  json s = {{"ociVersion", spec.value("ociVersion", std::string("1.0.2"))},
            {"id", annotations.value("io.roost.container-id", spec.value("hostname", std::string()))},
            {"status", status},
            {"bundle", annotations.value("io.roost.bundle", std::string())},
            {"annotations", annotations}};
  if (pid > 0) s["pid"] = pid;
  return s;
}

template <class T>
Result<T> read_pod(int fd) {
  T v{};
  auto ok = ROOST_TRY(read_exact(fd, &v, sizeof v));
  if (!ok) return make_error(ErrorKind::internal, "truncated report from the container process");
  return v;
}

Result<std::string> read_string(int fd) {
  auto n = ROOST_TRY(read_pod<uint64_t>(fd));
  if (n > (1u << 20)) return make_error(ErrorKind::internal, "garbled report from the container process");
  std::string s(n, '\0');
  auto ok = ROOST_TRY(read_exact(fd, s.data(), n));
  if (!ok) return make_error(ErrorKind::internal, "truncated report from the container process");
  return s;
}

struct ExecFailed {
  int err = 0;
  std::string cmd;
};

// Follows the child until it execs (EOF), fails, or asks for the hooks.
// Returns nullopt once it runs, or how exec failed.
Result<std::optional<ExecFailed>> follow_setup(Child& child, int sock, const json& spec, UniqueFd& master,
                                               int winsize_fd) {
  for (;;) {
    UniqueFd fd;
    char tag = ROOST_TRY_CTX(recv_tag(sock, &fd), "reading from the container process");
    switch (tag) {
      case 0:
        return std::optional<ExecFailed>();
      case 'C': {
        json state = oci_state(spec, "created", child.pid());
        ROOST_TRY(run_hooks(spec, "createRuntime", state));
        ROOST_TRY(run_hooks(spec, "prestart", state));
        ROOST_TRY(write_all(sock, "G", 1));
        break;
      }
      case 'T':
        if (!fd.valid()) return make_error(ErrorKind::internal, "the container process sent no pty");
        master = std::move(fd);
        copy_winsize(winsize_fd, master.get());
        ROOST_TRY(write_all(sock, "G", 1));
        break;
      case 'E': {
        auto kind = ROOST_TRY(read_pod<int32_t>(sock));
        auto err = ROOST_TRY(read_pod<int32_t>(sock));
        auto msg = ROOST_TRY(read_string(sock));
        (void)child.wait();
        if (kind < 0 || kind > static_cast<int32_t>(ErrorKind::internal)) kind = static_cast<int32_t>(ErrorKind::internal);
        return Error(static_cast<ErrorKind>(kind), msg, err);
      }
      case 'X': {
        ExecFailed f;
        f.err = ROOST_TRY(read_pod<int32_t>(sock));
        f.cmd = ROOST_TRY(read_string(sock));
        return std::optional<ExecFailed>(f);
      }
      default:
        return make_error(ErrorKind::internal, "garbled report from the container process");
    }
  }
}

}  // namespace

Result<ExecResult> run_container(const ExecRequest& request, const std::function<void(pid_t)>& on_started) {
  const json& spec = request.spec;
  if (!spec.is_object() || !spec.contains("process") || !spec.contains("root"))
    return make_error(ErrorKind::invalid, "the OCI spec needs process and root");
  const Namespaces ns = ROOST_TRY(plan_namespaces(spec));
  const bool terminal = spec.at("process").value("terminal", false);

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return sys_error("socketpair");
  UniqueFd sock(sv[0]), child_sock(sv[1]);

  InitConfig cfg;
  cfg.request = &request;
  cfg.sock = child_sock.get();
  cfg.new_userns = ns.user;
  cfg.joined_userns = !ns.join_user.empty();
  cfg.wait_namespaces = static_cast<bool>(request.on_namespaces);
  cfg.single_id = (ns.user || cfg.joined_userns) && request.mapping.single_id;
  cfg.in_userns = ns.user || cfg.joined_userns || ::geteuid() != 0;
  cfg.new_netns = ns.net;
  cfg.new_uts = ns.uts;
  cfg.hooks_before_pivot = has_hooks(spec, "createRuntime") || has_hooks(spec, "prestart");
  // Compiled here, before the clone, so that the child only loads it.
  std::optional<SeccompProgram> seccomp;
  if (auto lx = spec.find("linux"); lx != spec.end() && lx->is_object()) {
    if (auto sc = lx->find("seccomp"); sc != lx->end() && sc->is_object())
      seccomp = ROOST_TRY(compile_seccomp(*sc, request.cache_dir));
  }
  cfg.seccomp = seccomp ? &*seccomp : nullptr;

  std::fflush(nullptr);
  // A fork-like clone (no new stack): the child runs on a copy of this
  // process, as PID 1 of its new PID namespace when one is asked for.
  Child child(ROOST_TRY(clone_container(ns.clone_flags, ns.join_user, cfg, sock.get())));
  child_sock.reset();
  SignalForwarder forwarder;
  forwarder.target(child.pid());

  if (ns.user) ROOST_TRY_CTX(userns::write_id_maps(request.mapping, child.pid()), "setting up the user namespace ID maps");
  if (request.on_namespaces) ROOST_TRY(request.on_namespaces(child.pid()));
  if (ns.user || request.on_namespaces) ROOST_TRY(write_all(sock.get(), "G", 1));
  UniqueFd master;
  const int winsize_fd = ::isatty(request.stdin_fd) ? request.stdin_fd : ::isatty(request.stdout_fd) ? request.stdout_fd : -1;
  auto failed = ROOST_TRY(follow_setup(child, sock.get(), spec, master, winsize_fd));
  ExecResult result;
  result.pid = child.pid();
  if (failed) {
    (void)child.wait();
    std::string line = exec_failure_line(failed->cmd, failed->err);
    (void)write_all(request.stderr_fd, line.data(), line.size());
    result.exit_code = failed->err == ENOENT ? 127 : 126;
    return result;
  }
  if (terminal && master.valid() && request.on_terminal) request.on_terminal(master.get());
  if (on_started) on_started(child.pid());
  if (auto r = run_hooks(spec, "poststart", oci_state(spec, "running", child.pid())); !r)
    log_warn(r.error().str());
  if (terminal && master.valid()) {
    RawMode raw(request.stdin_fd);
    auto relayed = relay_pty(master.get(), request.stdin_fd, request.stdout_fd, winsize_fd, request.stdin_end_hangs_up);
    if (!relayed) log_warn("relaying the container's terminal: " + relayed.error().str());
    // Hangs the container's terminal up when the relay ended early.
    if (request.on_terminal) request.on_terminal(-1);
    master.reset();
  }
  int status = ROOST_TRY(child.wait());
  result.exit_code = exit_code_of(status);
  if (auto r = run_hooks(spec, "poststop", oci_state(spec, "stopped", 0)); !r) log_warn(r.error().str());
  return result;
}

}  // namespace roost::runtime
