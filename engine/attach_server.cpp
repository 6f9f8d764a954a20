#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "engine/attach.hpp"

namespace roost::engine {

namespace {

// A path for bind and connect that fits sun_path however long DIR is: the
// directory through an O_PATH fd of this process.
Result<UniqueFd> open_socket_dir(const std::string& dir, sockaddr_un& addr) {
  auto fd = ROOST_TRY(open_file(dir, O_PATH | O_DIRECTORY));
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  std::string path = "/proc/self/fd/" + std::to_string(fd.get()) + "/" + kAttachSocket;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return fd;
}

}  // namespace

Result<UniqueFd> connect_attach(const std::string& dir) {
  sockaddr_un addr;
  auto dfd = ROOST_TRY(open_socket_dir(dir, addr));
  UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return sys_error("socket");
  for (;;) {
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return sock;
    if (errno != EINTR) return sys_error("connecting to the container's monitor", dir + "/" + kAttachSocket);
  }
}

Result<std::unique_ptr<AttachServer>> AttachServer::listen(const std::string& dir) {
  ROOST_TRY(make_dirs(dir, 0700));
  sockaddr_un addr;
  auto dfd = ROOST_TRY(open_socket_dir(dir, addr));
  ::unlinkat(dfd.get(), kAttachSocket, 0);
  UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock.valid()) return sys_error("socket");
  // Only the owner may connect: the socket is the container's stdin.
  mode_t old = ::umask(0177);
  int bound = ::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::umask(old);
  if (bound != 0) {
    errno = err;
    return sys_error("binding the attach socket", dir + "/" + kAttachSocket);
  }
  if (::listen(sock.get(), static_cast<int>(kMaxClients)) != 0) return sys_error("listen");
  return std::unique_ptr<AttachServer>(new AttachServer(std::move(dfd), std::move(sock)));
}

AttachServer::AttachServer(UniqueFd dir, UniqueFd listener) : dir_(std::move(dir)), listener_(std::move(listener)) {}

AttachServer::~AttachServer() {
  end_sessions(-1);
  ::unlinkat(dir_.get(), kAttachSocket, 0);
}

void AttachServer::wait_for_client(int timeout_ms) {
  pollfd p{listener_.get(), POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) < 0 && errno == EINTR) {
  }
}

void AttachServer::start_sessions(UniqueFd stdin_fd, int pty_master) {
  stdin_ = std::move(stdin_fd);
  master_ = pty_master;
  npending_ = 0;
  if (stdin_.valid()) ::fcntl(stdin_.get(), F_SETFL, ::fcntl(stdin_.get(), F_GETFL) | O_NONBLOCK);
}

size_t AttachServer::poll_fds(pollfd* fds) {
  size_t n = 0;
  fds[n++] = {nclients_ < kMaxClients ? listener_.get() : -1, POLLIN, 0};
  // While the container has not taken earlier input, no more is read: a
  // client's writes wait in its socket.
  fds[n++] = {npending_ > 0 ? stdin_.get() : -1, POLLOUT, 0};
  for (size_t i = 0; i < nclients_; ++i) fds[n++] = {clients_[i], static_cast<short>(npending_ > 0 ? 0 : POLLIN), 0};
  return n;
}

void AttachServer::on_poll(const pollfd* fds, size_t n) {
  if (n >= 2 && fds[1].revents) flush_stdin();
  // Backwards: drop() moves the last client into the hole.
  for (size_t k = n; k-- > 2;) {
    size_t i = k - 2;
    if (i >= nclients_ || fds[k].fd != clients_[i] || !fds[k].revents) continue;
    if (fds[k].revents & POLLIN) on_message(i);
    else drop(i);
  }
  if (n >= 1 && (fds[0].revents & POLLIN)) {
    while (nclients_ < kMaxClients) {
      int c = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (c < 0) break;
      clients_[nclients_++] = c;
    }
  }
}

void AttachServer::on_message(size_t i) {
  char buf[8192 + 1];
  ssize_t got = ::recv(clients_[i], buf, sizeof buf, MSG_DONTWAIT);
  if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (got <= 0) {
    drop(i);
    return;
  }
  handle(buf, static_cast<size_t>(got));
}

void AttachServer::hear_out(size_t i) {
  char buf[8192 + 1];
  for (;;) {
    ssize_t got = ::recv(clients_[i], buf, sizeof buf, MSG_DONTWAIT);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    handle(buf, static_cast<size_t>(got));
  }
}

void AttachServer::handle(const char* buf, size_t got) {
  switch (buf[0]) {
    case 'i':
      if (!stdin_.valid()) return;
      if (got - 1 > sizeof pending_ - npending_) got = sizeof pending_ - npending_ + 1;
      std::memcpy(pending_ + npending_, buf + 1, got - 1);
      npending_ += got - 1;
      flush_stdin();
      return;
    case 'c':
      // The container's stdin pipe ends; input that follows is dropped.
      flush_stdin();
      stdin_.reset();
      npending_ = 0;
      return;
    case 'w':
      if (master_ >= 0 && got >= 5) {
        winsize ws{};
        uint16_t rc[2];
        std::memcpy(rc, buf + 1, sizeof rc);
        ws.ws_row = rc[0];
        ws.ws_col = rc[1];
        ::ioctl(master_, TIOCSWINSZ, &ws);
      }
      return;
    default:
      return;
  }
}

void AttachServer::flush_stdin() {
  if (!stdin_.valid()) {
    npending_ = 0;
    return;
  }
  while (npending_ > 0) {
    ssize_t w = ::write(stdin_.get(), pending_, npending_);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return;
    if (w <= 0) {  // nobody reads the container's stdin any more
      npending_ = 0;
      return;
    }
    std::memmove(pending_, pending_ + w, npending_ - static_cast<size_t>(w));
    npending_ -= static_cast<size_t>(w);
  }
}

void AttachServer::broadcast(char type, const char* data, size_t len) {
  iovec iov[2] = {{&type, 1}, {const_cast<char*>(data), len}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  for (size_t i = nclients_; i-- > 0;) {
    ssize_t sent;
    do sent = ::sendmsg(clients_[i], &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    // Full (a client that stopped reading) or gone: dropped, never waited for.
    if (sent < 0) drop(i);
  }
}

void AttachServer::end_sessions(int exit_code) {
  if (exit_code >= 0) {
    int32_t code = exit_code;
    broadcast('x', reinterpret_cast<const char*>(&code), sizeof code);
  }
  // What a client sent that was not read (its input ending as the container
  // did) goes first: closing with it unread resets the connection, and the
  // client would see the reset before the exit code.
  char discard[8192 + 1];
  for (size_t i = 0; i < nclients_; ++i)
    while (::recv(clients_[i], discard, sizeof discard, MSG_DONTWAIT) > 0) {
    }
  while (nclients_ > 0) drop(nclients_ - 1);
  stdin_.reset();
  master_ = -1;
}

void AttachServer::drop(size_t i) {
  // What it sent first still counts: `run -it` hangs the container up by
  // connecting, sending 'c' and closing at once, and a client that is gone
  // may be dropped (output to broadcast, a hang-up polled) before its turn
  // to be read.
  hear_out(i);
  ::close(clients_[i]);
  clients_[i] = clients_[--nclients_];
}

}  // namespace roost::engine
