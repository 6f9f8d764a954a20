#include "engine/host_files.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common/fd.hpp"

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
  ROOST_TRY(replace_file(f.hosts_file, hosts));
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
