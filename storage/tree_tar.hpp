// Writing directory trees as tar streams (pax): `roost export`, and the layer
// of `roost commit`. Files are read through directory fds, never followed
// through symlinks, so a tree cannot make the writer read outside it.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

struct archive;

namespace roost::storage {

class TarWriter {
 public:
  // Writes to FD (not owned) as it goes.
  static Result<TarWriter> open(int fd);
  TarWriter(TarWriter&&) noexcept;
  TarWriter& operator=(TarWriter&&) noexcept;
  ~TarWriter();

  // Adds the entry NAME in the directory DIRFD as archive path PATH
  // ("etc/hosts", no leading slash): its type, mode, owner, times, xattrs
  // (but overlay's own), link target or contents. A second path to an inode
  // already written becomes a hard link.
  Result<void> add(int dirfd, const std::string& name, const std::string& path);
  // Adds the directory DIRFD's whole content under PREFIX ("" for the root).
  Result<void> add_tree(int dirfd, const std::string& prefix);
  // An empty regular file marking a deletion (".wh.NAME") or an opaque
  // directory (".wh..wh..opq"), as the OCI layer format writes them.
  Result<void> add_marker(const std::string& path);
  // Records every entry written from now on as owned by UID:GID (a copy into
  // a container belongs to its root, not to whoever owns the source).
  void force_owner(uid_t uid, gid_t gid) { owner_ = std::make_pair(uid, gid); }
  // Makes add_tree keep to the file system of directory DIRFD: a directory
  // on another one (a mount point: /proc, /dev, a tmpfs) is written without
  // its content, as `tar --one-file-system` does.
  Result<void> stay_on_file_system_of(int dirfd);
  // Ends the archive; the writer is unusable afterwards.
  Result<void> finish();

 private:
  explicit TarWriter(archive* a) : a_(a) {}
  archive* a_ = nullptr;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // inode -> first path written
  std::optional<std::pair<uid_t, gid_t>> owner_;
  std::optional<dev_t> only_dev_;
};

// The names in directory DIRFD (without . and ..), sorted.
Result<std::vector<std::string>> sorted_entries(int dirfd);

// True for an overlay whiteout: a character device 0/0.
bool is_overlay_whiteout(int dirfd, const std::string& name);
// True when directory DIRFD is marked opaque (by native overlay as root or
// rootless, or by fuse-overlayfs).
bool is_opaque_dir(int dirfd);

}  // namespace roost::storage
