#include <boost/test/unit_test.hpp>

#include "netns/options.hpp"
#include "netns/pasta.hpp"

using namespace roost;
using namespace roost::netns;

BOOST_AUTO_TEST_SUITE(netns_port_handler)

BOOST_AUTO_TEST_CASE(port_handler_option) {
  NetworkOptions n;
  BOOST_TEST(parse_network_mode("slirp4netns", n).ok());
  BOOST_TEST((n.slirp.port_handler == PortHandler::rootlesskit),
             "roost's forwarder by default (faster, and it keeps loopback clients' addresses)");
  BOOST_TEST(parse_network_mode("slirp4netns:port_handler=slirp4netns", n).ok());
  BOOST_TEST((n.slirp.port_handler == PortHandler::slirp4netns));
  BOOST_TEST(parse_network_mode("slirp4netns:mtu=1500,port_handler=rootlesskit", n).ok());
  BOOST_TEST((n.slirp.port_handler == PortHandler::rootlesskit));
  auto bad = parse_network_mode("slirp4netns:port_handler=socat", n);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().message().find("port_handler=rootlesskit|slirp4netns") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(port_handler_round_trips_and_old_records_keep_slirp4netns) {
  NetworkOptions n;
  BOOST_REQUIRE(parse_network_mode("slirp4netns:port_handler=slirp4netns", n).ok());
  auto back = network_from_json(to_json(n));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((back->slirp.port_handler == PortHandler::slirp4netns));
  auto j = to_json(NetworkOptions());
  j["slirp"].erase("port_handler");
  auto old = network_from_json(j);
  BOOST_REQUIRE(old.ok());
  BOOST_TEST((old->slirp.port_handler == PortHandler::slirp4netns), "a record from before roost's forwarder");
  j["slirp"]["port_handler"] = "socat";
  BOOST_TEST(!network_from_json(j).ok());
}

BOOST_AUTO_TEST_CASE(pasta_mode) {
  NetworkOptions n;
  BOOST_REQUIRE(parse_network_mode("pasta", n).ok());
  BOOST_TEST((n.mode == Mode::pasta));
  BOOST_TEST(n.pasta_args.empty());
  BOOST_TEST(mode_name(n) == "pasta");
  BOOST_REQUIRE(parse_network_mode("pasta:--mtu,1500", n).ok());
  BOOST_TEST((n.pasta_args == std::vector<std::string>{"--mtu", "1500"}));
  auto back = network_from_json(to_json(n));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((back->mode == Mode::pasta));
  BOOST_TEST((back->pasta_args == n.pasta_args));
  n.ports = {{"", 8080, 80, Proto::tcp}};
  BOOST_TEST(check_network_options(n).ok(), "pasta publishes ports");
}

BOOST_AUTO_TEST_CASE(pasta_port_arguments) {
  NetworkOptions n;
  n.mode = Mode::pasta;
  BOOST_TEST((pasta_port_args(n) == std::vector<std::string>{"-t", "none", "-u", "none", "-T", "none", "-U", "none"}));
  n.ports = {{"127.0.0.1", 8080, 80, Proto::tcp}, {"", 5353, 53, Proto::udp}, {"", 9000, 90, Proto::tcp}};
  BOOST_TEST((pasta_port_args(n) == std::vector<std::string>{"-t", "127.0.0.1/8080:80", "-t", "9000:90", "-u", "5353:53",
                                                              "-T", "none", "-U", "none"}));
}

BOOST_AUTO_TEST_SUITE_END()
