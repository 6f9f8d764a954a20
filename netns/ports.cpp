#include "netns/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

#include "common/fd.hpp"

namespace roost::netns {
namespace {

struct Bound {
  UniqueFd fd;
  int err = 0;
};

// A socket bound to IP:PORT (PORT 0: the kernel picks), or the errno.
Result<Bound> bind_probe(const std::string& ip, uint16_t port, Proto proto) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  bool v6 = ip.find(':') != std::string::npos;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr) != 1)
      return make_error(ErrorKind::invalid, "invalid host IP \"" + ip + "\"");
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (ip.empty()) a->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (::inet_pton(AF_INET, ip.c_str(), &a->sin_addr) != 1)
      return make_error(ErrorKind::invalid, "invalid host IP \"" + ip + "\"");
    len = sizeof *a;
  }
  Bound b;
  b.fd = UniqueFd(::socket(v6 ? AF_INET6 : AF_INET, (proto == Proto::udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
  if (!b.fd.valid()) return sys_error("socket");
  // As libslirp's listener does: a port left in TIME_WAIT is free.
  int one = 1;
  if (proto == Proto::tcp) ::setsockopt(b.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(b.fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) b.err = errno;
  return b;
}

std::string unprivileged_port_start() {
  auto text = read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  if (!text) return "1024";
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<void> check_host_port(const PortMapping& port) {
  ROOST_TRY(bind_host_port(port));
  return {};
}

Result<UniqueFd> bind_host_port(const PortMapping& port) {
  auto b = ROOST_TRY(bind_probe(port.host_ip, port.host_port, port.proto));
  std::string name = std::to_string(port.host_port) + "/" + proto_name(port.proto);
  std::string where = port.host_ip.empty() ? "0.0.0.0" : port.host_ip;
  if (b.err == 0) return std::move(b.fd);
  if (b.err == EADDRINUSE)
    return make_error(ErrorKind::exists, "cannot publish host port " + name + " on " + where +
                                             ": it is already in use; pick another with -p HOSTPORT:CTRPORT");
  if (b.err == EACCES)
    return make_error(ErrorKind::invalid, "cannot publish host port " + name + " as a normal user: ports below " +
                                              unprivileged_port_start() +
                                              " (sysctl net.ipv4.ip_unprivileged_port_start) need privileges; pick a "
                                              "higher port or lower that sysctl");
  if (b.err == EADDRNOTAVAIL)
    return make_error(ErrorKind::invalid, "cannot publish host port " + name + " on " + where +
                                              ": that address is not on this host");
  errno = b.err;
  return sys_error("cannot publish host port " + name + " on " + where);
}

Result<void> assign_host_ports(NetworkOptions& net, const std::vector<std::string>& exposed) {
  if (net.publish_all) {
    for (const auto& e : exposed) {
      auto slash = e.find('/');
      std::string num = e.substr(0, slash), proto = slash == std::string::npos ? "tcp" : e.substr(slash + 1);
      uint32_t port = 0;
      auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), port);
      if (ec != std::errc() || end != num.data() + num.size() || port < 1 || port > 65535 ||
          (proto != "tcp" && proto != "udp"))
        continue;  // an image's odd ExposedPorts entry is not the user's error
      PortMapping m{"", 0, static_cast<uint16_t>(port), proto == "udp" ? Proto::udp : Proto::tcp};
      bool published = false;
      for (const auto& p : net.ports) published |= p.container_port == m.container_port && p.proto == m.proto;
      if (!published) net.ports.push_back(m);
    }
  }
  std::vector<UniqueFd> held;  // so that two picks never get the same port
  for (auto& p : net.ports) {
    if (p.host_port != 0) continue;
    auto b = ROOST_TRY(bind_probe(p.host_ip, 0, p.proto));
    if (b.err != 0) {
      errno = b.err;
      return sys_error("finding a free host port for container port " + std::to_string(p.container_port));
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(b.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return sys_error("getsockname");
    p.host_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                 : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    held.push_back(std::move(b.fd));
  }
  return {};
}

}  // namespace roost::netns
