#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "image/auth.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace roost::image;

using roost::test::TempDir;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

BOOST_AUTO_TEST_SUITE(auth)

BOOST_AUTO_TEST_CASE(bearer_challenge) {
  auto c = parse_challenges(R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull")");
  BOOST_REQUIRE(c.ok());
  BOOST_REQUIRE(c->size() == 1u);
  BOOST_TEST((*c)[0].scheme == "bearer");
  BOOST_TEST((*c)[0].params.at("realm") == "https://auth.example/token");
  BOOST_TEST((*c)[0].params.at("service") == "registry.example");
  BOOST_TEST((*c)[0].params.at("scope") == "repository:a/b:pull");
}

BOOST_AUTO_TEST_CASE(basic_challenge_and_several) {
  auto c = parse_challenges(R"(Basic realm="roost \"test\"", charset=UTF-8, Bearer realm="x")");
  BOOST_REQUIRE(c.ok());
  BOOST_REQUIRE(c->size() == 2u);
  BOOST_TEST((*c)[0].scheme == "basic");
  BOOST_TEST((*c)[0].params.at("realm") == "roost \"test\"");
  BOOST_TEST((*c)[0].params.at("charset") == "UTF-8");
  BOOST_TEST((*c)[1].scheme == "bearer");
  BOOST_TEST((*c)[1].params.at("realm") == "x");
}

BOOST_AUTO_TEST_CASE(malformed_challenges) {
  BOOST_TEST(!parse_challenges("").ok());
  BOOST_TEST(!parse_challenges(R"(Bearer realm="unterminated)").ok());
}

BOOST_AUTO_TEST_CASE(token_scopes_add_what_a_challenge_asks_beyond_our_own) {
  using V = std::vector<std::string>;
  const std::string own = "repository:second/multi:pull,push";
  BOOST_TEST(token_scopes(own, "") == V{own});
  BOOST_TEST(token_scopes("", "") == V{});
  // The 401 of a blob mount: our own scope and pull on the source.
  BOOST_TEST(token_scopes(own, own + " repository:first/multi:pull") == (V{own, "repository:first/multi:pull"}));
  // Covered by our own actions, in any order: nothing added.
  BOOST_TEST(token_scopes(own, "repository:second/multi:push,pull") == V{own});
  BOOST_TEST(token_scopes(own, "repository:second/multi:pull") == V{own});
  // More than our own actions on our repository, or another type.
  BOOST_TEST(token_scopes("repository:a:pull", "repository:a:pull,push") == (V{"repository:a:pull", "repository:a:pull,push"}));
  BOOST_TEST(token_scopes("repository:a:pull", "registry:catalog:*") == (V{"repository:a:pull", "registry:catalog:*"}));
  // A login has no scope of its own; repeated or extra spaces are ignored.
  BOOST_TEST(token_scopes("", "repository:a:pull  repository:a:pull ") == V{"repository:a:pull"});
  // A name with a port in it keeps its colons.
  BOOST_TEST(token_scopes("repository:h:5000/a:pull", "repository:h:5000/a:pull") == V{"repository:h:5000/a:pull"});
}

BOOST_AUTO_TEST_CASE(creds_flag) {
  auto c = parse_creds("user:pa:ss");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->username == "user");
  BOOST_TEST(c->password == "pa:ss");
  BOOST_TEST(!parse_creds(":x").ok());
  BOOST_TEST(!parse_creds("user").ok());
}

BOOST_AUTO_TEST_CASE(base64_round_trip) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "user:secret", std::string("\0\xff", 2)}) {
    auto d = base64_decode(base64_encode(s));
    BOOST_REQUIRE(d.ok());
    BOOST_TEST(*d == s);
  }
  BOOST_TEST(base64_encode("user:pass") == "dXNlcjpwYXNz");
  BOOST_TEST(!base64_decode("abc").ok());
}

BOOST_AUTO_TEST_CASE(auth_json_write_read_remove) {
  TempDir t("roost-auth-test");
  std::string file = t.path + "/sub/auth.json";
  BOOST_TEST(!read_credentials(file, "r.example:5000", "a/b")->has_value(), "a missing file has no credentials");
  BOOST_REQUIRE(write_credentials(file, "r.example:5000", {"u", "p:w"}).ok());
  BOOST_TEST(((std::filesystem::status(file).permissions() & std::filesystem::perms::others_read) == std::filesystem::perms::none));
  auto c = read_credentials(file, "r.example:5000", "a/b");
  BOOST_REQUIRE(c.ok());
  BOOST_REQUIRE(c->has_value());
  BOOST_TEST((*c)->username == "u");
  BOOST_TEST((*c)->password == "p:w");
  BOOST_TEST(!read_credentials(file, "other.example", "a/b")->has_value());
  BOOST_TEST(*remove_credentials(file, "r.example:5000"));
  BOOST_TEST(!*remove_credentials(file, "r.example:5000"));
  BOOST_TEST(!read_credentials(file, "r.example:5000", "a/b")->has_value());
}

BOOST_AUTO_TEST_CASE(auth_json_most_specific_key_and_docker_forms) {
  TempDir t("roost-auth-test");
  std::string file = t.path + "/config.json";
  write(file, R"({"auths":{"https://index.docker.io/v1/":{"auth":")" + base64_encode("hub:1") + R"("},
    "r.example":{"auth":")" + base64_encode("reg:2") + R"("},
    "r.example/team":{"auth":")" + base64_encode("team:3") + R"("}}})");
  BOOST_TEST((*read_credentials(file, "docker.io", "library/busybox"))->username == "hub");
  BOOST_TEST((*read_credentials(file, "r.example", "team/app"))->username == "team");
  BOOST_TEST((*read_credentials(file, "r.example", "other/app"))->username == "reg");
}

BOOST_AUTO_TEST_CASE(corrupt_auth_json_names_file_and_line) {
  TempDir t("roost-auth-test");
  std::string file = t.path + "/auth.json";
  write(file, "{\n  \"auths\": {\n    \"x\": {\"auth\": \"abc\"\n}\n");
  auto r = read_credentials(file, "x", "");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message().find(file + ": line ") == 0u, r.error().message());
  write(file, R"({"auths":{"x":{"auth":"!!!!"}}})");
  auto bad = read_credentials(file, "x", "");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().message().find("invalid \"auth\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(auth_file_locations) {
  ::setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
  ::unsetenv("REGISTRY_AUTH_FILE");
  ::setenv("HOME", "/home/u", 1);
  BOOST_TEST(*auth_file_for_writing("") == "/run/user/1234/containers/auth.json");
  auto files = auth_files_for_reading("");
  BOOST_REQUIRE(files->size() == 2u);
  BOOST_TEST((*files)[1] == "/home/u/.docker/config.json");
  ::setenv("REGISTRY_AUTH_FILE", "/tmp/a.json", 1);
  BOOST_TEST(*auth_file_for_writing("") == "/tmp/a.json");
  BOOST_TEST(auth_files_for_reading("")->size() == 1u);
  BOOST_TEST(*auth_file_for_writing("/x.json") == "/x.json");
  ::unsetenv("REGISTRY_AUTH_FILE");
}

BOOST_AUTO_TEST_SUITE_END()
