#include "netns/forwarder.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include "netns/helper_process.hpp"
#include "netns/ports.hpp"

namespace roost::netns {
namespace {

constexpr int kReadyTimeoutMs = 15000;
constexpr int kExitTimeoutMs = 3000;

}  // namespace

Result<PortForwarder> PortForwarder::bind(const std::vector<PortMapping>& ports) {
  PortForwarder f;
  f.ports_ = ports;
  for (const auto& p : ports) {
    auto fd = ROOST_TRY(bind_host_port(p));
    if (p.proto == Proto::tcp && ::listen(fd.get(), SOMAXCONN) != 0)
      return sys_error("listening on host port " + std::to_string(p.host_port));
    f.listeners_.push_back(std::move(fd));
  }
  return f;
}

Result<void> PortForwarder::start(pid_t pid, const std::string& target_ip, const std::string& log_path) {
  auto ready = ROOST_TRY(make_pipe());
  auto exit = ROOST_TRY(make_pipe());
  std::vector<std::string> argv{"/proc/self/exe", kForwarderVerb, std::to_string(pid), target_ip,
                                std::to_string(exit.rd.get()), std::to_string(ready.wr.get())};
  std::vector<int> keep{exit.rd.get(), ready.wr.get()};
  for (size_t i = 0; i < ports_.size(); ++i) {
    argv.push_back(std::to_string(listeners_[i].get()) + "/" + std::to_string(ports_[i].container_port) + "/" +
                   proto_name(ports_[i].proto));
    keep.push_back(listeners_[i].get());
  }
  child_ = ROOST_TRY_CTX(spawn_helper(argv, log_path, keep), "starting the port forwarder");
  exit_fd_ = std::move(exit.wr);
  ready.wr.reset();
  exit.rd.reset();
  // The helper holds the listeners now; ours would only keep the ports
  // bound after it is gone.
  listeners_.clear();

  if (!ROOST_TRY(wait_readable(ready.rd.get(), kReadyTimeoutMs)))
    return make_error(ErrorKind::io, "the port forwarder did not start within " +
                                         std::to_string(kReadyTimeoutMs / 1000) + " seconds" + log_tail(log_path));
  char c = 0;
  ssize_t n;
  do n = ::read(ready.rd.get(), &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1 || c != '1') {
    int code = exit_code_of(child_.wait().value_or(0));
    return make_error(ErrorKind::io, "the port forwarder failed (exit " + std::to_string(code) + ")" + log_tail(log_path));
  }
  return {};
}

void PortForwarder::stop() {
  exit_fd_.reset();
  listeners_.clear();
  stop_child(child_, kExitTimeoutMs);
}

}  // namespace roost::netns
