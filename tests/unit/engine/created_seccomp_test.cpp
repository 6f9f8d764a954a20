#include <boost/test/unit_test.hpp>

#include "engine/created_seccomp.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace roost;
using namespace roost::engine;
using nlohmann::json;

namespace {

// What start reads for a container whose stored spec is SPEC ("" = none).
std::optional<json> stored(const std::string& spec) {
  roost::test::TempDir t("roost-cs");
  auto db = storage::Database::open(t.path + "/roost.db");
  BOOST_REQUIRE(db);
  BOOST_REQUIRE(db->exec("CREATE TABLE containers(id TEXT PRIMARY KEY, spec TEXT NOT NULL DEFAULT '')"));
  auto ins = db->prepare("INSERT INTO containers(id, spec) VALUES('c1', ?)");
  BOOST_REQUIRE(ins);
  ins->bind(1, spec);
  BOOST_REQUIRE(ins->run());
  ContainerRecord c;
  c.id = "c1";
  auto r = created_seccomp(*db, c);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  return *r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_created_seccomp)

BOOST_AUTO_TEST_CASE(the_section_of_the_stored_spec) {
  // Values past what SQLite's integers hold come back as they were stored.
  json seccomp = {{"defaultAction", "SCMP_ACT_ERRNO"},
                  {"syscalls", {{{"names", {"clone"}},
                                 {"action", "SCMP_ACT_ALLOW"},
                                 {"args", {{{"index", 0}, {"value", 18446744073709551615ULL}, {"op", "SCMP_CMP_MASKED_EQ"}}}}}}}};
  json spec = {{"process", {{"args", {"true"}}}}, {"linux", {{"namespaces", json::array()}, {"seccomp", seccomp}}}};
  auto got = stored(spec.dump());
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->dump() == seccomp.dump());

  spec["linux"].erase("seccomp");
  got = stored(spec.dump());
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->is_null(), "a spec without one (unconfined): none");

  BOOST_TEST(!stored("").has_value(), "no stored spec: start resolves the profile itself");
}

BOOST_AUTO_TEST_CASE(a_loaded_spec_is_used_as_it_is) {
  roost::test::TempDir t("roost-cs");
  auto db = storage::Database::open(t.path + "/roost.db");
  BOOST_REQUIRE(db);
  ContainerRecord c;
  c.id = "c1";
  c.spec = {{"linux", {{"seccomp", {{"defaultAction", "SCMP_ACT_LOG"}}}}}};
  auto r = created_seccomp(*db, c);  // no table: the database is not read
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(r->has_value());
  BOOST_TEST((**r)["defaultAction"] == "SCMP_ACT_LOG");
  c.spec = {{"linux", json::object()}};
  r = created_seccomp(*db, c);
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(r->has_value());
  BOOST_TEST((*r)->is_null());
}

BOOST_AUTO_TEST_SUITE_END()
