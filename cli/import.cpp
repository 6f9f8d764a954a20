// roost import TARBALL|- [NAME]
#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include "cli/verb.hpp"
#include "common/fd.hpp"
#include "image/load.hpp"
#include "image/reference.hpp"

namespace roost::cli {
namespace {

struct ImportFlags {
  std::string source;
  std::string name;
  std::vector<std::string> changes;
  std::string message;
  bool quiet = false;
};

Result<int> run_import(Session& s, const ImportFlags& f) {
  image::ImportOptions opts;
  opts.changes = f.changes;
  opts.message = f.message;
  if (!f.name.empty()) opts.names.push_back(ROOST_TRY(image::parse_local_name(f.name)).str());
  UniqueFd file;
  int fd = STDIN_FILENO;
  if (f.source != "-") {
    file = ROOST_TRY(open_file(f.source, O_RDONLY));
    fd = file.get();
  } else if (::isatty(STDIN_FILENO)) {
    return make_error(ErrorKind::invalid, "import: refusing to read a tarball from a terminal: pipe one in or name a file");
  }
  auto store = ROOST_TRY(s.store());
  auto rec = ROOST_TRY_CTX(image::import_rootfs(*store, fd, opts), "importing " + (f.source == "-" ? "standard input" : f.source));
  std::cout << rec.id << "\n";
  return 0;
}

VerbRegistrar reg({
    {"import", "image import"},
    "Import a tarball to create a filesystem image",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<ImportFlags>();
      app.add_option("source", f->source, "Root file system tarball (or - for standard input)")->required();
      app.add_option("reference", f->name, "Name for the new image");
      app.add_option("-c,--change", f->changes, "Apply a Dockerfile instruction (CMD, ENV, WORKDIR, ...)")
          ->allow_extra_args(false);
      app.add_option("-m,--message", f->message, "Commit message for the imported image");
      app.add_flag("-q,--quiet", f->quiet, "Suppress progress output");
      return [f](Session& s) { return run_import(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
