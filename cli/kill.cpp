// roost kill / roost container kill
#include "cli/each_container.hpp"
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "engine/signals.hpp"

namespace roost::cli {
namespace {

struct KillFlags {
  std::vector<std::string> containers;
  bool all = false;
  std::string signal = "KILL";
};

Result<int> run_kill(Session& s, const KillFlags& f) {
  int sig = ROOST_TRY(engine::parse_signal(f.signal));
  auto eng = ROOST_TRY(open_engine(s));
  auto targets = ROOST_TRY(names_or_running(*eng, f.containers, f.all));
  return for_each_container(targets, [&](const std::string& name) -> Result<std::string> {
    ROOST_TRY(eng->kill_container(name, sig));
    return name;
  });
}

VerbRegistrar reg({
    {"kill", "container kill"},
    "Kill one or more running containers with a specific signal",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<KillFlags>();
      app.add_option("containers", f->containers, "Containers to signal (name or ID)");
      app.add_flag("-a,--all", f->all, "Signal all running containers");
      app.add_option("-s,--signal", f->signal, "Signal to send (name or number; default KILL)");
      return [f](Session& s) { return run_kill(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
