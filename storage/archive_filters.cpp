#include "storage/archive_filters.hpp"

#include <archive.h>

namespace roost::storage {

void support_image_compressions(archive* a) {
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_bzip2(a);
}

}  // namespace roost::storage
