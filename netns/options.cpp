#include "netns/options.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <map>

namespace roost::netns {
namespace {

using nlohmann::json;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t next = s.find(sep, pos);
    out.push_back(s.substr(pos, next - pos));
    if (next == std::string::npos) return out;
    pos = next + 1;
  }
}

bool valid_ip(const std::string& ip) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, ip.c_str(), buf) == 1 || ::inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

std::optional<uint32_t> number(const std::string& s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

struct Range {
  uint16_t first = 0, last = 0;
  size_t size() const { return size_t{last} - first + 1; }
};

Result<Range> parse_range(const std::string& text, const std::string& spec) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::invalid, "invalid port \"" + text + "\" in -p " + spec + ": " + why);
  };
  auto parts = split(text, '-');
  if (parts.size() > 2) return bad("expected PORT or FIRST-LAST");
  Range r;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto n = number(parts[i]);
    if (!n) return bad("not a number");
    if (*n < 1 || *n > 65535) return bad("ports are 1-65535");
    (i == 0 ? r.first : r.last) = static_cast<uint16_t>(*n);
  }
  if (parts.size() == 1) r.last = r.first;
  if (r.last < r.first) return bad("the range ends before it starts");
  return r;
}

bool port_less(const PortMapping& a, const PortMapping& b) {
  return std::tie(a.host_ip, a.proto, a.host_port) < std::tie(b.host_ip, b.proto, b.host_port);
}

}  // namespace

Result<void> parse_network_mode(const std::string& text, NetworkOptions& net) {
  net.slirp = SlirpOptions();
  net.ns_path.clear();
  net.container.clear();
  net.pasta_args.clear();
  if (text == "pasta" || text.rfind("pasta:", 0) == 0) {
    net.mode = Mode::pasta;
    // podman's form: pasta's own arguments, comma-separated.
    if (text.size() > 6)
      for (auto& a : split(text.substr(6), ',')) net.pasta_args.push_back(a);
    return {};
  }
  if (text.empty() || text == "private" || text == "slirp4netns") {
    net.mode = Mode::slirp4netns;
    return {};
  }
  if (text == "none") net.mode = Mode::none;
  else if (text == "host") net.mode = Mode::host;
  else if (text.rfind("ns:", 0) == 0 && text.size() > 3 && text[3] == '/') {
    net.mode = Mode::ns_path;
    net.ns_path = text.substr(3);
  } else if (text.rfind("container:", 0) == 0 && text.size() > 10) {
    net.mode = Mode::container;
    net.container = text.substr(10);
  } else if (text.rfind("slirp4netns:", 0) == 0) {
    net.mode = Mode::slirp4netns;
    for (const auto& opt : split(text.substr(12), ',')) {
      auto eq = opt.find('=');
      std::string key = opt.substr(0, eq), value = eq == std::string::npos ? "" : opt.substr(eq + 1);
      auto boolean = [&](bool& dst) -> Result<void> {
        if (value == "true" || value.empty()) dst = true;
        else if (value == "false") dst = false;
        else return make_error(ErrorKind::invalid, "slirp4netns option " + key + " takes true or false, not \"" + value + "\"");
        return {};
      };
      if (key == "allow_host_loopback") ROOST_TRY(boolean(net.slirp.allow_host_loopback));
      else if (key == "enable_ipv6") ROOST_TRY(boolean(net.slirp.enable_ipv6));
      else if (key == "mtu") {
        auto n = number(value);
        if (!n || *n < 68 || *n > 65521)
          return make_error(ErrorKind::invalid, "slirp4netns option mtu=" + value + ": give a number from 68 to 65521");
        net.slirp.mtu = static_cast<int>(*n);
      } else if (key == "cidr" && !value.empty()) net.slirp.cidr = value;
      else if (key == "outbound_addr" && valid_ip(value)) net.slirp.outbound_addr = value;
      else if (key == "port_handler" && value == "slirp4netns") net.slirp.port_handler = PortHandler::slirp4netns;
      else if (key == "port_handler" && value == "rootlesskit") net.slirp.port_handler = PortHandler::rootlesskit;
      else
        return make_error(ErrorKind::invalid, "unknown slirp4netns option \"" + opt +
                                                  "\": use allow_host_loopback, enable_ipv6, mtu=N, cidr=CIDR, "
                                                  "outbound_addr=IP or port_handler=rootlesskit|slirp4netns");
    }
  } else {
    return make_error(ErrorKind::invalid, "network mode \"" + text +
                                              "\" is not supported: use slirp4netns[:OPTIONS], pasta[:OPTIONS], none, host, container:NAME or ns:PATH");
  }
  return {};
}

