// Unpacking docker-archive and oci-archive tarballs, and telling them apart.
//
// Everything is created relative to directory fds opened with O_NOFOLLOW, and
// only regular files and directories are ever created, so no entry can place
// anything outside the scratch directory. Symbolic and hard link entries are
// accepted only when they lead to a regular file from the same archive (older
// `docker save` and skopeo write `<id>/layer.tar` as a symlink to a shared
// layer); they become hard links inside the scratch directory, so the tree
// left behind holds no symlink at all.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <memory>
#include <set>

#include "image/archive_internal.hpp"
#include "storage/archive_filters.hpp"

namespace roost::image {
namespace detail {
namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;

std::string join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

// Opens (creating when CREATE) the directory made of the first N components.
Result<UniqueFd> open_parent(int root, const std::vector<std::string>& parts, size_t n, bool create) {
  UniqueFd dir(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  if (!dir.valid()) return sys_error("dup");
  for (size_t i = 0; i < n; ++i) {
    if (create && ::mkdirat(dir.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST)
      return sys_error("mkdir", join(parts, i + 1));
    int fd = ::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return sys_error("open", join(parts, i + 1));
    dir.reset(fd);
  }
  return dir;
}

Result<void> write_entry_data(struct archive* a, int fd, const std::string& name) {
  const void* buf;
  size_t len;
  la_int64_t offset;
  for (;;) {
    int r = archive_read_data_block(a, &buf, &len, &offset);
    if (r == ARCHIVE_EOF) return {};
    if (r != ARCHIVE_OK) return make_error(ErrorKind::corrupt, "entry \"" + name + "\": " + archive_error_string(a));
    // Sparse entries arrive with gaps; pwrite leaves holes where tar had them.
    const char* p = static_cast<const char*>(buf);
    while (len > 0) {
      ssize_t n = ::pwrite(fd, p, len, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("write", name);
      p += n;
      len -= static_cast<size_t>(n);
      offset += n;
    }
  }
}

struct Link {
  std::string name;    // normalised path of the link entry
  std::string target;  // normalised path it must resolve to
};

// A symlink's target is relative to the link's own directory.
Result<std::string> symlink_target(const std::string& name, const std::string& target) {
  if (!target.empty() && target.front() == '/')
    return make_error(ErrorKind::security, "entry \"" + name + "\": symlink to absolute path \"" + target + "\"");
  auto slash = name.rfind('/');
  std::vector<std::string> out;
  if (slash != std::string::npos) out = ROOST_TRY(split_relative(name.substr(0, slash)));
  size_t start = 0;
  for (;;) {
    auto next = target.find('/', start);
    std::string part = target.substr(start, next - start);
    if (part == "..") {
      if (out.empty())
        return make_error(ErrorKind::security, "entry \"" + name + "\": symlink \"" + target + "\" leads outside the archive");
      out.pop_back();
    } else if (!part.empty() && part != ".") {
      out.push_back(part);
    }
    if (next == std::string::npos) break;
    start = next + 1;
  }
  return join(out, out.size());
}

Result<void> make_links(int root, std::vector<Link> pending, std::set<std::string>& files) {
  // A link may point at another link; resolve in rounds until none is left.
  while (!pending.empty()) {
    std::vector<Link> later;
    for (auto& l : pending) {
      if (!files.count(l.target)) {
        later.push_back(std::move(l));
        continue;
      }
      auto src = ROOST_TRY(split_relative(l.target));
      auto dst = ROOST_TRY(split_relative(l.name));
      auto src_dir = ROOST_TRY(open_parent(root, src, src.size() - 1, false));
      auto dst_dir = ROOST_TRY(open_parent(root, dst, dst.size() - 1, true));
      if (::linkat(src_dir.get(), src.back().c_str(), dst_dir.get(), dst.back().c_str(), 0) != 0)
        return sys_error("link " + l.target + " to", l.name);
      files.insert(l.name);
    }
    if (later.size() == pending.size())
      return make_error(ErrorKind::security, "entry \"" + later.front().name + "\": link target \"" + later.front().target +
                                                 "\" is not a regular file in the archive");
    pending = std::move(later);
  }
  return {};
}

Result<void> ensure_empty_dir(const std::string& path) {
  auto fd = ROOST_TRY(open_dir(path));
  DIR* d = ::fdopendir(fd.release());
  if (!d) return sys_error("opendir", path);
  bool empty = true;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") empty = false;
  }
  ::closedir(d);
  if (!empty) return make_error(ErrorKind::invalid, "scratch directory " + path + " is not empty");
  return {};
}

bool exists_at(int dirfd, const char* name) {
  struct stat st;
  return ::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<void> extract_tar(const std::string& path, const std::string& scratch) {
  auto file = ROOST_TRY(open_file(path, O_RDONLY));
  auto root = ROOST_TRY(open_dir(scratch));
  ArchivePtr a(archive_read_new());
  storage::support_image_compressions(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_fd(a.get(), file.get(), 1 << 16) != ARCHIVE_OK)
    return make_error(ErrorKind::invalid, std::string("not a tar archive (") + archive_error_string(a.get()) + ")");

  std::set<std::string> files;
  std::vector<Link> links;
  for (bool first = true;; first = false) {
    struct archive_entry* entry;
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      std::string msg = archive_error_string(a.get()) ? archive_error_string(a.get()) : "unreadable header";
      if (first) return make_error(ErrorKind::invalid, "not a tar archive (" + msg + ")");
      return make_error(ErrorKind::corrupt, "reading tar: " + msg);
    }
    const char* raw = archive_entry_pathname(entry);
    std::string name = raw ? raw : "";
    auto parts = split_relative(name);
    if (!parts) return make_error(parts.error().kind(), "entry " + parts.error().message());
    if (parts->empty()) continue;  // "./"
    std::string norm = join(*parts, parts->size());

    if (const char* hard = archive_entry_hardlink(entry)) {
      auto target = split_relative(hard);
      if (!target) return make_error(ErrorKind::security, "entry \"" + name + "\": hard link " + target.error().message());
      links.push_back({norm, join(*target, target->size())});
      continue;
    }
    switch (archive_entry_filetype(entry)) {
      case AE_IFDIR:
        ROOST_TRY_CTX(open_parent(root.get(), *parts, parts->size(), true), "entry \"" + name + "\"");
        break;
      case AE_IFREG: {
        auto dir = ROOST_TRY_CTX(open_parent(root.get(), *parts, parts->size() - 1, true), "entry \"" + name + "\"");
        int fd = ::openat(dir.get(), parts->back().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) return sys_error("create", norm).context("entry \"" + name + "\"");
        UniqueFd out(fd);
        ROOST_TRY(write_entry_data(a.get(), out.get(), name));
        files.insert(norm);
        break;
      }
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        links.push_back({norm, ROOST_TRY(symlink_target(norm, target ? target : ""))});
        break;
      }
      default:
        return make_error(ErrorKind::security,
                          "entry \"" + name + "\": not a regular file or directory (device, fifo or socket entries are refused)");
    }
  }
  return make_links(root.get(), std::move(links), files);
}

}  // namespace detail

Result<OpenedArchive> open_archive(const std::string& path, const std::string& scratch_dir) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Error(ErrorKind::not_found, path + ": no such file");
    return sys_error("stat", path);
  }
  OpenedArchive out;
  if (S_ISDIR(st.st_mode)) {
    out.format = ArchiveFormat::oci_dir;
    out.images = ROOST_TRY_CTX(detail::read_oci_layout_at(path), path);
    return out;
  }
  ROOST_TRY(detail::ensure_empty_dir(scratch_dir));
  ROOST_TRY_CTX(detail::extract_tar(path, scratch_dir), path);
  auto root = ROOST_TRY(detail::open_dir(scratch_dir));
  if (detail::exists_at(root.get(), "manifest.json")) {
    out.format = ArchiveFormat::docker_archive;
    out.images = ROOST_TRY_CTX(detail::read_docker_archive_at(scratch_dir), path);
  } else if (detail::exists_at(root.get(), "oci-layout") && detail::exists_at(root.get(), "index.json")) {
    out.format = ArchiveFormat::oci_archive;
    out.images = ROOST_TRY_CTX(detail::read_oci_layout_at(scratch_dir), path);
  } else {
    return make_error(ErrorKind::invalid, path + ": not a docker-archive or oci-archive (no manifest.json or index.json)");
  }
  return out;
}

}  // namespace roost::image
