#include "netns/attach.hpp"

#include "netns/ports.hpp"

namespace roost::netns {

Result<Attachment> Attachment::prepare(const NetworkOptions& net, const std::string& run_dir) {
  Attachment a;
  a.net_ = net;
  a.run_dir_ = run_dir;
  if (!a.needed()) return a;
  ROOST_TRY(find_slirp4netns());
  ROOST_TRY(check_tun_device());
  for (const auto& p : net.ports) {
    if (p.host_port == 0)
      return make_error(ErrorKind::internal, "container port " + std::to_string(p.container_port) + " has no host port");
    ROOST_TRY(check_host_port(p));
  }
  return a;
}

Result<void> Attachment::attach(pid_t pid) {
  if (!needed()) return {};
  slirp_ = ROOST_TRY(Slirp4netns::start(pid, net_.slirp, run_dir_, !net_.ports.empty()));
  for (const auto& p : net_.ports) {
    auto added = slirp_->add_hostfwd(p);
    if (!added) {
      stop();
      return added;
    }
  }
  return {};
}

}  // namespace roost::netns
