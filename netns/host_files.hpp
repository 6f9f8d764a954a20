// The text of a container's /etc/resolv.conf and /etc/hosts, from the host's
// files and the network options. Pure functions; engine writes the files.
#pragma once

#include <string>

#include "netns/options.hpp"

namespace roost::netns {

// slirp4netns's addresses in CIDR ("" = 10.0.2.0/24): the container's, the
// host's (gateway) and the DNS forwarder's.
struct SlirpAddresses {
  std::string guest, host, dns;
};
SlirpAddresses slirp_addresses(const std::string& cidr);

// From the host's resolv.conf text: --dns replaces the nameservers; with
// slirp4netns a loopback nameserver (127.0.0.53 of systemd-resolved, a local
// dnsmasq), unreachable from the container, becomes the DNS forwarder; with
// pasta its DNS forwarder comes first and loopback nameservers go;
// --dns-search and --dns-option replace search and options ("." for none).
std::string resolv_conf_text(const std::string& host_resolv, const NetworkOptions& net);

// localhost, the container's HOSTNAME and NAME on its own address,
// host.containers.internal when slirp4netns lets it reach the host's
// loopback, and --add-host entries. With the host's network, the host's
// file (HOST_HOSTS) comes first.
std::string hosts_text(const NetworkOptions& net, const std::string& hostname, const std::string& name,
                       const std::string& host_hosts);

}  // namespace roost::netns
