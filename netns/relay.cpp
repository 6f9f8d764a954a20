// The body of roost's port forwarder process (see forwarder.hpp): joins the
// container's namespaces, then relays with one epoll loop. TCP data moves
// with splice(2) through a pipe per direction, never through user memory.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

#include "common/fd.hpp"
#include "netns/forwarder.hpp"

namespace roost::netns {
namespace {

constexpr int kPipeSize = 1 << 20;      // as much in flight as a socket buffer
// Empty pipes kept for new connections; few, as each counts against the
// user's pipe-user-pages-soft (a whole kPipeSize of it).
constexpr size_t kSparePipes = 8;
constexpr int kUdpIdleSeconds = 60;      // a UDP flow without traffic is forgotten
constexpr size_t kMaxDatagram = 65536;

enum Kind : uint64_t { kExit = 1, kTcpListener, kClient, kServer, kUdpListener, kUdpFlow };
uint64_t tag(Kind k, uint64_t id) { return id << 8 | k; }

int parse_int(const std::string& s) {
  int v = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() ? v : -1;
}

void say(const std::string& what) { std::fprintf(stderr, "port forwarder: %s: %s\n", what.c_str(), std::strerror(errno)); }

// Joins PID's user namespace (when it is not ours) and network namespace:
// sockets created afterwards live in the container's network.
bool join_namespaces(int pid) {
  std::string base = "/proc/" + std::to_string(pid) + "/ns/";
  UniqueFd user(::open((base + "user").c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd net(::open((base + "net").c_str(), O_RDONLY | O_CLOEXEC));
  if (!user.valid() || !net.valid()) return say("opening " + base), false;
  struct stat theirs{}, ours{};
  if (::fstat(user.get(), &theirs) != 0 || ::stat("/proc/self/ns/user", &ours) != 0) return say("stat user namespace"), false;
  if ((theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev) && ::setns(user.get(), CLONE_NEWUSER) != 0)
    return say("joining the container's user namespace"), false;
  if (::setns(net.get(), CLONE_NEWNET) != 0) return say("joining the container's network namespace"), false;
  return true;
}

// The client's address when it is a loopback one (127.0.0.0/8, also as an
// IPv4-mapped IPv6 address): every such address is local in the container's
// namespace too, so the relay can connect from it. No other address is.
std::optional<sockaddr_in> loopback_source(const sockaddr_storage& peer) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  if (peer.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
    a.sin_addr = in.sin_addr;
    a.sin_port = in.sin_port;
  } else if (peer.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(peer);
    if (!IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) return std::nullopt;
    std::memcpy(&a.sin_addr, in6.sin6_addr.s6_addr + 12, 4);
    a.sin_port = in6.sin6_port;
  } else {
    return std::nullopt;
  }
  if ((ntohl(a.sin_addr.s_addr) >> 24) != 127) return std::nullopt;
  return a;
}

struct Listener {
  UniqueFd fd;
  uint16_t port = 0;
  bool udp = false;
};

// One direction of a TCP connection: FROM -> pipe -> TO.
struct Half {
  int from = -1, to = -1;
  UniqueFd rd, wr;
  size_t queued = 0;  // bytes in the pipe
  bool eof = false, shut = false;

  // Moves what can move without blocking; false on a broken connection.
  bool pump() {
    for (;;) {
      bool moved = false;
      if (!eof && queued < static_cast<size_t>(kPipeSize)) {
        ssize_t n = ::splice(from, nullptr, wr.get(), nullptr, kPipeSize - queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) queued += static_cast<size_t>(n), moved = true;
        else if (n == 0) eof = moved = true;
        else if (errno != EAGAIN && errno != EINTR) return false;
      }
      if (queued > 0) {
        ssize_t n = ::splice(rd.get(), nullptr, to, nullptr, queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) queued -= static_cast<size_t>(n), moved = true;
        else if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
      }
      if (eof && queued == 0 && !shut) {
        ::shutdown(to, SHUT_WR);
        shut = true;
      }
      if (!moved) return true;
    }
  }
};

struct Connection {
  UniqueFd client, server;
  bool connected = false;
  Half up, down;  // client -> server, server -> client
};

struct UdpFlow {
  UniqueFd sock;  // connected to the container's port, in its namespace
  int listener = -1;
  sockaddr_storage client{};
  socklen_t client_len = 0;
  std::chrono::steady_clock::time_point last;
};

class Relay {
  using Connections = std::unordered_map<uint64_t, std::unique_ptr<Connection>>;

 public:
  Relay(std::string target, std::vector<Listener> listeners, int exit_fd)
      : target_(std::move(target)), listeners_(std::move(listeners)), exit_fd_(exit_fd) {}

  int run() {
    ep_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!ep_.valid()) return say("epoll_create1"), 1;
    if (!watch(exit_fd_, EPOLLIN, tag(kExit, 0))) return 1;
    for (size_t i = 0; i < listeners_.size(); ++i) {
      int fl = ::fcntl(listeners_[i].fd.get(), F_GETFL);
      ::fcntl(listeners_[i].fd.get(), F_SETFL, fl | O_NONBLOCK);
      if (!watch(listeners_[i].fd.get(), EPOLLIN, tag(listeners_[i].udp ? kUdpListener : kTcpListener, i))) return 1;
    }
    epoll_event events[64];
    for (;;) {
      int n = ::epoll_wait(ep_.get(), events, 64, udp_.empty() ? -1 : 10000);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return say("epoll_wait"), 1;
      for (int i = 0; i < n; ++i) {
        uint64_t t = events[i].data.u64, id = t >> 8;
        switch (static_cast<Kind>(t & 0xff)) {
          case kExit: return 0;  // the roost process holding us is done
          case kTcpListener: accept_all(listeners_[id]); break;
          case kClient: service(id, events[i].events, 0); break;
          case kServer: service(id, 0, events[i].events); break;
          case kUdpListener: udp_from_host(static_cast<int>(id)); break;
          case kUdpFlow: udp_from_container(id); break;
        }
      }
      expire_udp();
    }
  }

 private:
  bool watch(int fd, uint32_t events, uint64_t data) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    if (::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return say("epoll_ctl"), false;
    return true;
  }

  sockaddr_in target(uint16_t port) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, target_.c_str(), &a.sin_addr);
    return a;
  }

