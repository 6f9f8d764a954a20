// roost container prune
#include <iostream>
#include <string>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

Result<int> run_prune(Session& s, bool force) {
  if (!force) {
    std::cout << "WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] "
              << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return 0;
  }
  auto eng = ROOST_TRY(open_engine(s));
  for (auto& id : ROOST_TRY(eng->prune())) std::cout << id << "\n";
  return 0;
}

VerbRegistrar reg({
    {"container prune"},
    "Remove all non running containers",
    [](CLI::App& app) -> RunFn {
      auto force = std::make_shared<bool>(false);
      app.add_flag("-f,--force", *force, "Do not ask for confirmation");
      return [force](Session& s) { return run_prune(s, *force); };
    },
});

}  // namespace
}  // namespace roost::cli
