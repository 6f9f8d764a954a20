// The attach socket for real: a server and clients on a socket in a temp dir.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <thread>

#include "common/fs_tree.hpp"
#include "engine/attach.hpp"

using namespace roost;
using namespace roost::engine;

namespace {

struct Fixture {
  Fixture() {
    char tmpl[] = "/tmp/roost-attach-test.XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    BOOST_REQUIRE(d);
    // Longer than sun_path holds: the socket is reached through an fd.
    dir = std::string(d) + "/" + std::string(120, 'd');
    auto s = AttachServer::listen(dir);
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().str()));
    server = std::move(*s);
    int p[2];
    BOOST_REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    stdin_rd.reset(p[0]);
    stdin_wr.reset(p[1]);
  }
  ~Fixture() {
    server.reset();
    (void)remove_tree(dir.substr(0, dir.rfind('/')));
  }
  // What the monitor's pump does, for a while.
  void pump(int rounds = 5) {
    for (int i = 0; i < rounds; ++i) {
      pollfd fds[AttachServer::kMaxPollFds];
      size_t n = server->poll_fds(fds);
      if (::poll(fds, n, 20) > 0) server->on_poll(fds, n);
    }
  }
  UniqueFd client() {
    auto c = connect_attach(dir);
    BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? std::string() : c.error().str()));
    return std::move(*c);
  }
  std::string dir;
  std::unique_ptr<AttachServer> server;
  UniqueFd stdin_rd, stdin_wr;
};

