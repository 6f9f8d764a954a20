// Writing a stored layer back out as a gzip-compressed layer tar (for push
// and save): the layer's own changes, whiteouts in the OCI form.
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

// Writes the tree at DIR (one overlay layer: 0/0 character devices are
// whiteouts, overlay.opaque xattrs mark opaque directories) as a gzip tar
// into the new file OUT: ".wh.NAME" and ".wh..wh..opq" entries, hard links
// kept, owners as seen by the caller (run it in the store's user
// namespace). The same tree always gives the same bytes.
Result<ExportedLayer> write_layer_gzip(const std::string& dir, const std::string& out);

}  // namespace roost::storage
