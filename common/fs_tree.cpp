#include "common/fs_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "common/fd.hpp"

namespace roost {
namespace {

Result<void> empty_dir(int fd, const std::string& where) {
  int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return sys_error("dup", where);
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return sys_error("opendir", where);
  }
  std::vector<std::pair<std::string, bool>> entries;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    entries.emplace_back(n, e->d_type == DT_DIR);
  }
  ::closedir(d);
  for (auto& [n, is_dir] : entries) {
    if (::unlinkat(fd, n.c_str(), is_dir ? AT_REMOVEDIR : 0) == 0) continue;
    if (errno == ENOENT) continue;
    if (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST || (is_dir && errno == ENOTDIR) || errno == EPERM) {
      ROOST_TRY(remove_tree_at(fd, n));
      continue;
    }
    return sys_error("unlink", where + "/" + n);
  }
  return {};
}

}  // namespace

Result<void> remove_tree_at(int dirfd, const std::string& name) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return sys_error("stat", name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) return sys_error("unlink", name);
    return {};
  }
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    // A directory we may not read (mode 0): make it readable, then retry.
    if (errno == EACCES && ::fchmodat(dirfd, name.c_str(), 0700, 0) == 0)
      fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return sys_error("open", name);
  }
  UniqueFd guard(fd);
  if ((st.st_mode & 0700) != 0700) ::fchmod(fd, 0700);
  ROOST_TRY_CTX(empty_dir(fd, name), "removing " + name);
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) return sys_error("rmdir", name);
  return {};
}

Result<void> remove_tree(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  int pfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0) {
    if (errno == ENOENT) return {};
    return sys_error("open", parent);
  }
  UniqueFd guard(pfd);
  ROOST_TRY_CTX(remove_tree_at(pfd, base), "removing " + path);
  return {};
}

}  // namespace roost
