#include <boost/test/unit_test.hpp>

#include "engine/container_top.hpp"
#include "engine/restart_policy.hpp"

using namespace roost::engine;

BOOST_AUTO_TEST_SUITE(restart_and_top)

BOOST_AUTO_TEST_CASE(restart_policies_parse_as_podman_takes_them) {
  BOOST_TEST(parse_restart_policy("")->name == "no");
  BOOST_TEST(parse_restart_policy("always")->name == "always");
  auto p = parse_restart_policy("on-failure:3");
  BOOST_TEST_REQUIRE(!!p);
  BOOST_TEST(p->name == "on-failure");
  BOOST_TEST(p->max_retries == 3);
  BOOST_TEST(!parse_restart_policy("sometimes"));
  BOOST_TEST(!parse_restart_policy("always:2"));
  BOOST_TEST(!parse_restart_policy("on-failure:-1"));
  BOOST_TEST(!parse_restart_policy("on-failure:"));
}

BOOST_AUTO_TEST_CASE(which_exits_restart) {
  RestartPolicy on_failure{"on-failure", 2};
  BOOST_TEST(restarts_after(on_failure, 1, 0));
  BOOST_TEST(restarts_after(on_failure, 1, 1));
  BOOST_TEST(!restarts_after(on_failure, 1, 2));
  BOOST_TEST(!restarts_after(on_failure, 0, 0));
  BOOST_TEST(restarts_after(RestartPolicy{"always", 0}, 0, 100));
  BOOST_TEST(restarts_after(RestartPolicy{"unless-stopped", 0}, 0, 100));
  BOOST_TEST(!restarts_after(RestartPolicy{}, 1, 0));
  BOOST_TEST(restart_delay(0).count() == 100);
  BOOST_TEST(restart_delay(3).count() == 800);
  BOOST_TEST(restart_delay(50).count() == 10000);
}

BOOST_AUTO_TEST_CASE(durations_print_as_go_does) {
  BOOST_TEST(go_duration(0) == "0s");
  BOOST_TEST(go_duration(1500) == "1.5µs");
  BOOST_TEST(go_duration(350000000) == "350ms");
  BOOST_TEST(go_duration(7553483106) == "7.553483106s");
  BOOST_TEST(go_duration(62250000000) == "1m2.25s");
  BOOST_TEST(go_duration(7201000000000) == "2h0m1s");
}

BOOST_AUTO_TEST_SUITE_END()
