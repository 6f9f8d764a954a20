#include <boost/test/unit_test.hpp>

#include "engine/stats_format.hpp"

using namespace roost::engine;

BOOST_AUTO_TEST_SUITE(stats_format)

BOOST_AUTO_TEST_CASE(durations_print_as_go_does) {
  BOOST_TEST(go_duration(0) == "0s");
  BOOST_TEST(go_duration(812) == "812ns");
  BOOST_TEST(go_duration(1500) == "1.5µs");
  BOOST_TEST(go_duration(55963626) == "55.963626ms");
  BOOST_TEST(go_duration(2000000000) == "2s");
  BOOST_TEST(go_duration(62500000000) == "1m2.5s");
  BOOST_TEST(go_duration(3600000000000) == "1h0m0s");
}

ContainerRecord record() {
  ContainerRecord c;
  c.id = std::string(12, 'a') + std::string(52, 'b');
  c.name = "web";
  c.state = State::running;
  c.started_ns = 1000000000000;
  return c;
}

BOOST_AUTO_TEST_CASE(a_row_in_podmans_shape) {
  Engine::Stats s;
  s.sampled_ns = 1000000000000 + 2000000000;  // 2 s after the start
  s.cpu_ns = 100000000;                        // 0.1 s of CPU
  s.mem_usage = 639000;
  s.mem_limit = 25280000000;
  s.net_rx = 516;
  s.net_tx = 1130;
  s.pids = 2;
  auto r = stats_row(record(), s, std::nullopt, false);
  BOOST_TEST(r.id == "aaaaaaaaaaaa");
  BOOST_TEST(r.cpu_percent == "5.00%");
  BOOST_TEST(r.avg_cpu == "5.00%");
  BOOST_TEST(r.cpu_time == "100ms");
  BOOST_TEST(r.mem_usage == "639kB / 25.28GB");
  BOOST_TEST(r.mem_percent == "0.00%");
  BOOST_TEST(r.net_io == "516B / 1.13kB");
  BOOST_TEST(r.block_io == "0B / 0B");
  BOOST_TEST(r.pids == "2");
  auto cells = stats_cells(r);
  BOOST_TEST(cells.size() == stats_header().size());
  BOOST_TEST(stats_json(r)["mem_usage"] == "639kB / 25.28GB");
  BOOST_TEST(stats_template_fields(r)["PIDs"] == "2");
  BOOST_TEST(stats_row(record(), s, std::nullopt, true).id.size() == 64u);
}

BOOST_AUTO_TEST_CASE(streaming_cpu_is_over_the_interval) {
  Engine::Stats before, now;
  before.sampled_ns = 1000000000000 + 1000000000;
  before.cpu_ns = 100000000;
  now.sampled_ns = before.sampled_ns + 1000000000;
  now.cpu_ns = before.cpu_ns + 500000000;  // half a CPU over that second
  auto r = stats_row(record(), now, before, false);
  BOOST_TEST(r.cpu_percent == "50.00%");
  BOOST_TEST(r.avg_cpu == "30.00%");
}

BOOST_AUTO_TEST_CASE(stopped_containers_have_zeros) {
  auto c = record();
  c.state = State::exited;
  auto r = stats_row(c, Engine::Stats{}, std::nullopt, false);
  BOOST_TEST(r.cpu_percent == "0.00%");
  BOOST_TEST(r.mem_usage == "0B / 0B");
  BOOST_TEST(r.pids == "0");
  BOOST_TEST(r.cpu_time == "0s");
}

BOOST_AUTO_TEST_SUITE_END()
