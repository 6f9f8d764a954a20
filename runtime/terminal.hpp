// The container's pty: made in the child on its own /dev/pts instance, the
// master passed to the parent, which relays it to the caller's fds. Internal
// to runtime/.
#pragma once

#include <termios.h>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace roost::runtime {

struct Pty {
  UniqueFd master;
  UniqueFd slave;
};

// Child side, after pivot_root: opens /dev/ptmx of the container's devpts.
Result<Pty> open_container_pty();

// Child side: a new session with the slave as controlling terminal and
// stdin, stdout and stderr.
Result<void> become_pty_session(int slave);

// Parent side: the caller's terminal in raw mode while this lives (nothing
// when IN is not a tty).
class RawMode {
 public:
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_ = -1;
  struct termios saved_{};
};

// Copies the window size of FROM (a tty, or -1 for none) to the pty TO.
void copy_winsize(int from, int to);

// Parent side: copies IN to MASTER and MASTER to OUT until the pty closes
// (every slave gone: the container's processes exited), forwarding window
// size changes of WINSIZE_FD (a tty, or -1) on SIGWINCH. Also returns when
// the caller's side is gone (OUT cannot be written, or IN is a terminal that
// hung up, or with IN_END_HANGS_UP, IN ended); the caller then closes
// MASTER, which hangs up the container's terminal. MASTER is left
// non-blocking.
Result<void> relay_pty(int master, int in, int out, int winsize_fd, bool in_end_hangs_up = false);

}  // namespace roost::runtime
