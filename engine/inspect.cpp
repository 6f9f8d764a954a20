// What `roost container inspect` and `roost ps` show, in podman's shapes.
#include <signal.h>

#include <ctime>

#include "common/format.hpp"
#include "engine/inspect.hpp"
#include "engine/signals.hpp"

#include "netns/host_files.hpp"

namespace roost::engine {

using nlohmann::json;

namespace {

// Go's time.Time in JSON: RFC 3339 with nanoseconds; the zero time when unset.
std::string go_time(int64_t ns) {
  if (ns <= 0) return "0001-01-01T00:00:00Z";
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  struct tm tm;
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09lldZ", static_cast<long long>(ns % 1000000000));
  return std::string(buf) + frac;
}

std::string ago(int64_t then_ns, int64_t now_ns) {
  return human_ago(static_cast<std::time_t>(then_ns / 1000000000), static_cast<std::time_t>(now_ns / 1000000000));
}

json spec_at(const json& spec, std::initializer_list<const char*> path, json fallback) {
  const json* cur = &spec;
  for (auto* k : path) {
    if (!cur->is_object() || !cur->contains(k)) return fallback;
    cur = &(*cur)[k];
  }
  return *cur;
}

// podman's NetworkSettings; addresses only while slirp4netns gives them.
json network_settings(const ContainerRecord& c) {
  const auto& net = c.options.network;
  bool running = c.state == State::running && c.pid > 0;
  json s = {{"Bridge", ""}, {"SandboxID", ""}, {"HairpinMode", false}, {"LinkLocalIPv6Address", ""},
            {"LinkLocalIPv6PrefixLen", 0}, {"Ports", netns::port_bindings_json(net.ports)},
            {"SandboxKey", running && net.mode != netns::Mode::host ? "/proc/" + std::to_string(c.pid) + "/ns/net" : ""},
            {"IPAddress", ""}, {"IPPrefixLen", 0}, {"Gateway", ""}, {"MacAddress", ""}};
  if (running && net.mode == netns::Mode::slirp4netns) {
    auto a = netns::slirp_addresses(net.slirp.cidr);
    s["IPAddress"] = a.guest;
    s["IPPrefixLen"] = 24;
    s["Gateway"] = a.host;
  }
  return s;
}

}  // namespace

std::string status_text(const ContainerRecord& c, int64_t now_ns) {
  switch (c.state) {
    case State::created: return "Created";
    case State::removing: return "Removing";
    case State::running: {
      std::string a = ago(c.started_ns, now_ns);
      return "Up " + a.substr(0, a.size() - 4);  // without " ago"
    }
    case State::exited: return "Exited (" + std::to_string(c.exit_code) + ") " + ago(c.finished_ns, now_ns);
    case State::paused: return "Paused";
  }
  return "Unknown";
}

json inspect_json(const ContainerRecord& c, const std::string& dir, storage::Driver driver) {
  const auto& o = c.options;
  const json& spec = c.spec;
  json args = json::array();
  for (size_t i = 1; i < c.command.size(); ++i) args.push_back(c.command[i]);
  json mounts = json::array();
  json binds = json::array();
  for (auto& b : o.binds) {
    mounts.push_back({{"Type", "bind"}, {"Source", b.source}, {"Destination", b.destination}, {"Driver", ""},
                      {"Mode", ""}, {"Options", {"rbind"}}, {"RW", !b.read_only}, {"Propagation", "rprivate"}});
    binds.push_back(b.source + ":" + b.destination + (b.read_only ? ":ro" : ":rw"));
  }
  json ulimits = json::array();
  for (auto& u : o.ulimits) ulimits.push_back({{"Name", "RLIMIT_" + u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
  json security = json::array();
  if (o.seccomp_unconfined) security.push_back("seccomp=unconfined");
  if (o.no_new_privileges) security.push_back("no-new-privileges");
  json tmpfs = json::object();
  for (auto& t : o.tmpfs) {
    auto colon = t.find(':');
    tmpfs[t.substr(0, colon)] = colon == std::string::npos ? "" : t.substr(colon + 1);
  }
  bool running = c.state == State::running;
  return {
      {"Id", c.id},
      {"Created", go_time(c.created_ns)},
      {"Path", c.command.empty() ? "" : c.command.front()},
      {"Args", args},
      {"State",
       {{"OciVersion", spec_at(spec, {"ociVersion"}, "1.0.2")},
        {"Status", state_name(c.state)},
        {"Running", running},
        {"Paused", c.state == State::paused},
        {"Restarting", false},
        {"OOMKilled", false},
        {"Dead", false},
        {"Pid", is_active(c.state) ? c.pid : 0},
        {"ConmonPid", is_active(c.state) ? c.monitor_pid : 0},  // podman's name for the monitor
        {"ExitCode", c.exit_code},
        {"Error", ""},
        {"StartedAt", go_time(c.started_ns)},
        {"FinishedAt", go_time(c.finished_ns)}}},
      {"Image", c.image_id},
      {"ImageName", c.image_name},
      {"Rootfs", ""},
      {"Name", c.name},
      {"RestartCount", 0},
      {"Driver", storage::driver_name(driver)},
      {"OCIRuntime", o.oci_runtime.empty() ? std::string("roost") : o.oci_runtime},
      {"EffectiveCaps", spec_at(spec, {"process", "capabilities", "effective"}, json::array())},
      {"BoundingCaps", spec_at(spec, {"process", "capabilities", "bounding"}, json::array())},
      {"GraphDriver",
       {{"Name", storage::driver_name(driver)},
        {"Data", driver == storage::Driver::vfs
                     ? json{{"MergedDir", dir + "/merged"}, {"RootfsDir", dir + "/rootfs"}}
                     : json{{"MergedDir", dir + "/merged"}, {"UpperDir", dir + "/upper"}, {"WorkDir", dir + "/work"}}}}},
      {"Mounts", mounts},
      {"NetworkSettings", network_settings(c)},
      {"Config",
       {{"Hostname", o.hostname},
        {"Domainname", ""},
        {"User", spec_at(spec, {"annotations", "io.roost.user"}, o.user)},
        {"AttachStdin", o.interactive},
        {"AttachStdout", true},
        {"AttachStderr", true},
        {"Tty", o.tty},
        {"OpenStdin", o.interactive},
        {"StdinOnce", false},
        {"Env", spec_at(spec, {"process", "env"}, json::array())},
        {"Cmd", o.command.empty() ? json(nullptr) : json(o.command)},
        {"Image", c.image_name},
        {"Volumes", nullptr},
        {"WorkingDir", spec_at(spec, {"process", "cwd"}, "/")},
        {"Entrypoint", o.entrypoint ? json(*o.entrypoint) : json(nullptr)},
        {"Labels", c.labels.empty() ? json(nullptr) : json(c.labels)},
        {"Annotations", spec_at(spec, {"annotations"}, json::object())},
        {"StopSignal", parse_signal(c.lifecycle.stop_signal).ok() ? *parse_signal(c.lifecycle.stop_signal) : SIGTERM},
        {"StopTimeout", c.lifecycle.stop_timeout}}},
      {"LogPath", c.lifecycle.log_driver == "k8s-file" ? dir + "/ctr.log" : std::string()},
      {"HostConfig",
       {{"Binds", binds},
        {"LogConfig",
         {{"Type", c.lifecycle.log_driver},
          {"Path", c.lifecycle.log_driver == "k8s-file" ? dir + "/ctr.log" : std::string()},
          {"Tag", c.lifecycle.log_tag},
          {"Size", c.lifecycle.log_max_size ? std::to_string(c.lifecycle.log_max_size) + "B" : std::string("0B")}}},
        {"NetworkMode", netns::mode_name(o.network)},
        {"AutoRemove", c.auto_remove},
        {"RestartPolicy",
         {{"Name", c.lifecycle.restart.name == "no" ? std::string() : c.lifecycle.restart.name},
          {"MaximumRetryCount", c.lifecycle.restart.max_retries}}},
        {"Init", !o.init_path.empty()},
        {"CapAdd", o.cap_add},
        {"CapDrop", o.cap_drop},
        {"Privileged", o.privileged},
        {"ReadonlyRootfs", o.read_only},
        {"SecurityOpt", security},
        {"Tmpfs", tmpfs},
        {"Ulimits", ulimits},
        {"PortBindings", netns::port_bindings_json(o.network.ports)},
        {"PublishAllPorts", o.network.publish_all},
        {"Dns", o.network.dns},
        {"DnsSearch", o.network.dns_search},
        {"DnsOptions", o.network.dns_options},
        {"ExtraHosts", o.network.add_hosts},
        {"RestartPolicy", {{"Name", ""}, {"MaximumRetryCount", 0}}}}},
  };
}

}  // namespace roost::engine
