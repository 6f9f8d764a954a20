// roost attach / roost container attach
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/detach_keys.hpp"

namespace roost::cli {
namespace {

struct AttachFlags {
  std::string container;
  std::string detach_keys = kDefaultDetachKeys;
  bool no_stdin = false;
  bool sig_proxy = true;
};

Result<int> run_attach(Session& s, const AttachFlags& f) {
  engine::AttachRequest r;
  r.detach_keys = ROOST_TRY(parse_detach_keys(f.detach_keys));
  r.no_stdin = f.no_stdin;
  r.sig_proxy = f.sig_proxy;
  auto eng = ROOST_TRY(open_engine(s));
  auto outcome = ROOST_TRY(eng->attach_container(f.container, r));
  // Detached: the container goes on; podman prints nothing.
  return outcome.exit_code;
}

VerbRegistrar reg({
    {"attach", "container attach"},
    "Attach to a running container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<AttachFlags>();
      app.add_option("container", f->container, "Container to attach to (name or ID)")->required();
      app.add_option("--detach-keys", f->detach_keys,
                     "Key sequence for detaching: comma-separated letters or ctrl-<a-z,@,[,\\,],^,_>; \"\" disables "
                     "(default ctrl-p,ctrl-q)");
      app.add_flag("--no-stdin", f->no_stdin, "Do not attach STDIN");
      app.add_flag("--sig-proxy", f->sig_proxy, "Proxy received signals to the container (without a terminal; default true)");
      return [f](Session& s) { return run_attach(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
