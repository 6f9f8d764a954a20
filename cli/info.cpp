// roost info / roost system info: the host, the store and the version, in
// podman's layout (YAML by default, --format json, or a Go-style template
// such as '{{.Store.GraphDriverName}}').
#include <cctype>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/host_probe.hpp"
#include "cli/verb.hpp"
#include "common/go_template.hpp"
#include "common/log.hpp"
#include "storage/config.hpp"

namespace roost::cli {
namespace {

using nlohmann::json;

json id_map_json(const std::vector<userns::IdRange>& map) {
  json out = json::array();
  for (const auto& r : map) out.push_back({{"container_id", r.container_id}, {"host_id", r.host_id}, {"size", r.size}});
  return out;
}

json program_json(const ProgramInfo& p) {
  return {{"executable", p.path}, {"version", p.version}};
}

Result<json> collect(Session& s) {
  const UserContext* user = ROOST_TRY(s.user());
  json maps = {{"uidmap", nullptr}, {"gidmap", nullptr}};
  if (auto m = s.mapping(); m.ok()) {
    maps = {{"uidmap", id_map_json((*m)->uids)}, {"gidmap", id_map_json((*m)->gids)}};
  } else {
    log_warn("cannot determine the user namespace ID mappings: " + m.error().str());
  }
  const storage::StoreOptions* store = ROOST_TRY(s.store_options());
  auto cg = probe_cgroups(!user->rootless);
  auto dist = distribution();
  std::string arch = host_arch();

  json host = {
      {"arch", arch},
      {"cgroupControllers", cg.controllers},
      {"cgroupManager", "cgroupfs"},
      {"cgroupVersion", cgroup_version_name(cg.version)},
      {"distribution", {{"distribution", dist.id}, {"version", dist.version}, {"codename", dist.codename}}},
      {"fuseOverlayfs", program_json(probe_program("fuse-overlayfs"))},
      {"hostname", host_name()},
      {"idMappings", maps},
      {"kernel", kernel_release()},
      // The default network of a container, for root as for a normal user.
      {"networkBackend", "slirp4netns"},
      {"os", "linux"},
      {"runtimeDir", user->runtime_dir},
      {"security", {{"rootless", user->rootless}}},
      {"slirp4netns", program_json(probe_program("slirp4netns"))},
  };
  json st = {
      {"graphDriverName", storage::driver_name(store->driver)},
      {"graphDriverSource", store->driver_source},
      {"graphRoot", store->graph_root},
      {"graphRootFilesystem", fs_type(store->graph_root)},
      {"runRoot", store->run_root},
  };
  json version = {{"Version", ROOST_VERSION}, {"OsArch", "linux/" + arch}};
  return json{{"host", host}, {"store", st}, {"version", version}};
}

// Plain scalars stay bare; anything YAML could misread is quoted.
std::string yaml_scalar(const json& v, const std::string& pad) {
  if (v.is_null()) return "null";
  if (!v.is_string()) return v.dump();
  const std::string& s = v.get_ref<const std::string&>();
  if (s.find('\n') != std::string::npos) {
    std::string out = "|-";
    size_t start = 0;
    while (start <= s.size()) {
      size_t nl = s.find('\n', start);
      out += "\n" + pad + "  " + s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return out;
  }
  bool plain = !s.empty() && s.find(": ") == std::string::npos && s.find(" #") == std::string::npos &&
               std::string("-?:,[]{}#&*!|>'\"%@` ").find(s.front()) == std::string::npos && s.back() != ' ' &&
               s.back() != ':' && s != "true" && s != "false" && s != "null" && s != "~" &&
               !(std::isdigit(static_cast<unsigned char>(s.front())) && s.find_first_not_of("0123456789.") == std::string::npos);
  return plain ? s : json(s).dump();
}

void emit_yaml(const json& obj, size_t indent, std::string& out) {
  const std::string pad(indent, ' ');
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const json& v = it.value();
    out += pad + it.key() + ":";
    if (v.is_object()) {
      if (v.empty()) {
        out += " {}\n";
      } else {
        out += "\n";
        emit_yaml(v, indent + 2, out);
      }
    } else if (v.is_array()) {
      if (v.empty()) {
        out += " []\n";
        continue;
      }
      out += "\n";
      for (const auto& item : v) {
        if (item.is_object() && !item.empty()) {
          // A mapping in a sequence: "- " takes the place of its indent.
          std::string sub;
          emit_yaml(item, indent + 2, sub);
          out += pad + "- " + sub.substr(indent + 2);
        } else {
          out += pad + "- " + yaml_scalar(item, pad) + "\n";
        }
      }
    } else {
      out += " " + yaml_scalar(v, pad) + "\n";
    }
  }
}

Result<int> run_info(Session& s, const std::string& format) {
  json info = ROOST_TRY(collect(s));
  if (format == "json") {
    std::cout << info.dump(4) << "\n";
  } else if (format.empty() || format == "yaml") {
    std::string out;
    emit_yaml(info, 0, out);
    std::cout << out;
  } else if (format.find("{{") != std::string::npos) {
    std::cout << ROOST_TRY(render_format(format, {info}, {}));
  } else {
    return make_error(ErrorKind::invalid, "unsupported --format \"" + format + "\": use json, yaml or a template like '{{.Host.Arch}}'");
  }
  return 0;
}

VerbRegistrar reg({
    {"info", "system info"},
    "Display roost system information",
    [](CLI::App& app) -> RunFn {
      auto format = std::make_shared<std::string>();
      app.add_option("-f,--format", *format, "Output format: yaml (default), json, or a template ('{{.Host.Arch}}')");
      return [format](Session& s) { return run_info(s, *format); };
    },
});

}  // namespace
}  // namespace roost::cli
