#include "runtime/signal_forwarder.hpp"

namespace roost::runtime {
namespace {

volatile sig_atomic_t g_target = 0;
volatile sig_atomic_t g_pending = 0;

void forward_signal(int sig) {
  if (g_target > 0) ::kill(g_target, sig);
  else g_pending = sig;
}

}  // namespace

SignalForwarder::SignalForwarder() {
  struct sigaction fwd{};
  fwd.sa_handler = forward_signal;
  sigemptyset(&fwd.sa_mask);
  fwd.sa_flags = SA_RESTART;
  for (size_t i = 0; i < std::size(kForwardedSignals); ++i) ::sigaction(kForwardedSignals[i], &fwd, &old_[i]);
}

SignalForwarder::~SignalForwarder() {
  for (size_t i = 0; i < std::size(kForwardedSignals); ++i) ::sigaction(kForwardedSignals[i], &old_[i], nullptr);
  g_target = 0;
  g_pending = 0;
}

void SignalForwarder::target(pid_t pid) {
  g_target = pid;
  if (int sig = g_pending) {
    g_pending = 0;
    ::kill(pid, sig);
  }
}

}  // namespace roost::runtime
