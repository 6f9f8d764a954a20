#include "storage/direct_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace roost::storage {

void DirectWriter::Free::operator()(char* p) const { std::free(p); }

void DirectWriter::begin(int fd) {
  if (!buf_) buf_.reset(static_cast<char*>(std::aligned_alloc(kAlign, kSize)));
  fd_ = fd;
  base_ = 0;
  fill_ = 0;
  direct_ = true;
  if (!buf_) (void)buffered();  // no buffer: plain writes; a failure shows at the first one
}

bool DirectWriter::write(const char* p, size_t size, off_t offset) {
  if (direct_ && offset != base_ + static_cast<off_t>(fill_) && !flush(true)) return false;
  while (direct_ && size > 0) {
    size_t n = std::min(size, kSize - fill_);
    std::memcpy(buf_.get() + fill_, p, n);
    fill_ += n;
    p += n;
    size -= n;
    offset += static_cast<off_t>(n);
    if (fill_ == kSize && !flush(false)) return false;
  }
  return size == 0 || pwrite_all(p, size, offset);
}

bool DirectWriter::finish() { return !direct_ || flush(true); }

// LAST: the file's data ends (or leaves direct mode) here.
bool DirectWriter::flush(bool last) {
  size_t aligned = last ? fill_ & ~(kAlign - 1) : fill_;
  if (aligned > 0 && !pwrite_all(buf_.get(), aligned, base_)) {
    if (errno != EINVAL) return false;
    // Alignment the file system will not take: this and later files buffered.
    supported_ = false;
    if (!buffered() || !pwrite_all(buf_.get(), aligned, base_)) return false;
  }
  if (last) {
    if (!buffered()) return false;
    size_t tail = fill_ - aligned;
    if (tail > 0 && !pwrite_all(buf_.get() + aligned, tail, base_ + static_cast<off_t>(aligned))) return false;
  }
  base_ += static_cast<off_t>(fill_);
  fill_ = 0;
  return true;
}

bool DirectWriter::buffered() {
  if (!direct_) return true;
  direct_ = false;
  int fl = fcntl(fd_, F_GETFL);
  return fl >= 0 && fcntl(fd_, F_SETFL, fl & ~O_DIRECT) == 0;
}

bool DirectWriter::pwrite_all(const char* p, size_t size, off_t offset) {
  while (size > 0) {
    ssize_t n = pwrite(fd_, p, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return true;
}

}  // namespace roost::storage
