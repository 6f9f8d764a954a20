// roost rm / roost container rm
#include <cstdio>
#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"

namespace roost::cli {
namespace {

struct RmFlags {
  std::vector<std::string> containers;
  bool force = false;
  bool all = false;
};

// podman's exit codes: 1 when a container does not exist, 2 when one is
// running or paused (without --force), 125 for anything else.
int exit_code_for(const Error& e) {
  if (e.kind() == ErrorKind::not_found) return 1;
  if (e.message().find("running or paused containers cannot be removed") != std::string::npos) return 2;
  return 125;
}

Result<int> run_rm(Session& s, const RmFlags& f) {
  if (f.containers.empty() && !f.all)
    return make_error(ErrorKind::invalid, "rm: at least one container name or ID must be given (or --all)");
  if (!f.containers.empty() && f.all)
    return make_error(ErrorKind::invalid, "rm: when using --all, no containers may be named");
  auto eng = ROOST_TRY(open_engine(s));
  std::vector<std::string> targets = f.containers;
  if (f.all)
    for (auto& c : ROOST_TRY(eng->list())) targets.push_back(c.id);
  int code = 0;
  for (auto& t : targets) {
    auto r = eng->remove_container(t, f.force);
    if (!r) {
      std::cout.flush();
      std::fprintf(stderr, "Error: %s\n", r.error().str().c_str());
      int c = exit_code_for(r.error());
      if (code == 0 || c > code) code = c;
      continue;
    }
    std::cout << t << "\n";
  }
  return code;
}

VerbRegistrar reg({
    {"rm", "container rm", "container remove"},
    "Remove one or more containers",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<RmFlags>();
      app.add_option("containers", f->containers, "Containers to remove (name or ID)");
      app.add_flag("-f,--force", f->force, "Kill and remove running containers");
      app.add_flag("-a,--all", f->all, "Remove all containers");
      return [f](Session& s) { return run_rm(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
