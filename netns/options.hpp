// A container's network, as typed options: the mode (--network), published
// ports (-p, -P), DNS and /etc/hosts settings. Pure parsing and formatting,
// no system access; what the CLI builds and the container record stores.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::netns {

enum class Mode {
  slirp4netns,  // private namespace, user-mode networking (the default)
  none,         // private namespace, loopback only
  host,         // the host's namespace
  loopback,     // private namespace, loopback only; records from before slirp4netns ("private")
  ns_path,      // join the namespace at a path (ns:PATH)
  container,    // share a running container's namespace (container:NAME|ID)
  pasta,        // private namespace connected by pasta (Debian's passt)
};

// Who forwards published ports with slirp4netns: roost's own forwarder
// (netns/forwarder.hpp; the default: faster, and the server sees a loopback
// client's real address), named "rootlesskit" after podman's equivalent for
// compatible command lines, or slirp4netns itself (its API, add_hostfwd).
enum class PortHandler { slirp4netns, rootlesskit };

// --network slirp4netns:OPT,OPT (the options slirp4netns(1) and podman know).
struct SlirpOptions {
  bool allow_host_loopback = false;  // 10.0.2.2 reaches the host's 127.0.0.1
  bool enable_ipv6 = false;
  int mtu = 65520;
  std::string cidr;           // "" = slirp4netns's 10.0.2.0/24
  std::string outbound_addr;  // --outbound-addr
  PortHandler port_handler = PortHandler::rootlesskit;
};

enum class Proto { tcp, udp };

// One published port, after ranges are expanded.
struct PortMapping {
  std::string host_ip;   // "" = every address (0.0.0.0)
  uint16_t host_port = 0;  // 0 = pick a free one at create
  uint16_t container_port = 0;
  Proto proto = Proto::tcp;
};

struct NetworkOptions {
  Mode mode = Mode::slirp4netns;
  SlirpOptions slirp;
  std::string ns_path;  // with Mode::ns_path
  std::string container;  // with Mode::container: as given; the engine stores the full ID
  std::vector<std::string> pasta_args;  // --network pasta:ARG,ARG: extra pasta(1) arguments
  std::vector<PortMapping> ports;
  bool publish_all = false;  // -P: EXPOSEd ports to random host ports (expanded at create)
  std::vector<std::string> dns;          // --dns servers (replace the host's)
  std::vector<std::string> dns_search;   // --dns-search
  std::vector<std::string> dns_options;  // --dns-option
  std::vector<std::string> add_hosts;    // --add-host NAME:IP, as given (checked)
  bool no_hosts = false;                 // --no-hosts: the image's /etc/hosts stays
};

// Parses --network's value into NET's mode (and slirp options or path). ""
// and "private" are the default, slirp4netns, for root as for a normal user
// (podman as root uses a bridge, which roost does not have).
Result<void> parse_network_mode(const std::string& text, NetworkOptions& net);
// Parses one -p value: [IP:][HOSTPORT:]CTRPORT[/tcp|/udp], ports or ranges
// ("8080-8082:80-82"); errors name the bad value and what is expected.
Result<std::vector<PortMapping>> parse_publish(const std::string& text);
// Checks NAME:IP of --add-host.
Result<void> check_add_host(const std::string& text);
// Errors for combinations that make no sense (ports without slirp4netns;
// ports, DNS or hosts entries for a container that shares another's network,
// in docker's and podman's words: "conflicting options: ...").
Result<void> check_network_options(const NetworkOptions& net);

// Whether the container gets a namespace that slirp4netns must attach to.
inline bool needs_slirp(const NetworkOptions& net) { return net.mode == Mode::slirp4netns; }
// Whether a user-mode network program (slirp4netns, pasta) attaches to the
// container's namespace once it exists: the modes that can publish ports.
inline bool needs_attach(const NetworkOptions& net) { return net.mode == Mode::slirp4netns || net.mode == Mode::pasta; }
// "slirp4netns", "none", "host", "private", "ns:PATH", "container:ID": what
// inspect shows.
std::string mode_name(const NetworkOptions& net);
const char* proto_name(Proto p);
const char* port_handler_name(PortHandler h);

// "0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->90-91/udp": ps's PORTS column
// (consecutive mappings folded into ranges).
std::string format_ports(const std::vector<PortMapping>& ports);
// podman's {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} (inspect's
// NetworkSettings.Ports and HostConfig.PortBindings).
nlohmann::json port_bindings_json(const std::vector<PortMapping>& ports);

nlohmann::json to_json(const NetworkOptions& net);
// Strict: unknown modes are an error. A plain string is a record from before
// slirp4netns ("private", "none", "host").
Result<NetworkOptions> network_from_json(const nlohmann::json& j);

}  // namespace roost::netns
