// The pure parts of driving an external runtime: finding it, the spec it
// gets, reading its log.
#include <sys/stat.h>

#include <algorithm>
#include <sstream>

#include "common/process.hpp"
#include "runtime/external.hpp"

namespace roost::runtime {

using nlohmann::json;

Result<std::string> find_runtime(const std::string& name) {
  std::string path = name.empty() ? std::string() : find_program(name);
  struct stat st;
  if (!path.empty() && (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))) path.clear();
  if (path.empty()) return make_error(ErrorKind::not_found, "runtime \"" + name + "\" not found");
  return path;
}

json external_spec(const json& spec, bool in_userns, const std::optional<ResolvedUser>& user) {
  json out = spec;
  if (user) {
    json& u = out["process"]["user"];
    u["uid"] = user->uid;
    u["gid"] = user->gid;
    json extra = u.value("additionalGids", json::array());
    for (gid_t g : user->groups)
      if (std::find(extra.begin(), extra.end(), json(g)) == extra.end()) extra.push_back(g);
    u["additionalGids"] = extra;
  }
  if (!out.contains("linux") || !in_userns) return out;
  json& lx = out["linux"];
  if (lx.contains("namespaces")) {
    json kept = json::array();
    for (const auto& n : lx["namespaces"])
      if (n.value("type", std::string()) != "user") kept.push_back(n);
    lx["namespaces"] = kept;
  }
  lx.erase("uidMappings");
  lx.erase("gidMappings");
  lx.erase("resources");
  lx.erase("cgroupsPath");
  return out;
}

std::string last_log_error(const std::string& log_text) {
  std::istringstream in(log_text);
  std::string last;
  for (std::string line; std::getline(in, line);) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    std::string level = j.value("level", std::string());
    if (level == "error" || level == "fatal") last = j.value("msg", std::string());
  }
  return last;
}

}  // namespace roost::runtime