  // A socket in the container's namespace connecting (TCP) to the
  // container's PORT, from SOURCE when given: the client's own
  // loopback address, local on the namespace's lo too, so the server sees
  // the real client. Its port as well when free, else one the kernel picks.
  UniqueFd connect_to(uint16_t port, int type, const std::optional<sockaddr_in>& source) const {
    auto addr = target(port);
    for (int attempt = 0; attempt < 2; ++attempt) {
      UniqueFd s(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      if (!s.valid()) return say("socket"), UniqueFd();
      bool with_port = attempt == 0 && source && source->sin_port != 0;
      bool bound = !source || bind_source(s.get(), *source, with_port) ||
                   (with_port && bind_source(s.get(), *source, false));
      if (!bound) say("binding to the client's address in the container");  // connects from the container's own
      // UDP is sent with sendto, unconnected: a server answering a loopback
      // client answers from 127.0.0.1, which a socket connected to the
      // container's address would drop.
      if (type == SOCK_DGRAM) return s;
      if (::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 || errno == EINPROGRESS) return s;
      // The client's port is taken for this destination (an earlier
      // connection in TIME_WAIT): again, from another port.
      if (!(with_port && errno == EADDRNOTAVAIL)) return UniqueFd();
    }
    return UniqueFd();
  }

  static bool bind_source(int fd, sockaddr_in source, bool with_port) {
    if (!with_port) {
      source.sin_port = 0;
      int one = 1;  // the port is picked at connect, per destination: no bind-time shortage
      ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    }
    return ::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) == 0;
  }

  // A pipe for FROM -> TO: an empty one left by a closed connection when
  // there is one (a new connection then costs no pipe set-up), else a new one.
  bool make_half(Half& h, int from, int to) {
    h.from = from;
    h.to = to;
    if (!spare_pipes_.empty()) {
      h.rd = std::move(spare_pipes_.back().rd);
      h.wr = std::move(spare_pipes_.back().wr);
      spare_pipes_.pop_back();
      return true;
    }
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return say("pipe"), false;
    h.rd = UniqueFd(p[0]);
    h.wr = UniqueFd(p[1]);
    (void)::fcntl(p[1], F_SETPIPE_SZ, kPipeSize);  // a smaller pipe only costs more splices
    return true;
  }

  void close_connection(Connections::iterator it) {
    for (Half* h : {&it->second->up, &it->second->down})
      if (h->queued == 0 && h->rd.valid() && spare_pipes_.size() < kSparePipes)
        spare_pipes_.push_back({std::move(h->rd), std::move(h->wr)});
    tcp_.erase(it);
  }

