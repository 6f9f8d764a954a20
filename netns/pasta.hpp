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
//
// As root, pasta drops its capabilities before it opens the namespaces, so it
// may not open another process's /proc/PID/ns files and would fall back to
// user nobody. It is given instead the network namespace bind-mounted on a file
// of the run directory (a file's permissions are all an open needs) and told
// to stay root (--runas 0). That mount is removed when pasta is stopped.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
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

// Where the container's DNS queries go with pasta: pasta answers them there
// (--dns-forward) with the host's nameserver, so a loopback one such as
// systemd-resolved's 127.0.0.53 works too. The address of a --dns-forward
// among NET's pasta arguments, else 169.254.1.1 (podman's), which roost
// then passes.
std::string pasta_dns_forward(const NetworkOptions& net);

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
  // The network namespace bind-mounted on a file, for root's pasta.
  class BoundNetns {
   public:
    static Result<BoundNetns> bind(pid_t pid, const std::string& path);
    BoundNetns() = default;
    BoundNetns(BoundNetns&& o) noexcept : path_(std::exchange(o.path_, {})) {}
    BoundNetns& operator=(BoundNetns&& o) noexcept {
      if (this != &o) {
        release();
        path_ = std::exchange(o.path_, {});
      }
      return *this;
    }
    ~BoundNetns() { release(); }
    void release();
    static void release(const std::string& path);

   private:
    explicit BoundNetns(std::string path) : path_(std::move(path)) {}
    std::string path_;
  };

  Pasta() = default;
  UniqueFd pidfd_;
  BoundNetns netns_;
};

}  // namespace roost::netns
