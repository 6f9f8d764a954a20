#include <boost/test/unit_test.hpp>
#include <regex>

#include "engine/containers.hpp"
#include "engine/proc.hpp"

#include <unistd.h>

using namespace roost;
using namespace roost::engine;

BOOST_AUTO_TEST_SUITE(engine_containers)

BOOST_AUTO_TEST_CASE(options_round_trip_through_json) {
  runtime::RunOptions o;
  o.container_id = std::string(64, 'c');
  o.name = "web";
  o.command = {"sh", "-c", "echo hi"};
  o.entrypoint = std::vector<std::string>{};
  o.env = {"A=1"};
  o.workdir = "/tmp";
  o.user = "1000:1000";
  o.hostname = "h";
  o.tty = o.interactive = o.read_only = o.privileged = true;
  o.cap_add = {"NET_ADMIN"};
  o.cap_drop = {"ALL"};
  o.binds = {{"/src", "/dst", true}};
  o.tmpfs = {"/scratch:size=1m"};
  o.network.mode = netns::Mode::none;
  o.network.ports = {{"127.0.0.1", 8080, 80, netns::Proto::tcp}};
  o.network.dns = {"192.0.2.1"};
  o.seccomp_profile_json = "{}";
  o.no_new_privileges = true;
  o.ulimits = {{"nofile", 10, 20}};
  auto back = options_from_json(nlohmann::json::parse(options_to_json(o).dump()));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(options_to_json(*back).dump() == options_to_json(o).dump());
  BOOST_TEST(back->entrypoint.has_value(), "an empty entrypoint (cleared) stays distinct from none");
  BOOST_TEST((back->network.mode == netns::Mode::none));
  BOOST_TEST(back->network.ports.at(0).host_port == 8080);
  BOOST_TEST(back->binds.at(0).read_only);

  runtime::RunOptions plain;
  auto p = options_from_json(options_to_json(plain));
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(!p->entrypoint.has_value());
}

BOOST_AUTO_TEST_CASE(options_from_json_rejects_unknown_values) {
  auto j = options_to_json(runtime::RunOptions{});
  j["network"] = "bridge";
  auto r = options_from_json(j);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message().find("bridge") != std::string::npos);
  j.erase("network");
  BOOST_TEST(!options_from_json(j).ok());
}

BOOST_AUTO_TEST_CASE(generated_names_look_like_docker_s) {
  std::regex shape("^[a-z]+_[a-z]+$");
  for (int i = 0; i < 20; ++i) BOOST_TEST(std::regex_match(generate_name(), shape));
}

BOOST_AUTO_TEST_CASE(status_text_like_podman) {
  const int64_t s = 1000000000;
  ContainerRecord c;
  BOOST_TEST(status_text(c, 100 * s) == "Created");
  c.state = State::running;
  c.started_ns = 97 * s;
  BOOST_TEST(status_text(c, 100 * s) == "Up 3 seconds");
  c.state = State::exited;
  c.exit_code = 137;
  c.finished_ns = 95 * s;
  BOOST_TEST(status_text(c, 100 * s) == "Exited (137) 5 seconds ago");
}

BOOST_AUTO_TEST_CASE(process_identity_uses_start_time) {
  pid_t me = ::getpid();
  int64_t start = process_start_time(me);
  BOOST_TEST(start > 0);
  BOOST_TEST(process_alive(me, start));
  BOOST_TEST(process_alive(me, 0));
  BOOST_TEST(!process_alive(me, start + 1), "same PID, other start time: a reused PID");
  BOOST_TEST(!process_alive(0, 0));
  BOOST_TEST(process_start_time(-1) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
