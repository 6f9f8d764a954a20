// roost port / roost container port: a container's published ports.
#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "netns/options.hpp"

namespace roost::cli {
namespace {

struct PortFlags {
  std::string container;
  std::string port;  // CTRPORT[/PROTO]: only that one, shown as HOSTIP:HOSTPORT
};

std::string host_side(const netns::PortMapping& p) {
  std::string ip = p.host_ip.empty() ? "0.0.0.0" : p.host_ip;
  if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
  return ip + ":" + std::to_string(p.host_port);
}

Result<int> run_port(Session& s, const PortFlags& f) {
  auto eng = ROOST_TRY(open_engine(s));
  auto c = ROOST_TRY(eng->lookup(f.container));
  const auto& ports = c.options.network.ports;
  if (f.port.empty()) {
    for (const auto& p : ports)
      std::cout << p.container_port << "/" << netns::proto_name(p.proto) << " -> " << host_side(p) << "\n";
    return 0;
  }
  std::string proto = "tcp", num = f.port;
  if (auto slash = f.port.find('/'); slash != std::string::npos) {
    proto = f.port.substr(slash + 1);
    num = f.port.substr(0, slash);
  }
  bool found = false;
  for (const auto& p : ports) {
    if (std::to_string(p.container_port) != num || proto != netns::proto_name(p.proto)) continue;
    std::cout << host_side(p) << "\n";
    found = true;
  }
  if (!found)
    return make_error(ErrorKind::not_found, "failed to find published port \"" + f.port + "\" of container " + c.name);
  return 0;
}

VerbRegistrar reg({
    {"port", "container port"},
    "List port mappings of a container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<PortFlags>();
      app.add_option("container", f->container, "Container (name or ID)")->required();
      app.add_option("port", f->port, "Only this container port: PORT[/tcp|/udp]");
      return [f](Session& s) { return run_port(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
