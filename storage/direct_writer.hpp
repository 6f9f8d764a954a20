// Writing a large file's data with O_DIRECT, for layer extraction.
//
// A pull must have every byte on disk before the layer is committed (see the
// syncfs in the store's layer helper). Writing the bulk directly overlaps that
// disk I/O with download and decompression instead of leaving it all to the
// final sync, and spares filling (and later writing back) hundreds of
// megabytes of page cache, which on a VM whose memory is handed out on first
// touch costs more CPU than the copy itself. Small files stay buffered: a
// synchronous write per small file would be slower. Where O_DIRECT is refused
// (tmpfs, some FUSE file systems, stricter alignment), the file continues
// buffered and so do all later ones.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>

namespace roost::storage {

class DirectWriter {
 public:
  static constexpr off_t kMinSize = 1 << 20;  // smaller files are written buffered
  static constexpr size_t kAlign = 4096;
  // The aligned buffer, reused for every file; 1 MiB writes keep the disk
  // busy, and a larger buffer is memory each helper must fault in first.
  static constexpr size_t kSize = 1 << 20;

  bool supported() const { return supported_; }
  void unsupported() { supported_ = false; }

  // Starts a file FD opened with O_DIRECT.
  void begin(int fd);
  // Data at OFFSET. Data arriving in order is gathered into whole aligned
  // blocks; a hole (a sparse file) ends direct mode for the file. False with
  // errno set on failure.
  bool write(const char* p, size_t size, off_t offset);
  // Writes what is gathered; the unaligned tail goes through the page cache.
  bool finish();

 private:
  struct Free {
    void operator()(char* p) const;
  };
  bool flush(bool last);
  bool buffered();
  bool pwrite_all(const char* p, size_t size, off_t offset);

  std::unique_ptr<char, Free> buf_;
  int fd_ = -1;
  off_t base_ = 0;   // file offset of buf_[0]
  size_t fill_ = 0;  // bytes in buf_
  bool direct_ = false;
  bool supported_ = true;
};

}  // namespace roost::storage
