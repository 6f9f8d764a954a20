// roost create / roost container create
#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/run_flags.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

Result<int> run_create(Session& s, CLI::App& app, const RunFlags& f) {
  auto req = ROOST_TRY(to_run_request(s, app, f));
  auto eng = ROOST_TRY(open_engine(s));
  auto c = ROOST_TRY(eng->create_container(req.image, req.options, req.flags));
  std::cout << c.id << "\n";
  return 0;
}

VerbRegistrar reg({
    {"create", "container create"},
    "Create but do not start a container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<RunFlags>();
      add_run_flags(app, *f);
      return [f, &app](Session& s) { return run_create(s, app, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
