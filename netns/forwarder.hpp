// roost's own port forwarder, the default port handler of --network
// slirp4netns (port_handler=rootlesskit, the name podman gives its own;
// port_handler=slirp4netns picks slirp4netns's API instead). The host side of
// each published port is a socket roost binds before the container starts, so
// a port in use fails first; a helper process (roost itself, the hidden verb
// below) joins the container's user and network namespaces and relays every
// connection (TCP, spliced through pipes) and datagram flow (UDP) to the
// container's address from a socket created there. That socket is bound to
// the client's address when it is a loopback one (all of 127.0.0.0/8 is local
// in the container's namespace too), so the server sees the real client;
// other clients appear as the container's own address (10.0.2.100).
//
// The helper exits when the write end of its exit pipe closes: when the
// PortForwarder is destroyed, and when the process holding it dies (kill -9),
// so it never outlives its container's monitor.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/fd.hpp"
#include "common/process.hpp"
#include "common/result.hpp"
#include "netns/options.hpp"

namespace roost::netns {

// The hidden verb that runs the relay: `roost port-forwarder ARGS...`.
inline constexpr const char* kForwarderVerb = "port-forwarder";

class PortForwarder {
 public:
  // Binds (and for TCP, listens on) every host port now; errors name the
  // port (in use, privileged) as check_host_port's do.
  static Result<PortForwarder> bind(const std::vector<PortMapping>& ports);

  PortForwarder(PortForwarder&&) noexcept = default;
  PortForwarder& operator=(PortForwarder&&) noexcept = default;
  ~PortForwarder() { stop(); }

  // Starts the relay for PID's network namespace, connecting to TARGET_IP
  // there; LOG_PATH gets its errors. Waits until it has joined the namespace.
  Result<void> start(pid_t pid, const std::string& target_ip, const std::string& log_path);
  void stop();

 private:
  PortForwarder() = default;
  std::vector<PortMapping> ports_;
  std::vector<UniqueFd> listeners_;  // one per port, in ports_ order
  Child child_;
  UniqueFd exit_fd_;
};

// The helper process's body: ARGS are what PortForwarder::start passes
// (PID TARGET_IP EXIT_FD READY_FD FD/PORT/PROTO...). Returns the exit code.
int run_port_forwarder(const std::vector<std::string>& args);

}  // namespace roost::netns
