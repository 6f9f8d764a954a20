// Engine::attach_container and Engine::start_attached: the client's side of
// a detached container's attach socket (attach.hpp).
#include "common/log.hpp"
#include "engine/attach.hpp"
#include "engine/attach_signals.hpp"
#include "engine/containers.hpp"

namespace roost::engine {

namespace {

Result<AttachOutcome> relay_session(Engine& eng, const ContainerRecord& c, int sock, const AttachRequest& r) {
  AttachClientOptions o;
  o.in = r.no_stdin || !c.options.interactive ? -1 : r.in;
  o.out = r.out;
  o.err = r.err;
  o.tty = c.options.tty;
  o.detach_keys = r.detach_keys;
  // With a terminal the keys typed are the container's signals (raw mode);
  // as podman, signals are proxied without one only.
  if (r.sig_proxy && !c.options.tty) {
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
  return relay_session(*this, c, sock->get(), request);
}

Result<AttachOutcome> Engine::start_attached(const std::string& id_or_name, const AttachRequest& request) {
  auto c = ROOST_TRY(lookup(id_or_name));
  if (c.state == State::running) return attach_container(c.id, request);
  AttachSignalBlock block;
  UniqueFd sock;
  std::optional<Error> failed;
  StdioFds io{-1, request.out, request.err};
  int code = ROOST_TRY(start_container(c.id, io, false, [&] {
    auto s = connect_attach(run_dir(c));
    if (s) sock = std::move(*s);
    else failed = std::move(s).error();
  }));
  if (code != 0) return AttachOutcome{AttachOutcome::End::exited, code};
  if (failed) return failed->context("attaching to container " + c.id);
  if (!sock.valid()) return make_error(ErrorKind::internal, "the monitor of container " + c.id + " made no attach socket");
  return relay_session(*this, c, sock.get(), request);
}

}  // namespace roost::engine
