// Writing stored images out of the store: `roost save` and `roost push` to
// oci:, oci-archive: and docker-archive:. What is written here, `roost load`
// and skopeo read back.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "image/archive.hpp"
#include "storage/store.hpp"

namespace roost::image {

// Receives podman-shaped progress lines ("Copying blob sha256:..."); may be empty.
using Progress = std::function<void(const std::string&)>;

struct SaveItem {
  storage::ImageRecord image;
  std::vector<std::string> names;  // full references to record ("localhost/busybox:latest"); may be empty
};

// "docker-archive", "oci-archive", "oci-dir" (podman's --format names).
Result<ArchiveFormat> parse_save_format(const std::string& name);
std::string format_name(ArchiveFormat format);

// Writes ITEMS as a tar stream to FD: a docker-archive (any number of images;
// plain layer tars, as `docker load` wants them) or an oci-archive (one
// image, gzip layers).
Result<void> save_archive(storage::Store& store, const std::vector<SaveItem>& items, ArchiveFormat format, int fd,
                          const Progress& progress);

// Writes the image into the OCI layout DIR under its first name (or none). A
// new DIR is built beside it and renamed into place when complete; an
// existing layout gets the image added, its index.json replaced last.
Result<std::string> save_oci_dir(storage::Store& store, const SaveItem& item, const std::string& dir, const Progress& progress);

}  // namespace roost::image
