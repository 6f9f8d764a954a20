#include "image/export_image.hpp"

#include <sys/stat.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/process.hpp"
#include "image/archive_internal.hpp"
#include "image/manifest.hpp"

namespace roost::image::detail {

using nlohmann::json;

Result<ExportedImage> export_image(storage::Store& store, const storage::ImageRecord& image, storage::LayerCompression compression,
                                   const std::string& dir, const std::string& prefix) {
  ExportedImage x;
  for (size_t i = 0; i < image.layers.size(); ++i) {
    std::string file = dir + "/" + prefix + std::to_string(i);
    auto l = ROOST_TRY_CTX(store.export_layer(image.layers[i], file, compression), "layer " + std::to_string(i + 1));
    x.layer_files.push_back(file);
    x.layers.push_back(l);
  }
  ROOST_TRY(describe_export(image, compression, x));
  return x;
}

Result<void> describe_export(const storage::ImageRecord& image, storage::LayerCompression compression, ExportedImage& x) {
  json config = ROOST_TRY(parse_json(image.config_json, "image config"));
  std::vector<std::string> diff_ids;
  for (auto& l : x.layers) diff_ids.push_back(l.diff_id);
  auto same_ids = json_guard("image config", [&]() -> Result<bool> {
    return config.at("rootfs").at("diff_ids").get<std::vector<std::string>>() == diff_ids;
  });
  if (same_ids.ok() && *same_ids) {
    x.config = image.config_json;  // byte for byte: the image ID stays
  } else {
    config["rootfs"]["diff_ids"] = diff_ids;
    x.config = config.dump();
  }
  x.config_digest = sha256_digest(x.config);
  x.layer_media_type = compression == storage::LayerCompression::gzip ? "application/vnd.oci.image.layer.v1.tar+gzip"
                                                                      : "application/vnd.oci.image.layer.v1.tar";
  json layers = json::array();
  for (auto& l : x.layers) layers.push_back({{"mediaType", x.layer_media_type}, {"digest", l.digest}, {"size", l.size}});
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kOciManifest},
                   {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", x.config_digest}, {"size", x.config.size()}}},
                   {"layers", layers}};
  x.manifest = manifest.dump();
  x.manifest_digest = sha256_digest(x.manifest);
  return {};
}

Result<void> place_blob(const std::string& file, const std::string& target) {
  struct stat st;
  if (::stat(target.c_str(), &st) == 0) return {};
  if (::rename(file.c_str(), target.c_str()) == 0) return {};
  if (errno != EXDEV) return sys_error("rename", target);
  // Copied beside the target, then renamed: a blob is never seen half-written.
  std::string tmp = target + ".partial";
  auto cp = ROOST_TRY(run_program({"cp", file, tmp}));
  if (cp.exit_code != 0) {
    ::unlink(tmp.c_str());
    return make_error(ErrorKind::io, "copying " + file + " to " + target + ": " + cp.output);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return sys_error("rename", target);
  }
  return {};
}

Result<std::string> write_oci_layout(const ExportedImage& x, const std::string& dir, const std::string& ref_name) {
  std::string blobs = dir + "/blobs/sha256";
  ROOST_TRY(make_dirs(blobs, 0755));
  auto target = [&](const std::string& digest) { return blobs + "/" + digest_hex(digest); };
  auto put_bytes = [&](const std::string& digest, const std::string& data) -> Result<void> {
    struct stat st;
    if (::stat(target(digest).c_str(), &st) == 0) return {};
    return write_file_atomic(target(digest), data, 0644);
  };
  for (size_t i = 0; i < x.layers.size(); ++i) ROOST_TRY(place_blob(x.layer_files[i], target(x.layers[i].digest)));
  ROOST_TRY(put_bytes(x.config_digest, x.config));
  ROOST_TRY(put_bytes(x.manifest_digest, x.manifest));
  ROOST_TRY(write_file_atomic(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})", 0644));
  json index = {{"schemaVersion", 2}, {"manifests", json::array()}};
  if (auto old = read_file(dir + "/index.json")) {
    auto parsed = json::parse(*old, nullptr, false);
    if (parsed.is_object() && parsed.contains("manifests") && parsed["manifests"].is_array()) index = parsed;
  }
  json kept = json::array();
  for (auto& m : index["manifests"]) {
    bool same_ref = !ref_name.empty() && m.contains("annotations") && m["annotations"].is_object() &&
                    m["annotations"].value("org.opencontainers.image.ref.name", "") == ref_name;
    if (!same_ref) kept.push_back(m);
  }
  json entry = {{"mediaType", kOciManifest}, {"digest", x.manifest_digest}, {"size", x.manifest.size()}};
  if (!ref_name.empty()) entry["annotations"] = {{"org.opencontainers.image.ref.name", ref_name}};
  kept.push_back(entry);
  index["manifests"] = kept;
  ROOST_TRY(write_file_atomic(dir + "/index.json", index.dump(), 0644));
  return x.manifest_digest;
}

}  // namespace roost::image::detail