Result<std::vector<PortMapping>> parse_publish(const std::string& spec) {
  std::string rest = spec;
  Proto proto = Proto::tcp;
  if (auto slash = rest.rfind('/'); slash != std::string::npos) {
    std::string p = rest.substr(slash + 1);
    if (p == "udp") proto = Proto::udp;
    else if (p != "tcp")
      return make_error(ErrorKind::invalid, "invalid protocol \"" + p + "\" in -p " + spec + ": use tcp or udp");
    rest.resize(slash);
  }
  std::string ip;
  if (!rest.empty() && rest[0] == '[') {  // [IPv6]:HOST:CTR
    auto close = rest.find("]:");
    if (close == std::string::npos) return make_error(ErrorKind::invalid, "invalid -p " + spec + ": expected [IPv6]:HOSTPORT:CTRPORT");
    ip = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
    if (split(rest, ':').size() != 2) return make_error(ErrorKind::invalid, "invalid -p " + spec + ": expected [IPv6]:HOSTPORT:CTRPORT");
    rest = ":" + rest;  // marks that an address was given
  }
  auto parts = split(rest, ':');
  if (parts.size() > 3)
    return make_error(ErrorKind::invalid, "invalid -p " + spec + ": expected [IP:][HOSTPORT:]CTRPORT[/tcp|/udp]");
  if (parts.size() == 3) {
    if (ip.empty()) ip = parts[0];
    if (!valid_ip(ip)) return make_error(ErrorKind::invalid, "invalid IP address \"" + ip + "\" in -p " + spec);
    parts.erase(parts.begin());
  }
  if (ip == "0.0.0.0") ip.clear();
  Range ctr = ROOST_TRY(parse_range(parts.back(), spec));
  std::optional<Range> host;
  if (parts.size() == 2 && !parts[0].empty()) host = ROOST_TRY(parse_range(parts[0], spec));
  if (host && host->size() != ctr.size())
    return make_error(ErrorKind::invalid, "invalid -p " + spec + ": the host port range " + parts[0] +
                                              " and the container port range " + parts.back() + " differ in size");
  std::vector<PortMapping> out;
  for (size_t i = 0; i < ctr.size(); ++i)
    out.push_back({ip, host ? static_cast<uint16_t>(host->first + i) : uint16_t{0},
                   static_cast<uint16_t>(ctr.first + i), proto});
  return out;
}

Result<void> check_add_host(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || !valid_ip(text.substr(colon + 1)))
    return make_error(ErrorKind::invalid, "invalid --add-host \"" + text + "\": expected NAME:IP");
  return {};
}

Result<void> check_network_options(const NetworkOptions& net) {
  if (net.mode == Mode::container) {
    // The joined container's network, /etc/hosts and /etc/resolv.conf are
    // shared as they are.
    auto conflict = [&](const std::string& what) {
      return make_error(ErrorKind::invalid, "conflicting options: " + what + " and the network mode " + mode_name(net));
    };
    if (!net.ports.empty() || net.publish_all) return conflict("published ports (-p, -P)");
    if (!net.dns.empty() || !net.dns_search.empty() || !net.dns_options.empty())
      return conflict("dns (--dns, --dns-search, --dns-option)");
    if (!net.add_hosts.empty()) return conflict("custom host-to-IP mapping (--add-host)");
    if (net.no_hosts) return conflict("--no-hosts");
  }
  if ((!net.ports.empty() || net.publish_all) && !needs_attach(net))
    return make_error(ErrorKind::invalid, "publishing ports needs the container's own network (slirp4netns) or pasta: not --network " +
                                              mode_name(net));
  for (auto& h : net.add_hosts) ROOST_TRY(check_add_host(h));
  for (auto& d : net.dns)
    if (!valid_ip(d)) return make_error(ErrorKind::invalid, "invalid --dns \"" + d + "\": give an IP address");
  return {};
}

std::string mode_name(const NetworkOptions& net) {
  switch (net.mode) {
    case Mode::slirp4netns: return "slirp4netns";
    case Mode::none: return "none";
    case Mode::host: return "host";
    case Mode::loopback: return "private";
    case Mode::ns_path: return "ns:" + net.ns_path;
    case Mode::container: return "container:" + net.container;
    case Mode::pasta: return "pasta";
  }
  return "none";
}

const char* proto_name(Proto p) { return p == Proto::udp ? "udp" : "tcp"; }

const char* port_handler_name(PortHandler h) { return h == PortHandler::slirp4netns ? "slirp4netns" : "rootlesskit"; }

std::string format_ports(const std::vector<PortMapping>& ports) {
  auto sorted = ports;
  std::stable_sort(sorted.begin(), sorted.end(), port_less);
  std::string out;
  for (size_t i = 0; i < sorted.size();) {
    const auto& a = sorted[i];
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j].host_ip == a.host_ip && sorted[j].proto == a.proto &&
           sorted[j].host_port == a.host_port + (j - i) && sorted[j].container_port == a.container_port + (j - i))
      ++j;
    const auto& b = sorted[j - 1];
    auto span = [&](uint16_t x, uint16_t y) { return std::to_string(x) + (x != y ? "-" + std::to_string(y) : ""); };
    if (!out.empty()) out += ", ";
    out += (a.host_ip.empty() ? std::string("0.0.0.0") : a.host_ip) + ":" + span(a.host_port, b.host_port) + "->" +
           span(a.container_port, b.container_port) + "/" + proto_name(a.proto);
    i = j;
  }
  return out;
}

