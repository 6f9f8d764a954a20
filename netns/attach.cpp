#include "netns/attach.hpp"

#include "netns/host_files.hpp"
#include "netns/ports.hpp"

namespace roost::netns {

Result<Attachment> Attachment::prepare(const NetworkOptions& net, const std::string& run_dir) {
  Attachment a;
  a.net_ = net;
  a.run_dir_ = run_dir;
  if (!a.needed()) return a;
  if (net.mode == Mode::pasta) ROOST_TRY(find_pasta());
  else ROOST_TRY(find_slirp4netns());
  ROOST_TRY(check_tun_device());
  for (const auto& p : net.ports) {
    if (p.host_port == 0)
      return make_error(ErrorKind::internal, "container port " + std::to_string(p.container_port) + " has no host port");
  }
  if (a.own_forwarder()) {
    a.forwarder_ = ROOST_TRY(PortForwarder::bind(net.ports));
  } else {
    for (const auto& p : net.ports) ROOST_TRY(check_host_port(p));
  }
  return a;
}

Result<void> Attachment::attach(pid_t pid) {
  if (!needed()) return {};
  if (net_.mode == Mode::pasta) {
    pasta_ = ROOST_TRY(Pasta::start(pid, net_, run_dir_));
    return {};
  }
  bool api = !net_.ports.empty() && !own_forwarder();
  slirp_ = ROOST_TRY(Slirp4netns::start(pid, net_.slirp, run_dir_, api));
  Result<void> forwarded;
  if (forwarder_) {
    forwarded = forwarder_->start(pid, slirp_addresses(net_.slirp.cidr).guest, run_dir_ + "/port-forwarder.log");
  } else if (api) {
    for (const auto& p : net_.ports)
      if (forwarded = slirp_->add_hostfwd(p); !forwarded) break;
  }
  if (!forwarded) stop();
  return forwarded;
}

}  // namespace roost::netns
