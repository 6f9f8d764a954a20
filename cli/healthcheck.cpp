// roost healthcheck run / roost container healthcheck run
#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "engine/health_run.hpp"

namespace roost::cli {
namespace {

// As podman: healthy is silent (exit 0); unhealthy or still starting is
// printed, exit 1.
Result<int> run_healthcheck(Session& s, const std::string& container) {
  auto eng = ROOST_TRY(open_engine(s));
  auto status = ROOST_TRY(engine::run_healthcheck(*eng, container));
  if (status == "healthy") return 0;
  std::cout << status << "\n";
  return 1;
}

VerbRegistrar reg({
    {"healthcheck run", "container healthcheck run"},
    "Run a container's health check once",
    [](CLI::App& app) -> RunFn {
      auto container = std::make_shared<std::string>();
      app.add_option("container", *container, "Container (name or ID)")->required();
      return [container](Session& s) { return run_healthcheck(s, *container); };
    },
});

}  // namespace
}  // namespace roost::cli
