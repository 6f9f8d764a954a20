// Pushing a stored image: to a registry (blobs the registry already has are
// skipped after a HEAD), or into an OCI layout directory. Layers are written
// back out of storage as gzip tars (image/export_image.hpp). Archives
// (oci-archive:, docker-archive:) are written by save.hpp.
#pragma once

#include <string>

#include "common/result.hpp"
#include "image/reference.hpp"
#include "image/registry.hpp"
#include "image/save.hpp"
#include "storage/store.hpp"

namespace roost::image {

// Returns the digest of the manifest pushed.
Result<std::string> push_to_registry(storage::Store& store, const storage::ImageRecord& image, const Reference& dest,
                                     const RegistryOptions& options, const Progress& progress);

// Writes the image into the OCI layout DIR (created when missing; an
// existing layout keeps its other images) under REF_NAME (may be empty).
Result<std::string> push_to_oci_layout(storage::Store& store, const storage::ImageRecord& image, const std::string& dir,
                                       const std::string& ref_name, const Progress& progress);

}  // namespace roost::image