  void accept_all(const Listener& l) {
    for (;;) {
      sockaddr_storage peer{};
      socklen_t peer_len = sizeof peer;
      int c = ::accept4(l.fd.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) return;  // EAGAIN, or a connection reset before we took it
      auto conn = std::make_unique<Connection>();
      conn->client = UniqueFd(c);
      conn->server = connect_to(l.port, SOCK_STREAM, loopback_source(peer));
      if (!conn->server.valid()) continue;  // refused at once: closing the client tells it so
      int one = 1;
      ::setsockopt(conn->server.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (!make_half(conn->up, conn->client.get(), conn->server.get()) ||
          !make_half(conn->down, conn->server.get(), conn->client.get()))
        continue;
      uint64_t id = next_id_++;
      const uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      if (!watch(conn->client.get(), ev, tag(kClient, id)) || !watch(conn->server.get(), ev, tag(kServer, id))) continue;
      tcp_.emplace(id, std::move(conn));
    }
  }

  // CLIENT_EVENTS and SERVER_EVENTS: what epoll said of either socket. Each
  // half moves only when its source became readable or its destination
  // writable (edge-triggered: it then moves all it can).
  void service(uint64_t id, uint32_t client_events, uint32_t server_events) {
    auto it = tcp_.find(id);
    if (it == tcp_.end()) return;  // closed earlier in this batch
    Connection& c = *it->second;
    constexpr uint32_t in = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR, out = EPOLLOUT | EPOLLHUP | EPOLLERR;
    bool up = (client_events & in) || (server_events & out), down = (server_events & in) || (client_events & out);
    if (!c.connected) {
      if (server_events == 0) return;  // the client's data waits for the connection
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.server.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return close_connection(it);
      if (!(server_events & EPOLLOUT)) return;  // still connecting
      c.connected = up = down = true;  // whatever came before now moves
    }
    if ((up && !c.up.pump()) || (down && !c.down.pump()) || (c.up.shut && c.down.shut)) close_connection(it);
  }

  void udp_from_host(int index) {
    const Listener& l = listeners_[static_cast<size_t>(index)];
    char buf[kMaxDatagram];
    for (;;) {
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(l.fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;
      std::string key(reinterpret_cast<char*>(&from), len);
      key += std::to_string(index);
      auto it = udp_keys_.find(key);
      UdpFlow* flow = nullptr;
      if (it != udp_keys_.end()) {
        flow = &udp_.at(it->second);
      } else {
        UdpFlow f;
        f.sock = connect_to(l.port, SOCK_DGRAM, loopback_source(from));
        if (!f.sock.valid()) {
          say("UDP socket in the container");
          continue;
        }
        f.listener = l.fd.get();
        f.client = from;
        f.client_len = len;
        uint64_t id = next_id_++;
        if (!watch(f.sock.get(), EPOLLIN, tag(kUdpFlow, id))) continue;
        udp_keys_.emplace(key, id);
        flow = &udp_.emplace(id, std::move(f)).first->second;
        flow_keys_.emplace(id, key);
      }
      flow->last = std::chrono::steady_clock::now();
      auto to = target(l.port);
      (void)!::sendto(flow->sock.get(), buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
  }

  void udp_from_container(uint64_t id) {
    auto it = udp_.find(id);
    if (it == udp_.end()) return;
    UdpFlow& f = it->second;
    char buf[kMaxDatagram];
    for (;;) {
      ssize_t n = ::recv(f.sock.get(), buf, sizeof buf, 0);
      if (n < 0) return;
      f.last = std::chrono::steady_clock::now();
      (void)!::sendto(f.listener, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&f.client), f.client_len);
    }
  }

  void expire_udp() {
    auto now = std::chrono::steady_clock::now();
    for (auto it = udp_.begin(); it != udp_.end();) {
      if (now - it->second.last < std::chrono::seconds(kUdpIdleSeconds)) {
        ++it;
        continue;
      }
      udp_keys_.erase(flow_keys_[it->first]);
      flow_keys_.erase(it->first);
      it = udp_.erase(it);
    }
  }

  std::string target_;
  std::vector<Listener> listeners_;
  int exit_fd_;
  UniqueFd ep_;
  uint64_t next_id_ = 1;
  Connections tcp_;
  struct SparePipe {
    UniqueFd rd, wr;
  };
  std::vector<SparePipe> spare_pipes_;  // empty, from closed connections
  std::unordered_map<uint64_t, UdpFlow> udp_;
  std::map<std::string, uint64_t> udp_keys_;  // client address + listener -> flow
  std::map<uint64_t, std::string> flow_keys_;
};

}  // namespace

int run_port_forwarder(const std::vector<std::string>& args) {
  if (args.size() < 4) {
    std::fprintf(stderr, "usage: roost %s PID TARGET_IP EXIT_FD READY_FD FD/PORT/PROTO...\n", kForwarderVerb);
    return 2;
  }
  int pid = parse_int(args[0]), exit_fd = parse_int(args[2]), ready_fd = parse_int(args[3]);
  in_addr probe{};
  if (pid <= 0 || exit_fd < 0 || ready_fd < 0 || ::inet_pton(AF_INET, args[1].c_str(), &probe) != 1) {
    std::fprintf(stderr, "port forwarder: bad arguments\n");
    return 2;
  }
  std::vector<Listener> listeners;
  for (size_t i = 4; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto s1 = a.find('/'), s2 = a.rfind('/');
    int fd = parse_int(a.substr(0, s1)), port = parse_int(a.substr(s1 + 1, s2 - s1 - 1));
    std::string proto = a.substr(s2 + 1);
    if (s1 == s2 || fd < 0 || port <= 0 || port > 65535 || (proto != "tcp" && proto != "udp")) {
      std::fprintf(stderr, "port forwarder: bad port \"%s\"\n", a.c_str());
      return 2;
    }
    listeners.push_back({UniqueFd(fd), static_cast<uint16_t>(port), proto == "udp"});
  }
  ::fcntl(exit_fd, F_SETFD, FD_CLOEXEC);
  ::fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
  if (!join_namespaces(pid)) return 1;
  if (::write(ready_fd, "1", 1) != 1) return 1;
  ::close(ready_fd);
  ::signal(SIGPIPE, SIG_IGN);
  return Relay(args[1], std::move(listeners), exit_fd).run();
}

}  // namespace roost::netns
