// roost run / roost container run
#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/run_flags.hpp"
#include "cli/verb.hpp"
#include "common/detach_keys.hpp"
#include "common/fd.hpp"
#include "engine/foreground_attach.hpp"

namespace roost::cli {
namespace {

Result<int> run_run(Session& s, CLI::App& app, const RunFlags& f, const std::string& detach_keys) {
  // Checked before anything is created, as podman.
  auto keys = ROOST_TRY(parse_detach_keys(detach_keys));
  auto req = ROOST_TRY(to_run_request(s, app, f));
  auto eng = ROOST_TRY(open_engine(s));
  auto c = ROOST_TRY(eng->create_container(req.image, req.options, req.flags));
  engine::StdioFds io;
  if (f.detach) {
    // The monitor owns the container's stdio from here.
    int code = ROOST_TRY(eng->start_container(c.id, io, false));
    if (code == 0) std::cout << c.id << "\n";
    return code;
  }
  // Input from a terminal, so the user may detach: through a monitor. Input
  // from a pipe or file stays on the direct path (lossless, no socket).
  if (f.interactive && !keys.empty() && ::isatty(STDIN_FILENO))
    return engine::run_foreground_attached(*eng, c.id, keys);
  // Without input nothing can detach: the fast path, this process the
  // container's monitor.
  UniqueFd devnull;
  if (!f.interactive) {
    devnull = ROOST_TRY(open_file("/dev/null", O_RDONLY));
    io.in = devnull.get();
  }
  return eng->start_container(c.id, io, true);
}

VerbRegistrar reg({
    {"run", "container run"},
    "Run a command in a new container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<RunFlags>();
      auto detach_keys = std::make_shared<std::string>(kDefaultDetachKeys);
      add_run_flags(app, *f);
      app.add_option("--detach-keys", *detach_keys,
                     "Key sequence for detaching (with -i, or from a later attach): comma-separated letters or "
                     "ctrl-<a-z,@,[,\\,],^,_>; \"\" disables (default ctrl-p,ctrl-q)");
      return [f, detach_keys, &app](Session& s) { return run_run(s, app, *f, *detach_keys); };
    },
});

}  // namespace
}  // namespace roost::cli
