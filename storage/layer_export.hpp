// Compressing a layer tar for push and save: sha256 of the tar (the diff ID)
// and of the gzip file (the blob digest) in one pass.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace roost::storage {

struct ExportedLayer {
  std::string diff_id;  // sha256 of the uncompressed tar
  std::string digest;   // sha256 of the gzip file
  uint64_t size = 0;    // bytes of the gzip file
};

// Reads the tar from IN_FD to its end and writes it gzip-compressed into the
// new file OUT. No name or time in the gzip header: same tar, same blob.
Result<ExportedLayer> gzip_layer(int in_fd, const std::string& out);

}  // namespace roost::storage
