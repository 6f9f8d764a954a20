#include <boost/test/unit_test.hpp>

#include "engine/healthcheck.hpp"

using namespace roost;
using namespace roost::engine;

BOOST_AUTO_TEST_SUITE(engine_healthcheck)

BOOST_AUTO_TEST_CASE(health_cmd_forms) {
  auto shell = parse_health_cmd("curl -f http://localhost/ || exit 1");
  BOOST_REQUIRE(shell.ok());
  BOOST_TEST((*shell == std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}));
  auto array = parse_health_cmd(R"(["CMD", "true"])");
  BOOST_REQUIRE(array.ok());
  BOOST_TEST((*array == std::vector<std::string>{"CMD", "true"}));
  auto bare = parse_health_cmd(R"(["ls", "/"])");
  BOOST_REQUIRE(bare.ok());
  BOOST_TEST((*bare == std::vector<std::string>{"CMD", "ls", "/"}));
  BOOST_TEST((parse_health_cmd("none").value() == std::vector<std::string>{"NONE"}));
  BOOST_TEST(!parse_health_cmd("").ok());
  BOOST_TEST(!parse_health_cmd(R"(["CMD"])").ok());
  BOOST_TEST(!parse_health_cmd(R"(["CMD-SHELL", "a", "b"])").ok());
  BOOST_TEST(!parse_health_cmd(R"([1, 2])").ok());
}

BOOST_AUTO_TEST_CASE(durations) {
  BOOST_TEST(parse_health_duration("30s", "--health-interval", true).value() == 30 * kSecondNs);
  BOOST_TEST(parse_health_duration("1m30s", "--health-interval", true).value() == 90 * kSecondNs);
  BOOST_TEST(parse_health_duration("disable", "--health-interval", true).value() == 0);
  BOOST_TEST(!parse_health_duration("disable", "--health-timeout", false).ok());
  BOOST_TEST(!parse_health_duration("500ms", "--health-interval", true).ok());
  BOOST_TEST(!parse_health_duration("10", "--health-interval", true).ok());
  BOOST_TEST(!parse_health_duration("soon", "--health-timeout", false).ok());
  BOOST_TEST(parse_health_duration("0s", "--health-start-period", false).value() == 0);
  auto e = parse_health_duration("abc", "--health-interval", true);
  BOOST_REQUIRE(!e.ok());
  BOOST_TEST(e.error().message().find("--health-interval") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(image_healthcheck_from_config_json) {
  auto h = health_from_image(R"({"config": {"Healthcheck": {"Test": ["CMD-SHELL", "test -f /ok"],
      "Interval": 5000000000, "Timeout": 2000000000, "StartPeriod": 1000000000, "Retries": 4}}})");
  BOOST_TEST(h.defined());
  BOOST_TEST((h.test == std::vector<std::string>{"CMD-SHELL", "test -f /ok"}));
  BOOST_TEST(h.interval_ns == 5 * kSecondNs);
  BOOST_TEST(h.timeout_ns == 2 * kSecondNs);
  BOOST_TEST(h.start_period_ns == 1 * kSecondNs);
  BOOST_TEST(h.retries == 4);
  // Docker leaves zero values out: the defaults apply.
  auto d = health_from_image(R"({"config": {"Healthcheck": {"Test": ["CMD", "true"]}}})");
  BOOST_TEST(d.defined());
  BOOST_TEST(d.interval_ns == 30 * kSecondNs);
  BOOST_TEST(d.timeout_ns == 30 * kSecondNs);
  BOOST_TEST(d.retries == 3);
  BOOST_TEST(!health_from_image(R"({"config": {"Healthcheck": {"Test": ["NONE"]}}})").defined());
  BOOST_TEST(!health_from_image(R"({"config": {}})").defined());
  BOOST_TEST(!health_from_image("not json").defined());
  // --no-healthcheck wins over the image's; no flag takes it.
  const std::string image = R"({"config": {"Healthcheck": {"Test": ["CMD", "true"]}}})";
  BOOST_TEST(!resolve_health(HealthConfig{{"NONE"}}, image).defined());
  BOOST_TEST(resolve_health(HealthConfig{}, image).defined());
  HealthConfig mine;
  mine.test = {"CMD-SHELL", "mine"};
  BOOST_TEST(resolve_health(mine, image).test.back() == "mine");
}

BOOST_AUTO_TEST_CASE(stored_config_round_trips_with_disable) {
  HealthConfig h;
  h.test = {"CMD", "true"};
  h.interval_ns = 0;
  h.retries = 7;
  auto back = health_from_json(health_to_json(h));
  BOOST_TEST(back.interval_ns == 0);
  BOOST_TEST(back.retries == 7);
  BOOST_TEST((back.test == h.test));
}

BOOST_AUTO_TEST_CASE(results_make_the_state_as_podman) {
  HealthState s;
  BOOST_TEST(s.status == "starting");
  apply_health_result(s, {1, 2, 1, "no"}, true, 2);
  BOOST_TEST(s.status == "starting");
  BOOST_TEST(s.failing_streak == 0);
  apply_health_result(s, {1, 2, 1, "no"}, false, 2);
  BOOST_TEST(s.status == "starting");
  BOOST_TEST(s.failing_streak == 1);
  apply_health_result(s, {1, 2, 1, "no"}, false, 2);
  BOOST_TEST(s.status == "unhealthy");
  apply_health_result(s, {1, 2, 0, "ok"}, false, 2);
  BOOST_TEST(s.status == "healthy");
  BOOST_TEST(s.failing_streak == 0);
  for (int i = 0; i < 10; ++i) apply_health_result(s, {i, i, 0, std::to_string(i)}, false, 2);
  BOOST_REQUIRE(s.log.size() == 5u);
  BOOST_TEST(s.log.back().output == "9");
  BOOST_TEST(s.log.front().output == "5");
}

BOOST_AUTO_TEST_SUITE_END()
