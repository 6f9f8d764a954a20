// Helpers shared by the archive readers (docker_archive.cpp, oci_layout.cpp,
// archive.cpp). Not part of the image module's public surface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/fd.hpp"
#include "common/result.hpp"
#include "image/archive.hpp"

namespace roost::image::detail {

// Splits a relative archive path into components, dropping "" and "."; an
// absolute path or a ".." component is an error (ErrorKind::security).
Result<std::vector<std::string>> split_relative(const std::string& rel);

Result<UniqueFd> open_dir(const std::string& path);

// Opens the regular file REL beneath DIRFD; symlinks may be followed only
// while they stay beneath it (openat2 RESOLVE_BENEATH).
Result<UniqueFd> open_beneath(int dirfd, const std::string& rel);

// Reads a small file beneath DIRFD (JSON documents; capped so a hostile
// archive cannot make us allocate without bound).
Result<std::string> read_beneath(int dirfd, const std::string& rel);

struct FileFacts {
  std::string digest;  // "sha256:..."
  uint64_t size = 0;
  bool gzip = false;   // starts with the gzip magic 1f 8b
};
Result<FileFacts> hash_fd(int fd);

// Parses JSON without throwing; the error names WHAT.
Result<nlohmann::json> parse_json(const std::string& bytes, const std::string& what);

// Runs F, turning a nlohmann type or range error (a field of the wrong type)
// into a corrupt error naming WHAT.
template <class F>
auto json_guard(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    std::string msg = e.what();
    if (auto close = msg.find("] "); msg.rfind("[json.exception", 0) == 0 && close != std::string::npos)
      msg = msg.substr(close + 2);
    return make_error(ErrorKind::corrupt, what + ": malformed: " + msg);
  }
}

// rootfs.diff_ids of an image config, each a valid digest.
Result<std::vector<std::string>> config_diff_ids(const std::string& config_json, const std::string& what);

// The host's platform in OCI terms ("amd64", "arm64", ...).
std::string host_architecture();

// Unprefixed bodies of the public readers: errors name files relative to the
// archive, and the caller says which archive.
Result<std::vector<ArchiveImage>> read_oci_layout_at(const std::string& dir);
Result<std::vector<ArchiveImage>> read_docker_archive_at(const std::string& dir);

// Unpacks the tarball PATH into SCRATCH (see open_archive for the rules).
Result<void> extract_tar(const std::string& path, const std::string& scratch);

}  // namespace roost::image::detail
