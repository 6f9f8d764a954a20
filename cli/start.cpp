// roost start / roost container start
#include <fcntl.h>

#include <cstdio>
#include <iostream>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/detach_keys.hpp"
#include "common/fd.hpp"

namespace roost::cli {
namespace {

struct StartFlags {
  std::vector<std::string> containers;
  bool attach = false;
  bool interactive = false;
  std::string detach_keys = kDefaultDetachKeys;
};

Result<int> run_start(Session& s, const StartFlags& f) {
  if (f.containers.size() > 1 && f.attach)
    return make_error(ErrorKind::invalid, "you cannot start and attach multiple containers at once");
  auto keys = ROOST_TRY(parse_detach_keys(f.detach_keys));
  auto eng = ROOST_TRY(open_engine(s));
  if (f.interactive) {
    // Input can be relayed, so the user may detach: the container gets a
    // monitor, as with start without -a, and this process attaches to it.
    auto c = ROOST_TRY(eng->lookup(f.containers.front()));
    if (c.options.interactive) {
      engine::AttachRequest r;
      r.detach_keys = keys;
      auto outcome = ROOST_TRY(eng->start_attached(c.id, r));
      return outcome.exit_code;
    }
  }
  engine::StdioFds io;
  UniqueFd devnull;
  if (!f.interactive) {
    devnull = ROOST_TRY(open_file("/dev/null", O_RDONLY));
    io.in = devnull.get();
  }
  if (f.attach || f.interactive) return eng->start_container(f.containers.front(), io, true);
  // Detached, as podman: each container gets its own monitor; the names are
  // printed as given.
  int code = 0;
  for (auto& name : f.containers) {
    auto r = eng->start_container(name, io, false);
    if (!r) {
      std::cout.flush();
      std::fprintf(stderr, "Error: %s\n", r.error().str().c_str());
      code = 125;
      continue;
    }
    if (*r != 0) {
      code = *r;
      continue;
    }
    std::cout << name << "\n";
  }
  return code;
}

VerbRegistrar reg({
    {"start", "container start"},
    "Start one or more containers",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<StartFlags>();
      app.add_option("containers", f->containers, "Containers to start (name or ID)")->required();
      app.add_flag("-a,--attach", f->attach, "Attach to the container's output and wait for it (default: detached)");
      app.add_flag("-i,--interactive", f->interactive, "Attach the container's STDIN");
      app.add_option("--detach-keys", f->detach_keys,
                     "Key sequence for detaching (with -i): comma-separated letters or ctrl-<a-z,@,[,\\,],^,_>; "
                     "\"\" disables (default ctrl-p,ctrl-q)");
      return [f](Session& s) { return run_start(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
