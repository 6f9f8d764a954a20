#include "image/load.hpp"

#include <fcntl.h>
#include <sys/utsname.h>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/format.hpp"
#include "image/archive.hpp"

namespace roost::image {
namespace {

using nlohmann::json;

std::string host_arch() {
  struct utsname u;
  if (::uname(&u) != 0) return "amd64";
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "armv7l") return "arm";
  if (m == "i686" || m == "i386") return "386";
  return m;
}

// "CMD ["a","b"]" -> ["a","b"]; "CMD a b" -> ["/bin/sh","-c","a b"].
json command_form(const std::string& arg) {
  auto parsed = json::parse(arg, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_array()) return parsed;
  return json::array({"/bin/sh", "-c", arg});
}

}  // namespace

Result<void> apply_change(const std::string& change, json& cfg) {
  auto space = change.find_first_of(" =");
  std::string word = change.substr(0, space);
  for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string arg = space == std::string::npos ? "" : change.substr(space + 1);
  while (!arg.empty() && arg.front() == ' ') arg.erase(0, 1);
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::invalid, "invalid change \"" + change + "\": " + why);
  };
  if (arg.empty()) return bad("missing value");
  auto key_value = [&](const std::string& what) -> Result<std::pair<std::string, std::string>> {
    auto eq = arg.find('=');
    if (eq == std::string::npos) eq = arg.find(' ');
    if (eq == std::string::npos || eq == 0) return bad(what + " needs KEY=VALUE");
    return std::make_pair(arg.substr(0, eq), arg.substr(eq + 1));
  };
  if (word == "CMD") {
    cfg["Cmd"] = command_form(arg);
  } else if (word == "ENTRYPOINT") {
    cfg["Entrypoint"] = command_form(arg);
  } else if (word == "ENV") {
    auto [k, v] = ROOST_TRY(key_value("ENV"));
    json env = cfg.value("Env", json::array());
    json out = json::array();
    for (auto& e : env)
      if (e.get<std::string>().rfind(k + "=", 0) != 0) out.push_back(e);
    out.push_back(k + "=" + v);
    cfg["Env"] = out;
  } else if (word == "LABEL") {
    auto [k, v] = ROOST_TRY(key_value("LABEL"));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    cfg["Labels"][k] = v;
  } else if (word == "WORKDIR") {
    if (arg.front() != '/') return bad("WORKDIR must be an absolute path");
    cfg["WorkingDir"] = arg;
  } else if (word == "USER") {
    cfg["User"] = arg;
  } else if (word == "EXPOSE") {
    std::string port = arg.find('/') == std::string::npos ? arg + "/tcp" : arg;
    cfg["ExposedPorts"][port] = json::object();
  } else if (word == "VOLUME") {
    cfg["Volumes"][arg] = json::object();
  } else if (word == "STOPSIGNAL") {
    cfg["StopSignal"] = arg;
  } else {
    return bad("unknown instruction " + word + " (use CMD, ENTRYPOINT, ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME or STOPSIGNAL)");
  }
  return {};
}

Result<std::vector<storage::ImageRecord>> load_archive(storage::Store& store, const std::string& path) {
  auto scratch = ROOST_TRY(store.new_scratch());
  auto opened = ROOST_TRY(open_archive(path, scratch->path()));
  std::vector<storage::ImageRecord> out;
  for (auto& img : opened.images) {
    auto writer = ROOST_TRY(store.new_image());
    size_t n = 0;
    for (auto& layer : img.layers) {
      ++n;
      auto fd = ROOST_TRY_CTX(open_file(layer.path, O_RDONLY), "layer " + std::to_string(n));
      ROOST_TRY_CTX(writer->add_layer(fd.get(), layer.diff_id, layer.digest), "layer " + std::to_string(n));
    }
    out.push_back(ROOST_TRY(writer->commit(img.config_json, img.manifest_json, img.manifest_type, img.names)));
  }
  return out;
}

Result<storage::ImageRecord> import_rootfs(storage::Store& store, int fd, const ImportOptions& options) {
  json cfg = json::object();
  for (auto& c : options.changes) ROOST_TRY(apply_change(c, cfg));
  auto writer = ROOST_TRY(store.new_image());
  auto layer = ROOST_TRY_CTX(writer->add_layer(fd, "", ""), "importing root file system");
  std::string now = rfc3339(std::time(nullptr));
  json history = {{"created", now}, {"created_by", "roost import"}};
  if (!options.message.empty()) history["comment"] = options.message;
  json config = {
      {"created", now},
      {"architecture", host_arch()},
      {"os", "linux"},
      {"config", cfg},
      {"rootfs", {{"type", "layers"}, {"diff_ids", json::array({layer.diff_id})}}},
      {"history", json::array({history})},
  };
  std::string config_json = config.dump();
  std::string manifest = oci_manifest(config_json, json::array({stored_layer_descriptor(layer)}));
  return writer->commit(config_json, manifest, "application/vnd.oci.image.manifest.v1+json", options.names);
}

std::string oci_manifest(const std::string& config_json, const json& layers) {
  json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", sha256_digest(config_json)},
        {"size", config_json.size()}}},
      {"layers", layers},
  };
  return manifest.dump();
}

json stored_layer_descriptor(const storage::LayerRecord& layer) {
  return {{"mediaType", layer.compressed_digest == layer.diff_id ? "application/vnd.oci.image.layer.v1.tar"
                                                                  : "application/vnd.oci.image.layer.v1.tar+gzip"},
          {"digest", layer.compressed_digest},
          {"size", layer.compressed_size}};
}

}  // namespace roost::image
