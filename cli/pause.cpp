// roost pause / unpause (container pause, container unpause): freezes or
// thaws every process of a container through its cgroup's freezer.
#include "cli/each_container.hpp"
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

struct PauseFlags {
  std::vector<std::string> containers;
  bool all = false;
};

// VERB's one-line error where containers get no cgroups (rootless on cgroup
// v1, or v2 without delegation), as podman says it, with the reason.
Error no_cgroups(const std::string& verb, bool rootless, const Error& why) {
  std::string who = rootless ? " for rootless containers" : "";
  return make_error(ErrorKind::unsupported, verb + " is not supported" + who + ": " + why.message());
}

Result<int> run_pause(Session& s, const PauseFlags& f, bool pause) {
  const std::string verb = pause ? "pause" : "unpause";
  if (f.containers.empty() && !f.all) return make_error(ErrorKind::invalid, "you must provide at least one container name or ID");
  if (!f.containers.empty() && f.all) return make_error(ErrorKind::invalid, "--all and containers cannot be used together");
  auto eng = ROOST_TRY(open_engine(s));
  if (auto ok = eng->cgroups_available(); !ok) return no_cgroups(verb, !eng->store_options().mapping.identity, ok.error());
  std::vector<std::string> targets = f.containers;
  if (f.all)
    for (auto& c : ROOST_TRY(eng->list()))
      if (c.state == (pause ? engine::State::running : engine::State::paused)) targets.push_back(c.id);
  return for_each_container(targets, [&](const std::string& name) -> Result<std::string> {
    ROOST_TRY(pause ? eng->pause_container(name) : eng->unpause_container(name));
    return name;
  });
}

void add_flags(CLI::App& app, PauseFlags& f, const std::string& what) {
  app.add_option("containers", f.containers, "Containers to " + what + " (name or ID)");
  app.add_flag("-a,--all", f.all, what == "pause" ? "Pause all running containers" : "Unpause all paused containers");
}

VerbRegistrar pause_reg({
    {"pause", "container pause"},
    "Pause all the processes in one or more containers",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<PauseFlags>();
      add_flags(app, *f, "pause");
      return [f](Session& s) { return run_pause(s, *f, true); };
    },
});

VerbRegistrar unpause_reg({
    {"unpause", "container unpause"},
    "Unpause the processes in one or more containers",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<PauseFlags>();
      add_flags(app, *f, "unpause");
      return [f](Session& s) { return run_pause(s, *f, false); };
    },
});

}  // namespace
}  // namespace roost::cli
