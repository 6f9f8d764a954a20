#include "engine/monitor.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/fd.hpp"
#include "engine/attach.hpp"
#include "engine/health_timer.hpp"
#include "engine/log_sink.hpp"

namespace roost::engine {
namespace {

using nlohmann::json;

void report(int fd, const json& j) {
  if (fd < 0) return;
  std::string text = j.dump() + "\n";
  (void)write_all(fd, text.data(), text.size());
}

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return sys_error("pipe");
  return std::make_pair(UniqueFd(p[0]), UniqueFd(p[1]));
}

// Copies the container's stdout and stderr pipes into the log, and to the
// attached clients, from its own thread. The thread neither allocates nor
// locks (LogSink, AttachServer, a stack buffer): the other thread may
// clone while it runs.
class LogPump {
 public:
  LogPump(LogSink& writer, AttachServer* attach, int out, int err)
      : writer_(writer), attach_(attach), out_(out), err_(err) {}
  ~LogPump() { finish(); }
  LogPump(const LogPump&) = delete;
  LogPump& operator=(const LogPump&) = delete;

  Result<void> start() {
    stop_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
    if (!stop_.valid()) return sys_error("eventfd");
    thread_ = std::thread([this] { run(); });
    return {};
  }
  // Once the container is gone: reads what is left, up to EOF (every writer
  // gone) or a second without data.
  void finish() {
    if (!thread_.joinable()) return;
    uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }

 private:
  void run() noexcept {
    char buf[8192];
    pollfd fds[3 + AttachServer::kMaxPollFds] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    bool stopping = false;
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
      size_t nattach = attach_ && !stopping ? attach_->poll_fds(fds + 3) : 0;
      int n = ::poll(fds, 3 + nattach, stopping ? 1000 : -1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (fds[2].revents) {
        stopping = true;
        fds[2].fd = -1;
      }
      // Before the output: a client that connected first sees all of it.
      if (nattach) attach_->on_poll(fds + 3, nattach);
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !fds[i].revents) continue;
        ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
          fds[i].fd = -1;
          continue;
        }
        writer_.write(i == 0 ? LogStream::out : LogStream::err, buf, static_cast<size_t>(got));
        if (attach_) attach_->broadcast(i == 0 ? '1' : '2', buf, static_cast<size_t>(got));
      }
    }
    writer_.flush();
  }

  LogSink& writer_;
  AttachServer* attach_;
  int out_, err_;
  UniqueFd stop_;
  std::thread thread_;
};

std::string read_available(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// The monitor idles for as long as its container runs: give back what
// starting it took. Start-up frees most of what it allocated (the image
// config, the seccomp filter, the spec's copies), but malloc keeps freed
// memory in its heap; malloc_trim returns the free pages to the kernel.
void release_idle_memory(const MonitorConfig& config) {
  if (config.idle) config.idle();
  ::malloc_trim(0);
}

}  // namespace

void report_monitor_error(int sync_fd, const Error& error) {
  report(sync_fd, {{"error", error.message()}, {"kind", static_cast<int>(error.kind())}, {"errno", error.errnum()}});
}

