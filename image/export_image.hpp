// A stored image written out as blobs (layer tars, config, OCI manifest) in a
// scratch directory, and those blobs arranged as an OCI layout. Shared by
// push (registry, oci:) and save (archives). Not part of the public surface.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace roost::image::detail {

struct ExportedImage {
  std::vector<std::string> layer_files;  // one per layer, bottom first
  std::vector<storage::ExportedLayer> layers;
  std::string layer_media_type;
  std::string config;  // the stored config, or one with updated diff IDs
  std::string config_digest;
  std::string manifest;  // OCI image manifest
  std::string manifest_digest;
};

// Writes IMAGE's layers into DIR (files named PREFIX<n>, which must not
// exist). When the exported tars differ from the ones the image came with,
// the config's diff IDs are updated (a new image ID at the destination), as
// happens when podman cannot reuse the original blobs.
Result<ExportedImage> export_image(storage::Store& store, const storage::ImageRecord& image, storage::LayerCompression compression,
                                   const std::string& dir, const std::string& prefix);

// Sets X's config (IMAGE's, with X.layers' diff IDs), layer media type and
// manifest from X.layers, however those blobs were obtained.
Result<void> describe_export(const storage::ImageRecord& image, storage::LayerCompression compression, ExportedImage& x);

// Moves X's blobs into the OCI layout DIR (created when missing; an existing
// layout keeps its other images; index.json is replaced last, atomically)
// under REF_NAME (may be empty). Returns the manifest digest.
Result<std::string> write_oci_layout(const ExportedImage& x, const std::string& dir, const std::string& ref_name);

// Moves FILE to TARGET unless TARGET exists (blobs are content-addressed),
// copying when they are on different file systems.
Result<void> place_blob(const std::string& file, const std::string& target);

}  // namespace roost::image::detail
