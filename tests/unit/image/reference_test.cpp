#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "image/reference.hpp"

using roost::ErrorKind;
using namespace roost::image;

namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string normalised(const std::string& text) {
  auto r = parse_reference(text);
  BOOST_TEST_INFO("input: " << text);
  BOOST_REQUIRE_MESSAGE(r.ok(), "unexpected error: " + (r.ok() ? std::string() : r.error().str()));
  return r->str();
}

std::string error_of(const std::string& text) {
  auto r = parse_reference(text);
  BOOST_TEST_INFO("input: " << text);
  BOOST_REQUIRE_MESSAGE(!r.ok(), "accepted \"" + text + "\" as " + (r.ok() ? r->str() : std::string()));
  BOOST_TEST((r.error().kind() == ErrorKind::invalid));
  return r.error().message();
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(image_reference)

BOOST_AUTO_TEST_CASE(short_names_normalise_like_docker) {
  BOOST_TEST(normalised("busybox") == "docker.io/library/busybox:latest");
  BOOST_TEST(normalised("docker.io/busybox") == "docker.io/library/busybox:latest");
  BOOST_TEST(normalised("index.docker.io/library/busybox:1.36") == "docker.io/library/busybox:1.36");
  BOOST_TEST(normalised("library/busybox") == "docker.io/library/busybox:latest");
  BOOST_TEST(normalised("user/repo:v1") == "docker.io/user/repo:v1");
  BOOST_TEST(normalised("localhost/foo") == "localhost/foo:latest");
}

BOOST_AUTO_TEST_CASE(fields_are_split) {
  auto r = parse_reference("localhost:5000/a/b:tag");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->domain == "localhost:5000");
  BOOST_TEST(r->path == "a/b");
  BOOST_TEST(r->tag == "tag");
  BOOST_TEST(r->digest == "");
  BOOST_TEST(r->repository() == "localhost:5000/a/b");

  auto d = parse_reference("quay.io/podman/stable@sha256:" + kHex);
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->domain == "quay.io");
  BOOST_TEST(d->tag == "");  // a digest alone gets no default tag
  BOOST_TEST(d->digest == "sha256:" + kHex);
  BOOST_TEST(d->str() == "quay.io/podman/stable@sha256:" + kHex);

  BOOST_TEST(normalised("busybox:1.0@sha256:" + kHex) == "docker.io/library/busybox:1.0@sha256:" + kHex);
}

BOOST_AUTO_TEST_CASE(grammar_edges_that_are_valid) {
  BOOST_TEST(normalised("ab-c__d---e/f.g_h") == "docker.io/ab-c__d---e/f.g_h:latest");
  BOOST_TEST(normalised("a.b-c.io/f.g_h") == "a.b-c.io/f.g_h:latest");
  BOOST_TEST(normalised("[::1]:5000/foo:bar") == "[::1]:5000/foo:bar");
  BOOST_TEST(normalised("my-registry.example.com:443/team/app:2024.01_rc-1") ==
             "my-registry.example.com:443/team/app:2024.01_rc-1");
  BOOST_TEST(normalised("foo:Latest_1.0-x") == "docker.io/library/foo:Latest_1.0-x");
  BOOST_TEST(normalised("foo:" + std::string(128, 't')) == "docker.io/library/foo:" + std::string(128, 't'));
  // A domain is matched case-insensitively, as hosts are; the path is not.
  BOOST_TEST(normalised("Quay.io/foo") == "Quay.io/foo:latest");
  // Without a '/', "localhost:5000" is the name "localhost" with tag "5000".
  BOOST_TEST(normalised("localhost:5000") == "docker.io/library/localhost:5000");
}

BOOST_AUTO_TEST_CASE(uppercase_is_named_as_the_problem) {
  BOOST_TEST(error_of("UPPER/case") == "invalid reference format: repository name must be lowercase: \"UPPER/case\"");
  BOOST_TEST(contains(error_of("Busybox"), "must be lowercase"));
  BOOST_TEST(contains(error_of("quay.io/Team/app"), "must be lowercase"));
}

