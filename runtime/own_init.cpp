#include "runtime/own_init.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd.hpp"

// init/embed_init.c
extern "C" const char roost_init_binary[];
extern "C" const char roost_init_binary_end[];
extern "C" const char roost_init_sha256[];

namespace roost::runtime {

std::string own_init_path(const std::string& run_root) { return run_root + "/init/roost-init"; }

std::string_view own_init_binary() {
  return {roost_init_binary, static_cast<size_t>(roost_init_binary_end - roost_init_binary)};
}

namespace {

// The installed copy carries the digest of what was written in this extended
// attribute (set before the rename, so it always matches the bytes), which
// spares reading the whole binary at each start.
constexpr const char* digest_xattr = "user.roost.sha256";

bool holds(const std::string& path, std::string_view bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0755 ||
      static_cast<size_t>(st.st_size) != bytes.size())
    return false;
  char stamp[80];
  ssize_t n = ::getxattr(path.c_str(), digest_xattr, stamp, sizeof stamp);
  if (n >= 0) return std::string_view(stamp, static_cast<size_t>(n)) == roost_init_sha256;
  if (errno != ENOTSUP) return false;
  // A file system without user xattrs (tmpfs before Linux 6.6): compare bytes.
  auto text = read_file(path);
  return text && *text == bytes;
}

}  // namespace

Result<void> install_own_init(const std::string& path) {
  auto bytes = own_init_binary();
  if (holds(path, bytes)) return {};
  ROOST_TRY(make_dirs(path.substr(0, path.rfind('/')), 0700));
  // Not write_file_atomic: the mode must not depend on the umask, as users
  // other than the container's root run it too.
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  auto written = [&]() -> Result<void> {
    auto fd = ROOST_TRY(open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0700));
    ROOST_TRY_CTX(write_all(fd.get(), bytes.data(), bytes.size()), tmp);
    if (::fchmod(fd.get(), 0755) != 0) return sys_error("chmod", tmp);
    if (::fsetxattr(fd.get(), digest_xattr, roost_init_sha256, std::strlen(roost_init_sha256), 0) != 0 &&
        errno != ENOTSUP)
      return sys_error("setting " + std::string(digest_xattr) + " on", tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return sys_error("rename to", path);
    return {};
  }();
  if (written) return {};
  ::unlink(tmp.c_str());
  return std::move(written).error().context("installing roost's init");
}

}  // namespace roost::runtime
