// A container's network around its first process: checked before it starts
// (slirp4netns installed, /dev/net/tun, host ports free), attached once its
// namespaces exist and before its command runs (slirp4netns up, ports
// forwarded), and torn down when it exits or on any error (RAII).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/result.hpp"
#include "netns/options.hpp"
#include "netns/slirp.hpp"

namespace roost::netns {

class Attachment {
 public:
  // Nothing is started here. RUN_DIR (existing) gets slirp4netns's log and
  // API socket.
  static Result<Attachment> prepare(const NetworkOptions& net, const std::string& run_dir);

  // False for none, host, ns:PATH: then nothing needs the container's PID
  // and attach is never called, so those modes cost nothing.
  bool needed() const { return needs_slirp(net_); }
  Result<void> attach(pid_t pid);
  // Stops slirp4netns (also done by the destructor).
  void stop() { slirp_.reset(); }

 private:
  NetworkOptions net_;
  std::string run_dir_;
  std::optional<Slirp4netns> slirp_;
};

}  // namespace roost::netns
