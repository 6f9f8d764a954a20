// slirp4netns run as a program against a container's network namespace.
//
// It joins the namespaces of a PID (its user namespace too, so a normal user
// needs no privilege), creates tap0 there and configures it (10.0.2.100/24,
// gateway 10.0.2.2, DNS forwarder 10.0.2.3), then forwards traffic through
// the host's sockets. It writes to a ready pipe once tap0 is up, and exits
// when the write end of its exit pipe closes: when the owning Slirp4netns is
// destroyed, and also when the roost process holding it dies (kill -9), so it
// never outlives its container's monitor.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/fd.hpp"
#include "common/process.hpp"
#include "common/result.hpp"
#include "netns/options.hpp"

namespace roost::netns {

// The address slirp4netns gives the container, and its DNS forwarder and
// gateway (the host), for the default CIDR.
inline constexpr const char* kSlirpGuestAddr = "10.0.2.100";
inline constexpr const char* kSlirpDnsAddr = "10.0.2.3";
inline constexpr const char* kSlirpHostAddr = "10.0.2.2";

// slirp4netns in PATH, and /dev/net/tun usable; errors say how to fix it.
Result<std::string> find_slirp4netns();
Result<void> check_tun_device();
// "1.2.0", from `slirp4netns --version`.
Result<std::string> slirp4netns_version(const std::string& program);

class Slirp4netns {
 public:
  // Starts slirp4netns for PID's network namespace and waits until it is
  // configured. RUN_DIR holds its log and, with API, its API socket.
  static Result<Slirp4netns> start(pid_t pid, const SlirpOptions& opts, const std::string& run_dir, bool api);

  Slirp4netns(Slirp4netns&&) noexcept = default;
  Slirp4netns& operator=(Slirp4netns&&) noexcept = default;
  ~Slirp4netns() { stop(); }

  // Forwards the host's HOST_IP:HOST_PORT to the container (API add_hostfwd).
  Result<void> add_hostfwd(const PortMapping& port);
  // Closes the exit pipe and reaps it (killing it if it does not go).
  void stop();

 private:
  Slirp4netns() = default;
  Result<std::string> api_call(const std::string& request);
  std::string log_tail() const;

  Child child_;
  UniqueFd exit_fd_;  // our end: closing it tells slirp4netns to exit
  UniqueFd dir_;      // RUN_DIR, where the API socket is
  std::string log_path_;
};

}  // namespace roost::netns
