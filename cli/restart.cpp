// roost restart / roost container restart
#include <optional>

#include "cli/each_container.hpp"
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

struct RestartFlags {
  std::vector<std::string> containers;
  int timeout = -1;
};

Result<int> run_restart(Session& s, const RestartFlags& f) {
  auto eng = ROOST_TRY(open_engine(s));
  std::optional<int> timeout;
  if (f.timeout >= 0) timeout = f.timeout;
  engine::StdioFds io;
  return for_each_container(f.containers, [&](const std::string& name) -> Result<std::string> {
    if (ROOST_TRY(eng->lookup(name)).state == engine::State::paused)
      return make_error(ErrorKind::invalid, "unable to restart a container in a paused or unknown state: container state improper");
    ROOST_TRY(eng->stop_container(name, timeout));
    int code = ROOST_TRY(eng->start_container(name, io, false));
    if (code != 0) return make_error(ErrorKind::invalid, "container " + name + " did not start again (exit " +
                                                             std::to_string(code) + ")");
    if (auto c = eng->lookup(name)) eng->record_event(*c, "restart");
    return name;
  });
}

VerbRegistrar reg({
    {"restart", "container restart"},
    "Restart one or more containers",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<RestartFlags>();
      app.add_option("containers", f->containers, "Containers to restart (name or ID)")->required();
      app.add_option("-t,--time", f->timeout, "Seconds to wait for the stop signal before SIGKILL (default: the container's)")
          ->check(CLI::NonNegativeNumber);
      return [f](Session& s) { return run_restart(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