std::string recv_message(int fd) {
  char buf[9000];
  ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

void send_message(int fd, const std::string& m) { BOOST_REQUIRE(::send(fd, m.data(), m.size(), 0) == ssize_t(m.size())); }

std::string read_some(int fd) {
  char buf[100];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(attach)

BOOST_FIXTURE_TEST_CASE(output_to_every_client_input_to_the_container, Fixture) {
  struct stat st;
  BOOST_REQUIRE(::stat((dir + "/attach").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  auto a = client();
  auto b = client();
  server->start_sessions(std::move(stdin_wr), -1);
  pump();
  server->broadcast('1', "hello", 5);
  server->broadcast('2', "oops", 4);
  for (int fd : {a.get(), b.get()}) {
    BOOST_TEST(recv_message(fd) == "1hello");
    BOOST_TEST(recv_message(fd) == "2oops");
  }
  send_message(a.get(), "iabc");
  pump();
  BOOST_TEST(read_some(stdin_rd.get()) == "abc");
  // One client ends the input: the container's stdin ends.
  send_message(b.get(), "c");
  pump();
  BOOST_TEST(read_some(stdin_rd.get()) == "");
  server->end_sessions(3);
  for (int fd : {a.get(), b.get()}) {
    std::string x = recv_message(fd);
    BOOST_REQUIRE(x.size() == 5u);
    int32_t code;
    std::memcpy(&code, x.data() + 1, 4);
    BOOST_TEST(x[0] == 'x');
    BOOST_TEST(code == 3);
    char c;
    BOOST_TEST(::recv(fd, &c, 1, 0) == 0);  // then closed
  }
}

BOOST_FIXTURE_TEST_CASE(input_left_unread_does_not_hide_the_exit_code, Fixture) {
  auto a = client();
  server->start_sessions(std::move(stdin_wr), -1);
  pump();
  // The container is gone before this is read: closing with it unread
  // would reset the connection ahead of the exit code.
  send_message(a.get(), "c");
  server->end_sessions(9);
  char buf[16];
  ssize_t n = ::recv(a.get(), buf, sizeof buf, 0);
  BOOST_REQUIRE(n == 5);
  int32_t code;
  std::memcpy(&code, buf + 1, 4);
  BOOST_TEST(buf[0] == 'x');
  BOOST_TEST(code == 9);
}

BOOST_FIXTURE_TEST_CASE(a_client_that_stops_reading_is_dropped, Fixture) {
  auto slow = client();
  auto fast = client();
  server->start_sessions(UniqueFd(), -1);
  pump();
  std::string chunk(8192, 'x');
  size_t got = 0;
  // Far more than a socket buffer: the server never waits for the slow one.
  for (int i = 0; i < 200; ++i) {
    server->broadcast('1', chunk.data(), chunk.size());
    got += recv_message(fast.get()).size();
  }
  BOOST_TEST(got == 200 * (chunk.size() + 1));
  size_t slow_got = 0;
  for (std::string m; !(m = recv_message(slow.get())).empty();) slow_got += m.size();
  BOOST_TEST(slow_got < got);
  char c;
  BOOST_TEST(::recv(slow.get(), &c, 1, MSG_DONTWAIT) == 0);  // dropped: EOF after what it had
}

BOOST_FIXTURE_TEST_CASE(a_client_that_sent_and_left_is_heard_before_it_is_dropped, Fixture) {
  // As `run -it` hangs up once the user's terminal did: connect, 'c', close.
  server->start_sessions(std::move(stdin_wr), -1);
  {
    auto hangup = client();
    send_message(hangup.get(), "c");
  }
  pump(1);  // accepted, not read yet
  // Output comes first: sending to the closed client fails and drops it.
  server->broadcast('1', "/ # ", 4);
  pump();
  BOOST_REQUIRE(::fcntl(stdin_rd.get(), F_SETFL, O_NONBLOCK) == 0);
  char c;
  BOOST_TEST(::read(stdin_rd.get(), &c, 1) == 0);  // the container's stdin ended
}

BOOST_FIXTURE_TEST_CASE(relay_detaches_on_the_keys_and_ends_with_the_exit_code, Fixture) {
  server->start_sessions(std::move(stdin_wr), -1);
  std::atomic<bool> stop{false};
  std::thread monitor([&] {
    while (!stop) pump(1);
  });
  int in[2], out[2];
  BOOST_REQUIRE(::pipe(in) == 0 && ::pipe(out) == 0);
  UniqueFd in_rd(in[0]), in_wr(in[1]), out_rd(out[0]), out_wr(out[1]);
  AttachClientOptions o;
  o.in = in_rd.get();
  o.out = out_wr.get();
  o.err = out_wr.get();
  o.detach_keys = "\x10\x11";
  BOOST_REQUIRE(::write(in_wr.get(), "ls\x10\x11more", 8) == 8);
  auto sock = client();
  auto r = relay_attach(sock.get(), o);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  BOOST_TEST((r->end == AttachOutcome::End::detached));
  BOOST_TEST(r->exit_code == 0);
  sock.reset();
  // The typed keys before the sequence reached the container, no more.
  for (int i = 0; i < 50 && true; ++i) {
    pollfd p{stdin_rd.get(), POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) break;
  }
  BOOST_TEST(read_some(stdin_rd.get()) == "ls");

  auto again = client();
  std::thread exits([&] {
    ::usleep(100000);
    stop = true;
    monitor.join();
    server->broadcast('1', "bye\n", 4);
    server->end_sessions(5);
  });
  o.in = -1;
  auto r2 = relay_attach(again.get(), o);
  exits.join();
  BOOST_REQUIRE_MESSAGE(r2.ok(), (r2.ok() ? std::string() : r2.error().str()));
  BOOST_TEST((r2->end == AttachOutcome::End::exited));
  BOOST_TEST(r2->exit_code == 5);
  BOOST_TEST(read_some(out_rd.get()) == "bye\n");
}

BOOST_FIXTURE_TEST_CASE(relay_reports_a_monitor_that_went_away, Fixture) {
  auto sock = client();
  server.reset();  // accepted by nobody: closing the listener resets it
  AttachClientOptions o;
  o.in = -1;
  auto r = relay_attach(sock.get(), o);
  BOOST_REQUIRE(r);
  BOOST_TEST((r->end == AttachOutcome::End::lost));
}

BOOST_AUTO_TEST_SUITE_END()
