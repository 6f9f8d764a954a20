// roost port-forwarder ARGS... (hidden): the body of roost's own port
// forwarder process, started by netns::PortForwarder for a container.
#include "cli/verb.hpp"
#include "netns/forwarder.hpp"

namespace roost::cli {
namespace {

VerbRegistrar reg({
    {netns::kForwarderVerb},
    "Relay a container's published ports (internal)",
    [](CLI::App& app) -> RunFn {
      auto args = std::make_shared<std::vector<std::string>>();
      app.add_option("args", *args, "PID TARGET_IP EXIT_FD READY_FD FD/PORT/PROTO...")->required();
      return [args](Session&) -> Result<int> { return netns::run_port_forwarder(*args); };
    },
    true,
});

}  // namespace
}  // namespace roost::cli
