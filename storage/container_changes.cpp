#include "storage/container_changes.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "common/fd.hpp"
#include "storage/container_root.hpp"
#include "storage/tree_tar.hpp"
#include "userns/userns.hpp"

namespace roost::storage {
namespace {

constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";

// Opens REL under ROOT without following any symlink on the way, so a lower
// layer's symlinks cannot point the lookup outside it.
UniqueFd open_beneath(int root, const std::string& rel, int flags) {
  struct open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return UniqueFd(static_cast<int>(::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how)));
}

std::optional<struct stat> lstat_beneath(int root, const std::string& rel) {
  size_t slash = rel.rfind('/');
  std::string parent = slash == std::string::npos ? "." : rel.substr(0, slash);
  std::string base = slash == std::string::npos ? rel : rel.substr(slash + 1);
  UniqueFd dir = open_beneath(root, parent, O_PATH | O_DIRECTORY);
  if (!dir.valid()) return std::nullopt;
  struct stat st;
  if (::fstatat(dir.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0) return std::nullopt;
  return st;
}

std::string join_path(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

// Where the runtime mounts things (and may have created the mount point in
// the container's layer): not the container's own changes. The same list as
// podman's diff leaves out; their contents still count.
bool is_mount_point_path(const std::string& path) {
  static const char* const kPaths[] = {"dev", "etc/hostname", "etc/hosts", "etc/resolv.conf", "proc", "run",
                                       "run/.containerenv", "run/notify", "run/secrets", "sys"};
  return std::any_of(std::begin(kPaths), std::end(kPaths), [&](const char* p) { return path == p; });
}

// Collects changes and, with a tar writer, the layer that holds them.
class ChangeWalk {
 public:
  // SKIP_MOUNTS leaves out the files roost mounts into containers (/etc/hosts,
  // ...): a container's copies are not its changes, an image layer's are.
  ChangeWalk(std::vector<Change>& changes, TarWriter* tar, bool skip_mounts = true)
      : changes_(changes), tar_(tar), skip_mounts_(skip_mounts) {}

  // Overlay: everything in UPPER is a change; whether it is new depends on
  // the LOWERS (topmost first, as overlay stacks them).
  Result<void> overlay(int upper, const std::string& rel, const std::vector<UniqueFd>& lowers) {
    for (auto& name : ROOST_TRY(sorted_entries(upper))) {
      std::string path = join_path(rel, name);
      // fuse-overlayfs marks an opaque directory three ways: its xattr (read
      // below), a .wh..wh..opq file and a whiteout named .wh..opq.
      if (name == kOpaqueMarker || name == ".wh..opq") continue;
      if (is_overlay_whiteout(upper, name)) {
        ROOST_TRY(deleted(path, join_path(rel, kWhiteoutPrefix + name)));
        continue;
      }
      if (name.starts_with(kWhiteoutPrefix)) {  // fuse-overlayfs without mknod writes markers as files
        ROOST_TRY(deleted(join_path(rel, name.substr(4)), path));
        continue;
      }
      bool existed = in_lowers(lowers, path);
      if (!(skip_mounts_ && is_mount_point_path(path))) {
        changes_.push_back({existed ? ChangeKind::changed : ChangeKind::added, "/" + path});
        if (tar_) ROOST_TRY(tar_->add(upper, name, path));
      }
      struct stat st;
      if (::fstatat(upper, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(upper, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub.valid()) return sys_error("open", "/" + path);
        // Only a directory that hides an image's one needs the marker.
        if (existed && is_opaque_dir(sub.get()) && tar_) ROOST_TRY(tar_->add_marker(join_path(path, kOpaqueMarker)));
        ROOST_TRY(overlay(sub.get(), path, lowers));
      }
    }
    return {};
  }

  // vfs: the container's full copy NOW against the image's tree BEFORE (-1
  // when the directory is new).
  Result<void> compare(int now, int before, const std::string& rel) {
    auto now_names = ROOST_TRY(sorted_entries(now));
    for (auto& name : now_names) {
      std::string path = join_path(rel, name);
      struct stat st;
      if (::fstatat(now, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return sys_error("stat", "/" + path);
      struct stat old;
      bool existed = before >= 0 && ::fstatat(before, name.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0;
      bool same = existed && same_entry(now, before, name, st, old);
      if (!same && !(skip_mounts_ && is_mount_point_path(path))) {
        changes_.push_back({existed ? ChangeKind::changed : ChangeKind::added, "/" + path});
        if (tar_) ROOST_TRY(tar_->add(now, name, path));
      }
      if (S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(now, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub.valid()) return sys_error("open", "/" + path);
        UniqueFd old_sub;
        if (existed && S_ISDIR(old.st_mode))
          old_sub = UniqueFd(::openat(before, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        ROOST_TRY(compare(sub.get(), old_sub.valid() ? old_sub.get() : -1, path));
      }
    }
    if (before >= 0) {
      for (auto& name : ROOST_TRY(sorted_entries(before)))
        if (!std::binary_search(now_names.begin(), now_names.end(), name))
          ROOST_TRY(deleted(join_path(rel, name), join_path(rel, kWhiteoutPrefix + name)));
    }
    return {};
  }

 private:
  Result<void> deleted(const std::string& path, const std::string& marker) {
    changes_.push_back({ChangeKind::deleted, "/" + path});
    if (tar_) ROOST_TRY(tar_->add_marker(marker));
    return {};
  }

  static bool in_lowers(const std::vector<UniqueFd>& lowers, const std::string& path) {
    for (auto& l : lowers) {
      auto st = lstat_beneath(l.get(), path);
      if (st) return !(S_ISCHR(st->st_mode) && st->st_rdev == 0);
    }
    return false;
  }

  static bool same_entry(int now, int before, const std::string& name, const struct stat& a, const struct stat& b) {
    if ((a.st_mode & S_IFMT) != (b.st_mode & S_IFMT) || a.st_mode != b.st_mode || a.st_uid != b.st_uid ||
        a.st_gid != b.st_gid || a.st_rdev != b.st_rdev)
      return false;
    if (S_ISDIR(a.st_mode)) return a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
    if (a.st_size != b.st_size || a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec)
      return false;
    if (S_ISLNK(a.st_mode)) {
      char x[4096], y[4096];
      ssize_t n = ::readlinkat(now, name.c_str(), x, sizeof x), m = ::readlinkat(before, name.c_str(), y, sizeof y);
      return n == m && n >= 0 && std::equal(x, x + n, y);
    }
    return true;
  }

  std::vector<Change>& changes_;
  TarWriter* tar_;
  bool skip_mounts_ = true;
};

Result<UniqueFd> open_dir(const std::string& path) { return open_file(path, O_RDONLY | O_DIRECTORY); }

// Walks LAYER's changes in the caller (already inside the user namespace).
Result<std::vector<Change>> walk_changes(const ContainerLayer& layer, TarWriter* tar) {
  std::vector<Change> changes;
  ChangeWalk walk(changes, tar);
  if (layer.driver == Driver::vfs) {
    auto now = ROOST_TRY(open_dir(layer.dir + "/rootfs"));
    std::optional<UniqueFd> before;
    if (!layer.lower_dirs.empty()) before = ROOST_TRY(open_dir(layer.lower_dirs.front()));
    ROOST_TRY(walk.compare(now.get(), before ? before->get() : -1, ""));
  } else {
    auto upper = ROOST_TRY(open_dir(layer.dir + "/upper"));
    std::vector<UniqueFd> lowers;
    for (auto& d : layer.lower_dirs) lowers.push_back(ROOST_TRY(open_dir(d)));
    ROOST_TRY(walk.overlay(upper.get(), "", lowers));
  }
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.path < b.path; });
  return changes;
}

std::string encode(const std::vector<Change>& changes) {
  std::string out;
  for (auto& c : changes) {
    out += change_letter(c.kind);
    out += c.path;
    out += '\0';
  }
  return out;
}

std::vector<Change> decode(const std::string& data) {
  std::vector<Change> out;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\0', pos);
    if (end == std::string::npos) end = data.size();
    if (end > pos + 1) {
      char k = data[pos];
      out.push_back({k == 'A' ? ChangeKind::added : k == 'C' ? ChangeKind::changed : ChangeKind::deleted,
                     data.substr(pos + 1, end - pos - 1)});
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace

char change_letter(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::added: return 'A';
    case ChangeKind::changed: return 'C';
    case ChangeKind::deleted: return 'D';
  }
  return '?';
}

Result<std::vector<Change>> container_changes(const StoreOptions& options, const ContainerLayer& layer) {
  auto data = ROOST_TRY_CTX(userns::run_in_userns(options.mapping, [&]() -> Result<std::string> {
                              return encode(ROOST_TRY(walk_changes(layer, nullptr)));
                            }),
                            "reading the changes of container " + layer.container_id);
  return decode(data);
}

Result<void> write_layer_tar(Driver driver, const std::string& dir, const std::vector<std::string>& parent_dirs, int fd) {
  std::vector<Change> changes;
  auto tar = ROOST_TRY(TarWriter::open(fd));
  ChangeWalk walk(changes, &tar, false);
  auto top = ROOST_TRY(open_dir(dir));
  if (driver == Driver::vfs) {
    std::optional<UniqueFd> before;
    if (!parent_dirs.empty()) before = ROOST_TRY(open_dir(parent_dirs.front()));
    ROOST_TRY(walk.compare(top.get(), before ? before->get() : -1, ""));
  } else {
    std::vector<UniqueFd> lowers;
    for (auto& d : parent_dirs) lowers.push_back(ROOST_TRY(open_dir(d)));
    ROOST_TRY(walk.overlay(top.get(), "", lowers));
  }
  return tar.finish();
}

Result<void> write_container_changes(const StoreOptions& options, const ContainerLayer& layer, int fd) {
  ROOST_TRY_CTX(userns::run_in_userns(options.mapping, [&]() -> Result<std::string> {
                  auto tar = ROOST_TRY(TarWriter::open(fd));
                  ROOST_TRY(walk_changes(layer, &tar));
                  ROOST_TRY(tar.finish());
                  return std::string();
                }),
                "writing the changes of container " + layer.container_id);
  return {};
}

Result<void> export_container_root(const StoreOptions& options, const ContainerLayer& layer, pid_t running_pid,
                                   bool rootless, int fd) {
  ROOST_TRY_CTX(in_container_root(options, {layer, running_pid, rootless},
                                  [&](int rootfd) -> Result<std::string> {
                                    UniqueFd dir(ROOST_TRY(open_in_root(rootfd, "/", O_RDONLY | O_DIRECTORY)));
                                    auto tar = ROOST_TRY(TarWriter::open(fd));
                                    // Not the running container's /proc, /sys, /dev.
                                    ROOST_TRY(tar.stay_on_file_system_of(dir.get()));
                                    ROOST_TRY(tar.add_tree(dir.get(), ""));
                                    ROOST_TRY(tar.finish());
                                    return std::string();
                                  }),
                "exporting container " + layer.container_id);
  return {};
}

}  // namespace roost::storage
