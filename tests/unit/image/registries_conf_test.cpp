#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

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

// "host/path:tag" or "host/path@digest" of each source, and its flags.
std::vector<std::string> sources_of(const RegistriesConf& conf, const std::string& ref) {
  auto parsed = parse_reference(ref);
  BOOST_REQUIRE(parsed.ok());
  auto sources = pull_sources(conf, *parsed);
  BOOST_REQUIRE_MESSAGE(sources.ok(), (sources.ok() ? std::string() : sources.error().message()));
  std::vector<std::string> out;
  for (auto& s : *sources)
    out.push_back(s.ref.str() + (s.mirror ? " mirror" : "") + (s.insecure ? " insecure" : ""));
  return out;
}

BOOST_AUTO_TEST_CASE(pull_sources_mirrors_first_then_location) {
  auto r = parse_registries_conf(R"([[registry]]
prefix = "example.com/team"
location = "internal.example/team-copy"

[[registry.mirror]]
location = "mirror-a.example/cache"
insecure = true

[[registry.mirror]]
location = "mirror-b.example"
pull-from-mirror = "digest-only"

[[registry.mirror]]
location = "mirror-c.example"
pull-from-mirror = "tag-only"

[[registry]]
location = "strict.example"
mirror-by-digest-only = true

[[registry.mirror]]
location = "strict-mirror.example"
)",
                                 "f");
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message()));
  std::string digest = "sha256:" + std::string(64, 'a');
  std::vector<std::string> by_tag{"mirror-a.example/cache/app:1 mirror insecure", "mirror-c.example/app:1 mirror",
                                  "internal.example/team-copy/app:1"};
  BOOST_TEST(sources_of(*r, "example.com/team/app:1") == by_tag, boost::test_tools::per_element());
  std::vector<std::string> by_digest{"mirror-a.example/cache/app@" + digest + " mirror insecure",
                                     "mirror-b.example/app@" + digest + " mirror",
                                     "internal.example/team-copy/app@" + digest};
  BOOST_TEST(sources_of(*r, "example.com/team/app@" + digest) == by_digest, boost::test_tools::per_element());
  std::vector<std::string> strict_tag{"strict.example/x:latest"};
  BOOST_TEST(sources_of(*r, "strict.example/x") == strict_tag, boost::test_tools::per_element());
  std::vector<std::string> strict_digest{"strict-mirror.example/x@" + digest + " mirror", "strict.example/x@" + digest};
  BOOST_TEST(sources_of(*r, "strict.example/x@" + digest) == strict_digest, boost::test_tools::per_element());
  std::vector<std::string> unlisted{"other.example/y:2"};
  BOOST_TEST(sources_of(*r, "other.example/y:2") == unlisted, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pull_sources_refuses_blocked_and_bad_pull_from) {
  auto r = parse_registries_conf("[[registry]]\nlocation = \"bad.example\"\nblocked = true\n", "f");
  BOOST_REQUIRE(r.ok());
  auto ref = parse_reference("bad.example/x:1");
  BOOST_REQUIRE(ref.ok());
  auto sources = pull_sources(*r, *ref);
  BOOST_REQUIRE(!sources.ok());
  BOOST_TEST(sources.error().message() == "registry bad.example is blocked in f");
  BOOST_TEST(error_of("[[registry]]\nlocation = \"a\"\n[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"sometimes\"\n")
                 .find(":5: pull-from-mirror must be all, digest-only or tag-only") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
