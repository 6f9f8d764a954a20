#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <vector>

#include "common/fd.hpp"
#include "common/fs_tree.hpp"
#include "engine/log_file.hpp"
#include "engine/log_reader.hpp"
#include "engine/signals.hpp"

using namespace roost;
using namespace roost::engine;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/roost-log-test.XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  BOOST_REQUIRE(d);
  return d;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_log_file)

BOOST_AUTO_TEST_CASE(timestamps_in_rfc3339_with_nanoseconds_and_zone) {
  char buf[48];
  timespec t{1700000000, 5};
  BOOST_TEST(std::string(buf, format_log_time(buf, t, 0)) == "2023-11-14T22:13:20.000000005+00:00");
  BOOST_TEST(std::string(buf, format_log_time(buf, t, 2 * 3600)) == "2023-11-15T00:13:20.000000005+02:00");
  BOOST_TEST(std::string(buf, format_log_time(buf, t, -(5 * 3600 + 30 * 60))) == "2023-11-14T16:43:20.000000005-05:30");
  timespec leap{951782400, 0};  // 2000-02-29
  BOOST_TEST(std::string(buf, format_log_time(buf, leap, 0)) == "2000-02-29T00:00:00.000000000+00:00");
}

BOOST_AUTO_TEST_CASE(writer_splits_whole_and_partial_lines) {
  std::string dir = temp_dir();
  std::string path = dir + "/ctr.log";
  {
    auto w = LogWriter::open(path, 0);
    BOOST_REQUIRE(w.ok());
    std::string a = "one\ntwo\npar";
    w->write(LogStream::out, a.data(), a.size());
    std::string b = "tial\n";
    w->write(LogStream::out, b.data(), b.size());
    std::string c = "\n";
    w->write(LogStream::err, c.data(), c.size());
  }
  auto text = read_file(path);
  BOOST_REQUIRE(text.ok());
  auto lines = lines_of(*text);
  BOOST_REQUIRE_EQUAL(lines.size(), 5u);
  std::regex ts(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d )");
  for (auto& l : lines) BOOST_TEST(std::regex_search(l, ts), l);
  BOOST_TEST(lines[0].substr(36) == "stdout F one");
  BOOST_TEST(lines[1].substr(36) == "stdout F two");
  BOOST_TEST(lines[2].substr(36) == "stdout P par");
  BOOST_TEST(lines[3].substr(36) == "stdout F tial");
  BOOST_TEST(lines[4].substr(36) == "stderr F ");

  LogEntry e;
  BOOST_TEST(parse_log_line(lines[2], e));
  BOOST_TEST(e.partial);
  BOOST_TEST(e.text == "par");
  BOOST_TEST((e.stream == LogStream::out));
  BOOST_TEST(parse_log_line(lines[4], e));
  BOOST_TEST(e.text == "");
  BOOST_TEST((e.stream == LogStream::err));
  BOOST_TEST(!parse_log_line("garbage", e));
  BOOST_TEST(!parse_log_line("2023-11-14T22:13:20.000000005+00:00 stdin F x", e));
  (void)remove_tree(dir);
}

BOOST_AUTO_TEST_CASE(max_size_empties_the_file_first) {
  std::string dir = temp_dir();
  std::string path = dir + "/ctr.log";
  auto w = LogWriter::open(path, 200);
  BOOST_REQUIRE(w.ok());
  for (int i = 0; i < 50; ++i) {
    std::string l = "line " + std::to_string(i) + "\n";
    w->write(LogStream::out, l.data(), l.size());
  }
  auto text = read_file(path);
  BOOST_REQUIRE(text.ok());
  BOOST_TEST(text->size() <= 200u);
  BOOST_TEST(text->find("line 49") != std::string::npos);
  (void)remove_tree(dir);
}

BOOST_AUTO_TEST_CASE(reader_tail_since_until) {
  std::string dir = temp_dir();
  std::string path = dir + "/ctr.log";
  std::string log =
      "2023-11-14T22:13:20.000000000+00:00 stdout F a\n"
      "2023-11-14T22:13:21.000000000+00:00 stdout F b\n"
      "2023-11-14T22:13:22.000000000+00:00 stdout P c\n"
      "2023-11-14T22:13:23.000000000+00:00 stderr F d\n";
  BOOST_REQUIRE(write_file_atomic(path, log).ok());
  auto collect = [&](const LogQuery& q) {
    std::string out;
    auto r = read_log(path, q, [] { return false; }, [&](const LogEntry& e) { out += e.text + (e.partial ? "" : "|"); });
    BOOST_TEST(r.ok());
    return out;
  };
  BOOST_TEST(collect({}) == "a|b|cd|");
  LogQuery tail;
  tail.tail = 2;
  BOOST_TEST(collect(tail) == "b|cd|");
  tail.tail = 1;
  BOOST_TEST(collect(tail) == "d|");
  tail.tail = 10;
  BOOST_TEST(collect(tail) == "a|b|cd|");
  LogQuery since;
  since.since_ns = 1700000001LL * 1000000000;
  BOOST_TEST(collect(since) == "b|cd|");
  LogQuery until;
  until.until_ns = 1700000001LL * 1000000000;
  BOOST_TEST(collect(until) == "a|b|");
  BOOST_TEST(log_display_time(1700000000LL * 1000000000 + 120000000).find(".12") != std::string::npos);
  // The journal's entries keep all nine digits, as podman prints them.
  BOOST_TEST(log_display_time(1700000000LL * 1000000000 + 120000000, true).find(".120000000") != std::string::npos);
  (void)remove_tree(dir);
}

BOOST_AUTO_TEST_CASE(log_times_as_podman_takes_them) {
  const int64_t now = 1700000000LL * 1000000000;
  BOOST_TEST(parse_log_time("2023-11-14T22:13:20Z", now).value() == now);
  BOOST_TEST(parse_log_time("2023-11-14T23:13:20.5+01:00", now).value() == now + 500000000);
  BOOST_TEST(parse_log_time("1700000000", now).value() == now);
  BOOST_TEST(parse_log_time("1700000000.25", now).value() == now + 250000000);
  BOOST_TEST(parse_log_time("10m", now).value() == now - 600LL * 1000000000);
  BOOST_TEST(parse_log_time("1h30m", now).value() == now - 5400LL * 1000000000);
  BOOST_TEST(!parse_log_time("yesterday", now).ok());
  BOOST_TEST(!parse_log_time("2023-13-01", now).ok());
}

BOOST_AUTO_TEST_CASE(signal_names_and_numbers) {
  BOOST_TEST(parse_signal("TERM").value() == 15);
  BOOST_TEST(parse_signal("sigkill").value() == 9);
  BOOST_TEST(parse_signal("SIGUSR1").value() == 10);
  BOOST_TEST(parse_signal("10").value() == 10);
  BOOST_TEST(parse_signal("RTMIN+2").value() == SIGRTMIN + 2);
  BOOST_TEST(parse_signal("FOO").error().message() == "invalid signal: FOO");
  BOOST_TEST(parse_signal("0").error().message() == "invalid signal: 0");
  BOOST_TEST(parse_signal("99").error().message() == "valid signals are 1 through 64");
  BOOST_TEST(signal_name(15) == "SIGTERM");
  BOOST_TEST(signal_name(SIGRTMIN + 3) == "SIGRTMIN+3");
}

BOOST_AUTO_TEST_SUITE_END()
