// A container's network around its first process: checked before it starts
// (slirp4netns or pasta installed, /dev/net/tun, host ports free), attached
// once its namespaces exist and before its command runs (slirp4netns or pasta
// up, ports forwarded), and torn down when it exits or on any error (RAII).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/result.hpp"
#include "netns/forwarder.hpp"
#include "netns/options.hpp"
#include "netns/pasta.hpp"
#include "netns/slirp.hpp"

namespace roost::netns {

class Attachment {
 public:
  // Nothing is started here. RUN_DIR (existing) gets slirp4netns's log and
  // API socket.
  static Result<Attachment> prepare(const NetworkOptions& net, const std::string& run_dir);

  // False for none, host, ns:PATH: then nothing needs the container's PID
  // and attach is never called, so those modes cost nothing.
  bool needed() const { return needs_attach(net_); }
  Result<void> attach(pid_t pid);
  // Stops the port forwarder and slirp4netns (also done by the destructor).
  void stop() {
    forwarder_.reset();
    slirp_.reset();
    pasta_.reset();
  }

 private:
  bool own_forwarder() const {
    return net_.mode == Mode::slirp4netns && !net_.ports.empty() && net_.slirp.port_handler == PortHandler::rootlesskit;
  }

  NetworkOptions net_;
  std::string run_dir_;
  std::optional<PortForwarder> forwarder_;  // port_handler=rootlesskit: holds the host ports from prepare on
  std::optional<Slirp4netns> slirp_;
  std::optional<Pasta> pasta_;
};

}  // namespace roost::netns
