#include "userns/idmap.hpp"

#include <boost/test/unit_test.hpp>
#include <ostream>

using namespace roost;
using namespace roost::userns;

namespace roost::userns {
inline std::ostream& boost_test_print_type(std::ostream& os, const IdRange& r) {
  return os << "{" << r.container_id << " " << r.host_id << " " << r.size << "}";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const SubIdRange& r) {
  return os << "{" << r.start << ":" << r.count << "}";
}
}  // namespace roost::userns

namespace {

// -1 for unmapped, so that results print in failure messages.
int64_t id_or_none(std::optional<uint32_t> v) { return v ? int64_t(*v) : -1; }

std::vector<SubIdRange> parse_ok(const std::string& content, const std::string& user = "alice", uid_t id = 1000) {
  auto r = parse_subid_file(content, user, id, "/etc/subuid");
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  return *r;
}

std::string parse_err(const std::string& content) {
  auto r = parse_subid_file(content, "alice", 1000, "/etc/subuid");
  BOOST_REQUIRE_MESSAGE(!r.ok(), "expected a parse error for: " + content);
  BOOST_CHECK(r.error().kind() == ErrorKind::invalid);
  return r.error().message();
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(subid_parsing)

BOOST_AUTO_TEST_CASE(by_name) {
  auto r = parse_ok("bob:100000:65536\nalice:165536:65536\n");
  BOOST_TEST(r == (std::vector<SubIdRange>{{165536, 65536}}));
}

BOOST_AUTO_TEST_CASE(by_numeric_uid) {
  auto r = parse_ok("1000:200000:1000\nbob:100000:65536\n");
  BOOST_TEST(r == (std::vector<SubIdRange>{{200000, 1000}}));
}

BOOST_AUTO_TEST_CASE(name_is_not_a_prefix_match) {
  BOOST_TEST(parse_ok("alice2:100000:65536\nali:1:2\n10000:5:5\n").empty());
}

BOOST_AUTO_TEST_CASE(several_ranges_in_file_order_mixing_name_and_uid) {
  auto r = parse_ok("alice:300000:10\nbob:1:1\n1000:100000:65536\nalice:500000:5\n");
  BOOST_TEST(r == (std::vector<SubIdRange>{{300000, 10}, {100000, 65536}, {500000, 5}}));
}

BOOST_AUTO_TEST_CASE(comments_blank_lines_and_whitespace) {
  auto r = parse_ok("# sub-IDs\n\n   \n  alice:100000:65536  \r\n# alice:1:1\n");
  BOOST_TEST(r == (std::vector<SubIdRange>{{100000, 65536}}));
}

BOOST_AUTO_TEST_CASE(missing_trailing_newline_and_empty_file) {
  BOOST_TEST(parse_ok("alice:7:8") == (std::vector<SubIdRange>{{7, 8}}));
  BOOST_TEST(parse_ok("").empty());
}

BOOST_AUTO_TEST_CASE(zero_count_range_is_skipped) { BOOST_TEST(parse_ok("alice:100000:0\n").empty()); }

BOOST_AUTO_TEST_CASE(malformed_lines_name_file_and_line_number) {
  auto m = parse_err("# header\nbob:1:2\nalice:100000\n");
  BOOST_TEST(contains(m, "/etc/subuid line 3"), m);
  BOOST_TEST(contains(m, "alice:100000"), m);

  m = parse_err("alice:abc:65536\n");
  BOOST_TEST(contains(m, "/etc/subuid line 1"), m);
  BOOST_TEST(contains(m, "start is not a number"), m);

  m = parse_err("\n\nalice:100000:6x\n");
  BOOST_TEST(contains(m, "line 3"), m);
  BOOST_TEST(contains(m, "count is not a number"), m);

  BOOST_TEST(contains(parse_err("alice:1:2:3\n"), "line 1"));
  BOOST_TEST(contains(parse_err(":1:2\n"), "empty user name"));
  BOOST_TEST(contains(parse_err("alice:-1:2\n"), "start is not a number"));
  BOOST_TEST(contains(parse_err("alice:4294967296:1\n"), "start is not a number"));
  BOOST_TEST(contains(parse_err("alice:4294967295:2\n"), "past the largest ID"));
}

BOOST_AUTO_TEST_CASE(malformed_line_of_another_user_is_still_an_error) {
  BOOST_TEST(contains(parse_err("alice:100000:65536\nbob:oops\n"), "line 2"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(idmap_arithmetic)

BOOST_AUTO_TEST_CASE(rootless_maps_user_to_zero_then_packs_sub_ids) {
  auto m = rootless_ranges(1000, {{100000, 65536}});
  BOOST_TEST(m == (std::vector<IdRange>{{0, 1000, 1}, {1, 100000, 65536}}));
  BOOST_TEST(mapped_count(m) == 65537u);

  m = rootless_ranges(1000, {{100000, 10}, {300000, 5}});
  BOOST_TEST(m == (std::vector<IdRange>{{0, 1000, 1}, {1, 100000, 10}, {11, 300000, 5}}));
  BOOST_TEST(rootless_ranges(1000, {}) == (std::vector<IdRange>{{0, 1000, 1}}));
}

BOOST_AUTO_TEST_CASE(rootless_never_maps_past_the_largest_id) {
  auto m = rootless_ranges(1000, {{1, 4294967294U}, {100, 100}});
  BOOST_TEST(m == (std::vector<IdRange>{{0, 1000, 1}, {1, 1, 4294967294U}}));
  BOOST_TEST(mapped_count(m) == 4294967295ULL);
}

BOOST_AUTO_TEST_CASE(keep_id_keeps_the_user_id) {
  auto r = keep_id_ranges(1000, {{100000, 65536}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r == (std::vector<IdRange>{{0, 100000, 1000}, {1000, 1000, 1}, {1001, 101000, 64536}}));
  BOOST_TEST(id_or_none(to_host(*r, 1000)) == 1000);
  BOOST_TEST(id_or_none(to_host(*r, 0)) == 100000);
  BOOST_TEST(id_or_none(to_host(*r, 999)) == 100999);
  BOOST_TEST(id_or_none(to_host(*r, 1001)) == 101000);
  BOOST_TEST(mapped_count(*r) == 65537u);
}

BOOST_AUTO_TEST_CASE(keep_id_splits_across_ranges) {
  auto r = keep_id_ranges(5, {{100, 3}, {200, 4}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r == (std::vector<IdRange>{{0, 100, 3}, {3, 200, 2}, {5, 5, 1}, {6, 202, 2}}));
}

BOOST_AUTO_TEST_CASE(keep_id_exactly_enough_sub_ids) {
  auto r = keep_id_ranges(3, {{100, 3}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r == (std::vector<IdRange>{{0, 100, 3}, {3, 3, 1}}));
}

BOOST_AUTO_TEST_CASE(keep_id_too_few_sub_ids) {
  auto r = keep_id_ranges(1000, {{100000, 500}, {200000, 499}});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(contains(r.error().message(), "1000"), r.error().message());
  BOOST_TEST(contains(r.error().message(), "999"), r.error().message());
  BOOST_TEST(!keep_id_ranges(1, {}).ok());
}

BOOST_AUTO_TEST_CASE(keep_id_for_root_is_identity_for_zero) {
  auto r = keep_id_ranges(0, {{100000, 10}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r == (std::vector<IdRange>{{0, 0, 1}, {1, 100000, 10}}));
}

BOOST_AUTO_TEST_CASE(translation_at_range_edges) {
  std::vector<IdRange> m{{0, 1000, 1}, {1, 100000, 65536}};
  BOOST_TEST(id_or_none(to_host(m, 0)) == 1000);
  BOOST_TEST(id_or_none(to_host(m, 1)) == 100000);
  BOOST_TEST(id_or_none(to_host(m, 65536)) == 165535);
  BOOST_TEST(id_or_none(to_host(m, 65537)) == -1);
  BOOST_TEST(id_or_none(to_container(m, 1000)) == 0);
  BOOST_TEST(id_or_none(to_container(m, 100000)) == 1);
  BOOST_TEST(id_or_none(to_container(m, 165535)) == 65536);
  BOOST_TEST(id_or_none(to_container(m, 165536)) == -1);
  BOOST_TEST(id_or_none(to_container(m, 99999)) == -1);
  BOOST_TEST(id_or_none(to_container(m, 0)) == -1);
  BOOST_TEST(id_or_none(to_host({}, 0)) == -1);
}

BOOST_AUTO_TEST_CASE(translation_of_the_full_identity_map) {
  std::vector<IdRange> id{{0, 0, 4294967295U}};
  BOOST_TEST(id_or_none(to_host(id, 4294967294U)) == 4294967294U);
  BOOST_TEST(id_or_none(to_host(id, 4294967295U)) == -1);
  BOOST_TEST(id_or_none(to_container(id, 123)) == 123);
  BOOST_TEST(mapped_count(id) == 4294967295ULL);
}

BOOST_AUTO_TEST_CASE(format_map_is_proc_uid_map_text) {
  BOOST_TEST(format_map({{0, 1000, 1}, {1, 100000, 65536}}) == "0 1000 1\n1 100000 65536\n");
  BOOST_TEST(format_map({{0, 0, 4294967295U}}) == "0 0 4294967295\n");
  BOOST_TEST(format_map({}) == "");
}

BOOST_AUTO_TEST_CASE(proc_map_text) {
  auto m = parse_proc_map("         0       1001          1\n         1     200000      65536\n");
  BOOST_REQUIRE(m.ok());
  BOOST_TEST((*m == std::vector<IdRange>{{0, 1001, 1}, {1, 200000, 65536}}));
  BOOST_TEST((parse_proc_map(format_map(*m)).value() == *m));
  BOOST_TEST(!parse_proc_map("0 1001\n").ok());
  BOOST_TEST(!parse_proc_map("0 1001 1 7\n").ok());
}

BOOST_AUTO_TEST_SUITE_END()
