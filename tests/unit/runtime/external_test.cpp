// The pure parts of the external-runtime driver: the spec a runtime gets, the
// error taken from its log, finding it. Running one is covered by the system
// test 095-external-runtime.sh.
#include "runtime/external.hpp"

#include <boost/test/unit_test.hpp>

#include "spec_fixture.hpp"

using namespace spec_test;

namespace {

json rootless_spec() { return build_spec(busybox(), options(), rootless_host()).value(); }

std::vector<std::string> namespace_types(const json& spec) {
  std::vector<std::string> out;
  for (const auto& n : spec["linux"]["namespaces"]) out.push_back(n["type"]);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(external_runtime)

BOOST_AUTO_TEST_CASE(inside_the_user_namespace_the_runtime_makes_every_other_namespace) {
  json in = rootless_spec();
  BOOST_REQUIRE(in["linux"].contains("uidMappings"));
  json out = external_spec(in, true, std::nullopt);
  std::vector<std::string> want{"pid", "mount", "ipc", "uts", "network"};
  BOOST_TEST(namespace_types(out) == want, boost::test_tools::per_element());
  BOOST_TEST(!out["linux"].contains("uidMappings"));
  BOOST_TEST(!out["linux"].contains("gidMappings"));
  BOOST_TEST(!out["linux"].contains("resources"), "no cgroups can be set up in the user namespace");
  // Everything else is the spec the built-in executor runs.
  BOOST_TEST(out["process"] == in["process"]);
  BOOST_TEST(out["mounts"] == in["mounts"]);
  BOOST_TEST(out["linux"]["seccomp"] == in["linux"]["seccomp"]);
  BOOST_TEST(out["linux"]["maskedPaths"] == in["linux"]["maskedPaths"]);
  BOOST_TEST(out["hostname"] == in["hostname"]);
}

BOOST_AUTO_TEST_CASE(as_root_the_spec_keeps_its_device_rules) {
  json in = build_spec(busybox(), options(), root_host()).value();
  json out = external_spec(in, false, std::nullopt);
  BOOST_TEST(out == in);
}

BOOST_AUTO_TEST_CASE(a_named_user_becomes_numbers_with_its_groups) {
  RunOptions o = options();
  o.user = "www";
  json in = build_spec(busybox(), o, rootless_host()).value();
  ResolvedUser u;
  u.uid = 33;
  u.gid = 34;
  u.groups = {34, 100};
  json out = external_spec(in, true, u);
  BOOST_TEST(out["process"]["user"]["uid"] == 33);
  BOOST_TEST(out["process"]["user"]["gid"] == 34);
  BOOST_TEST(out["process"]["user"]["additionalGids"] == json({34, 100}));
}

BOOST_AUTO_TEST_CASE(the_last_error_of_the_log_is_the_message) {
  std::string log =
      R"({"level":"warning","msg":"cgroup: ignored","time":"t"})"
      "\n"
      R"({"level":"error","msg":"first","time":"t"})"
      "\n"
      "not json\n"
      R"({"level":"error","msg":"runc create failed: unable to start container process: exec: \"nope\": executable file not found in $PATH","time":"t"})"
      "\n";
  BOOST_TEST(last_log_error(log) ==
             "runc create failed: unable to start container process: exec: \"nope\": executable file not found in $PATH");
  BOOST_TEST(last_log_error(R"({"level":"info","msg":"fine"})") == "");
}

BOOST_AUTO_TEST_CASE(a_missing_runtime_is_named) {
  auto r = find_runtime("/nonexistent/runc");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message() == "runtime \"/nonexistent/runc\" not found");
  BOOST_CHECK(r.error().kind() == ErrorKind::not_found);
  r = find_runtime("roost-no-such-runtime");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message() == "runtime \"roost-no-such-runtime\" not found");
  auto sh = find_runtime("sh");
  BOOST_REQUIRE(sh.ok());
  BOOST_TEST(sh->find('/') == 0u, "a name is resolved to a full path: " << *sh);
}

BOOST_AUTO_TEST_SUITE_END()
