// RunOptions as JSON in the container record. Parsed back strictly: a record
// written by a newer roost with values this one does not know is an error,
// not a silently different container.
#include "engine/containers.hpp"

namespace roost::engine {

using nlohmann::json;

json options_to_json(const runtime::RunOptions& o) {
  json binds = json::array();
  for (auto& b : o.binds) binds.push_back({{"source", b.source}, {"destination", b.destination}, {"read_only", b.read_only}});
  json ulimits = json::array();
  for (auto& u : o.ulimits) ulimits.push_back({{"name", u.name}, {"soft", u.soft}, {"hard", u.hard}});
  json j = {
      {"container_id", o.container_id}, {"name", o.name}, {"command", o.command},
      {"env", o.env}, {"workdir", o.workdir}, {"user", o.user}, {"hostname", o.hostname},
      {"tty", o.tty}, {"interactive", o.interactive}, {"read_only", o.read_only}, {"privileged", o.privileged},
      {"cap_add", o.cap_add}, {"cap_drop", o.cap_drop}, {"binds", binds}, {"tmpfs", o.tmpfs},
      {"network", netns::to_json(o.network)}, {"seccomp_profile_json", o.seccomp_profile_json},
      {"seccomp_unconfined", o.seccomp_unconfined}, {"no_new_privileges", o.no_new_privileges},
      {"ulimits", ulimits}, {"runtime", o.oci_runtime}, {"init_path", o.init_path},
  };
  j["entrypoint"] = o.entrypoint ? json(*o.entrypoint) : json(nullptr);
  return j;
}

Result<runtime::RunOptions> options_from_json(const json& j) {
  try {
    runtime::RunOptions o;
    o.container_id = j.at("container_id");
    o.name = j.at("name");
    o.command = j.at("command").get<std::vector<std::string>>();
    if (!j.at("entrypoint").is_null()) o.entrypoint = j.at("entrypoint").get<std::vector<std::string>>();
    o.env = j.at("env").get<std::vector<std::string>>();
    o.workdir = j.at("workdir");
    o.user = j.at("user");
    o.hostname = j.at("hostname");
    o.tty = j.at("tty");
    o.interactive = j.at("interactive");
    o.read_only = j.at("read_only");
    o.privileged = j.at("privileged");
    o.cap_add = j.at("cap_add").get<std::vector<std::string>>();
    o.cap_drop = j.at("cap_drop").get<std::vector<std::string>>();
    for (auto& b : j.at("binds")) o.binds.push_back({b.at("source"), b.at("destination"), b.at("read_only")});
    o.tmpfs = j.at("tmpfs").get<std::vector<std::string>>();
    o.network = ROOST_TRY(netns::network_from_json(j.at("network")));
    o.seccomp_profile_json = j.at("seccomp_profile_json");
    o.seccomp_unconfined = j.at("seccomp_unconfined");
    o.no_new_privileges = j.at("no_new_privileges");
    for (auto& u : j.at("ulimits")) o.ulimits.push_back({u.at("name"), u.at("soft"), u.at("hard")});
    // Records from before --runtime have none: the built-in executor.
    o.oci_runtime = j.value("runtime", std::string());
    o.init_path = j.value("init_path", std::string());
    return o;
  } catch (const json::exception& e) {
    return make_error(ErrorKind::corrupt, std::string("container options: ") + e.what());
  }
}

}  // namespace roost::engine
