#include "engine/host_files.hpp"

#include <unistd.h>

#include "common/fd.hpp"

namespace roost::engine {

runtime::HostFacts planned_host_facts(const HostFilesInput& in) {
  runtime::HostFacts f;
  f.mapping = in.mapping;
  f.rootfs = in.rootfs;
  f.hosts_file = in.run_dir + "/hosts";
  f.hostname_file = in.run_dir + "/hostname";
  f.containerenv_file = in.run_dir + "/.containerenv";
  // Until the network module lands, only a container sharing the host's
  // network gets the host's resolver configuration.
  if (in.container.options.network == runtime::NetworkMode::host && ::access("/etc/resolv.conf", R_OK) == 0)
    f.resolv_conf = "/etc/resolv.conf";
  return f;
}

Result<runtime::HostFacts> prepare_host_files(const HostFilesInput& in) {
  auto f = planned_host_facts(in);
  const auto& c = in.container;
  std::string hostname = c.options.hostname.empty() ? c.id.substr(0, 12) : c.options.hostname;
  ROOST_TRY(make_dirs(in.run_dir, 0700));

  std::string hosts;
  if (c.options.network == runtime::NetworkMode::host) {
    auto host = read_file("/etc/hosts");
    if (host) hosts = *host;
    if (!hosts.empty() && hosts.back() != '\n') hosts += '\n';
  } else {
    hosts = "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
            "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n";
  }
  hosts += "127.0.1.1\t" + hostname + (c.name != hostname ? " " + c.name : "") + "\n";
  ROOST_TRY(write_file_atomic(f.hosts_file, hosts, 0644));
  ROOST_TRY(write_file_atomic(f.hostname_file, hostname + "\n", 0644));

  // As podman: details about the container only for privileged ones.
  std::string env;
  if (c.options.privileged)
    env = std::string("engine=\"roost-") + ROOST_VERSION + "\"\nname=\"" + c.name + "\"\nid=\"" + c.id +
          "\"\nimage=\"" + c.image_name + "\"\nimageid=\"" + c.image_id + "\"\n";
  env += std::string("rootless=") + (in.rootless ? "1" : "0") + "\n";
  ROOST_TRY(write_file_atomic(f.containerenv_file, env, 0644));
  return f;
}

}  // namespace roost::engine
