// Restart policies for a container run in the foreground. podman 4.3's
// `run --restart=on-failure:2 IMAGE sh -c 'exit 3'` shows the first run's
// output, restarts the container without attaching to it (the later runs'
// output goes to the log only), and returns once the policy gives up, with
// the last run's exit code. roost does the same: the first restart is a
// detached monitor's first run (monitor.hpp), which applies the policy from
// then on, and the foreground roost waits for that monitor to go.
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include "common/fd.hpp"
#include "engine/containers.hpp"
#include "engine/proc.hpp"

namespace roost::engine {

Result<int> Engine::restart_after_foreground(const std::string& id, int exit_code, const StdioFds& stdio) {
  // Whether the policy starts it again; not once the user stopped or
  // removed it.
  auto again = [&]() -> std::optional<ContainerRecord> {
    auto c = lookup(id);
    if (!c || c->state != State::exited || !restarts_after(c->lifecycle.restart, exit_code, 0)) return std::nullopt;
    if (::access(stopped_by_user_path(run_dir(*c)).c_str(), F_OK) == 0) return std::nullopt;
    return std::move(*c);
  };
  if (!again()) return exit_code;
  std::this_thread::sleep_for(restart_delay(0));
  auto c = again();
  if (!c) return exit_code;
  ROOST_TRY(write_file_atomic(restart_count_path(run_dir(*c)), "1", 0600));
  int started = ROOST_TRY(spawn_monitor_of(*c, stdio));
  if (started != 0) return started;
  auto now = lookup(id);
  if (!now) return exit_code;
  auto monitor = open_process(now->monitor_pid, now->monitor_start);
  if (monitor.valid()) (void)wait_exit(monitor.get(), std::chrono::milliseconds(-1));
  now = lookup(id);
  return now ? now->exit_code : exit_code;
}

}  // namespace roost::engine
