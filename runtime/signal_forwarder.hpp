// Forwarding the signals a user sends to a foreground roost (Ctrl-C, kill)
// on to the container's first process, while that process runs.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <iterator>

namespace roost::runtime {

// What a foreground run passes on; SIGWINCH and job control are the
// terminal relay's, SIGKILL and SIGSTOP cannot be caught.
inline constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Installs handlers for kForwardedSignals and restores the old ones when it
// goes. Until target() names the process, the last signal is held and
// delivered then, so one that arrives during set-up is not lost. One at a
// time per process: the handler reads a process-wide target.
class SignalForwarder {
 public:
  SignalForwarder();
  ~SignalForwarder();
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

  void target(pid_t pid);

 private:
  struct sigaction old_[std::size(kForwardedSignals)];
};

}  // namespace roost::runtime
