// roost cp / roost container cp: files between a container and the host, as
// docker cp does (a directory destination receives the source by its name; a
// missing one becomes the copy; "-" is a tar stream on stdin or stdout).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/fd.hpp"
#include "storage/container_copy.hpp"
#include "storage/layer_apply.hpp"
#include "storage/tree_tar.hpp"

namespace roost::cli {
namespace {

struct CpFlags {
  std::string src;
  std::string dest;
};

struct Location {
  std::string container;  // empty: the host
  std::string path;
};

// "NAME:PATH" names a container unless it looks like a host path.
Location parse_location(const std::string& arg) {
  size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0 || arg[0] == '/' || arg[0] == '.') return {"", arg};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

std::string base_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string parent_of(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Where a copy of a source named SRC_NAME lands, given what DEST is:
// into DEST when it is a directory, else DEST is the copy's own name.
struct Target {
  std::string dir;
  std::string name;
};
Result<Target> place(const std::string& dest, const storage::PathInfo& info, bool src_is_dir, const std::string& src_name,
                     const std::string& where) {
  if (info.exists && info.is_dir) return Target{dest, src_name};
  if (info.exists && src_is_dir)
    return make_error(ErrorKind::invalid, "cannot copy a directory onto the file \"" + dest + "\"" + where);
  if (!info.exists && dest.ends_with("/"))
    return make_error(ErrorKind::not_found, "destination directory \"" + dest + "\" does not exist" + where);
  return Target{parent_of(dest), base_name(dest)};
}

Result<storage::ContainerRoot> root_of(Session& s, const std::string& name) {
  auto files = ROOST_TRY(container_files(s, name));
  pid_t pid = files.container.state == engine::State::running ? files.container.pid : 0;
  return storage::ContainerRoot{files.layer, pid, files.rootless};
}

Result<UniqueFd> scratch_file(storage::ScratchDir& scratch) {
  return open_file(scratch.path() + "/copy.tar", O_RDWR | O_CREAT | O_EXCL, 0600);
}

Result<void> rewind(int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) return sys_error("seek in the copy's staging file");
  return {};
}

Result<void> copy_from_container(Session& s, const Location& from, const std::string& dest) {
  auto store = ROOST_TRY(s.store());
  auto root = ROOST_TRY(root_of(s, from.container));
  auto info = ROOST_TRY(storage::stat_in_container(store->options(), root, from.path));
  if (!info.exists)
    return make_error(ErrorKind::not_found, "\"" + from.path + "\" could not be found on container " + from.container +
                                                ": no such file or directory");
  bool contents = from.path.ends_with("/.");
  if (dest == "-") return storage::copy_out(store->options(), root, from.path, contents ? "" : base_name(from.path), 1);

  storage::PathInfo here;
  struct stat st;
  if (::stat(dest.c_str(), &st) == 0) here = {true, S_ISDIR(st.st_mode)};
  auto target = ROOST_TRY(place(dest, here, info.is_dir, base_name(from.path), " on the host"));
  if (::stat(target.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error(ErrorKind::not_found, "destination directory \"" + target.dir + "\" does not exist on the host");
  // Contents of a directory into an existing one land directly in it.
  std::string top = contents && here.exists ? "" : target.name;
  if (contents && here.exists) target.name.clear();

  auto scratch = ROOST_TRY(store->new_scratch());
  auto tar = ROOST_TRY(scratch_file(*scratch));
  ROOST_TRY(storage::copy_out(store->options(), root, from.path, top, tar.get()));
  ROOST_TRY(rewind(tar.get()));
  storage::ApplyOptions opts;
  opts.whiteouts = storage::WhiteoutFormat::none;
  opts.ignore_chown_errors = true;  // the user's own files, whatever IDs the container used
  ROOST_TRY_CTX(storage::apply_layer(tar.get(), target.dir, opts), "copying to " + dest);
  return {};
}

Result<void> copy_to_container(Session& s, const std::string& src, const Location& to) {
  auto store = ROOST_TRY(s.store());
  auto root = ROOST_TRY(root_of(s, to.container));
  if (src == "-") {
    auto info = ROOST_TRY(storage::stat_in_container(store->options(), root, to.path));
    if (!info.is_dir)
      return make_error(ErrorKind::not_found, "destination \"" + to.path + "\" must be a directory in container " +
                                                  to.container + " to extract a tar stream");
    return storage::copy_in(store->options(), root, to.path, 0);
  }
  struct stat st;
  if (::lstat(src.c_str(), &st) != 0)
    return make_error(ErrorKind::not_found, "\"" + src + "\" could not be found on the host: no such file or directory");
  auto info = ROOST_TRY(storage::stat_in_container(store->options(), root, to.path));
  auto target = ROOST_TRY(place(to.path, info, S_ISDIR(st.st_mode), base_name(src), " in container " + to.container));
  auto dir_info = ROOST_TRY(storage::stat_in_container(store->options(), root, target.dir));
  if (!dir_info.is_dir)
    return make_error(ErrorKind::not_found,
                      "destination directory \"" + target.dir + "\" does not exist in container " + to.container);

  auto scratch = ROOST_TRY(store->new_scratch());
  auto tar_fd = ROOST_TRY(scratch_file(*scratch));
  {
    auto tar = ROOST_TRY(storage::TarWriter::open(tar_fd.get()));
    tar.force_owner(0, 0);  // the container's root owns what is copied in, as with podman
    auto parent = ROOST_TRY(open_file(parent_of(src), O_RDONLY | O_DIRECTORY));
    ROOST_TRY(tar.add(parent.get(), base_name(src), target.name));
    if (S_ISDIR(st.st_mode)) {
      auto dir = ROOST_TRY(open_file(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      ROOST_TRY(tar.add_tree(dir.get(), target.name));
    }
    ROOST_TRY(tar.finish());
  }
  ROOST_TRY(rewind(tar_fd.get()));
  ROOST_TRY_CTX(storage::copy_in(store->options(), root, target.dir, tar_fd.get()), "copying into " + to.container);
  return {};
}

Result<int> run_cp(Session& s, const CpFlags& f) {
  Location from = parse_location(f.src), to = parse_location(f.dest);
  if (from.container.empty() == to.container.empty())
    return make_error(ErrorKind::invalid, "copying between containers or within the host is not supported: name one "
                                          "side as CONTAINER:PATH");
  if (!from.container.empty()) ROOST_TRY(copy_from_container(s, from, to.path));
  else ROOST_TRY(copy_to_container(s, from.path, to));
  return 0;
}

VerbRegistrar reg({
    {"cp", "container cp"},
    "Copy files/folders between a container and the local filesystem",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<CpFlags>();
      app.add_option("src", f->src, "SRC_PATH or CONTAINER:SRC_PATH (- for a tar stream on stdin)")->required();
      app.add_option("dest", f->dest, "DEST_PATH or CONTAINER:DEST_PATH (- for a tar stream on stdout)")->required();
      return [f](Session& s) { return run_cp(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
