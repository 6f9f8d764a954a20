#include "storage/mount_targets.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/fd.hpp"
#include "storage/store.hpp"

namespace roost::storage {
namespace {

// Modes set explicitly: the umask must not narrow what containers see.
Result<void> make_entry(const std::string& path, bool dir) {
  if (dir) {
    if (::mkdir(path.c_str(), 0755) != 0) return sys_error("mkdir", path);
    if (::chmod(path.c_str(), 0755) != 0) return sys_error("chmod", path);
    return {};
  }
  auto fd = ROOST_TRY(open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0644));
  if (::fchmod(fd.get(), 0644) != 0) return sys_error("chmod", path);
  return {};
}

}  // namespace

std::string mount_targets_dir(const std::string& graph_root) { return graph_root + "/mount-targets"; }

Result<std::string> ensure_mount_targets(Store& store) {
  std::string dir = mount_targets_dir(store.options().graph_root);
  struct stat st;
  if (::lstat(dir.c_str(), &st) == 0) return dir;
  auto staging = ROOST_TRY(store.new_staging_path());
  const std::string& tmp = staging->path();
  struct Entry {
    const char* path;
    bool dir;
  };
  for (auto e : {Entry{"", true}, Entry{"/etc", true}, Entry{"/etc/hostname", false}, Entry{"/etc/hosts", false},
                 Entry{"/etc/resolv.conf", false}, Entry{"/run", true}, Entry{"/run/.containerenv", false}})
    ROOST_TRY(make_entry(tmp + e.path, e.dir));
  // A concurrent command may have made it first: theirs is as good.
  if (::rename(tmp.c_str(), dir.c_str()) != 0 && errno != EEXIST && errno != ENOTEMPTY)
    return sys_error("rename " + tmp + " to", dir);
  return dir;
}

}  // namespace roost::storage
