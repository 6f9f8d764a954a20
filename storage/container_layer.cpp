// Containers' writable layers: GRAPH/containers/<id>/ with upper/ and work/
// (overlay, fuse-overlayfs) or rootfs/ (vfs), and merged/ as the mount point.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "common/fd.hpp"
#include "common/file_lock.hpp"
#include "common/fs_tree.hpp"
#include "common/log.hpp"
#include "common/process.hpp"
#include "storage/mount_targets.hpp"
#include "storage/store.hpp"
#include "userns/userns.hpp"

namespace roost::storage {
namespace {

std::string containers_dir(const StoreOptions& o) { return o.graph_root + "/containers"; }

bool valid_container_id(const std::string& id) {
  if (id.size() != 64) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

Result<void> make_dir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0) return sys_error("mkdir", path);
  // The umask must not narrow what the container sees as its root.
  if (::chmod(path.c_str(), mode) != 0) return sys_error("chmod", path);
  return {};
}

// Files under a container's layer may belong to sub-IDs (anything the
// container created as a non-root user), which only root in a user namespace
// with the same map can delete. Plain removal first: for the common case
// (nothing written, or root) that avoids a helper process.
Result<void> remove_layer_tree(const userns::IdMapping& mapping, const std::string& path) {
  if (remove_tree(path)) return {};
  auto r = userns::run_in_userns(mapping, [&]() -> Result<std::string> {
    ROOST_TRY(remove_tree(path));
    return std::string();
  });
  if (!r) return std::move(r).error().context("removing " + path);
  return {};
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// overlay and fuse-overlayfs split their option string on ',' and lowerdir on
// ':', with no escaping that both understand.
Result<void> check_overlay_path(const std::string& path) {
  if (path.find_first_of(",:") != std::string::npos)
    return make_error(ErrorKind::unsupported,
                      "storage path " + path + " contains ',' or ':', which overlay mount options cannot carry");
  return {};
}

Result<void> mount_fuse_overlayfs(const std::string& opts, const std::string& target) {
  std::string prog = find_program("fuse-overlayfs");
  if (prog.empty())
    return make_error(ErrorKind::unsupported,
                      "fuse-overlayfs: program not found in $PATH (install the fuse-overlayfs package)");
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return sys_error("pipe");
  UniqueFd rd(pipefd[0]), wr(pipefd[1]);
  pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork");
  if (pid == 0) {
    // Its messages come back to us; its stdin must not steal the container's.
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    const char* argv[] = {prog.c_str(), "-o", opts.c_str(), target.c_str(), nullptr};
    ::execv(prog.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  Child child(pid);
  wr.reset();
  // fuse-overlayfs forks its daemon after the mount is in place; its first
  // process exits 0 then. The daemon inherits the pipe, so read only what is
  // there after the exit.
  auto st = ROOST_TRY(child.wait());
  ::fcntl(rd.get(), F_SETFL, O_NONBLOCK);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(rd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return make_error(ErrorKind::io, "fuse-overlayfs mounting " + target + " (exit " +
                                         std::to_string(exit_code_of(st)) + ")" + (out.empty() ? "" : ": " + out));
  return {};
}

// Bytes of the regular files under directory FD; what cannot be read (a
// directory of the container's own users, rootless) is left out.
uint64_t tree_bytes(int fd) {
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return 0;
  }
  uint64_t total = 0;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st;
    if (::fstatat(::dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISREG(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
    if (!S_ISDIR(st.st_mode)) continue;
    int sub = ::openat(::dirfd(d), n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0) total += tree_bytes(sub);
  }
  ::closedir(d);
  return total;
}

}  // namespace

Result<void> mount_container_root(const ContainerLayer& layer, const std::string& target, bool rootless) {
  if (layer.driver == Driver::vfs) {
    std::string src = layer.dir + "/rootfs";
    if (::mount(src.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      return sys_error("vfs: bind mounting " + src + " on", target);
    return {};
  }
  if (layer.lower_dirs.empty())
    return make_error(ErrorKind::invalid, driver_name(layer.driver) + ": container " + layer.container_id +
                                              " has no image layers to mount");
  for (auto& d : layer.lower_dirs) ROOST_TRY(check_overlay_path(d));
  ROOST_TRY(check_overlay_path(layer.dir));
  std::string upper = layer.dir + "/upper", work = layer.dir + "/work";
  auto options_for = [&](const std::vector<std::string>& lowers) {
    return "lowerdir=" + join(lowers, ":") + ",upperdir=" + upper + ",workdir=" + work +
           (rootless && layer.driver == Driver::overlay ? ",userxattr" : "");
  };
  std::vector<std::string> lowers = layer.lower_dirs;
  std::string opts = options_for(lowers);
  if (!layer.targets_dir.empty()) {
    ROOST_TRY(check_overlay_path(layer.targets_dir));
    lowers.push_back(layer.targets_dir);
    std::string with_targets = options_for(lowers);
    // Only a convenience: without it the executor creates missing targets.
    if (layer.driver == Driver::fuse_overlayfs || with_targets.size() < static_cast<size_t>(::getpagesize()))
      opts = std::move(with_targets);
    else
      lowers.pop_back();
  }
  if (layer.driver == Driver::fuse_overlayfs) return mount_fuse_overlayfs(opts, target);
  if (opts.size() >= static_cast<size_t>(::getpagesize()))
    return make_error(ErrorKind::unsupported, "overlay: mount options for " + std::to_string(layer.lower_dirs.size()) +
                                                  " layers exceed the kernel's limit of one page");
  if (::mount("overlay", target.c_str(), "overlay", 0, opts.c_str()) != 0)
    return sys_error("overlay: mounting " + target + " (lowerdir=" + join(lowers, ":") + ", upperdir=" + upper +
                     ", workdir=" + work + ")");
  return {};
}

Result<ContainerLayer> Store::create_container_layer(const std::string& container_id, const ImageRecord& image) {
  if (!valid_container_id(container_id))
    return make_error(ErrorKind::invalid, "invalid container ID \"" + container_id + "\"");
  auto layer = ContainerLayer{container_id, options().driver, containers_dir(options()) + "/" + container_id, {}, {}};
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it) layer.lower_dirs.push_back(layer_dir(*it));
  if (layer.lower_dirs.empty() && layer.driver != Driver::vfs)
    return make_error(ErrorKind::invalid, "image " + image.id + " has no layers");
  ROOST_TRY(make_dirs(containers_dir(options()), 0700));
  if (layer.driver != Driver::vfs) layer.targets_dir = ROOST_TRY(ensure_mount_targets(*this));
  if (exists(layer.dir)) return make_error(ErrorKind::exists, "container layer " + layer.dir + " already exists");

  // Built in a staging directory and renamed into place, so a failure or a
  // crash never leaves a half-made layer under containers/ (the store's sweep
  // removes abandoned staging directories).
  auto staging = ROOST_TRY(new_staging_path());
  const std::string& tmp = staging->path();
  auto build = [&]() -> Result<void> {
    ROOST_TRY(make_dir(tmp, 0700));
    ROOST_TRY(make_dir(tmp + "/merged", 0755));
    if (layer.driver == Driver::vfs) {
      if (layer.lower_dirs.empty()) return make_dir(tmp + "/rootfs", 0755);
      std::string src = layer.lower_dirs.front();
      auto r = userns::run_in_userns(options().mapping, [&]() -> Result<std::string> {
        auto cp = ROOST_TRY(run_program({"cp", "-a", "--reflink=auto", src, tmp + "/rootfs"}));
        if (cp.exit_code != 0) return make_error(ErrorKind::io, "copying " + src + ": " + cp.output);
        return std::string();
      });
      if (!r) return std::move(r).error().context("vfs: creating the root file system of container " + container_id);
      return {};
    }
    // The merged root takes upper/'s owner and mode: match the image's root.
    struct stat top;
    if (::stat(layer.lower_dirs.front().c_str(), &top) != 0) return sys_error("stat", layer.lower_dirs.front());
    ROOST_TRY(make_dir(tmp + "/upper", top.st_mode & 07777));
    ROOST_TRY(make_dir(tmp + "/work", 0700));
    return {};
  };
  auto built = build();
  if (built && ::rename(tmp.c_str(), layer.dir.c_str()) != 0) built = sys_error("rename", layer.dir);
  if (!built) {
    (void)remove_layer_tree(options().mapping, tmp);
    return std::move(built).error();
  }
  return layer;
}

Result<ContainerLayer> Store::container_layer(const std::string& container_id, const ImageRecord& image) const {
  if (!valid_container_id(container_id))
    return make_error(ErrorKind::invalid, "invalid container ID \"" + container_id + "\"");
  auto layer = ContainerLayer{container_id, options().driver, containers_dir(options()) + "/" + container_id, {}, {}};
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it) layer.lower_dirs.push_back(layer_dir(*it));
  // Containers made before the store had one mount without it.
  std::string targets = mount_targets_dir(options().graph_root);
  if (layer.driver != Driver::vfs && exists(targets)) layer.targets_dir = targets;
  if (!exists(layer.dir))
    return make_error(ErrorKind::not_found, "container " + container_id + ": layer " + layer.dir + " does not exist");
  return layer;
}

uint64_t Store::container_layer_size(const std::string& container_id) const {
  if (!valid_container_id(container_id)) return 0;
  std::string dir = containers_dir(options()) + "/" + container_id + (options().driver == Driver::vfs ? "/rootfs" : "/upper");
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? 0 : tree_bytes(fd);
}

Result<void> Store::delete_container_layer(const std::string& container_id) {
  if (!valid_container_id(container_id))
    return make_error(ErrorKind::invalid, "invalid container ID \"" + container_id + "\"");
  std::string dir = containers_dir(options()) + "/" + container_id;
  if (!exists(dir)) return {};
  // Renamed aside first so that a half-deleted tree is never taken for a
  // container's layer; the staging sweep finishes it if we die.
  auto staging = ROOST_TRY(new_staging_path());
  const std::string& doomed = staging->path();
  if (::rename(dir.c_str(), doomed.c_str()) != 0) return sys_error("rename", dir);
  return remove_layer_tree(options().mapping, doomed);
}

}  // namespace roost::storage
