#include <boost/test/unit_test.hpp>

#include "common/detach_keys.hpp"

using roost::DetachMatcher;
using roost::parse_detach_keys;

namespace {

std::string keys(const std::string& spec) {
  auto k = parse_detach_keys(spec);
  BOOST_REQUIRE_MESSAGE(k, spec + ": " + (k ? "" : k.error().str()));
  return *k;
}

std::string error_of(const std::string& spec) {
  auto k = parse_detach_keys(spec);
  BOOST_REQUIRE_MESSAGE(!k, spec + " should be refused");
  return k.error().message();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(detach_keys)

BOOST_AUTO_TEST_CASE(podman_default_is_ctrl_p_ctrl_q) {
  BOOST_TEST(keys(roost::kDefaultDetachKeys) == std::string("\x10\x11"));
}

BOOST_AUTO_TEST_CASE(letters_and_every_control_key) {
  BOOST_TEST(keys("a") == "a");
  BOOST_TEST(keys("x,y,Z") == "xyZ");
  BOOST_TEST(keys("ctrl-a,ctrl-z") == std::string("\x01\x1a"));
  BOOST_TEST(keys("ctrl-@") == std::string(1, '\0'));
  BOOST_TEST(keys("ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_") == std::string("\x1b\x1c\x1d\x1e\x1f"));
  BOOST_TEST(keys("ctrl-x,q") == std::string("\x18q"));
}

BOOST_AUTO_TEST_CASE(empty_disables_detaching) { BOOST_TEST(keys("").empty()); }

BOOST_AUTO_TEST_CASE(unknown_keys_are_named) {
  BOOST_TEST(error_of("foo") == "invalid detach keys: Unknown character: 'foo'");
  BOOST_TEST(error_of("ctrl-A") == "invalid detach keys: Unknown character: 'ctrl-A'");
  BOOST_TEST(error_of("ctrl-p,ctrl-") == "invalid detach keys: Unknown character: 'ctrl-'");
  BOOST_TEST(error_of("ctrl-1") == "invalid detach keys: Unknown character: 'ctrl-1'");
  BOOST_TEST(error_of("a,,b") == "invalid detach keys: Unknown character: ''");
  BOOST_TEST(error_of(",") == "invalid detach keys: Unknown character: ''");
  BOOST_TEST(error_of(" a") == "invalid detach keys: Unknown character: ' a'");
}

BOOST_AUTO_TEST_CASE(sequence_detaches_and_drops_what_follows) {
  DetachMatcher m(std::string("\x10\x11"));
  std::string out;
  BOOST_TEST(!m.feed("ls\r", 3, out));
  BOOST_TEST(out == "ls\r");
  out.clear();
  BOOST_TEST(m.feed("ab\x10\x11 cd", 7, out));
  BOOST_TEST(out == "ab");
}

BOOST_AUTO_TEST_CASE(sequence_split_across_reads) {
  DetachMatcher m(std::string("\x10\x11"));
  std::string out;
  BOOST_TEST(!m.feed("x\x10", 2, out));
  BOOST_TEST(out == "x");  // the first key is held back
  BOOST_TEST(m.feed("\x11", 1, out));
  BOOST_TEST(out == "x");
}

BOOST_AUTO_TEST_CASE(a_partial_sequence_is_passed_on) {
  DetachMatcher m(std::string("\x10\x11"));
  std::string out;
  BOOST_TEST(!m.feed("\x10", 1, out));
  BOOST_TEST(out.empty());
  BOOST_TEST(!m.feed("a", 1, out));
  BOOST_TEST(out == std::string("\x10" "a"));
  out.clear();
  // A repeated first key: the second one may still start the sequence.
  BOOST_TEST(m.feed("\x10\x10\x11", 3, out));
  BOOST_TEST(out == std::string("\x10"));
}

BOOST_AUTO_TEST_CASE(single_key_and_disabled) {
  DetachMatcher one("q");
  std::string out;
  BOOST_TEST(one.feed("abq", 3, out));
  BOOST_TEST(out == "ab");
  DetachMatcher none("");
  out.clear();
  BOOST_TEST(!none.feed("\x10\x11", 2, out));
  BOOST_TEST(out == std::string("\x10\x11"));
}

BOOST_AUTO_TEST_SUITE_END()
