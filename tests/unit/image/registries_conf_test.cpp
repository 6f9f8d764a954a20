#include <boost/test/unit_test.hpp>

#include <string>

#include "image/registries_conf.hpp"

using namespace roost::image;

namespace {

std::string error_of(const std::string& text) {
  auto r = parse_registries_conf(text, "/etc/containers/registries.conf");
  BOOST_REQUIRE_MESSAGE(!r.ok(), "accepted: " + text);
  return r.error().message();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registries_conf)

BOOST_AUTO_TEST_CASE(full_v2_file) {
  auto r = parse_registries_conf(R"(# a comment
unqualified-search-registries = ["registry.example", 'quay.io',  # trailing comment
  "docker.io"]
short-name-mode = "permissive"

[[registry]]
location = "registry.example"
insecure = true

[[registry.mirror]]
location = "mirror.example:5000"
insecure = false

[[registry]]
prefix = "evil.example/team"
location = "evil.example/team"
blocked = true

[aliases]
"busybox" = "registry.example/library/busybox"
)",
                                 "f");
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message()));
  BOOST_TEST(r->unqualified_search.size() == 3u);
  BOOST_TEST(r->unqualified_search[1] == "quay.io");
  BOOST_TEST(r->short_name_mode == "permissive");
  BOOST_REQUIRE(r->registries.size() == 2u);
  BOOST_TEST(r->registries[0].insecure);
  BOOST_TEST(r->registries[0].prefix == "registry.example");
  BOOST_REQUIRE(r->registries[0].mirrors.size() == 1u);
  BOOST_TEST(r->registries[0].mirrors[0].location == "mirror.example:5000");
  BOOST_TEST(r->registries[1].blocked);
  BOOST_TEST(r->aliases.at("busybox") == "registry.example/library/busybox");
  BOOST_TEST(find_registry(*r, "registry.example/a/b")->insecure);
  BOOST_TEST(find_registry(*r, "evil.example/team/x")->blocked);
  BOOST_TEST(find_registry(*r, "evil.example/other") == nullptr);
  BOOST_TEST(find_registry(*r, "registry.examplex/a") == nullptr);
}

BOOST_AUTO_TEST_CASE(errors_name_file_and_line) {
  BOOST_TEST(error_of("unqualified-search-registries = [\"a\"]\n\nbogus = 1\n") ==
             "/etc/containers/registries.conf:3: unsupported value (use a \"string\", true, false or an array of strings)");
  BOOST_TEST(error_of("\n[[registry]]\nlocation = \"x\"\ncolour = \"red\"\n") ==
             "/etc/containers/registries.conf:4: unknown key \"colour\" in [[registry]]");
  BOOST_TEST(error_of("[registries.search]\nregistries = []\n").find(":1: [registries.search] is the version 1 format") !=
             std::string::npos);
  BOOST_TEST(error_of("x = \"unterminated\n").find(":1: ") != std::string::npos);
  BOOST_TEST(error_of("[[registry]]\ninsecure = \"yes\"\n").find(":2: \"insecure\" must be true or false") != std::string::npos);
  BOOST_TEST(error_of("[[registry.mirror]]\n").find(":1: [[registry.mirror]] before any [[registry]]") != std::string::npos);
  BOOST_TEST(error_of("short-name-mode = \"sometimes\"\n").find(":1: short-name-mode must be") != std::string::npos);
  BOOST_TEST(error_of("unqualified-search-registries = [\"a\" \"b\"]\n").find(":1: expected ','") != std::string::npos);
  BOOST_TEST(error_of("[[registry]]\ninsecure = true\n").find("neither location nor prefix") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_file_is_empty_config) {
  auto r = parse_registries_conf("# nothing\n\n", "f");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->unqualified_search.empty());
  BOOST_TEST(r->registries.empty());
}

BOOST_AUTO_TEST_SUITE_END()
