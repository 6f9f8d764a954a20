// roost export / roost container export
#include "cli/engine_access.hpp"
#include "cli/output_file.hpp"
#include "cli/verb.hpp"
#include "storage/container_changes.hpp"

namespace roost::cli {
namespace {

struct ExportFlags {
  std::string container;
  std::string output;
};

Result<int> run_export(Session& s, const ExportFlags& f) {
  auto files = ROOST_TRY(container_files(s, f.container));
  auto store = ROOST_TRY(s.store());
  pid_t pid = files.container.state == engine::State::running ? files.container.pid : 0;
  ROOST_TRY(write_output(f.output, "the export of container " + files.container.name, [&](int fd) {
    return storage::export_container_root(store->options(), files.layer, pid, files.rootless, fd);
  }));
  return 0;
}

VerbRegistrar reg({
    {"export", "container export"},
    "Export a container's file system contents as a tar archive",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<ExportFlags>();
      app.add_option("container", f->container, "Container (name or ID)")->required();
      app.add_option("-o,--output", f->output, "Write to a file, default is STDOUT");
      return [f](Session& s) { return run_export(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
