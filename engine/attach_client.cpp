#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "common/detach_keys.hpp"
#include "engine/attach.hpp"
#include "engine/attach_signals.hpp"
#include "runtime/terminal.hpp"

namespace roost::engine {

namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// Written by the handler, read by relay_attach's poll: one byte, the signal.
int g_signal_pipe = -1;

void on_signal(int sig) {
  int saved = errno;
  char c = static_cast<char>(sig);
  if (g_signal_pipe >= 0) (void)!::write(g_signal_pipe, &c, 1);
  errno = saved;
}

// The signal handlers while attached; the old ones back on every way out.
class SignalPipe {
 public:
  Result<void> install() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return sys_error("pipe");
    rd_.reset(p[0]);
    wr_.reset(p[1]);
    g_signal_pipe = wr_.get();
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
    struct sigaction ign{};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    ::sigaction(SIGPIPE, &ign, &old_pipe_);
    installed_ = true;
    return {};
  }
  ~SignalPipe() {
    if (!installed_) return;
    for (size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    g_signal_pipe = -1;
  }
  int fd() const { return rd_.get(); }

 private:
  UniqueFd rd_, wr_;
  struct sigaction old_[std::size(kSignals)]{};
  struct sigaction old_pipe_{};
  bool installed_ = false;
};

Result<void> send_message(int sock, char type, const void* data, size_t len) {
  iovec iov[2] = {{&type, 1}, {const_cast<void*>(data), len}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = len > 0 ? 2 : 1;
  for (;;) {
    if (::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0) return {};
    if (errno != EINTR) return sys_error("writing to the container's monitor");
  }
}

Result<void> send_winsize(int sock, int tty) {
  winsize ws{};
  if (tty < 0 || ::ioctl(tty, TIOCGWINSZ, &ws) != 0) return {};
  uint16_t rc[2] = {ws.ws_row, ws.ws_col};
  return send_message(sock, 'w', rc, sizeof rc);
}

sigset_t attach_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kSignals) sigaddset(&set, s);
  return set;
}

}  // namespace

AttachSignalBlock::AttachSignalBlock() {
  sigset_t set = attach_signals();
  ::sigprocmask(SIG_BLOCK, &set, &old_);
}

AttachSignalBlock::~AttachSignalBlock() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

Result<AttachOutcome> relay_attach(int sock, const AttachClientOptions& o) {
  SignalPipe signals;
  ROOST_TRY(signals.install());
  sigset_t set = attach_signals();
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  const int winsize_fd = !o.tty ? -1 : ::isatty(o.in) ? o.in : ::isatty(o.out) ? o.out : -1;
  // Raw only while input is relayed: the keys typed are the container's.
  runtime::RawMode raw(o.tty && o.in >= 0 ? o.in : -1);
  ROOST_TRY(send_winsize(sock, winsize_fd));
  const bool in_tty = o.in >= 0 && ::isatty(o.in);
  DetachMatcher matcher(o.detach_keys);
  bool in_open = o.in >= 0;
  std::string forward;
  char buf[8192 + 1];
  AttachOutcome outcome;
  for (;;) {
    pollfd fds[3] = {{sock, POLLIN, 0}, {in_open ? o.in : -1, POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return sys_error("poll");
    }
    if (fds[2].revents & POLLIN) {
      char sig;
      while (::read(signals.fd(), &sig, 1) == 1) {
        if (sig == SIGWINCH) {
          ROOST_TRY(send_winsize(sock, winsize_fd));
        } else if (o.on_signal) {
          o.on_signal(sig);
        } else {
          // Not the container's: it ends this process's session, as the
          // signal would have without a handler.
          outcome.end = AttachOutcome::End::detached;
          outcome.exit_code = 128 + sig;
          return outcome;
        }
      }
    }
    if (fds[0].revents) {
      ssize_t got = ::recv(sock, buf, sizeof buf, 0);
      // A reset is reported before what is still queued (the exit code):
      // read on until the end.
      if (got < 0 && (errno == EINTR || errno == ECONNRESET)) continue;
      if (got <= 0) return outcome;  // the monitor is gone without a word: lost
      if (buf[0] == 'x' && got >= 5) {
        int32_t code;
        std::memcpy(&code, buf + 1, sizeof code);
        outcome.end = AttachOutcome::End::exited;
        outcome.exit_code = code;
        return outcome;
      }
      int to = buf[0] == '2' ? o.err : o.out;
      if (!write_all(to, buf + 1, static_cast<size_t>(got - 1))) {
        // Whoever read our output is gone: nothing more to show anyone.
        outcome.end = AttachOutcome::End::detached;
        return outcome;
      }
    }
    if (in_open && fds[1].revents) {
      ssize_t got = ::read(o.in, buf, 8192);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        in_open = false;
        // A terminal that hung up leaves; a pipe or file that ended closes
        // the container's stdin, as podman, but not its terminal: that
        // would hang it up (run -i does so when the user's terminal did).
        if (in_tty) {
          outcome.end = AttachOutcome::End::detached;
          return outcome;
        }
        if (!o.tty) ROOST_TRY(send_message(sock, 'c', nullptr, 0));
        continue;
      }
      forward.clear();
      bool detach = matcher.feed(buf, static_cast<size_t>(got), forward);
      if (!forward.empty()) ROOST_TRY(send_message(sock, 'i', forward.data(), forward.size()));
      if (detach) {
        outcome.end = AttachOutcome::End::detached;
        return outcome;
      }
    }
  }
}

}  // namespace roost::engine
