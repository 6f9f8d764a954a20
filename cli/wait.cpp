// roost wait / roost container wait
#include "cli/each_container.hpp"
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

Result<int> run_wait(Session& s, const std::vector<std::string>& containers) {
  auto eng = ROOST_TRY(open_engine(s));
  return for_each_container(containers, [&](const std::string& name) -> Result<std::string> {
    return std::to_string(ROOST_TRY(eng->wait_container(name)));
  });
}

VerbRegistrar reg({
    {"wait", "container wait"},
    "Block on one or more containers until they stop, then print their exit codes",
    [](CLI::App& app) -> RunFn {
      auto containers = std::make_shared<std::vector<std::string>>();
      app.add_option("containers", *containers, "Containers to wait for (name or ID)")->required();
      return [containers](Session& s) { return run_wait(s, *containers); };
    },
});

}  // namespace
}  // namespace roost::cli
