// roost load [-i FILE]
#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/fd.hpp"
#include "image/load.hpp"

namespace roost::cli {
namespace {

struct LoadFlags {
  std::string input;
  bool quiet = false;
};

Result<int> run_load(Session& s, const LoadFlags& f) {
  auto store = ROOST_TRY(s.store());
  std::string path = f.input;
  std::unique_ptr<storage::ScratchDir> spool;
  if (path.empty() || path == "-") {
    if (::isatty(STDIN_FILENO))
      return make_error(ErrorKind::invalid, "load: no archive given: use -i FILE or pipe an archive into standard input");
    // Archives are read more than once; spool a pipe to a file first.
    spool = ROOST_TRY(store->new_scratch());
    path = spool->path() + "/stdin.tar";
    auto out = ROOST_TRY(open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("reading standard input");
      if (n == 0) break;
      ROOST_TRY(write_all(out.get(), buf, static_cast<size_t>(n)));
    }
  }
  auto images = ROOST_TRY_CTX(image::load_archive(*store, path), "loading " + (f.input.empty() ? "standard input" : f.input));
  for (auto& img : images) {
    record_image_event(s, "load", img.id, img.names.empty() ? "" : img.names.front());
    if (img.names.empty()) {
      std::cout << "Loaded image: sha256:" << img.id << "\n";
      continue;
    }
    for (auto& n : img.names) std::cout << "Loaded image: " << n << "\n";
  }
  return 0;
}

VerbRegistrar reg({
    {"load", "image load"},
    "Load image(s) from a tar archive",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<LoadFlags>();
      app.add_option("-i,--input", f->input, "Read from a docker-archive or oci-archive file, or an OCI layout directory (default: standard input)");
      app.add_flag("-q,--quiet", f->quiet, "Suppress progress output");
      return [f](Session& s) { return run_load(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
