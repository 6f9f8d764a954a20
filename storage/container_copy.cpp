#include "storage/container_copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include "common/fd.hpp"
#include "storage/layer_apply.hpp"
#include "storage/tree_tar.hpp"

namespace roost::storage {
namespace {

// PATH split into its directory and last name ("/a/b" -> "/a", "b").
std::pair<std::string, std::string> split_last(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

Result<PathInfo> stat_in_container(const StoreOptions& options, const ContainerRoot& root, const std::string& path) {
  auto r = ROOST_TRY(in_container_root(options, root, [&](int rootfd) -> Result<std::string> {
    auto fd = open_in_root(rootfd, path, O_PATH);
    if (!fd) return std::string(fd.error().errnum() == ENOENT ? "missing" : "error:" + fd.error().str());
    UniqueFd f(*fd);
    struct stat st;
    if (::fstat(f.get(), &st) != 0) return sys_error("stat", path);
    return std::string(S_ISDIR(st.st_mode) ? "dir" : "file");
  }));
  if (r.starts_with("error:")) return make_error(ErrorKind::io, r.substr(6));
  return PathInfo{r != "missing", r == "dir"};
}

Result<void> copy_out(const StoreOptions& options, const ContainerRoot& root, const std::string& path,
                      const std::string& top_name, int fd) {
  ROOST_TRY(in_container_root(options, root, [&](int rootfd) -> Result<std::string> {
    auto tar = ROOST_TRY(TarWriter::open(fd));
    bool contents = path.ends_with("/.") || path == ".";
    auto [dir, name] = split_last(contents ? path.substr(0, path.size() - 1) : path);
    if (contents || name.empty()) {
      UniqueFd d(ROOST_TRY(open_in_root(rootfd, contents ? path : "/", O_RDONLY | O_DIRECTORY)));
      ROOST_TRY(tar.add_tree(d.get(), top_name));
    } else {
      UniqueFd parent(ROOST_TRY(open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY)));
      ROOST_TRY(tar.add(parent.get(), name, top_name));
      struct stat st;
      if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub.valid()) return sys_error("open", path);
        ROOST_TRY(tar.add_tree(sub.get(), top_name));
      }
    }
    ROOST_TRY(tar.finish());
    return std::string();
  }));
  return {};
}

Result<void> copy_in(const StoreOptions& options, const ContainerRoot& root, const std::string& dir, int fd) {
  ROOST_TRY(in_container_root(options, root, [&](int rootfd) -> Result<std::string> {
    UniqueFd target(ROOST_TRY(open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY)));
    ApplyOptions opts;
    opts.whiteouts = WhiteoutFormat::none;
    opts.ignore_chown_errors = options.mapping.single_id;
    ROOST_TRY(apply_layer(fd, "/proc/self/fd/" + std::to_string(target.get()), opts));
    return std::string();
  }));
  return {};
}

}  // namespace roost::storage
