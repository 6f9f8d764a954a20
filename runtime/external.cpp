#include "runtime/external.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "common/fd.hpp"
#include "common/fs_tree.hpp"
#include "common/log.hpp"
#include "common/process.hpp"
#include "runtime/syscalls.hpp"
#include "runtime/signal_forwarder.hpp"
#include "runtime/terminal.hpp"
#include "userns/userns.hpp"

namespace roost::runtime {
namespace {

using nlohmann::json;

// What the helper knows. The runtime's name (its file name) leads every error.
struct Plan {
  std::string runtime;
  std::string name;
  const ExecRequest* request = nullptr;
  std::string bundle;
  std::string state_root;
  std::string id;
  bool in_userns = false;

  std::vector<std::string> command(std::initializer_list<std::string> verb) const {
    std::vector<std::string> a{runtime, "--root", state_root};
    if (!bundle.empty()) a.insert(a.end(), {"--log", bundle + "/runtime.log", "--log-format", "json"});
    // runc then treats a cgroup it may not create as a warning.
    if (in_userns) a.insert(a.end(), {"--rootless", "true"});
    a.insert(a.end(), verb);
    return a;
  }
};

// Helper -> parent records, one per line: "T" with the pty's master passed
// along (SCM_RIGHTS) when the caller wants the terminal, "P<pid>" once the
// container's process exists, "H" when the terminal relay ended, "X<code>"
// when its command could not be executed, "E<kind> <message>" when it failed
// (the Error as the helper had it).
void send_record(int fd, char tag, const std::string& body) {
  std::string line = tag + body;
  for (auto& c : line)
    if (c == '\n') c = ' ';
  line += '\n';
  (void)write_all(fd, line.data(), line.size());
}

// read(2) of the status socket that keeps an fd passed along with the bytes
// (the pty's master) in FD.
ssize_t read_keeping_fd(int sock, char* buf, size_t len, UniqueFd& fd) {
  struct iovec iov{buf, len};
  struct msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
  msg.msg_control = ctl;
  msg.msg_controllen = sizeof ctl;
  ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n <= 0) return n;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int got;
      std::memcpy(&got, CMSG_DATA(c), sizeof got);
      fd.reset(got);
    }
  }
  return n;
}

// Runs the runtime with the container's stdio as its own: in pass-through
// mode the runtime hands exactly these fds to the container.
Result<int> run_with_stdio(const std::vector<std::string>& argv, const ExecRequest& req) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork");
  if (pid == 0) {
    int src[3] = {req.stdin_fd, req.stdout_fd, req.stderr_fd};
    int copy[3];
    // Through high copies, so fds already at 0..2 in another order survive.
    for (int i = 0; i < 3; ++i)
      if ((copy[i] = ::fcntl(src[i], F_DUPFD_CLOEXEC, 10)) < 0) ::_exit(125);
    for (int i = 0; i < 3; ++i)
      if (::dup2(copy[i], i) < 0) ::_exit(125);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(125);
  }
  Child child(pid);
  return exit_code_of(ROOST_TRY(child.wait()));
}

// `delete -f` when the scope ends: the container, if still there, is killed
// and the runtime's state for it removed.
class DeleteGuard {
 public:
  explicit DeleteGuard(const Plan& p) : plan_(p) {}
  ~DeleteGuard() {
    auto r = run_program(plan_.command({"delete", "-f", plan_.id}));
    if (!r) log_warn(plan_.name + " delete: " + r.error().str());
    else if (r->exit_code != 0) log_warn(plan_.name + " delete -f " + plan_.id + " failed: " + r->output);
  }
  DeleteGuard(const DeleteGuard&) = delete;
  DeleteGuard& operator=(const DeleteGuard&) = delete;

 private:
  const Plan& plan_;
};

