#include "image/save.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <map>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/fs_tree.hpp"
#include "image/export_image.hpp"
#include "image/push.hpp"
#include "storage/tree_tar.hpp"

namespace roost::image {
namespace {

using nlohmann::json;

void say(const Progress& progress, const std::string& line) {
  if (progress) progress(line);
}

Result<detail::ExportedImage> export_item(storage::Store& store, const SaveItem& item, storage::LayerCompression compression,
                                          const std::string& dir, const std::string& prefix, const Progress& progress) {
  auto x = ROOST_TRY_CTX(detail::export_image(store, item.image, compression, dir, prefix),
                         "image " + item.image.id.substr(0, 12));
  for (auto& l : x.layers) say(progress, "Copying blob " + l.digest);
  say(progress, "Copying config " + x.config_digest);
  return x;
}

// docker save's layout: <diff-id>.tar per layer (shared between images),
// <config-id>.json per image, and manifest.json naming them with the tags.
Result<void> write_docker_archive_dir(storage::Store& store, const std::vector<SaveItem>& items, const std::string& scratch,
                                      const std::string& out, const Progress& progress) {
  json manifest = json::array();
  for (size_t k = 0; k < items.size(); ++k) {
    auto x = ROOST_TRY(export_item(store, items[k], storage::LayerCompression::none, scratch, std::to_string(k) + "-", progress));
    json layers = json::array();
    for (size_t i = 0; i < x.layers.size(); ++i) {
      std::string name = digest_hex(x.layers[i].digest) + ".tar";
      ROOST_TRY(detail::place_blob(x.layer_files[i], out + "/" + name));
      layers.push_back(name);
    }
    std::string config = digest_hex(x.config_digest) + ".json";
    ROOST_TRY(write_file_atomic(out + "/" + config, x.config, 0644));
    manifest.push_back({{"Config", config}, {"RepoTags", items[k].names}, {"Layers", layers}});
  }
  say(progress, "Writing manifest to image destination");
  return write_file_atomic(out + "/manifest.json", manifest.dump(), 0644);
}

Result<void> tar_directory(const std::string& dir, int fd) {
  auto dfd = ROOST_TRY(open_file(dir, O_RDONLY | O_DIRECTORY));
  auto w = ROOST_TRY(storage::TarWriter::open(fd));
  w.force_owner(0, 0);
  ROOST_TRY(w.add_tree(dfd.get(), ""));
  return w.finish();
}

}  // namespace

Result<ArchiveFormat> parse_save_format(const std::string& name) {
  if (name == "docker-archive") return ArchiveFormat::docker_archive;
  if (name == "oci-archive") return ArchiveFormat::oci_archive;
  if (name == "oci-dir") return ArchiveFormat::oci_dir;
  return make_error(ErrorKind::invalid, "unknown format \"" + name + "\" (use docker-archive, oci-archive or oci-dir)");
}

std::string format_name(ArchiveFormat format) {
  switch (format) {
    case ArchiveFormat::docker_archive: return "docker-archive";
    case ArchiveFormat::oci_archive: return "oci-archive";
    case ArchiveFormat::oci_dir: return "oci-dir";
  }
  return "?";
}

Result<void> save_archive(storage::Store& store, const std::vector<SaveItem>& items, ArchiveFormat format, int fd,
                          const Progress& progress) {
  if (items.empty()) return make_error(ErrorKind::invalid, "no image to save");
  if (format == ArchiveFormat::oci_dir) return make_error(ErrorKind::invalid, "oci-dir is a directory, not a tar stream");
  if (format != ArchiveFormat::docker_archive && items.size() > 1)
    return make_error(ErrorKind::invalid, "unsupported format \"" + format_name(format) +
                                              "\" for saving multiple images (only docker-archive)");
  auto scratch = ROOST_TRY(store.new_scratch());
  std::string out = scratch->path() + "/out";
  ROOST_TRY(make_dirs(out, 0755));
  say(progress, "Getting image source signatures");
  if (format == ArchiveFormat::docker_archive) {
    ROOST_TRY(write_docker_archive_dir(store, items, scratch->path(), out, progress));
  } else {
    const auto& item = items.front();
    ROOST_TRY(push_to_oci_layout(store, item.image, out, item.names.empty() ? "" : item.names.front(), progress));
  }
  return tar_directory(out, fd);
}

Result<std::string> save_oci_dir(storage::Store& store, const SaveItem& item, const std::string& dir, const Progress& progress) {
  std::string ref = item.names.empty() ? "" : item.names.front();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return push_to_oci_layout(store, item.image, dir, ref, progress);
  std::string tmpl = dir;
  while (tmpl.size() > 1 && tmpl.back() == '/') tmpl.pop_back();
  tmpl += ".roost-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return sys_error("creating a directory beside", dir);
  auto done = [&]() -> Result<std::string> {
    auto digest = ROOST_TRY(push_to_oci_layout(store, item.image, tmpl, ref, progress));
    mode_t mask = ::umask(0);
    ::umask(mask);
    if (::chmod(tmpl.c_str(), 0755 & ~mask) != 0) return sys_error("chmod", tmpl);
    if (::rename(tmpl.c_str(), dir.c_str()) != 0) return sys_error("renaming to", dir);
    return digest;
  }();
  if (!done) (void)remove_tree(tmpl);
  return done;
}

}  // namespace roost::image
