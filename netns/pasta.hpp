// pasta (Debian's passt package) run as a program against a container's
// network namespace: --network pasta[:ARG,ARG...].
//
// pasta joins the user and network namespaces of the container's PID, copies
// the host's addresses and routes into a tap device there (--config-net),
// forwards published ports with its own -t/-u options, then forks into the
// background and exits in the foreground: that exit says it is configured.
// The background pasta quits by itself when the container's namespace goes;
// Pasta::stop (and the destructor) also ends it through a pidfd taken as soon
// as its PID file appears.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/fd.hpp"
#include "common/result.hpp"
#include "netns/options.hpp"

namespace roost::netns {

// pasta in PATH; the error names the package (passt).
Result<std::string> find_pasta();

// pasta's arguments for NET's published ports and options, before the PID:
// "-t 127.0.0.1/8080:80", "-u 53:53", "none" when there are none.
std::vector<std::string> pasta_port_args(const NetworkOptions& net);

class Pasta {
 public:
  // Starts pasta for PID's namespaces; RUN_DIR gets its log and PID file.
  static Result<Pasta> start(pid_t pid, const NetworkOptions& net, const std::string& run_dir);

  Pasta(Pasta&&) noexcept = default;
  Pasta& operator=(Pasta&&) noexcept = default;
  ~Pasta() { stop(); }

  // SIGTERM, then SIGKILL if it is still there after a few seconds.
  void stop();

  // After the process that started it was killed (kill -9 of a monitor or a
  // foreground roost): stops the pasta whose PID file is in RUN_DIR, when
  // that PID is still a pasta started for RUN_DIR (not a reused PID).
  // pasta, unlike slirp4netns, has no exit fd to notice that itself.
  static void stop_left_over(const std::string& run_dir);

 private:
  Pasta() = default;
  UniqueFd pidfd_;
};

}  // namespace roost::netns
