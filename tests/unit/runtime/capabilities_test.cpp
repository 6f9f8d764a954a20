#include <sys/capability.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>

#include "runtime/spec_internal.hpp"
#include "spec_fixture.hpp"

using namespace spec_test;
using roost::runtime::detail::container_bounding;
using roost::runtime::detail::current_bounding_capabilities;
using roost::runtime::detail::merge_capabilities;

namespace {

std::string normalized(const std::string& name) {
  auto r = normalize_capability(name);
  BOOST_REQUIRE_MESSAGE(r.ok(), name + ": " + (r.ok() ? std::string() : r.error().str()));
  return *r;
}

std::string normalize_error(const std::string& name) {
  auto r = normalize_capability(name);
  BOOST_REQUIRE_MESSAGE(!r.ok(), "accepted \"" + name + "\" as " + (r.ok() ? *r : std::string()));
  BOOST_TEST((r.error().kind() == ErrorKind::invalid));
  return r.error().message();
}

std::vector<std::string> merged(const std::vector<std::string>& base, const std::vector<std::string>& add,
                                const std::vector<std::string>& drop) {
  auto r = merge_capabilities(base, add, drop);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  return *r;
}

std::string merge_error(const std::vector<std::string>& add, const std::vector<std::string>& drop) {
  auto r = merge_capabilities(default_capabilities(), add, drop);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().kind() == ErrorKind::invalid));
  return r.error().message();
}

// The set as /proc/PID/status prints it in CapEff.
std::string cap_eff(const std::vector<std::string>& caps) {
  uint64_t mask = 0;
  for (const auto& c : caps) {
    cap_value_t v = 0;
    BOOST_REQUIRE_MESSAGE(cap_from_name(c.c_str(), &v) == 0, "libcap does not know " + c);
    mask |= uint64_t(1) << v;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(mask));
  return buf;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spec_capabilities)

BOOST_AUTO_TEST_CASE(default_set_is_podmans) {
  BOOST_TEST(cap_eff(default_capabilities()) == "00000000800405fb");
  BOOST_TEST(default_capabilities().size() == 11u);
  for (const auto& c : default_capabilities()) BOOST_TEST(normalized(c) == c);
}

BOOST_AUTO_TEST_CASE(all_capabilities_follow_the_kernel_headers) {
  const auto& all = all_capabilities();
  BOOST_TEST(all.size() == size_t(CAP_LAST_CAP + 1));
  BOOST_TEST(has(all, "CAP_SYS_ADMIN"));
  BOOST_TEST(has(all, "CAP_CHOWN"));
  BOOST_TEST(has(all, "CAP_AUDIT_READ"));
  for (const auto& c : all) BOOST_TEST(c.rfind("CAP_", 0) == 0u, c);
  for (const auto& c : default_capabilities()) BOOST_TEST(has(all, c), c);
}

BOOST_AUTO_TEST_CASE(normalises_spelling) {
  BOOST_TEST(normalized("net_admin") == "CAP_NET_ADMIN");
  BOOST_TEST(normalized("NET_ADMIN") == "CAP_NET_ADMIN");
  BOOST_TEST(normalized("CAP_NET_ADMIN") == "CAP_NET_ADMIN");
  BOOST_TEST(normalized("cap_sys_admin") == "CAP_SYS_ADMIN");
  BOOST_TEST(normalized("Sys_Ptrace") == "CAP_SYS_PTRACE");
}

BOOST_AUTO_TEST_CASE(rejects_unknown_names) {
  BOOST_TEST(normalize_error("foo") == "unknown capability \"CAP_FOO\"");
  BOOST_TEST(normalize_error("CAP_FOO") == "unknown capability \"CAP_FOO\"");
  // libcap would read a number as a capability value.
  BOOST_TEST(normalize_error("12") == "unknown capability \"CAP_12\"");
  BOOST_TEST(normalize_error("") == "unknown capability \"CAP_\"");
  BOOST_TEST(normalize_error("CAP_") == "unknown capability \"CAP_\"");
  BOOST_TEST(normalize_error("ALL") == "unknown capability \"CAP_ALL\"");
  BOOST_TEST(normalize_error("net admin") == "unknown capability \"CAP_NET ADMIN\"");
  BOOST_TEST(normalize_error("chown,kill") == "unknown capability \"CAP_CHOWN,KILL\"");
}

