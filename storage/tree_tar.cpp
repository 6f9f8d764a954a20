#include "storage/tree_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "common/fd.hpp"

namespace roost::storage {
namespace {

// overlayfs's and fuse-overlayfs's own bookkeeping, never part of a layer.
bool is_overlay_xattr(const std::string& name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.") ||
         name.starts_with("user.fuseoverlayfs.");
}

using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

Error archive_failure(archive* a, const std::string& what) {
  return make_error(ErrorKind::io, what + ": " + (archive_error_string(a) ? archive_error_string(a) : "tar write failed"));
}

void copy_xattrs(int fd, archive_entry* entry) {
  char names[65536];
  ssize_t len = ::flistxattr(fd, names, sizeof names);
  for (ssize_t off = 0; len > 0 && off < len;) {
    std::string name(names + off);
    off += static_cast<ssize_t>(name.size()) + 1;
    if (is_overlay_xattr(name)) continue;
    char value[65536];
    ssize_t vlen = ::fgetxattr(fd, name.c_str(), value, sizeof value);
    if (vlen >= 0) archive_entry_xattr_add_entry(entry, name.c_str(), value, static_cast<size_t>(vlen));
  }
}

}  // namespace

Result<TarWriter> TarWriter::open(int fd) {
  archive* a = archive_write_new();
  if (!a) return make_error(ErrorKind::internal, "archive_write_new failed");
  TarWriter w(a);
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK || archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK)
    return archive_failure(a, "starting a tar stream");
  return w;
}

TarWriter::TarWriter(TarWriter&& o) noexcept
    : a_(o.a_), links_(std::move(o.links_)), owner_(o.owner_), only_dev_(o.only_dev_) {
  o.a_ = nullptr;
}

TarWriter& TarWriter::operator=(TarWriter&& o) noexcept {
  std::swap(a_, o.a_);
  std::swap(links_, o.links_);
  std::swap(owner_, o.owner_);
  std::swap(only_dev_, o.only_dev_);
  return *this;
}

TarWriter::~TarWriter() {
  if (a_) archive_write_free(a_);
}

Result<void> TarWriter::add(int dirfd, const std::string& name, const std::string& path) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return sys_error("stat", path);
  EntryPtr entry(archive_entry_new(), &archive_entry_free);
  if (owner_) {
    st.st_uid = owner_->first;
    st.st_gid = owner_->second;
  }
  archive_entry_copy_stat(entry.get(), &st);
  archive_entry_set_pathname(entry.get(), path.c_str());
  archive_entry_set_uname(entry.get(), "");
  archive_entry_set_gname(entry.get(), "");

  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    auto [it, first] = links_.emplace(std::make_pair(st.st_dev, st.st_ino), path);
    if (!first) {
      archive_entry_set_size(entry.get(), 0);
      archive_entry_copy_hardlink(entry.get(), it->second.c_str());
      if (archive_write_header(a_, entry.get()) != ARCHIVE_OK) return archive_failure(a_, "writing " + path);
      return {};
    }
  }
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> target(static_cast<size_t>(std::max<off_t>(st.st_size, 0)) + 256);
    ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
    if (n < 0) return sys_error("readlink", path);
    archive_entry_copy_symlink(entry.get(), std::string(target.data(), static_cast<size_t>(n)).c_str());
    if (archive_write_header(a_, entry.get()) != ARCHIVE_OK) return archive_failure(a_, "writing " + path);
    return {};
  }
  UniqueFd fd;
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
    fd = UniqueFd(::openat(dirfd, name.c_str(), flags));
    if (!fd.valid()) return sys_error("open", path);
    copy_xattrs(fd.get(), entry.get());
  }
  if (!S_ISREG(st.st_mode)) archive_entry_set_size(entry.get(), 0);
  if (archive_write_header(a_, entry.get()) != ARCHIVE_OK) return archive_failure(a_, "writing " + path);
  if (S_ISREG(st.st_mode)) {
    char buf[1 << 16];
    off_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buf, static_cast<size_t>(std::min<off_t>(left, sizeof buf)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("read", path);
      if (n == 0) return make_error(ErrorKind::io, path + " shrank while being written to the tar stream");
      if (archive_write_data(a_, buf, static_cast<size_t>(n)) != n) return archive_failure(a_, "writing " + path);
      left -= n;
    }
  }
  return {};
}

Result<void> TarWriter::add_tree(int dirfd, const std::string& prefix) {
  for (auto& name : ROOST_TRY(sorted_entries(dirfd))) {
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    ROOST_TRY(add(dirfd, name, path));
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
        (!only_dev_ || st.st_dev == *only_dev_)) {
      UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return sys_error("open", path);
      ROOST_TRY(add_tree(sub.get(), path));
    }
  }
  return {};
}

Result<void> TarWriter::stay_on_file_system_of(int dirfd) {
  struct stat st;
  if (::fstat(dirfd, &st) != 0) return sys_error("stat the root of the tree");
  only_dev_ = st.st_dev;
  return {};
}

Result<void> TarWriter::add_marker(const std::string& path) {
  EntryPtr entry(archive_entry_new(), &archive_entry_free);
  archive_entry_set_pathname(entry.get(), path.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), 0);
  if (archive_write_header(a_, entry.get()) != ARCHIVE_OK) return archive_failure(a_, "writing " + path);
  return {};
}

Result<void> TarWriter::finish() {
  if (!a_) return {};
  int rc = archive_write_close(a_);
  archive* a = a_;
  a_ = nullptr;
  Result<void> r = rc == ARCHIVE_OK ? Result<void>() : Result<void>(archive_failure(a, "finishing the tar stream"));
  archive_write_free(a);
  return r;
}

Result<std::vector<std::string>> sorted_entries(int dirfd) {
  int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup < 0) return sys_error("opening directory");
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return sys_error("reading directory");
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool is_overlay_whiteout(int dirfd, const std::string& name) {
  struct stat st;
  return ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool is_opaque_dir(int dirfd) {
  for (const char* attr : {"trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque"}) {
    char v = 0;
    if (::fgetxattr(dirfd, attr, &v, 1) == 1 && v == 'y') return true;
  }
  return false;
}

}  // namespace roost::storage