BOOST_AUTO_TEST_CASE(malformed_references_are_refused) {
  BOOST_TEST(error_of("name:") == "invalid reference format: \"name:\"");
  BOOST_TEST(contains(error_of(""), "at least one component"));
  BOOST_TEST(contains(error_of("name@sha256:bad"), "invalid digest \"sha256:bad\""));
  BOOST_TEST(contains(error_of("name@sha256:bad"), "\"name@sha256:bad\""));
  BOOST_TEST(contains(error_of("name@md5:" + kHex.substr(0, 32)), "invalid digest"));
  BOOST_TEST(contains(error_of("name@sha256:" + kHex + "0"), "invalid digest"));
  BOOST_TEST(contains(error_of(kHex), "hexadecimal"));
  BOOST_TEST(contains(error_of("foo:" + std::string(129, 't')), "invalid tag"));
  BOOST_TEST(contains(error_of("foo:-tag"), "invalid tag"));
  BOOST_TEST(contains(error_of("localhost:abc/foo"), "invalid domain \"localhost:abc\""));
  BOOST_TEST(contains(error_of("exa_mple.com/foo"), "invalid domain"));
  BOOST_TEST(contains(error_of("-bad.com/foo"), "invalid domain"));
  BOOST_TEST(contains(error_of("a.b-c__d/foo"), "invalid domain"));
  for (const std::string& bad : std::vector<std::string>{"-foo", "foo-", "foo..bar", "foo___bar", "foo/", "/foo", "foo//bar", "foo:ta g",
                                "foo bar", "foo@", "@sha256:" + kHex, "foo/.bar", "localhost/", ":tag"}) {
    auto msg = error_of(bad);
    BOOST_CHECK_MESSAGE(contains(msg, "invalid reference format"), msg);
    BOOST_CHECK_MESSAGE(contains(msg, "\"" + bad + "\""), msg);  // the input is named
  }
}

BOOST_AUTO_TEST_CASE(names_longer_than_255_are_refused) {
  std::string component(62, 'a');
  std::string name = component + "/" + component + "/" + component + "/" + component;  // 251 chars
  // docker.io/ is counted, as distribution counts the normalised name.
  BOOST_TEST(contains(error_of(name), "must not be more than 255 characters"));
  std::string fits = "localhost/" + std::string(245, 'a');
  BOOST_TEST(normalised(fits) == fits + ":latest");
  BOOST_TEST(contains(error_of("localhost/" + std::string(246, 'a')), "255"));
}

BOOST_AUTO_TEST_CASE(local_names_default_to_localhost) {
  auto check = [](const std::string& in, const std::string& want) {
    auto r = parse_local_name(in);
    BOOST_REQUIRE_MESSAGE(r.ok(), in + ": " + (r.ok() ? "" : r.error().str()));
    BOOST_TEST(r->str() == want);
  };
  check("foo", "localhost/foo:latest");
  check("foo:1", "localhost/foo:1");
  check("team/foo", "localhost/team/foo:latest");
  check("quay.io/a/b", "quay.io/a/b:latest");
  check("docker.io/busybox", "docker.io/library/busybox:latest");
  auto digest = parse_local_name("foo@sha256:" + kHex);
  BOOST_REQUIRE(!digest.ok());
  BOOST_TEST(contains(digest.error().message(), "digest"));
  auto upper = parse_local_name("Foo");
  BOOST_REQUIRE(!upper.ok());
  BOOST_TEST(contains(upper.error().message(), "lowercase"));
}

BOOST_AUTO_TEST_CASE(candidates_for_short_names) {
  using V = std::vector<std::string>;
  auto c = local_candidates("busybox");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST((*c == V{"localhost/busybox:latest", "docker.io/library/busybox:latest"}));
  c = local_candidates("library/busybox:1");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST((*c == V{"localhost/library/busybox:1", "docker.io/library/busybox:1"}));
  c = local_candidates("quay.io/a/b:1");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST((*c == V{"quay.io/a/b:1"}));
  c = local_candidates("localhost/foo");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST((*c == V{"localhost/foo:latest"}));
  c = local_candidates("docker.io/busybox");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST((*c == V{"docker.io/library/busybox:latest"}));
  BOOST_TEST(!local_candidates("Bad").ok());
}

BOOST_AUTO_TEST_SUITE_END()
