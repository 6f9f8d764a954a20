// roost container-monitor ID (hidden): the body of a detached container's
// monitor process, started by `run -d` and `start` (engine/monitor.hpp).
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "engine/monitor.hpp"

namespace roost::cli {
namespace {

Result<int> run_monitor_verb(Session& s, const std::string& id) {
  auto eng = open_engine(s);
  if (!eng) {
    engine::report_monitor_error(engine::kMonitorSyncFd, eng.error());
    return 125;
  }
  return (*eng)->monitor_container(id, engine::kMonitorSyncFd);
}

VerbRegistrar reg({
    {"container-monitor"},
    "Monitor a detached container (internal)",
    [](CLI::App& app) -> RunFn {
      auto id = std::make_shared<std::string>();
      app.add_option("container", *id, "Container ID")->required();
      return [id](Session& s) { return run_monitor_verb(s, *id); };
    },
    true,
});

}  // namespace
}  // namespace roost::cli
