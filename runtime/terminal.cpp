#include "runtime/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace roost::runtime {
namespace {

int g_winch_pipe = -1;

void on_winch(int) {
  int saved = errno;
  if (g_winch_pipe >= 0) (void)!::write(g_winch_pipe, "w", 1);
  errno = saved;
}

// Writes all of BUF, waiting when FD is non-blocking and full.
bool write_fully(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      return false;
    }
    buf += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

void copy_winsize(int from, int to) {
  struct winsize ws;
  if (from >= 0 && ::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

Result<Pty> open_container_pty() {
  Pty p;
  auto m = ROOST_TRY_CTX(open_file("/dev/ptmx", O_RDWR | O_NOCTTY), "opening the container's pty");
  p.master = std::move(m);
  if (::unlockpt(p.master.get()) != 0) return sys_error("unlockpt");
  // TIOCGPTPEER opens the slave through the master's own devpts instance,
  // with no path lookup to race.
  int fd = ::ioctl(p.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    char name[64];
    if (::ptsname_r(p.master.get(), name, sizeof name) != 0) return sys_error("ptsname");
    auto s = ROOST_TRY_CTX(open_file(name, O_RDWR | O_NOCTTY), "opening the container's pty");
    fd = s.release();
  }
  p.slave.reset(fd);
  return p;
}

Result<void> become_pty_session(int slave) {
  if (::setsid() < 0) return sys_error("setsid");
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) return sys_error("making the pty the controlling terminal");
  for (int i = 0; i < 3; ++i)
    if (::dup2(slave, i) < 0) return sys_error("dup2 of the pty");
  return {};
}

RawMode::RawMode(int fd) {
  if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
  struct termios raw = saved_;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd, TCSADRAIN, &raw) == 0) fd_ = fd;
}

RawMode::~RawMode() {
  if (fd_ >= 0) ::tcsetattr(fd_, TCSADRAIN, &saved_);
}

Result<void> relay_pty(int master, int in, int out, int winsize_fd, bool in_end_hangs_up) {
  // The master alone is non-blocking: the caller's fds may be shared with a
  // shell that expects them blocking. A blocking write of typed input to a
  // pty whose reader has stopped would stall the output direction too, and
  // the container would block writing to a full pty: a deadlock.
  int flags = ::fcntl(master, F_GETFL);
  if (flags < 0 || ::fcntl(master, F_SETFL, flags | O_NONBLOCK) != 0) return sys_error("making the pty non-blocking");
  int wp[2];
  if (::pipe2(wp, O_CLOEXEC | O_NONBLOCK) != 0) return sys_error("pipe");
  UniqueFd winch_rd(wp[0]), winch_wr(wp[1]);
  struct sigaction sa{}, old_winch{}, old_pipe{};
  if (winsize_fd >= 0) {
    g_winch_pipe = winch_wr.get();
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGWINCH, &sa, &old_winch);
    // After the handler, so a resize in between is not lost.
    copy_winsize(winsize_fd, master);
  }
  // A reader of OUT that went away ends the relay as EPIPE, not by killing
  // this process before it records the container's exit.
  struct sigaction ign{};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  ::sigaction(SIGPIPE, &ign, &old_pipe);

  bool in_open = in >= 0;
  const bool in_tty = in_open && ::isatty(in);
  std::string pending;  // typed input the container has not taken yet
  constexpr size_t kMaxPending = 1 << 16;
  char buf[16384];
  Result<void> result;
  for (;;) {
    short master_events = POLLIN | (pending.empty() ? 0 : POLLOUT);
    bool want_in = in_open && pending.size() < kMaxPending;
    struct pollfd fds[3] = {{master, master_events, 0}, {want_in ? in : -1, POLLIN, 0}, {winch_rd.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      result = sys_error("poll");
      break;
    }
    if (fds[2].revents & POLLIN) {
      while (::read(winch_rd.get(), buf, sizeof buf) > 0) {
      }
      copy_winsize(winsize_fd, master);
    }
    if (!pending.empty() && (fds[0].revents & (POLLOUT | POLLERR))) {
      ssize_t w = ::write(master, pending.data(), pending.size());
      if (w > 0) pending.erase(0, static_cast<size_t>(w));
      else if (w < 0 && errno != EINTR && errno != EAGAIN) pending.clear();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = ::read(master, buf, sizeof buf);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      // EIO: the last slave closed, the container is gone.
      if (r <= 0) break;
      // The caller's terminal or reader is gone: the caller hangs up the
      // container's terminal by closing the master.
      if (!write_fully(out, buf, static_cast<size_t>(r))) break;
    }
    if (want_in && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = ::read(in, buf, sizeof buf);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r > 0) {
        pending.append(buf, static_cast<size_t>(r));
      } else {
        in_open = false;
        // A raw terminal reads nothing only once it hung up (the user's
        // terminal window closed); a pipe or file just ended.
        if (in_tty || in_end_hangs_up) break;
      }
    }
  }
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  if (winsize_fd >= 0) {
    ::sigaction(SIGWINCH, &old_winch, nullptr);
    g_winch_pipe = -1;
  }
  return result;
}

}  // namespace roost::runtime
