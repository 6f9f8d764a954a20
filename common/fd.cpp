#include "common/fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>

namespace roost {

Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return sys_error("open", path);
  return UniqueFd(fd);
}

Result<std::string> read_fd(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<std::string> read_file(const std::string& path) {
  auto fd = ROOST_TRY(open_file(path, O_RDONLY));
  return ROOST_TRY_CTX(read_fd(fd.get()), path);
}

Result<void> write_all(int fd, const void* data, size_t len) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    ssize_t n = ::write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("write");
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  return {};
}

Result<void> write_file_atomic(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    auto fd = ROOST_TRY(open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode));
    auto w = write_all(fd.get(), data.data(), data.size());
    if (!w || ::fsync(fd.get()) != 0) {
      Error e = w ? sys_error("fsync", tmp) : std::move(w).error().context(tmp);
      ::unlink(tmp.c_str());
      return e;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = sys_error("rename to", path);
    ::unlink(tmp.c_str());
    return e;
  }
  return {};
}

Result<void> make_dirs(const std::string& path, mode_t mode) {
  if (path.empty()) return {};
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    errno = ENOTDIR;
    return sys_error("mkdir", path);
  }
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) ROOST_TRY(make_dirs(path.substr(0, slash), mode));
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return sys_error("mkdir", path);
  return {};
}

}  // namespace roost
