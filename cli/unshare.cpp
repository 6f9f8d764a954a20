// roost unshare [COMMAND [ARG...]]: a shell or command in a new user and
// mount namespace with the user's ID map, as `podman unshare` gives, so the
// store's files show their container owners and can be removed.
#include <cstdlib>

#include "cli/verb.hpp"
#include "userns/userns.hpp"

namespace roost::cli {
namespace {

Result<int> run_unshare(Session& s, std::vector<std::string> cmd) {
  if (!cmd.empty() && cmd.front() == "--") cmd.erase(cmd.begin());
  auto mapping = ROOST_TRY(s.mapping());
  // As podman does, tell the command where the store is; a broken
  // storage.conf must not keep the user from this repair tool, though.
  if (auto opts = s.store_options(); opts.ok()) {
    ::setenv("CONTAINERS_GRAPHROOT", (*opts)->graph_root.c_str(), 1);
    ::setenv("CONTAINERS_RUNROOT", (*opts)->run_root.c_str(), 1);
  }
  return userns::exec_in_userns(*mapping, cmd);
}

VerbRegistrar reg({
    {"unshare"},
    "Run a command in a modified user namespace",
    [](CLI::App& app) -> RunFn {
      auto cmd = std::make_shared<std::vector<std::string>>();
      app.add_option("command", *cmd, "Command and its arguments (default: $SHELL)");
      // Once the command starts, everything after it is its own: `-c` in
      // `roost unshare sh -c ...` is not a roost flag.
      app.positionals_at_end();
      app.footer("With no command, runs $SHELL (or /bin/sh). The exit code is the command's: 126 when it cannot be "
                 "executed, 127 when it is not found.");
      return [cmd](Session& s) { return run_unshare(s, *cmd); };
    },
});

}  // namespace
}  // namespace roost::cli
