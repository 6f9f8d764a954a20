// Engine::attach_container and Engine::start_attached: the client's side of
// a detached container's attach socket (attach.hpp).
#include <optional>

#include "common/log.hpp"
#include "engine/attach.hpp"
#include "engine/attach_session.hpp"
#include "engine/attach_signals.hpp"
#include "engine/containers.hpp"

namespace roost::engine {

Result<AttachOutcome> relay_session(Engine& eng, const ContainerRecord& c, int sock, const AttachRequest& r,
                                    bool proxy) {
  AttachClientOptions o;
  o.in = r.no_stdin || !c.options.interactive ? -1 : r.in;
  o.out = r.out;
  o.err = r.err;
  o.tty = c.options.tty;
  o.detach_keys = r.detach_keys;
  if (proxy) {
    std::string id = c.id;
    o.on_signal = [&eng, id](int sig) {
      if (auto k = eng.kill_container(id, sig); !k) log_warn(k.error().str());
    };
  }
  auto outcome = ROOST_TRY(relay_attach(sock, o));
  if (outcome.end == AttachOutcome::End::lost) {
    // Records the container exited when its monitor died (reconcile).
    (void)eng.lookup(c.id);
    return make_error(ErrorKind::io, "lost the connection to the monitor of container " + c.id +
                                         ": it was stopped or killed");
  }
  return outcome;
}

Result<StartedSession> start_with_session(Engine& eng, const ContainerRecord& c, const AttachRequest& r) {
  StartedSession started;
  std::optional<Error> failed;
  StdioFds io{-1, r.out, r.err};
  started.exit_code = ROOST_TRY(eng.start_container(c.id, io, false, [&] {
    auto s = connect_attach(eng.run_dir(c));
    if (s) started.sock = std::move(*s);
    else failed = std::move(s).error();
  }));
  if (started.exit_code != 0) {
    started.sock.reset();
    return started;
  }
  if (failed) return failed->context("attaching to container " + c.id);
  if (!started.sock.valid())
    return make_error(ErrorKind::internal, "the monitor of container " + c.id + " made no attach socket");
  return started;
}

namespace {

// With a terminal the keys typed are the container's signals (raw mode);
// as podman, attach proxies signals without one only.
bool attach_proxies(const ContainerRecord& c, const AttachRequest& r) { return r.sig_proxy && !c.options.tty; }

}  // namespace

Result<AttachOutcome> Engine::attach_container(const std::string& id_or_name, const AttachRequest& request) {
  auto c = ROOST_TRY(lookup(id_or_name));
  if (c.state != State::running) return make_error(ErrorKind::invalid, "you can only attach to running containers");
  AttachSignalBlock block;
  auto sock = connect_attach(run_dir(c));
  if (!sock) {
    // Its monitor may have just gone: then it is not running any more.
    auto now = ROOST_TRY(lookup(c.id));
    if (now.state != State::running) return make_error(ErrorKind::invalid, "you can only attach to running containers");
    if (sock.error().errnum() == ENOENT)
      return make_error(ErrorKind::invalid, "container " + c.name +
                                                " runs in the foreground of the roost command that started it: only "
                                                "containers started detached (run -d, start) can be attached to");
    return std::move(sock).error().context("attaching to container " + c.id);
  }
  return relay_session(*this, c, sock->get(), request, attach_proxies(c, request));
}

Result<AttachOutcome> Engine::start_attached(const std::string& id_or_name, const AttachRequest& request) {
  auto c = ROOST_TRY(lookup(id_or_name));
  if (c.state == State::running) return attach_container(c.id, request);
  AttachSignalBlock block;
  auto started = ROOST_TRY(start_with_session(*this, c, request));
  if (!started.sock.valid()) return AttachOutcome{AttachOutcome::End::exited, started.exit_code};
  return relay_session(*this, c, started.sock.get(), request, attach_proxies(c, request));
}

}  // namespace roost::engine
