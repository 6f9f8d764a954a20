// The compressions roost reads layers and archives in.
#pragma once

struct archive;

namespace roost::storage {

// Enables on a libarchive reader the decompressors that images use: gzip,
// zstd, xz and bzip2 (what containers/storage accepts). Naming them instead
// of archive_read_support_filter_all keeps lz4, lzip, lzop and the external
// program filters out of the binary and out of its start-up.
void support_image_compressions(archive* a);

}  // namespace roost::storage
