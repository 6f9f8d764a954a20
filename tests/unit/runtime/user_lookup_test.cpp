#include "runtime/user_lookup.hpp"

#include <boost/test/unit_test.hpp>

using namespace roost::runtime;

namespace {
const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n# comment\nbroken line\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
    "alice:x:1000:1000::/home/alice:/bin/sh\n";
const char* kGroup = "root:x:0:\nstaff:x:50:alice,bob\nwheel:x:10:bob\nalice:x:1000:\nnogroup:x:65534:\n";
}  // namespace

BOOST_AUTO_TEST_SUITE(user_lookup)

BOOST_AUTO_TEST_CASE(name_gives_uid_gid_home_and_memberships) {
  auto u = resolve_user("alice", kPasswd, kGroup);
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->uid == 1000u);
  BOOST_TEST(u->gid == 1000u);
  BOOST_TEST(u->home == "/home/alice");
  BOOST_TEST(u->groups == std::vector<gid_t>{50});
}

BOOST_AUTO_TEST_CASE(group_by_name_or_number) {
  auto u = resolve_user("alice:wheel", kPasswd, kGroup);
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->gid == 10u);
  u = resolve_user("nobody:7", kPasswd, kGroup);
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->uid == 65534u);
  BOOST_TEST(u->gid == 7u);
}

BOOST_AUTO_TEST_CASE(numeric_uid_without_entry_runs_as_gid_0) {
  auto u = resolve_user("4242", kPasswd, kGroup);
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->uid == 4242u);
  BOOST_TEST(u->gid == 0u);
  BOOST_TEST(u->home == "/");
  BOOST_TEST(u->groups.empty());
}

BOOST_AUTO_TEST_CASE(unknown_names_are_errors_in_podmans_words) {
  auto u = resolve_user("mallory", kPasswd, kGroup);
  BOOST_REQUIRE(!u.ok());
  BOOST_TEST(u.error().str() == "unable to find user mallory: no matching entries in passwd file");
  u = resolve_user("alice:nogrp", kPasswd, kGroup);
  BOOST_REQUIRE(!u.ok());
  BOOST_TEST(u.error().str() == "unable to find group nogrp: no matching entries in group file");
  BOOST_TEST(!resolve_user("", kPasswd, kGroup).ok());
  BOOST_TEST(!resolve_user("alice:", kPasswd, kGroup).ok());
}

BOOST_AUTO_TEST_CASE(lookup_uid_finds_home_and_groups) {
  auto u = lookup_uid(1000, 1000, kPasswd, kGroup);
  BOOST_TEST(u.home == "/home/alice");
  BOOST_TEST(u.groups == std::vector<gid_t>{50});
  u = lookup_uid(5, 5, kPasswd, kGroup);
  BOOST_TEST(u.home == "/");
}

BOOST_AUTO_TEST_SUITE_END()
