// Layer tars written out of storage for push and save: sha256 of the tar (the
// diff ID) and of the blob (the gzip file, or the tar itself) in one pass.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace roost::storage {

struct ExportedLayer {
  std::string diff_id;  // sha256 of the uncompressed tar
  std::string digest;   // sha256 of the blob (the gzip file, or the tar)
  uint64_t size = 0;    // bytes of the blob
};

// docker-archive holds plain tars; registries and OCI layouts get gzip.
enum class LayerCompression { none, gzip };

// Reads the tar from IN_FD to its end and writes it gzip-compressed into the
// new file OUT. No name or time in the gzip header: same tar, same blob.
Result<ExportedLayer> gzip_layer(int in_fd, const std::string& out);

// Reads the tar from IN_FD to its end: its diff ID, which is also its digest.
Result<ExportedLayer> hash_layer(int in_fd);

}  // namespace roost::storage
