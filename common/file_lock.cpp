#include "common/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

namespace roost {
namespace {

Result<FileLock> lock(const std::string& path, int flags, FileLock (*make)(UniqueFd)) {
  auto fd = ROOST_TRY(open_file(path, O_RDWR | O_CREAT, 0600));
  int rc;
  do {
    rc = ::flock(fd.get(), flags);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) return FileLock();
    return sys_error("flock", path);
  }
  return make(std::move(fd));
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::string& path) {
  return lock(path, LOCK_EX, [](UniqueFd fd) { return FileLock(std::move(fd)); });
}

Result<FileLock> FileLock::try_acquire(const std::string& path) {
  return lock(path, LOCK_EX | LOCK_NB, [](UniqueFd fd) { return FileLock(std::move(fd)); });
}

}  // namespace roost
