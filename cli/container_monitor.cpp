// roost container-monitor ID (hidden): the body of a detached container's
// monitor process, started by `run -d` and `start` (engine/monitor.hpp).
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "engine/monitor.hpp"

namespace roost::cli {
namespace {

Result<int> run_monitor_verb(Session& s, const std::string& id, bool wait_attach) {
  auto eng = open_engine(s);
  if (!eng) {
    engine::report_monitor_error(engine::kMonitorSyncFd, eng.error());
    return 125;
  }
  return (*eng)->monitor_container(id, engine::kMonitorSyncFd, wait_attach);
}

VerbRegistrar reg({
    {"container-monitor"},
    "Monitor a detached container (internal)",
    [](CLI::App& app) -> RunFn {
      auto id = std::make_shared<std::string>();
      auto wait_attach = std::make_shared<bool>(false);
      app.add_option("container", *id, "Container ID")->required();
      app.add_flag("--wait-attach", *wait_attach, "Let a client attach before the container starts");
      return [id, wait_attach](Session& s) { return run_monitor_verb(s, *id, *wait_attach); };
    },
    true,
});

}  // namespace
}  // namespace roost::cli
