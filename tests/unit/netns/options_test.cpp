#include <boost/test/unit_test.hpp>

#include "netns/host_files.hpp"
#include "netns/options.hpp"
#include "netns/pasta.hpp"

using namespace roost;
using namespace roost::netns;

BOOST_AUTO_TEST_SUITE(netns_options)

BOOST_AUTO_TEST_CASE(network_modes) {
  NetworkOptions n;
  BOOST_TEST(parse_network_mode("", n).ok());
  BOOST_TEST((n.mode == Mode::slirp4netns));
  BOOST_TEST(parse_network_mode("none", n).ok());
  BOOST_TEST((n.mode == Mode::none));
  BOOST_TEST(parse_network_mode("private", n).ok());
  BOOST_TEST((n.mode == Mode::slirp4netns), "podman's private is the default network");
  BOOST_TEST(parse_network_mode("host", n).ok());
  BOOST_TEST((n.mode == Mode::host));
  BOOST_TEST(parse_network_mode("ns:/proc/1/ns/net", n).ok());
  BOOST_TEST((n.mode == Mode::ns_path));
  BOOST_TEST(n.ns_path == "/proc/1/ns/net");
  BOOST_TEST(parse_network_mode("slirp4netns:allow_host_loopback=true,mtu=1500,cidr=10.9.0.0/24", n).ok());
  BOOST_TEST((n.mode == Mode::slirp4netns));
  BOOST_TEST(n.slirp.allow_host_loopback);
  BOOST_TEST(n.slirp.mtu == 1500);
  BOOST_TEST(n.slirp.cidr == "10.9.0.0/24");
  auto bad = parse_network_mode("bridge0", n);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().message().find("\"bridge0\" is not supported") != std::string::npos);
  auto bad_opt = parse_network_mode("slirp4netns:bogus=1", n);
  BOOST_REQUIRE(!bad_opt.ok());
  BOOST_TEST(bad_opt.error().message().find("unknown slirp4netns option \"bogus=1\"") != std::string::npos);
  BOOST_TEST(!parse_network_mode("slirp4netns:mtu=99999", n).ok());
}