namespace {

// One run of the container: fresh stdio pipes, their output pumped into
// WRITER. Reports on SYNC_FD (then sets it to -1) once the container runs;
// the exit code, or an Error when it never ran.
Result<int> run_once(const MonitorConfig& config, const MonitorStart& start, LogSink& writer, AttachServer* attach,
                     int& sync_fd, bool& started) {
  started = false;
  // stdin: /dev/null, or with -i a pipe whose write end stays open (with the
  // attach socket) so that the container never sees EOF until an attached
  // client's input ends.
  UniqueFd in_rd, in_wr;
  if (config.interactive) {
    auto p = ROOST_TRY(make_pipe());
    in_rd = std::move(p.first);
    in_wr = std::move(p.second);
  } else {
    in_rd = ROOST_TRY(open_file("/dev/null", O_RDONLY));
  }
  auto [out_rd, out_wr] = ROOST_TRY(make_pipe());
  auto [err_rd, err_wr] = ROOST_TRY(make_pipe());
  LogPump pump(writer, attach, out_rd.get(), err_rd.get());
  UniqueFd master;  // a copy of the pty's, for window sizes from attached clients
  HealthTimer health(config.health_command, config.health_interval_ns);

  StdioFds io{in_rd.get(), out_wr.get(), err_wr.get()};
  std::string exec_message;
  StartHooks hooks;
  hooks.terminal = [&](int fd) {
    if (fd >= 0) {
      master.reset(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    } else if (master.valid()) {
      // The relay ended: the terminal must be able to hang up. The attach
      // server may still use the number (window sizes): /dev/null in place.
      UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
      if (null.valid()) ::dup3(null.get(), master.get(), O_CLOEXEC);
    }
  };
  hooks.started = [&](pid_t pid) {
    started = true;
    if (attach) attach->start_sessions(std::move(in_wr), master.get());
    // The container holds its own copies; with a terminal the executor
    // relays the pty into out_wr from this process, so that one stays.
    if (!config.tty) out_wr.reset();
    err_wr.reset();
    auto r = pump.start();
    if (r) r = health.start();
    report(sync_fd, {{"started", pid}});
    if (sync_fd >= 0) ::close(sync_fd);
    sync_fd = -1;
    (void)r;
    release_idle_memory(config);
  };
  hooks.exited = [&]() {
    health.stop();
    out_wr.reset();
    err_wr.reset();
    if (started) {
      pump.finish();
      return;
    }
    // Never ran: the executor wrote why on its stderr.
    exec_message = read_available(err_rd.get());
    writer.write(LogStream::err, exec_message.data(), exec_message.size());
    writer.flush();
    while (!exec_message.empty() && exec_message.back() == '\n') exec_message.pop_back();
  };

  auto result = ROOST_TRY(start(io, hooks));
  if (!started) report(sync_fd, {{"exit", result}, {"message", exec_message}});
  // After start recorded the exit: an attached client that then looks
  // finds the container exited (or, with --rm, gone).
  if (attach) attach->end_sessions(result);
  return result;
}

}  // namespace

int run_monitor(const MonitorConfig& config, const MonitorStart& start) {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  int sync_fd = config.sync_fd;
  // Not for the container (nor hooks) to inherit: the CLI waits for its EOF.
  ::fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
  auto fail = [&](const Error& e) {
    report_monitor_error(sync_fd, e);
    return 125;
  };

  auto writer = open_log_sink({config.lifecycle.log_driver, config.log_path, config.lifecycle.log_max_size,
                               config.container_id, config.container_name, config.lifecycle.log_tag});
  if (!writer) return fail(std::move(writer).error().context("opening the container's log"));

  std::unique_ptr<AttachServer> attach;
  if (!config.attach_dir.empty()) {
    auto server = AttachServer::listen(config.attach_dir);
    if (!server) return fail(std::move(server).error().context("making the attach socket"));
    attach = std::move(*server);
    if (config.wait_attach) {
      report(sync_fd, {{"listening", true}});
      // The CLI connects right away; a CLI that died first is not waited for long.
      attach->wait_for_client(10000);
    }
  }

  for (bool first = true;; first = false) {
    bool started = false;
    auto result = run_once(config, start, **writer, attach.get(), sync_fd, started);
    if (!result) {
      if (first) return fail(result.error());
      // A restart that failed (its network, its image gone): the container
      // stays exited, and the reason is in its log.
      std::string line = "roost: restarting the container failed: " + result.error().str() + "\n";
      (*writer)->write(LogStream::err, line.data(), line.size());
      return 0;
    }
    if (!started || !config.restart_after || !config.restart_after(*result)) return 0;
  }
}

Result<int> spawn_monitor(const std::vector<std::string>& command, int err_fd,
                          const std::function<void()>& on_listening) {
  if (command.empty()) return make_error(ErrorKind::internal, "no monitor command");
  std::vector<std::string> args = command;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto pipe = ROOST_TRY(make_pipe());
  auto devnull = ROOST_TRY(open_file("/dev/null", O_RDWR));
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) return sys_error("fork");
  if (child == 0) {
    // Only async-signal-safe calls from here to exec.
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
    if (::chdir("/") != 0) ::_exit(1);
    int w = pipe.second.get();
    if (w != kMonitorSyncFd) {
      if (::dup2(w, kMonitorSyncFd) < 0) ::_exit(1);
    } else if (::fcntl(w, F_SETFD, 0) != 0) {
      ::_exit(1);
    }
    ::dup2(devnull.get(), 0);
    ::dup2(devnull.get(), 1);
    ::dup2(devnull.get(), 2);
    ::syscall(SYS_close_range, kMonitorSyncFd + 1, ~0U, CLOSE_RANGE_CLOEXEC);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pipe.second.reset();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  // Line by line, not up to EOF: processes the monitor forks without exec
  // (an external runtime's helper) hold the pipe as long as the container runs.
  auto read_line = [&]() -> Result<json> {
    std::string text;
    char ch;
    for (;;) {
      ssize_t n = ::read(pipe.first.get(), &ch, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("reading from the container's monitor");
      if (n == 0 || ch == '\n') break;
      text.push_back(ch);
    }
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return make_error(ErrorKind::internal, "the container's monitor (" + command.front() +
                                                 ") ended without starting the container");
    return j;
  };
  auto j = ROOST_TRY(read_line());
  if (j.contains("listening")) {
    if (on_listening) on_listening();
    j = ROOST_TRY(read_line());
  }
  if (j.contains("started")) return 0;
  if (j.contains("exit")) {
    std::string msg = j.value("message", std::string());
    if (!msg.empty()) {
      msg += "\n";
      (void)write_all(err_fd, msg.data(), msg.size());
    }
    return j.value("exit", 125);
  }
  int kind = j.value("kind", static_cast<int>(ErrorKind::internal));
  if (kind < 0 || kind > static_cast<int>(ErrorKind::internal)) kind = static_cast<int>(ErrorKind::internal);
  return Error(static_cast<ErrorKind>(kind), j.value("error", std::string("the container did not start")),
               j.value("errno", 0));
}

}  // namespace roost::engine
