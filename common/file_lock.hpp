// flock(2)-based locks held for the lifetime of the object.
#pragma once

#include <string>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace roost {

class FileLock {
 public:
  FileLock() = default;
  // Takes an exclusive lock on PATH (created if missing), waiting for it.
  static Result<FileLock> acquire(const std::string& path);
  // Takes it only when free; an empty (invalid) lock means someone holds it.
  static Result<FileLock> try_acquire(const std::string& path);
  bool held() const { return fd_.valid(); }
  void release() { fd_.reset(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace roost
