#include "netns/host_files.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <sstream>

#include "netns/pasta.hpp"

namespace roost::netns {
namespace {

bool loopback_address(const std::string& ip) { return ip.rfind("127.", 0) == 0 || ip == "::1"; }

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

SlirpAddresses slirp_addresses(const std::string& cidr) {
  SlirpAddresses a{"10.0.2.100", "10.0.2.2", "10.0.2.3"};
  auto slash = cidr.find('/');
  in_addr base{};
  if (cidr.empty() || ::inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &base) != 1) return a;
  int bits = slash == std::string::npos ? 24 : std::atoi(cidr.c_str() + slash + 1);
  if (bits < 1 || bits > 30) return a;
  uint32_t net = ntohl(base.s_addr) & (~uint32_t{0} << (32 - bits));
  auto at = [&](uint32_t offset) {
    in_addr x{htonl(net + offset)};
    char buf[INET_ADDRSTRLEN];
    return std::string(::inet_ntop(AF_INET, &x, buf, sizeof buf));
  };
  return {at(100), at(2), at(3)};
}

std::string resolv_conf_text(const std::string& host_resolv, const NetworkOptions& net) {
  std::vector<std::string> servers, search, options;
  std::istringstream in(host_resolv);
  const bool slirp = net.mode == Mode::slirp4netns, pasta = net.mode == Mode::pasta;
  // pasta answers DNS at its forwarder address with the host's first
  // nameserver, loopback or not: first, so that a lookup works either way.
  if (pasta) servers.push_back(pasta_dns_forward(net));
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    std::vector<std::string> rest;
    for (std::string w; words >> w;) rest.push_back(w);
    if (key == "nameserver" && !rest.empty()) {
      if (!loopback_address(rest[0])) add_unique(servers, rest[0]);
      else if (slirp) add_unique(servers, slirp_addresses(net.slirp.cidr).dns);
    } else if (key == "search" || key == "domain") {
      search = rest;
    } else if (key == "options") {
      for (auto& o : rest) add_unique(options, o);
    }
  }
  if (slirp && servers.empty()) servers.push_back(slirp_addresses(net.slirp.cidr).dns);
  if (!net.dns.empty()) servers = net.dns;
  if (!net.dns_search.empty()) search = net.dns_search == std::vector<std::string>{"."} ? std::vector<std::string>() : net.dns_search;
  if (!net.dns_options.empty()) options = net.dns_options;
  std::string out;
  if (!search.empty()) out += "search " + join(search) + "\n";
  for (const auto& s : servers) out += "nameserver " + s + "\n";
  if (!options.empty()) out += "options " + join(options) + "\n";
  return out;
}

std::string hosts_text(const NetworkOptions& net, const std::string& hostname, const std::string& name,
                       const std::string& host_hosts) {
  std::string out;
  for (const auto& h : net.add_hosts) {
    auto colon = h.find(':');
    out += h.substr(colon + 1) + "\t" + h.substr(0, colon) + "\n";
  }
  if (net.mode == Mode::host) {
    out += host_hosts;
    if (!out.empty() && out.back() != '\n') out += '\n';
  } else {
    out += "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
           "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n";
  }
  std::string names = hostname + (name != hostname && !name.empty() ? " " + name : "");
  if (net.mode == Mode::slirp4netns) {
    auto addr = slirp_addresses(net.slirp.cidr);
    out += addr.guest + "\t" + names + "\n";
    if (net.slirp.allow_host_loopback) out += addr.host + "\thost.containers.internal host.docker.internal\n";
  } else {
    out += "127.0.1.1\t" + names + "\n";
  }
  return out;
}

}  // namespace roost::netns
