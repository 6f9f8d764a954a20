// Image archives on disk: `docker save` tarballs (docker-archive), OCI image
// layouts (a directory) and oci-archive tarballs. Reading only: what comes out
// is a description of each image with its blobs as files; storage applies them.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::image {

struct LayerBlob {
  std::string path;        // file holding the blob (compressed or not)
  std::string digest;      // digest of that file as the manifest names it ("" if unknown)
  std::string media_type;  // from the manifest; empty for docker-archive
  std::string diff_id;     // from the config's rootfs.diff_ids
};

struct ArchiveImage {
  std::string config_json;     // exact bytes; the image ID is their sha256
  std::string config_digest;   // "sha256:..." (verified against config_json)
  std::string manifest_json;   // exact bytes (synthesised for docker-archive)
  std::string manifest_type;   // media type of the manifest
  std::vector<LayerBlob> layers;  // bottom first
  std::vector<std::string> names; // normalised full names ("docker.io/library/busybox:latest")
};

enum class ArchiveFormat { docker_archive, oci_archive, oci_dir };

// Reads an OCI layout directory (oci-layout + index.json + blobs/). Image
// names come from the org.opencontainers.image.ref.name annotations. Every
// manifest and config is checked against its digest; a missing blob or a
// digest mismatch is an error naming it.
Result<std::vector<ArchiveImage>> read_oci_layout(const std::string& dir);

// Reads an unpacked `docker save` archive (manifest.json at the top).
// Names come from RepoTags.
Result<std::vector<ArchiveImage>> read_docker_archive_dir(const std::string& dir);

// Detects the format of PATH (a directory is an OCI layout; a tar is a
// docker-archive when it holds manifest.json, an oci-archive when it holds
// index.json and oci-layout), unpacks tarballs into SCRATCH_DIR (which must
// exist and be empty; the caller removes it), refusing entries that are not
// plain files or directories or that would escape it, and reads the images.
// Errors name the file: "FILE: not a docker-archive or oci-archive".
struct OpenedArchive {
  ArchiveFormat format;
  std::vector<ArchiveImage> images;
};
Result<OpenedArchive> open_archive(const std::string& path, const std::string& scratch_dir);

}  // namespace roost::image