Result<std::optional<ResolvedUser>> resolve_annotated_user(const json& spec, const std::string& rootfs) {
  auto annotations = spec.value("annotations", json::object());
  if (!annotations.contains("io.roost.user")) return std::optional<ResolvedUser>();
  auto root = ROOST_TRY(open_file(rootfs, O_PATH | O_DIRECTORY));
  auto read_in_root = [&](const char* path) -> std::string {
    auto fd = open_in_root(root.get(), path, O_RDONLY);
    if (!fd) return {};
    auto text = read_fd(fd->get());
    return text ? std::move(text).value() : std::string();
  };
  auto user = ROOST_TRY(resolve_user(annotations.at("io.roost.user").get<std::string>(), read_in_root("/etc/passwd"),
                                     read_in_root("/etc/group")));
  return std::optional<ResolvedUser>(std::move(user));
}

// A listening socket the runtime connects to with the terminal's master
// (--console-socket). Bound by a relative name in the bundle (the helper's
// working directory): a full path could pass sun_path's 108 bytes.
Result<UniqueFd> console_socket() {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s.valid()) return sys_error("socket");
  struct sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, "console.sock");
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return sys_error("bind", "console.sock");
  if (::listen(s.get(), 1) != 0) return sys_error("listen", "console.sock");
  return s;
}

Result<UniqueFd> receive_master(int listener) {
  UniqueFd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.valid()) return sys_error("accepting the terminal from the console socket");
  UniqueFd master;
  ROOST_TRY(recv_tag(conn.get(), &master));
  if (!master.valid()) return make_error(ErrorKind::internal, "no terminal came with the console socket's message");
  return master;
}

// Reaps everything reparented to the helper until the container's process.
Result<int> wait_for(pid_t pid) {
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(-1, &st, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return sys_error("waiting for the container's process " + std::to_string(pid));
    if (r == pid) return exit_code_of(st);
  }
}

Result<int> drive(const Plan& p, int status_fd) {
  const ExecRequest& req = *p.request;
  const json& spec = req.spec;
  const std::string rootfs = spec.at("root").at("path").get<std::string>();
  if (::chdir(p.bundle.c_str()) != 0) return sys_error("changing to the bundle", p.bundle);
  if (req.mount_rootfs) ROOST_TRY_CTX(req.mount_rootfs(rootfs), "mounting the root file system");
  auto user = ROOST_TRY(resolve_annotated_user(spec, rootfs));
  json config = external_spec(spec, p.in_userns, user);
  ROOST_TRY(write_file_atomic(p.bundle + "/config.json", config.dump(2), 0600));

  const bool terminal = spec.at("process").value("terminal", false);
  UniqueFd listener;
  std::vector<std::string> create{"create", "--bundle", p.bundle, "--pid-file", p.bundle + "/pid"};
  if (terminal) {
    listener = ROOST_TRY_CTX(console_socket(), "making the console socket");
    create.insert(create.end(), {"--console-socket", "console.sock"});
  }
  create.push_back(p.id);
  std::vector<std::string> argv = p.command({});
  argv.insert(argv.end(), create.begin(), create.end());

  DeleteGuard cleanup(p);
  int code = ROOST_TRY_CTX(run_with_stdio(argv, req), "running " + p.runtime);
  if (code != 0) {
    auto log = read_file(p.bundle + "/runtime.log");
    std::string msg = log ? last_log_error(*log) : std::string();
    // The runtime already told the user on the container's stderr; the
    // code is what callers act on, as with the built-in executor.
    if (msg.find("exec: ") != std::string::npos || msg.find("exec format error") != std::string::npos) {
      bool missing = msg.find("not found") != std::string::npos || msg.find("no such file") != std::string::npos;
      int exec_code = missing ? 127 : 126;
      send_record(status_fd, 'X', std::to_string(exec_code));
      return exec_code;
    }
    return make_error(ErrorKind::io, p.name + " create failed (exit " + std::to_string(code) + ")" +
                                         (msg.empty() ? "" : ": " + msg));
  }
  auto pid_text = ROOST_TRY_CTX(read_file(p.bundle + "/pid"), "reading the container's PID");
  pid_t pid = static_cast<pid_t>(std::atoi(pid_text.c_str()));
  if (pid <= 0) return make_error(ErrorKind::internal, "the PID file holds \"" + pid_text + "\"");
  UniqueFd master;
  if (terminal) master = ROOST_TRY(receive_master(listener.get()));
  // The caller's attach sessions set window sizes through a copy of its own
  // (on_terminal); "H" below takes it back, so that closing ours still
  // hangs the terminal up.
  const bool share = terminal && p.request->on_terminal;
  if (share && send_fd(status_fd, 'T', master.get()).ok()) (void)write_all(status_fd, "\n", 1);
  send_record(status_fd, 'P', std::to_string(pid));

  auto started = ROOST_TRY_CTX(run_program(p.command({"start", p.id})), "running " + p.runtime + " start");
  if (started.exit_code != 0) {
    while (!started.output.empty() && started.output.back() == '\n') started.output.pop_back();
    return make_error(ErrorKind::io,
                      p.name + " start failed (exit " + std::to_string(started.exit_code) + "): " + started.output);
  }
  if (terminal) {
    const int winsize_fd = ::isatty(req.stdin_fd) ? req.stdin_fd : ::isatty(req.stdout_fd) ? req.stdout_fd : -1;
    RawMode raw(req.stdin_fd);
    auto relayed = relay_pty(master.get(), req.stdin_fd, req.stdout_fd, winsize_fd, req.stdin_end_hangs_up);
    if (!relayed) log_warn("relaying the container's terminal: " + relayed.error().str());
    if (share) send_record(status_fd, 'H', "");
    // When the caller's side went away first, this hangs up the container's
    // terminal (SIGHUP) instead of waiting for it forever.
    master.reset();
  }
  return wait_for(pid);
}