BOOST_AUTO_TEST_CASE(add_and_drop) {
  auto caps = merged(default_capabilities(), {"net_admin"}, {"CHOWN", "cap_kill"});
  BOOST_TEST(has(caps, "CAP_NET_ADMIN"));
  BOOST_TEST(!has(caps, "CAP_CHOWN"));
  BOOST_TEST(!has(caps, "CAP_KILL"));
  BOOST_TEST(caps.size() == 10u);
  BOOST_TEST(std::is_sorted(caps.begin(), caps.end()));
  // Adding one already present changes nothing.
  BOOST_TEST(merged(default_capabilities(), {"CHOWN"}, {}) == default_capabilities());
}

BOOST_AUTO_TEST_CASE(all_in_add_or_drop) {
  auto everything = merged(default_capabilities(), {"ALL"}, {});
  BOOST_TEST(everything.size() == all_capabilities().size());
  auto all_but_admin = merged(default_capabilities(), {"all"}, {"SYS_ADMIN"});
  BOOST_TEST(all_but_admin.size() == all_capabilities().size() - 1);
  BOOST_TEST(!has(all_but_admin, "CAP_SYS_ADMIN"));
  BOOST_TEST(merged(default_capabilities(), {}, {"ALL"}).empty());
  BOOST_TEST(merged(default_capabilities(), {"NET_RAW", "chown"}, {"ALL"}) ==
             (std::vector<std::string>{"CAP_CHOWN", "CAP_NET_RAW"}));
}

BOOST_AUTO_TEST_CASE(conflicts_are_errors) {
  BOOST_TEST(merge_error({"ALL"}, {"ALL"}) == "adding all capabilities and dropping all capabilities is not allowed");
  BOOST_TEST(merge_error({"NET_ADMIN"}, {"cap_net_admin"}) ==
             "capability \"CAP_NET_ADMIN\" cannot be both dropped and added");
  BOOST_TEST(merge_error({"BOGUS"}, {}) == "--cap-add: unknown capability \"CAP_BOGUS\"");
  BOOST_TEST(merge_error({}, {"BOGUS"}) == "--cap-drop: unknown capability \"CAP_BOGUS\"");
}

BOOST_AUTO_TEST_CASE(spec_capability_sets) {
  auto spec = spec_ok(busybox(), options(), root_host());
  const auto& caps = spec["process"]["capabilities"];
  BOOST_TEST(strings(caps["bounding"]) == default_capabilities());
  BOOST_TEST(strings(caps["effective"]) == default_capabilities());
  BOOST_TEST(strings(caps["permitted"]) == default_capabilities());
  BOOST_TEST(caps["inheritable"].empty());
  BOOST_TEST(caps["ambient"].empty());

  auto o = options();
  o.cap_add = {"NET_ADMIN"};
  o.cap_drop = {"SETFCAP"};
  auto bounding = strings(spec_ok(busybox(), o, root_host())["process"]["capabilities"]["bounding"]);
  BOOST_TEST(has(bounding, "CAP_NET_ADMIN"));
  BOOST_TEST(!has(bounding, "CAP_SETFCAP"));

  o.cap_add = {"ALL"};
  o.cap_drop = {};
  // All that root's bounding set holds; a new user namespace has them all.
  BOOST_TEST(strings(spec_ok(busybox(), o, root_host())["process"]["capabilities"]["effective"]).size() ==
             current_bounding_capabilities().size());
  BOOST_TEST(strings(spec_ok(busybox(), o, rootless_host())["process"]["capabilities"]["effective"]).size() ==
             all_capabilities().size());

  o.cap_add = {"NOPE"};
  auto err = spec_err(busybox(), o, root_host());
  BOOST_TEST((err.kind() == ErrorKind::invalid));
  BOOST_TEST(contains(err.message(), "unknown capability \"CAP_NOPE\""), err.message());
}

