#include "engine/foreground_attach.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "engine/attach.hpp"
#include "engine/attach_session.hpp"
#include "engine/attach_signals.hpp"
#include "engine/events.hpp"
#include "engine/proc.hpp"

namespace roost::engine {
namespace {

// Whether the user's terminal hung up, or whoever read roost's output went
// away, rather than the user typing the detach keys.
bool terminal_gone(const AttachRequest& r) {
  pollfd fds[2] = {{r.in, 0, 0}, {r.out, 0, 0}};
  if (::poll(fds, 2, 0) <= 0) return false;
  bool in_gone = ::isatty(r.in) && (fds[0].revents & (POLLHUP | POLLERR));
  return in_gone || (fds[1].revents & (POLLHUP | POLLERR));
}

// The user's terminal hung up: so does the container's, as when roost
// relays it itself. Its monitor hangs it up once its stdin ends (Impl::start);
// without a terminal, the container's stdin just ends. Then SIGHUP, which
// roost would have passed on.
void hang_up(Engine& eng, const ContainerRecord& c) {
  if (auto sock = connect_attach(eng.run_dir(c))) {
    char end = 'c';
    (void)!::send(sock->get(), &end, 1, MSG_NOSIGNAL);
  }
  (void)eng.kill_container(c.id, SIGHUP);
}

// The exit code of ID's last run: from its record, or once its monitor
// removed it (--rm), from its last died event, as podman's run gets it.
int last_exit_code(Engine& eng, const std::string& id, int fallback) {
  if (auto c = eng.lookup(id)) return c->exit_code;
  std::optional<int> code;
  (void)read_events(events_log_path(eng.store_options().run_root), {}, [&](const Event& e) {
    if (e.type == "container" && e.status == "died" && e.id == id && e.exit_code) code = e.exit_code;
  });
  return code.value_or(fallback);
}

}  // namespace

Result<int> run_foreground_attached(Engine& eng, const std::string& id, const std::string& keys) {
  auto c = ROOST_TRY(eng.lookup(id));
  AttachRequest r;
  r.detach_keys = keys;
  AttachSignalBlock block;
  auto started = start_with_session(eng, c, r);
  if (!started) {
    // A --rm container that could not start goes too, as without a monitor.
    if (c.auto_remove) (void)eng.remove_container(id, false);
    return std::move(started).error();
  }
  if (!started->sock.valid()) return started->exit_code;
  // Its monitor, recorded as the container started.
  auto running = eng.lookup(id);
  auto outcome = ROOST_TRY(relay_session(eng, c, started->sock.get(), r, true));
  bool exited = outcome.end == AttachOutcome::End::exited;
  if (!exited) {
    if (!terminal_gone(r)) return outcome.exit_code;
    // The hang-up's SIGHUP may come only now the session ended: roost is to
    // report the container's end, not die of it.
    ::signal(SIGHUP, SIG_IGN);
    hang_up(eng, c);
  }
  // Until the monitor is done: with the restart policy, and with --rm
  // removing the container.
  if (running) {
    auto monitor = open_process(running->monitor_pid, running->monitor_start);
    if (monitor.valid()) (void)wait_exit(monitor.get(), std::chrono::milliseconds(-1));
  }
  if (exited && c.lifecycle.restart.name == "no") return outcome.exit_code;
  return last_exit_code(eng, id, outcome.exit_code);
}

}  // namespace roost::engine
