// roost commit / roost container commit
#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/fd.hpp"
#include "common/format.hpp"
#include "image/commit.hpp"
#include "image/reference.hpp"
#include "storage/container_changes.hpp"

namespace roost::cli {
namespace {

struct CommitFlags {
  std::vector<std::string> args;  // CONTAINER [IMAGE]
  std::string author;
  std::string message;
  std::vector<std::string> changes;
  bool quiet = false;
};

Result<int> run_commit(Session& s, const CommitFlags& f) {
  if (f.args.empty() || f.args.size() > 2)
    return make_error(ErrorKind::invalid, "commit: requires CONTAINER and at most one IMAGE name");
  image::CommitOptions opts;
  if (f.args.size() == 2) opts.names.push_back(ROOST_TRY(image::parse_local_name(f.args[1])).str());
  opts.author = f.author;
  opts.message = f.message;
  opts.changes = f.changes;
  auto files = ROOST_TRY(container_files(s, f.args[0]));
  opts.created_by = join_words(files.container.command);
  auto store = ROOST_TRY(s.store());

  // The changes go to a file in the store's staging area first: the layer
  // writer reads its input in a helper process, and a failure or a crash
  // leaves nothing outside staging.
  auto scratch = ROOST_TRY(store->new_scratch());
  std::string path = scratch->path() + "/changes.tar";
  auto tar = ROOST_TRY(open_file(path, O_RDWR | O_CREAT | O_EXCL, 0600));
  ROOST_TRY(storage::write_container_changes(store->options(), files.layer, tar.get()));
  if (::lseek(tar.get(), 0, SEEK_SET) != 0) return sys_error("seek", path);
  auto img = ROOST_TRY_CTX(image::commit_image(*store, files.image, tar.get(), opts),
                           "committing container " + files.container.name);
  if (!f.quiet) std::cerr << "Writing manifest to image destination\n";
  std::cout << img.id << "\n";
  return 0;
}

VerbRegistrar reg({
    {"commit", "container commit"},
    "Create new image based on the changed container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<CommitFlags>();
      app.add_option("args", f->args, "CONTAINER [IMAGE]")->required();
      app.add_option("-a,--author", f->author, "Set the author for the image committed");
      app.add_option("-m,--message", f->message, "Set commit message for imported image");
      app.add_option("-c,--change", f->changes, "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR")
          ->allow_extra_args(false);
      app.add_flag("-q,--quiet", f->quiet, "Suppress output");
      return [f](Session& s) { return run_commit(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
