#include "storage/staging_lock.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstdint>

namespace roost::storage {
namespace {

// FNV-1a: stable across builds, so that different roost versions sharing a
// store agree on the byte.
off_t byte_of(const std::string& name) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return static_cast<off_t>(h % (uint64_t{1} << 40));
}

int set_lock(int fd, short type, off_t at, int cmd) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = at;
  fl.l_len = 1;
  int rc;
  do {
    rc = ::fcntl(fd, cmd, &fl);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

}  // namespace

Result<UniqueFd> claim_staging_name(const std::string& lock_path, const std::string& name) {
  auto fd = ROOST_TRY(open_file(lock_path, O_RDWR | O_CREAT, 0600));
  if (set_lock(fd.get(), F_RDLCK, byte_of(name), F_OFD_SETLKW) != 0) return sys_error("fcntl(F_OFD_SETLKW)", lock_path);
  return fd;
}

Result<bool> staging_name_abandoned(int lock_fd, const std::string& name) {
  off_t at = byte_of(name);
  if (set_lock(lock_fd, F_WRLCK, at, F_OFD_SETLK) != 0) {
    if (errno == EAGAIN || errno == EACCES) return false;
    return sys_error("fcntl(F_OFD_SETLK) on the staging lock");
  }
  (void)set_lock(lock_fd, F_UNLCK, at, F_OFD_SETLK);
  return true;
}

}  // namespace roost::storage
