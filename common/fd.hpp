// RAII owners for file descriptors and directory trees.
#pragma once

#include <unistd.h>

#include <string>
#include <utility>

#include "common/result.hpp"

namespace roost {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC, the error naming the path.
Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode = 0);
// Reads a whole (small) file.
Result<std::string> read_file(const std::string& path);
Result<std::string> read_fd(int fd);
// Writes all bytes, retrying short writes and EINTR.
Result<void> write_all(int fd, const void* data, size_t len);
// Replaces PATH atomically: writes a temporary sibling, fsyncs, renames.
Result<void> write_file_atomic(const std::string& path, const std::string& data, mode_t mode = 0644);
// mkdir -p; existing directories are fine.
Result<void> make_dirs(const std::string& path, mode_t mode = 0755);

}  // namespace roost
