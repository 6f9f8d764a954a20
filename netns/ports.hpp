// The host side of published ports: checked before a container starts, so a
// port in use or a privileged port fails with a clear error instead of
// half-way through, and free ports picked for -P and -p CTRPORT.
#pragma once

#include <string>
#include <vector>

#include "common/fd.hpp"
#include "common/result.hpp"
#include "netns/options.hpp"

namespace roost::netns {

// Binds (and closes) a socket like the forwarder will: fails naming the port
// when it is in use, and naming net.ipv4.ip_unprivileged_port_start when it
// is privileged and the caller is not.
Result<void> check_host_port(const PortMapping& port);
// The same, keeping the bound socket (close-on-exec, blocking): roost's own
// forwarder listens on it.
Result<UniqueFd> bind_host_port(const PortMapping& port);

// Adds a mapping for each EXPOSED port ("80/tcp", "53/udp", "8080") when
// NET.publish_all and the container port is not published yet, then gives
// every mapping without a host port a free one.
Result<void> assign_host_ports(NetworkOptions& net, const std::vector<std::string>& exposed);

}  // namespace roost::netns
