// roost stop / roost container stop
#include <optional>

#include "cli/each_container.hpp"
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

struct StopFlags {
  std::vector<std::string> containers;
  bool all = false;
  int timeout = -1;
};

Result<int> run_stop(Session& s, const StopFlags& f) {
  auto eng = ROOST_TRY(open_engine(s));
  auto targets = ROOST_TRY(names_or_running(*eng, f.containers, f.all));
  std::optional<int> timeout;
  if (f.timeout >= 0) timeout = f.timeout;
  return for_each_container(targets, [&](const std::string& name) -> Result<std::string> {
    ROOST_TRY(eng->stop_container(name, timeout));
    return name;
  });
}

VerbRegistrar reg({
    {"stop", "container stop"},
    "Stop one or more containers",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<StopFlags>();
      app.add_option("containers", f->containers, "Containers to stop (name or ID)");
      app.add_flag("-a,--all", f->all, "Stop all running containers");
      app.add_option("-t,--time", f->timeout, "Seconds to wait for the stop signal before SIGKILL (default: the container's)")
          ->check(CLI::NonNegativeNumber);
      return [f](Session& s) { return run_stop(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
