#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "common/fd.hpp"
#include "common/fs_tree.hpp"
#include "engine/events.hpp"

using namespace roost;
using namespace roost::engine;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/roost-events-test.XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  BOOST_REQUIRE(d);
  return d;
}

Event container(const std::string& status) {
  Event e;
  e.time_ns = 1700000000123456789;
  e.type = "container";
  e.status = status;
  e.id = std::string(64, 'a');
  e.name = "web";
  e.image = "localhost/busybox:latest";
  e.attributes = {{"tier", "front"}, {"app", "x"}};
  return e;
}

std::vector<Event> read_all(const std::string& path, EventQuery q = {}) {
  std::vector<Event> out;
  auto r = read_events(path, q, [&](const Event& e) { out.push_back(e); });
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_events)

BOOST_AUTO_TEST_CASE(a_line_round_trips) {
  Event e = container("died");
  e.exit_code = 3;
  Event back;
  BOOST_REQUIRE(event_from_line(event_to_line(e), back));
  BOOST_TEST(back.time_ns == e.time_ns);
  BOOST_TEST(back.status == "died");
  BOOST_TEST(back.id == e.id);
  BOOST_TEST(back.name == "web");
  BOOST_TEST(back.image == e.image);
  BOOST_TEST((back.attributes == e.attributes));
  BOOST_TEST(back.exit_code.value_or(-1) == 3);
  BOOST_TEST(!event_from_line("not json", back));
  BOOST_TEST(!event_from_line("{\"type\":\"container\"}", back));
}

BOOST_AUTO_TEST_CASE(human_and_json_shapes_are_podmans) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  Event e = container("start");
  BOOST_TEST(event_human(e, false) == "2023-11-14 22:13:20.123456789 +0000 UTC container start " + e.id +
                                          " (image=localhost/busybox:latest, name=web, app=x, tier=front)");
  BOOST_TEST(event_human(e, true).find(" start aaaaaaaaaaaa (image=") != std::string::npos);
  e.time_ns = 1700000000000000000;
  BOOST_TEST(go_time_string(e.time_ns) == "2023-11-14 22:13:20 +0000 UTC");
  e.time_ns = 1700000000100000000;
  BOOST_TEST(go_time_string(e.time_ns) == "2023-11-14 22:13:20.1 +0000 UTC");
  e.exit_code = 2;
  auto j = event_json(e, false);
  BOOST_TEST(j["ContainerExitCode"] == 2);
  BOOST_TEST(j["Time"] == "2023-11-14T22:13:20.1Z");
  BOOST_TEST(j["Type"] == "container");
  BOOST_TEST(j["Attributes"]["tier"] == "front");
  Event img;
  img.time_ns = e.time_ns;
  img.type = "image";
  img.status = "tag";
  img.id = "bbbb";
  img.name = "localhost/x:1";
  BOOST_TEST(event_human(img, false) == "2023-11-14 22:13:20.1 +0000 UTC image tag bbbb localhost/x:1");
  BOOST_TEST(event_json(img, false)["Attributes"].is_null());
  Event health = container("health_status");
  health.health_status = "healthy";
  BOOST_TEST(event_human(health, false).find("name=web, health_status=healthy, app=x") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(filters_and_within_alternatives_or) {
  Event e = container("start");
  auto match = [&](std::vector<std::string> f) {
    auto filter = EventFilter::parse(f);
    BOOST_REQUIRE(filter.ok());
    return filter->matches(e);
  };
  BOOST_TEST(match({}));
  BOOST_TEST(match({"event=start"}));
  BOOST_TEST(!match({"event=stop"}));
  BOOST_TEST(match({"event=stop", "event=start"}));
  BOOST_TEST(!match({"event=start", "type=image"}));
  BOOST_TEST(match({"container=web"}));
  BOOST_TEST(match({"container=aaaa"}));
  BOOST_TEST(!match({"container=other"}));
  BOOST_TEST(match({"image=localhost/busybox"}));
  BOOST_TEST(match({"image=localhost/busybox:latest"}));
  BOOST_TEST(!match({"image=localhost/bus"}));
  BOOST_TEST(match({"label=tier"}));
  BOOST_TEST(match({"label=tier=front"}));
  BOOST_TEST(!match({"label=tier=back"}));
  BOOST_TEST(!EventFilter::parse({"colour=red"}).ok());
  BOOST_TEST(!EventFilter::parse({"event"}).ok());
}

BOOST_AUTO_TEST_CASE(reading_selects_by_time) {
  auto dir = temp_dir();
  auto path = events_log_path(dir);
  for (int i = 1; i <= 5; ++i) {
    Event e = container("start");
    e.time_ns = i * 1000;
    record_event(path, e);
  }
  BOOST_TEST(read_all(path).size() == 5u);
  EventQuery q;
  q.since_ns = 2000;
  q.until_ns = 4000;
  auto got = read_all(path, q);
  BOOST_REQUIRE(got.size() == 3u);
  BOOST_TEST(got.front().time_ns == 2000);
  BOOST_TEST(read_all(dir + "/missing/events.log").empty());
  (void)remove_tree(dir);
}

// Several processes append at once to a small bound: the log never holds
// more than the bound plus one line, keeps the newest events, and every
// line in it is whole.
BOOST_AUTO_TEST_CASE(the_log_stays_bounded_under_concurrent_writers) {
  auto dir = temp_dir();
  auto path = events_log_path(dir);
  const uint64_t max = 4096;
  const int writers = 4, each = 200;
  std::vector<pid_t> kids;
  for (int w = 0; w < writers; ++w) {
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      for (int i = 0; i < each; ++i) {
        Event e = container("start");
        e.time_ns = 0;
        e.name = "w" + std::to_string(w) + "-" + std::to_string(i);
        record_event(path, e, max);
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int st = 0;
    ::waitpid(k, &st, 0);
    BOOST_TEST(WIFEXITED(st));
  }
  Event last = container("stop");
  last.time_ns = 0;
  record_event(path, last, max);
  struct stat st;
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST(static_cast<uint64_t>(st.st_size) <= max + event_to_line(last).size() + 64);
  auto text = read_file(path);
  BOOST_REQUIRE(text.ok());
  std::istringstream in(*text);
  int lines = 0;
  for (std::string l; std::getline(in, l); ++lines) {
    Event e;
    BOOST_TEST(event_from_line(l, e), "a broken line: " << l);
  }
  BOOST_TEST(lines > 5);
  BOOST_TEST(lines < writers * each);
  auto all = read_all(path);
  BOOST_REQUIRE(!all.empty());
  BOOST_TEST(all.back().status == "stop");
  (void)remove_tree(dir);
}

BOOST_AUTO_TEST_CASE(follow_stops_at_until_and_sees_new_events) {
  auto dir = temp_dir();
  auto path = events_log_path(dir);
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::usleep(200000);
    Event e = container("kill");
    e.time_ns = 0;
    record_event(path, e);
    ::_exit(0);
  }
  EventQuery q;
  q.follow = true;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  q.until_ns = now + 1500000000;
  auto got = read_all(path, q);
  int st = 0;
  ::waitpid(pid, &st, 0);
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got.front().status == "kill");
  (void)remove_tree(dir);
}

BOOST_AUTO_TEST_SUITE_END()