BOOST_AUTO_TEST_CASE(container_mode) {
  NetworkOptions n;
  BOOST_REQUIRE(parse_network_mode("container:web", n).ok());
  BOOST_TEST((n.mode == Mode::container));
  BOOST_TEST(n.container == "web");
  BOOST_TEST(mode_name(n) == "container:web");
  BOOST_TEST(!parse_network_mode("container:", n).ok());
  auto back = network_from_json(to_json([] {
    NetworkOptions c;
    c.mode = Mode::container;
    c.container = "0123abcd";
    return c;
  }()));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((back->mode == Mode::container));
  BOOST_TEST(back->container == "0123abcd");

  BOOST_REQUIRE(parse_network_mode("container:web", n).ok());
  BOOST_TEST(check_network_options(n).ok());
  auto with = [&](auto change) {
    NetworkOptions m = n;
    change(m);
    auto r = check_network_options(m);
    return r.ok() ? std::string() : r.error().message();
  };
  BOOST_TEST(with([](NetworkOptions& m) { m.ports = parse_publish("8080:80").value(); }) ==
             "conflicting options: published ports (-p, -P) and the network mode container:web");
  BOOST_TEST(with([](NetworkOptions& m) { m.publish_all = true; }).find("published ports") != std::string::npos);
  BOOST_TEST(with([](NetworkOptions& m) { m.dns = {"1.1.1.1"}; }).find("conflicting options: dns") == 0u);
  BOOST_TEST(with([](NetworkOptions& m) { m.dns_search = {"example.com"}; }).find("conflicting options: dns") == 0u);
  BOOST_TEST(with([](NetworkOptions& m) { m.add_hosts = {"a:1.2.3.4"}; }).find("host-to-IP mapping") != std::string::npos);
  BOOST_TEST(with([](NetworkOptions& m) { m.no_hosts = true; }).find("--no-hosts") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(publish_specs) {
  auto one = parse_publish("8080:80");
  BOOST_REQUIRE(one.ok());
  BOOST_TEST(one->size() == 1u);
  BOOST_TEST(one->at(0).host_ip == "");
  BOOST_TEST(one->at(0).host_port == 8080);
  BOOST_TEST(one->at(0).container_port == 80);
  BOOST_TEST((one->at(0).proto == Proto::tcp));

  auto full = parse_publish("127.0.0.1:9000-9002:90-92/udp");
  BOOST_REQUIRE(full.ok());
  BOOST_TEST(full->size() == 3u);
  BOOST_TEST(full->at(2).host_ip == "127.0.0.1");
  BOOST_TEST(full->at(2).host_port == 9002);
  BOOST_TEST(full->at(2).container_port == 92);
  BOOST_TEST((full->at(2).proto == Proto::udp));

  auto random = parse_publish("127.0.0.1::80");
  BOOST_REQUIRE(random.ok());
  BOOST_TEST(random->at(0).host_port == 0);
  auto bare = parse_publish("80");
  BOOST_REQUIRE(bare.ok());
  BOOST_TEST(bare->at(0).host_port == 0);
  auto v6 = parse_publish("[::1]:8080:80");
  BOOST_REQUIRE(v6.ok());
  BOOST_TEST(v6->at(0).host_ip == "::1");

  auto err = [](const std::string& spec) {
    auto r = parse_publish(spec);
    return r.ok() ? std::string() : r.error().message();
  };
  BOOST_TEST(err("70000").find("invalid port \"70000\" in -p 70000: ports are 1-65535") != std::string::npos);
  BOOST_TEST(err("a:b").find("invalid port \"b\" in -p a:b: not a number") != std::string::npos);
  BOOST_TEST(err("1-3:4-5").find("differ in size") != std::string::npos);
  BOOST_TEST(err("80/sctp").find("invalid protocol \"sctp\"") != std::string::npos);
  BOOST_TEST(err("1.2.3:80:80").find("invalid IP address") != std::string::npos);
  BOOST_TEST(err("0:80").find("ports are 1-65535") != std::string::npos);
  BOOST_TEST(err("5-3").find("ends before it starts") != std::string::npos);
  BOOST_TEST(err("1:2:3:4").find("expected [IP:][HOSTPORT:]CTRPORT") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ports_need_slirp) {
  NetworkOptions n;
  n.mode = Mode::none;
  n.ports = {{"", 8080, 80, Proto::tcp}};
  BOOST_TEST(!check_network_options(n).ok());
  n.mode = Mode::slirp4netns;
  BOOST_TEST(check_network_options(n).ok());
  n.add_hosts = {"db:10.0.0.5"};
  BOOST_TEST(check_network_options(n).ok());
  n.add_hosts = {"db"};
  BOOST_TEST(!check_network_options(n).ok());
}

BOOST_AUTO_TEST_CASE(ports_column_folds_ranges) {
  std::vector<PortMapping> p = {{"", 8080, 80, Proto::tcp},
                                {"127.0.0.1", 9001, 91, Proto::udp},
                                {"127.0.0.1", 9000, 90, Proto::udp}};
  BOOST_TEST(format_ports(p) == "0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->90-91/udp");
  auto j = port_bindings_json(p);
  BOOST_TEST(j["80/tcp"][0]["HostPort"] == "8080");
  BOOST_TEST(j["90/udp"][0]["HostIp"] == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(json_round_trip) {
  NetworkOptions n;
  BOOST_REQUIRE(parse_network_mode("slirp4netns:allow_host_loopback=true", n).ok());
  n.ports = {{"127.0.0.1", 8080, 80, Proto::udp}};
  n.dns = {"192.0.2.1"};
  n.add_hosts = {"db:10.0.0.5"};
  n.no_hosts = true;
  auto back = network_from_json(nlohmann::json::parse(to_json(n).dump()));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(to_json(*back).dump() == to_json(n).dump());
  auto old = network_from_json(nlohmann::json("private"));
  BOOST_REQUIRE(old.ok());
  BOOST_TEST((old->mode == Mode::loopback), "records from before slirp4netns keep their loopback-only network");
  BOOST_TEST(!network_from_json(nlohmann::json("bridge")).ok());
}

BOOST_AUTO_TEST_CASE(resolv_conf) {
  NetworkOptions n;
  std::string host = "# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\noptions edns0\n";
  BOOST_TEST(resolv_conf_text(host, n) ==
             "search example.org\nnameserver 10.0.2.3\nnameserver 192.0.2.53\noptions edns0\n");
  n.mode = Mode::none;
  BOOST_TEST(resolv_conf_text(host, n) == "search example.org\nnameserver 192.0.2.53\noptions edns0\n");
  n.mode = Mode::slirp4netns;
  BOOST_TEST(resolv_conf_text("nameserver 127.0.0.1\n", n) == "nameserver 10.0.2.3\n");
  n.dns = {"192.0.2.1"};
  n.dns_search = {"."};
  n.dns_options = {"ndots:2"};
  BOOST_TEST(resolv_conf_text(host, n) == "nameserver 192.0.2.1\noptions ndots:2\n");
}

BOOST_AUTO_TEST_CASE(resolv_conf_with_pasta) {
  NetworkOptions n;
  n.mode = Mode::pasta;
  std::string host = "nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\n";
  BOOST_TEST(resolv_conf_text(host, n) == "search example.org\nnameserver 169.254.1.1\nnameserver 192.0.2.53\n",
             "pasta's DNS forwarder first; the loopback nameserver, unreachable from the container, gone");
  BOOST_TEST(resolv_conf_text("", n) == "nameserver 169.254.1.1\n");
  n.pasta_args = {"-4", "--dns-forward", "10.9.9.9"};
  BOOST_TEST(pasta_dns_forward(n) == "10.9.9.9", "the user's own --dns-forward address");
  n.pasta_args = {"--dns-forward=10.8.8.8"};
  BOOST_TEST(resolv_conf_text(host, n) == "search example.org\nnameserver 10.8.8.8\nnameserver 192.0.2.53\n");
  n.dns = {"192.0.2.1"};
  BOOST_TEST(resolv_conf_text(host, n) == "search example.org\nnameserver 192.0.2.1\n", "--dns replaces them all");
}

BOOST_AUTO_TEST_CASE(hosts_file) {
  NetworkOptions n;
  n.add_hosts = {"db:10.0.0.5"};
  std::string t = hosts_text(n, "h", "web", "");
  BOOST_TEST(t.find("10.0.0.5\tdb\n") != std::string::npos);
  BOOST_TEST(t.find("10.0.2.100\th web\n") != std::string::npos);
  BOOST_TEST(t.find("host.containers.internal") == std::string::npos);
  n.slirp.allow_host_loopback = true;
  BOOST_TEST(hosts_text(n, "h", "web", "").find("10.0.2.2\thost.containers.internal") != std::string::npos);
  n.mode = Mode::none;
  BOOST_TEST(hosts_text(n, "h", "h", "").find("127.0.1.1\th\n") != std::string::npos);
  auto a = slirp_addresses("10.9.8.0/24");
  BOOST_TEST(a.guest == "10.9.8.100");
  BOOST_TEST(a.dns == "10.9.8.3");
}

BOOST_AUTO_TEST_SUITE_END()