void ignore_signal(int) {}

int helper_main(const Plan& p, int status_fd) {
  // The caller forwards signals to the container; a handler (reset by exec
  // for the runtime, unlike SIG_IGN) keeps a Ctrl-C from killing the helper.
  struct sigaction sa{};
  sa.sa_handler = ignore_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : kForwardedSignals) ::sigaction(s, &sa, nullptr);
  auto r = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? drive(p, status_fd)
                                                  : Result<int>(sys_error("prctl(PR_SET_CHILD_SUBREAPER)"));
  if (r) return *r;
  send_record(status_fd, 'E', std::to_string(static_cast<int>(r.error().kind())) + " " + r.error().str());
  return 125;
}

// Removes the bundle when the run ends, whichever way.
struct BundleDir {
  std::string path;
  ~BundleDir() {
    if (auto r = remove_tree(path); !r) log_warn("removing the bundle " + path + ": " + r.error().str());
  }
};

}  // namespace

std::string external_state_root(const std::string& run_root, const std::string& runtime_path) {
  return run_root + "/" + runtime_path.substr(runtime_path.rfind('/') + 1);
}

Result<void> delete_external_container(const std::string& runtime_path, const userns::IdMapping& mapping,
                                       const std::string& state_root, const std::string& container_id) {
  struct stat st;
  if (::stat((state_root + "/" + container_id).c_str(), &st) != 0) return {};
  Plan p;
  p.runtime = runtime_path;
  p.name = runtime_path.substr(runtime_path.rfind('/') + 1);
  p.state_root = state_root;
  p.id = container_id;
  p.in_userns = !mapping.identity;
  auto helper = ROOST_TRY_CTX(userns::fork_in_userns(mapping, [&p] {
                                DeleteGuard cleanup(p);
                                return 0;
                              }),
                              p.name + " delete -f " + container_id);
  (void)helper.wait();
  if (::stat((state_root + "/" + container_id).c_str(), &st) == 0)
    return make_error(ErrorKind::io, p.name + " delete -f " + container_id + " left its state in " + state_root);
  return {};
}

