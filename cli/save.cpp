// roost save [-o FILE] [--format docker-archive|oci-archive|oci-dir] [-q] [-m] IMAGE...
#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/image_lookup.hpp"
#include "cli/output_file.hpp"
#include "cli/save_items.hpp"
#include "cli/verb.hpp"
#include "image/save.hpp"

namespace roost::cli {
namespace {

struct SaveFlags {
  std::string output;
  std::string format = "docker-archive";
  bool quiet = false;
  bool multi = false;
  std::vector<std::string> images;
};

Result<int> run_save(Session& s, const SaveFlags& f) {
  auto format = ROOST_TRY(image::parse_save_format(f.format));
  if (format == image::ArchiveFormat::oci_dir && f.output.empty())
    return make_error(ErrorKind::invalid, "--format oci-dir writes a directory: give it with -o DIR");
  auto store = ROOST_TRY(s.store());
  std::vector<image::SaveItem> items;
  for (auto& name : f.images) items.push_back(ROOST_TRY(save_item(*store, name)));
  image::Progress progress;
  if (!f.quiet) progress = [](const std::string& line) { std::cerr << line << std::endl; };
  if (format == image::ArchiveFormat::oci_dir) {
    if (items.size() > 1)
      return make_error(ErrorKind::invalid, "unsupported format \"oci-dir\" for saving multiple images (only docker-archive)");
    ROOST_TRY(image::save_oci_dir(*store, items.front(), f.output, progress));
    record_image_event(s, "save", items.front().image.id, f.output);
    return 0;
  }
  ROOST_TRY(write_output(f.output, "an image archive", [&](int fd) {
    return image::save_archive(*store, items, format, fd, progress);
  }));
  for (auto& item : items) record_image_event(s, "save", item.image.id, f.output);
  return 0;
}

VerbRegistrar reg({
    {"save", "image save"},
    "Save image(s) to an archive",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<SaveFlags>();
      app.add_option("-o,--output", f->output, "Write to a specified file (default: stdout, which must be redirected)");
      app.add_option("--format", f->format, "Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive")
          ->default_str("docker-archive");
      app.add_flag("-q,--quiet", f->quiet, "Suppress the output");
      app.add_flag("-m,--multi-image-archive", f->multi,
                   "Save every image given into one archive (only for docker-archive; roost always does)");
      app.add_option("image", f->images, "Image(s) to save")->required();
      return [f](Session& s) { return run_save(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