json port_bindings_json(const std::vector<PortMapping>& ports) {
  json out = json::object();
  for (const auto& p : ports) {
    std::string key = std::to_string(p.container_port) + "/" + proto_name(p.proto);
    if (!out.contains(key)) out[key] = json::array();
    out[key].push_back({{"HostIp", p.host_ip}, {"HostPort", std::to_string(p.host_port)}});
  }
  return out;
}

json to_json(const NetworkOptions& net) {
  json ports = json::array();
  for (const auto& p : net.ports)
    ports.push_back({{"host_ip", p.host_ip}, {"host_port", p.host_port}, {"container_port", p.container_port},
                     {"proto", proto_name(p.proto)}});
  return {
      {"mode", mode_name(net)},
      {"slirp", {{"allow_host_loopback", net.slirp.allow_host_loopback}, {"enable_ipv6", net.slirp.enable_ipv6},
                 {"mtu", net.slirp.mtu}, {"cidr", net.slirp.cidr}, {"outbound_addr", net.slirp.outbound_addr},
                 {"port_handler", port_handler_name(net.slirp.port_handler)}}},
      {"ports", ports}, {"publish_all", net.publish_all}, {"pasta_args", net.pasta_args}, {"dns", net.dns}, {"dns_search", net.dns_search},
      {"dns_options", net.dns_options}, {"add_hosts", net.add_hosts}, {"no_hosts", net.no_hosts},
  };
}

Result<NetworkOptions> network_from_json(const json& j) {
  NetworkOptions net;
  try {
    if (j.is_string()) {
      std::string m = j;
      if (m == "private") net.mode = Mode::loopback;
      else if (m == "none") net.mode = Mode::none;
      else if (m == "host") net.mode = Mode::host;
      else return make_error(ErrorKind::corrupt, "unknown network mode \"" + m + "\"");
      return net;
    }
    std::string m = j.at("mode");
    if (m == "private") net.mode = Mode::loopback;
    else if (m == "slirp4netns") net.mode = Mode::slirp4netns;
    else if (m == "none") net.mode = Mode::none;
    else if (m == "host") net.mode = Mode::host;
    else if (m == "pasta") net.mode = Mode::pasta;
    else if (m.rfind("ns:", 0) == 0) {
      net.mode = Mode::ns_path;
      net.ns_path = m.substr(3);
    } else if (m.rfind("container:", 0) == 0) {
      net.mode = Mode::container;
      net.container = m.substr(10);
    } else {
      return make_error(ErrorKind::corrupt, "unknown network mode \"" + m + "\"");
    }
    const auto& s = j.at("slirp");
    net.slirp.allow_host_loopback = s.at("allow_host_loopback");
    net.slirp.enable_ipv6 = s.at("enable_ipv6");
    net.slirp.mtu = s.at("mtu");
    net.slirp.cidr = s.at("cidr");
    net.slirp.outbound_addr = s.at("outbound_addr");
    // Absent in records from before roost had its own forwarder, when
    // slirp4netns's was the only one.
    std::string handler = s.value("port_handler", "slirp4netns");
    if (handler == "slirp4netns") net.slirp.port_handler = PortHandler::slirp4netns;
    else if (handler == "rootlesskit") net.slirp.port_handler = PortHandler::rootlesskit;
    else return make_error(ErrorKind::corrupt, "unknown port handler \"" + handler + "\"");
    for (const auto& p : j.at("ports")) {
      std::string proto = p.at("proto");
      if (proto != "tcp" && proto != "udp") return make_error(ErrorKind::corrupt, "unknown protocol \"" + proto + "\"");
      net.ports.push_back({p.at("host_ip"), p.at("host_port"), p.at("container_port"),
                           proto == "udp" ? Proto::udp : Proto::tcp});
    }
    net.publish_all = j.at("publish_all");
    net.pasta_args = j.value("pasta_args", std::vector<std::string>());
    net.dns = j.at("dns").get<std::vector<std::string>>();
    net.dns_search = j.at("dns_search").get<std::vector<std::string>>();
    net.dns_options = j.at("dns_options").get<std::vector<std::string>>();
    net.add_hosts = j.at("add_hosts").get<std::vector<std::string>>();
    net.no_hosts = j.at("no_hosts");
  } catch (const json::exception& e) {
    return make_error(ErrorKind::corrupt, std::string("network options: ") + e.what());
  }
  return net;
}

}  // namespace roost::netns