Result<ExecResult> run_with_external_runtime(const std::string& runtime_path, const ExecRequest& request,
                                             const std::string& bundle_dir, const std::string& state_root,
                                             const std::string& container_id,
                                             const std::function<void(pid_t)>& on_started) {
  Plan p;
  p.runtime = runtime_path;
  p.name = runtime_path.substr(runtime_path.rfind('/') + 1);
  p.request = &request;
  p.bundle = bundle_dir;
  p.state_root = state_root;
  p.id = container_id;
  p.in_userns = !request.mapping.identity;
  const json& spec = request.spec;
  if (!spec.is_object() || !spec.contains("process") || !spec.contains("root"))
    return make_error(ErrorKind::invalid, "the OCI spec needs process and root");

  ROOST_TRY_CTX(make_dirs(state_root, 0700), p.name + ": making its state root");
  ROOST_TRY_CTX(remove_tree(bundle_dir), p.name + ": clearing an old bundle");
  if (::mkdir(bundle_dir.c_str(), 0700) != 0) return sys_error(p.name + ": making the bundle", bundle_dir);
  BundleDir bundle{bundle_dir};

  int fds[2];
  // A socket, not a pipe: the pty's master may come along.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return sys_error("socketpair");
  UniqueFd status_rd(fds[0]), status_wr(fds[1]);
  SignalForwarder forwarder;
  const int wr = status_wr.get();
  auto helper = ROOST_TRY_CTX(userns::fork_in_userns(request.mapping, [&p, wr] { return helper_main(p, wr); }),
                              p.name + ": setting up its user namespace");
  status_wr.reset();

  std::optional<Error> failure;
  std::optional<int> exec_code;
  pid_t pid = 0;
  std::string buf;
  char chunk[512];
  UniqueFd passed;  // the pty's master, until "T" hands it on
  bool terminal_shared = false;
  for (;;) {
    ssize_t n = read_keeping_fd(status_rd.get(), chunk, sizeof chunk, passed);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) {
      std::string body = buf.substr(1, nl - 1);
      if (buf[0] == 'T' && passed.valid() && request.on_terminal) {
        request.on_terminal(passed.get());
        passed.reset();
        terminal_shared = true;
      } else if (buf[0] == 'H' && terminal_shared) {
        request.on_terminal(-1);
        terminal_shared = false;
      } else if (buf[0] == 'P') {
        pid = static_cast<pid_t>(std::atoi(body.c_str()));
        forwarder.target(pid);
        if (on_started) on_started(pid);
      } else if (buf[0] == 'X') {
        exec_code = std::atoi(body.c_str());
      } else if (buf[0] == 'E') {
        int kind = std::atoi(body.c_str());
        if (kind < 0 || kind > static_cast<int>(ErrorKind::internal)) kind = static_cast<int>(ErrorKind::internal);
        failure = make_error(static_cast<ErrorKind>(kind), body.substr(std::min(body.size(), body.find(' ') + 1)));
      }
    }
  }
  if (terminal_shared) request.on_terminal(-1);
  int status = ROOST_TRY_CTX(helper.wait(), p.name + ": waiting for its helper");
  // Only left when the helper died before its own `delete -f` (killed).
  auto deleted = delete_external_container(runtime_path, request.mapping, state_root, container_id);
  if (!deleted) log_warn(deleted.error().str());
  if (failure) return *failure;
  ExecResult result;
  result.pid = pid;
  if (exec_code) {
    result.exit_code = *exec_code;
    return result;
  }
  if (pid <= 0)
    return make_error(ErrorKind::internal, p.name + ": its helper ended (status " + std::to_string(exit_code_of(status)) +
                                               ") before the container started");
  result.exit_code = exit_code_of(status);
  return result;
}

}  // namespace roost::runtime
