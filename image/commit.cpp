#include "image/commit.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/format.hpp"
#include "image/load.hpp"

namespace roost::image {
namespace {

using nlohmann::json;

// Docker's layer media types and their OCI names, so that one manifest can
// list layers from either kind of image.
std::string oci_layer_type(const std::string& type) {
  if (type == "application/vnd.docker.image.rootfs.diff.tar.gzip") return "application/vnd.oci.image.layer.v1.tar+gzip";
  if (type == "application/vnd.docker.image.rootfs.diff.tar") return "application/vnd.oci.image.layer.v1.tar";
  return type;
}

}  // namespace

Result<storage::ImageRecord> commit_image(storage::Store& store, const storage::ImageRecord& base, int layer_fd,
                                          const CommitOptions& options) {
  json config = json::parse(base.config_json, nullptr, false);
  json base_manifest = json::parse(base.manifest_json, nullptr, false);
  if (!config.is_object() || !base_manifest.is_object())
    return make_error(ErrorKind::corrupt, "image " + base.id + ": its stored config or manifest is not JSON");
  json& cfg = config["config"];
  if (!cfg.is_object()) cfg = json::object();
  for (auto& c : options.changes) ROOST_TRY(apply_change(c, cfg));

  auto writer = ROOST_TRY(store.new_image());
  json layers = json::array();
  const json* base_layers = base_manifest.contains("layers") ? &base_manifest["layers"] : nullptr;
  for (size_t i = 0; i < base.layers.size(); ++i) {
    auto rec = store.layer(base.layers[i]);
    if (!rec) return make_error(ErrorKind::corrupt, "image " + base.id + ": layer " + base.layers[i] + " is missing");
    ROOST_TRY(writer->add_layer(-1, rec->diff_id, rec->compressed_digest));
    json desc = {{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                 {"digest", rec->compressed_digest},
                 {"size", rec->compressed_size}};
    if (base_layers && base_layers->is_array() && i < base_layers->size() && (*base_layers)[i].contains("mediaType"))
      desc["mediaType"] = oci_layer_type((*base_layers)[i]["mediaType"].get<std::string>());
    layers.push_back(desc);
  }
  auto added = ROOST_TRY_CTX(writer->add_layer(layer_fd, "", ""), "storing the container's changes");
  layers.push_back(stored_layer_descriptor(added));

  std::string now = rfc3339(std::time(nullptr));
  config["created"] = now;
  if (!options.author.empty()) config["author"] = options.author;
  if (!config["rootfs"].is_object()) config["rootfs"] = {{"type", "layers"}, {"diff_ids", json::array()}};
  config["rootfs"]["diff_ids"].push_back(added.diff_id);
  json history = {{"created", now}, {"created_by", options.created_by}};
  if (!options.author.empty()) history["author"] = options.author;
  if (!options.message.empty()) history["comment"] = options.message;
  if (!config["history"].is_array()) config["history"] = json::array();
  config["history"].push_back(history);

  std::string config_json = config.dump();
  return writer->commit(config_json, oci_manifest(config_json, layers), "application/vnd.oci.image.manifest.v1+json", options.names);
}

}  // namespace roost::image
