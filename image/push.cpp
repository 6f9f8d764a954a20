#include "image/push.hpp"

#include <sys/stat.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/process.hpp"
#include "image/archive_internal.hpp"
#include "image/manifest.hpp"

namespace roost::image {
namespace {

using nlohmann::json;

struct Prepared {
  std::unique_ptr<storage::ScratchDir> scratch;
  std::vector<std::string> layer_files;
  std::vector<storage::ExportedLayer> layers;
  std::string config;
  std::string config_digest;
  std::string manifest;
};

Result<Prepared> prepare(storage::Store& store, const storage::ImageRecord& image, const Progress& progress) {
  Prepared p;
  p.scratch = ROOST_TRY(store.new_scratch());
  for (size_t i = 0; i < image.layers.size(); ++i) {
    std::string file = p.scratch->path() + "/" + std::to_string(i) + ".tar.gz";
    auto x = ROOST_TRY_CTX(store.export_layer(image.layers[i], file), "layer " + std::to_string(i + 1));
    p.layer_files.push_back(file);
    p.layers.push_back(x);
  }
  json config = ROOST_TRY(detail::parse_json(image.config_json, "image config"));
  std::vector<std::string> diff_ids;
  for (auto& l : p.layers) diff_ids.push_back(l.diff_id);
  auto same_ids = detail::json_guard("image config", [&]() -> Result<bool> {
    return config.at("rootfs").at("diff_ids").get<std::vector<std::string>>() == diff_ids;
  });
  bool same = same_ids.ok() && *same_ids;
  if (same) {
    p.config = image.config_json;  // byte for byte: the image ID stays
  } else {
    config["rootfs"]["diff_ids"] = diff_ids;
    p.config = config.dump();
  }
  p.config_digest = sha256_digest(p.config);
  json layers = json::array();
  for (auto& l : p.layers)
    layers.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"}, {"digest", l.digest}, {"size", l.size}});
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kOciManifest},
                   {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", p.config_digest}, {"size", p.config.size()}}},
                   {"layers", layers}};
  p.manifest = manifest.dump();
  (void)progress;
  return p;
}

}  // namespace

Result<std::string> push_to_registry(storage::Store& store, const storage::ImageRecord& image, const Reference& dest,
                                     const RegistryOptions& options, const Progress& progress) {
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  RegistryOptions o = options;
  o.push = true;
  auto client = ROOST_TRY(RegistryClient::open(dest.domain, dest.path, o));
  say("Getting image source signatures");
  auto p = ROOST_TRY(prepare(store, image, progress));
  for (size_t i = 0; i < p.layers.size(); ++i) {
    auto& l = p.layers[i];
    if (ROOST_TRY(client->has_blob(l.digest))) {
      say("Copying blob " + l.digest + " skipped: already exists");
      continue;
    }
    say("Copying blob " + l.digest);
    ROOST_TRY(client->put_blob(l.digest, p.layer_files[i], ""));
  }
  say("Copying config " + p.config_digest);
  if (!ROOST_TRY(client->has_blob(p.config_digest))) ROOST_TRY(client->put_blob(p.config_digest, "", p.config));
  say("Writing manifest to image destination");
  ROOST_TRY(client->put_manifest(dest.digest.empty() ? dest.tag : dest.digest, p.manifest, kOciManifest));
  return sha256_digest(p.manifest);
}

Result<std::string> push_to_oci_layout(storage::Store& store, const storage::ImageRecord& image, const std::string& dir,
                                       const std::string& ref_name, const Progress& progress) {
  auto p = ROOST_TRY(prepare(store, image, progress));
  std::string blobs = dir + "/blobs/sha256";
  ROOST_TRY(make_dirs(blobs, 0755));
  auto put = [&](const std::string& digest, const std::string& file, const std::string& data) -> Result<void> {
    std::string target = blobs + "/" + digest_hex(digest);
    struct stat st;
    if (::stat(target.c_str(), &st) == 0) return {};
    if (!file.empty()) {
      if (::rename(file.c_str(), target.c_str()) == 0) return {};
      if (errno != EXDEV) return sys_error("rename", target);
      auto cp = ROOST_TRY(run_program({"cp", file, target}));
      if (cp.exit_code != 0) return make_error(ErrorKind::io, "copying " + file + " to " + target + ": " + cp.output);
      return {};
    }
    return write_file_atomic(target, data, 0644);
  };
  for (size_t i = 0; i < p.layers.size(); ++i) ROOST_TRY(put(p.layers[i].digest, p.layer_files[i], ""));
  ROOST_TRY(put(p.config_digest, "", p.config));
  std::string manifest_digest = sha256_digest(p.manifest);
  ROOST_TRY(put(manifest_digest, "", p.manifest));
  ROOST_TRY(write_file_atomic(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})", 0644));
  json index = {{"schemaVersion", 2}, {"manifests", json::array()}};
  if (auto old = read_file(dir + "/index.json")) {
    auto parsed = json::parse(*old, nullptr, false);
    if (parsed.is_object() && parsed.contains("manifests") && parsed["manifests"].is_array()) index = parsed;
  }
  json kept = json::array();
  for (auto& m : index["manifests"]) {
    bool same_ref = !ref_name.empty() && m.contains("annotations") &&
                    m["annotations"].value("org.opencontainers.image.ref.name", "") == ref_name;
    if (!same_ref) kept.push_back(m);
  }
  json entry = {{"mediaType", kOciManifest}, {"digest", manifest_digest}, {"size", p.manifest.size()}};
  if (!ref_name.empty()) entry["annotations"] = {{"org.opencontainers.image.ref.name", ref_name}};
  kept.push_back(entry);
  index["manifests"] = kept;
  ROOST_TRY(write_file_atomic(dir + "/index.json", index.dump(), 0644));
  if (progress) progress("Writing manifest to image destination");
  return manifest_digest;
}

}  // namespace roost::image
