#include "engine/host_files.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common/fd.hpp"
#include "netns/host_files.hpp"

namespace roost::engine {
namespace {

// Replaces PATH through a renamed sibling, so a concurrent start never sees
// half a file. No fsync: these files are rewritten at every start and live
// under the per-boot run root.
Result<void> replace_file(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  auto fd = ROOST_TRY(open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644));
  auto written = write_all(fd.get(), data.data(), data.size());
  fd.reset();
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0) written = sys_error("renaming " + tmp + " to", path);
  if (!written) {
    ::unlink(tmp.c_str());
    return std::move(written).error().context(path);
  }
  return {};
}

}  // namespace

// The host's network with no DNS options: its own resolv.conf, as it changes.
bool host_resolv_conf(const netns::NetworkOptions& net) {
  return net.mode == netns::Mode::host && net.dns.empty() && net.dns_search.empty() && net.dns_options.empty();
}

void network_files(const netns::NetworkOptions& net, const std::string& run_dir, runtime::HostFacts& f) {
  if (!net.no_hosts) f.hosts_file = run_dir + "/hosts";
  if (!host_resolv_conf(net)) f.resolv_conf = run_dir + "/resolv.conf";
  else if (::access("/etc/resolv.conf", R_OK) == 0) f.resolv_conf = "/etc/resolv.conf";
}

runtime::HostFacts planned_host_facts(const HostFilesInput& in) {
  runtime::HostFacts f;
  f.mapping = in.mapping;
  f.rootfs = in.rootfs;
  f.hostname_file = in.run_dir + "/hostname";
  f.containerenv_file = in.run_dir + "/.containerenv";
  if (in.container.options.network.mode != netns::Mode::container)
    network_files(in.container.options.network, in.run_dir, f);
  return f;
}

Result<runtime::HostFacts> prepare_host_files(const HostFilesInput& in) {
  auto f = planned_host_facts(in);
  const auto& c = in.container;
  const auto& net = c.options.network;
  std::string hostname = c.options.hostname.empty() ? c.id.substr(0, 12) : c.options.hostname;
  ROOST_TRY(make_dirs(in.run_dir, 0700));

  if (!f.hosts_file.empty()) {
    std::string host_hosts;
    if (net.mode == netns::Mode::host) host_hosts = read_file("/etc/hosts").value_or(std::string());
    ROOST_TRY(replace_file(f.hosts_file, netns::hosts_text(net, hostname, c.name, host_hosts)));
  }
  if (!f.resolv_conf.empty() && !host_resolv_conf(net))
    ROOST_TRY(replace_file(f.resolv_conf, netns::resolv_conf_text(read_file("/etc/resolv.conf").value_or(std::string()), net)));
  ROOST_TRY(replace_file(f.hostname_file, hostname + "\n"));
  // As podman: details about the container only for privileged ones.
  std::string env;
  if (c.options.privileged)
    env = std::string("engine=\"roost-") + ROOST_VERSION + "\"\nname=\"" + c.name + "\"\nid=\"" + c.id +
          "\"\nimage=\"" + c.image_name + "\"\nimageid=\"" + c.image_id + "\"\n";
  env += std::string("rootless=") + (in.rootless ? "1" : "0") + "\n";
  ROOST_TRY(replace_file(f.containerenv_file, env));
  return f;
}

}  // namespace roost::engine
