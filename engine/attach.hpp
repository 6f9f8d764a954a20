// Attaching to a detached container: its monitor serves a unix socket in the
// container's run dir, and `roost attach` (or `start -a`) connects to it.
//
// The socket is SOCK_SEQPACKET, so that every message arrives whole and a
// message that does not fit is refused whole. Each starts with a type byte:
//   monitor -> client:  '1' DATA   the container's stdout
//                       '2' DATA   its stderr (without a terminal)
//                       'x' CODE   it exited with CODE (int32); the last one
//   client -> monitor:  'i' DATA   input for the container's stdin (with -i)
//                       'c'        no more input: the container's stdin ends
//                       'w' R C    the client's window size (2 x uint16)
// A client that goes away has detached. The monitor never waits for a
// client: one that cannot take a message at once is dropped.
#pragma once

#include <poll.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace roost::engine {

// The socket's name in the container's run dir.
inline constexpr const char* kAttachSocket = "attach";

// The monitor's side. Its pump thread drives it between start_sessions and
// end_sessions; it neither allocates nor locks there (the monitor's other
// thread may clone while it runs).
class AttachServer {
 public:
  static constexpr size_t kMaxClients = 16;
  static constexpr size_t kMaxPollFds = kMaxClients + 2;

  // Listens on DIR/attach (mode 0600), made afresh; DIR is created if missing.
  static Result<std::unique_ptr<AttachServer>> listen(const std::string& dir);
  ~AttachServer();
  AttachServer(const AttachServer&) = delete;
  AttachServer& operator=(const AttachServer&) = delete;

  // Waits up to TIMEOUT_MS for a client to connect (it is accepted later):
  // `start -a` connects before the container starts, so that none of its
  // output is missed.
  void wait_for_client(int timeout_ms);

  // Before the pump starts: where input goes (the write end of the
  // container's stdin pipe, closed when a client ends its input; invalid:
  // the container has none, input is dropped), and the pty's master for
  // window sizes (-1 without a terminal; it stays the caller's).
  void start_sessions(UniqueFd stdin_fd, int pty_master);
  // Fills FDS (kMaxPollFds at most) with what to poll; their count.
  size_t poll_fds(pollfd* fds);
  // Handles what poll returned for the fds poll_fds gave.
  void on_poll(const pollfd* fds, size_t n);
  // Sends container output to every client.
  void broadcast(char type, const char* data, size_t len);
  // After the container exited: tells every client CODE and closes it.
  void end_sessions(int exit_code);

 private:
  AttachServer(UniqueFd dir, UniqueFd listener);
  void drop(size_t i);
  void flush_stdin();
  void on_message(size_t i);
  // Handles every message client I sent that is still unread.
  void hear_out(size_t i);
  void handle(const char* msg, size_t len);

  UniqueFd dir_;
  UniqueFd listener_;
  int clients_[kMaxClients];
  size_t nclients_ = 0;
  UniqueFd stdin_;
  int master_ = -1;
  char pending_[1 << 16];  // input the container has not taken yet
  size_t npending_ = 0;
};

// The client's side.
struct AttachClientOptions {
  int in = 0;  // -1: no input is relayed
  int out = 1;
  int err = 2;
  bool tty = false;          // the container has a terminal: IN goes raw, window sizes follow
  std::string detach_keys;   // bytes (parse_detach_keys); empty: no detaching
  // Called with each signal this process gets while attached (SIGINT,
  // SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2); empty: such a signal ends
  // the session as a detach.
  std::function<void(int)> on_signal;
};

struct AttachOutcome {
  enum class End { exited, detached, lost } end = End::lost;
  int exit_code = 0;  // with exited; 128+N when signal N ended a detach
};

// Connects to the monitor's socket in DIR.
Result<UniqueFd> connect_attach(const std::string& dir);
// Relays until the container exits, the user detaches, or the monitor is gone.
Result<AttachOutcome> relay_attach(int sock, const AttachClientOptions& options);

}  // namespace roost::engine

namespace roost::engine {

// What `roost attach` and `start -a` ask of Engine::attach_container and
// Engine::start_attached.
struct AttachRequest {
  int in = 0;
  int out = 1;
  int err = 2;
  bool no_stdin = false;     // --no-stdin (input is relayed only to a container made with -i)
  std::string detach_keys;   // bytes (parse_detach_keys); empty: no detaching
  bool sig_proxy = true;     // without a terminal, signals go on to the container
};

}  // namespace roost::engine