// podman: a non-root user holds only what --cap-add granted, also as ambient
// capabilities so that they survive exec.
BOOST_AUTO_TEST_CASE(non_root_user_gets_only_added_caps) {
  auto o = options();
  o.user = "1000:1000";
  auto caps = spec_ok(busybox(), o, root_host())["process"]["capabilities"];
  BOOST_TEST(strings(caps["bounding"]) == default_capabilities());
  BOOST_TEST(caps["effective"].empty());
  BOOST_TEST(caps["permitted"].empty());
  BOOST_TEST(caps["ambient"].empty());

  o.cap_add = {"net_bind_service", "NET_ADMIN"};
  o.cap_drop = {"NET_BIND_SERVICE"};
  BOOST_TEST(merge_error(o.cap_add, o.cap_drop) ==
             "capability \"CAP_NET_BIND_SERVICE\" cannot be both dropped and added");
  o.cap_drop = {"CHOWN"};
  caps = spec_ok(busybox(), o, root_host())["process"]["capabilities"];
  std::vector<std::string> want = {"CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE"};
  BOOST_TEST(strings(caps["effective"]) == want);
  BOOST_TEST(strings(caps["permitted"]) == want);
  BOOST_TEST(strings(caps["inheritable"]) == want);
  BOOST_TEST(strings(caps["ambient"]) == want);

  // Named root is root.
  o.user = "root";
  o.cap_add = {};
  o.cap_drop = {};
  BOOST_TEST(strings(spec_ok(busybox(), o, root_host())["process"]["capabilities"]["effective"]) ==
             default_capabilities());
}

BOOST_AUTO_TEST_CASE(privileged_gets_every_capability) {
  auto o = options();
  o.privileged = true;
  auto caps = spec_ok(busybox(), o, rootless_host())["process"]["capabilities"];
  BOOST_TEST(strings(caps["bounding"]).size() == all_capabilities().size());
  BOOST_TEST(strings(caps["effective"]).size() == all_capabilities().size());
  o.cap_drop = {"SYS_ADMIN"};
  caps = spec_ok(busybox(), o, rootless_host())["process"]["capabilities"];
  BOOST_TEST(!has(strings(caps["bounding"]), "CAP_SYS_ADMIN"));
}

// CapBnd of /proc/self/status, bit N for capability N.
BOOST_AUTO_TEST_CASE(current_bounding_set_is_the_processes) {
  std::ifstream status("/proc/self/status");
  std::string line;
  unsigned long long mask = 0;
  bool found = false;
  while (std::getline(status, line)) {
    if (line.rfind("CapBnd:", 0) == 0) {
      mask = std::stoull(line.substr(7), nullptr, 16);
      found = true;
    }
  }
  BOOST_REQUIRE(found);
  std::vector<std::string> want;
  for (const auto& name : all_capabilities()) {
    cap_value_t v = 0;
    BOOST_REQUIRE(cap_from_name(name.c_str(), &v) == 0);
    if (mask & (1ULL << v)) want.push_back(name);
  }
  BOOST_TEST(current_bounding_capabilities() == want);
}

namespace {

std::vector<std::string> bounded(bool privileged, const std::vector<std::string>& add,
                                 const std::vector<std::string>& drop, const std::vector<std::string>& available) {
  auto r = container_bounding(privileged, add, drop, available);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  return *r;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> without(std::vector<std::string> v, const std::string& name) {
  v.erase(std::remove(v.begin(), v.end(), name), v.end());
  return v;
}

}  // namespace

// A host whose bounding set lacks CAP_SYS_RESOURCE, as podman treats it.
BOOST_AUTO_TEST_CASE(bounding_is_limited_to_what_is_available) {
  const auto host = without(all_capabilities(), "CAP_SYS_RESOURCE");
  BOOST_TEST(bounded(true, {}, {}, host) == sorted(host));
  BOOST_TEST(bounded(true, {}, {}, all_capabilities()) == sorted(all_capabilities()));
  BOOST_TEST(bounded(true, {}, {"SYS_ADMIN"}, host) == sorted(without(host, "CAP_SYS_ADMIN")));
  BOOST_TEST(bounded(false, {}, {}, host) == sorted(default_capabilities()));
  BOOST_TEST(bounded(false, {"ALL"}, {}, host) == sorted(host));
  // Left out as podman leaves it out, rather than failing capset.
  BOOST_TEST(bounded(false, {"sys_resource"}, {}, host) == sorted(default_capabilities()));
  BOOST_TEST(bounded(false, {"sys_resource"}, {}, all_capabilities()) ==
             merged(default_capabilities(), {"CAP_SYS_RESOURCE"}, {}));
  BOOST_TEST(bounded(false, {"NET_ADMIN"}, {"CHOWN"}, host) ==
             merged(default_capabilities(), {"CAP_NET_ADMIN"}, {"CAP_CHOWN"}));
  auto err = container_bounding(false, {"FOO"}, {}, host);
  BOOST_REQUIRE(!err.ok());
  BOOST_TEST(err.error().message() == "--cap-add: unknown capability \"CAP_FOO\"");
}

BOOST_AUTO_TEST_SUITE_END()
