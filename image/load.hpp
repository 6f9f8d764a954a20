// Getting images from files into the store: archives (`roost load`) and root
// file system tarballs (`roost import`).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace roost::image {

// Loads every image in the archive at PATH (docker-archive, oci-archive or an
// OCI layout directory). Each image is committed whole or not at all.
Result<std::vector<storage::ImageRecord>> load_archive(storage::Store& store, const std::string& path);

struct ImportOptions {
  std::vector<std::string> names;    // full names (already normalised)
  std::string message;               // history comment
  std::vector<std::string> changes;  // Dockerfile-style: "CMD ["sh"]", "ENV A=B", "WORKDIR /x", ...
};

// Applies a Dockerfile-style change instruction to an image config's
// "config" object. Supports CMD, ENTRYPOINT (JSON or shell form), ENV,
// WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL.
Result<void> apply_change(const std::string& change, nlohmann::json& config_object);

// An OCI image manifest for CONFIG_JSON and the layer descriptors LAYERS,
// for images roost makes itself (import, commit).
std::string oci_manifest(const std::string& config_json, const nlohmann::json& layers);
// The descriptor of a layer roost stored from an uncompressed or gzip tar.
nlohmann::json stored_layer_descriptor(const storage::LayerRecord& layer);

// Imports a root file system tar (optionally compressed) read from FD as a
// one-layer image.
Result<storage::ImageRecord> import_rootfs(storage::Store& store, int fd, const ImportOptions& options);

}  // namespace roost::image
