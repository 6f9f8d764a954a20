#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "runtime/spec_internal.hpp"
#include "runtime/start_spec.hpp"
#include "spec_fixture.hpp"

using namespace spec_test;

namespace {

std::vector<std::string> with(std::vector<std::string> caps, const std::string& extra) {
  caps.push_back(extra);
  return caps;
}

// Rules that name SYSCALL.
std::vector<json> rules_for(const json& seccomp, const std::string& syscall) {
  std::vector<json> out;
  for (const auto& r : seccomp["syscalls"]) {
    if (has(strings(r["names"]), syscall)) out.push_back(r);
  }
  return out;
}

// Allowed whatever its arguments.
bool allowed(const json& seccomp, const std::string& syscall) {
  for (const auto& r : rules_for(seccomp, syscall)) {
    if (r["action"] == "SCMP_ACT_ALLOW" && !r.contains("args")) return true;
  }
  return false;
}

json from_profile(const json& profile, const std::vector<std::string>& caps = default_capabilities()) {
  auto r = seccomp_from_profile(profile.dump(), caps);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  return *r;
}

std::string profile_error(const std::string& text) {
  auto r = seccomp_from_profile(text, default_capabilities());
  BOOST_REQUIRE_MESSAGE(!r.ok(), "accepted: " + text);
  BOOST_TEST((r.error().kind() == ErrorKind::invalid));
  return r.error().message();
}

json minimal(json syscalls) {
  return {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", std::move(syscalls)}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spec_seccomp_default)

BOOST_AUTO_TEST_CASE(shape) {
  json s = default_seccomp(default_capabilities());
  BOOST_TEST(str(s["defaultAction"]) == "SCMP_ACT_ERRNO");
  BOOST_TEST(str(s["defaultErrnoRet"]) == "1");
#if defined(__x86_64__) && !defined(__ILP32__)
  BOOST_TEST(strings(s["architectures"]) ==
             (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  BOOST_TEST(allowed(s, "arch_prctl"));
  BOOST_TEST(allowed(s, "modify_ldt"));
#endif
  BOOST_TEST(!allowed(s, "set_tls"));  // ARM only
  BOOST_TEST(!allowed(s, "s390_runtime_instr"));
}

BOOST_AUTO_TEST_CASE(everyday_syscalls_allowed) {
  json s = default_seccomp(default_capabilities());
  for (auto name : {"read", "write", "execve", "openat", "clock_gettime", "futex", "exit_group", "chroot", "ptrace",
                    "io_uring_setup", "statx"}) {
    BOOST_TEST(allowed(s, name), name);
  }
}

BOOST_AUTO_TEST_CASE(dangerous_syscalls_denied) {
  json s = default_seccomp(default_capabilities());
  for (auto name : {"kexec_load", "mount", "umount2", "unshare", "setns", "reboot", "init_module", "bpf", "acct",
                    "open_by_handle_at", "settimeofday", "iopl", "keyctl", "add_key", "swapon", "pivot_root",
                    "fsopen", "open_tree", "syslog", "kcmp"}) {
    BOOST_TEST(!allowed(s, name), name);
  }
  BOOST_TEST(rules_for(s, "kexec_load").empty());
}

BOOST_AUTO_TEST_CASE(sys_admin_unlocks_mounting_and_namespaces) {
  json s = default_seccomp(with(default_capabilities(), "CAP_SYS_ADMIN"));
  for (auto name : {"mount", "umount2", "unshare", "setns", "clone", "clone3", "fsopen", "open_tree", "sethostname"}) {
    BOOST_TEST(allowed(s, name), name);
  }
  // No leftover ENOSYS rule for clone3 once it is allowed.
  for (const auto& r : rules_for(s, "clone3")) BOOST_TEST(str(r["action"]) == "SCMP_ACT_ALLOW");
}

BOOST_AUTO_TEST_CASE(clone_without_sys_admin_cannot_make_namespaces) {
  json s = default_seccomp(default_capabilities());
  BOOST_TEST(!allowed(s, "clone"));
  auto clone = rules_for(s, "clone");
  BOOST_REQUIRE(clone.size() == 1u);
  BOOST_TEST(str(clone[0]["action"]) == "SCMP_ACT_ALLOW");
  // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET = 0x7e020000
  CHECK_JSON(clone[0]["args"], json::parse(R"([{"index":0,"value":2114060288,"op":"SCMP_CMP_MASKED_EQ"}])"));
  auto clone3 = rules_for(s, "clone3");
  BOOST_REQUIRE(clone3.size() == 1u);
  BOOST_TEST(str(clone3[0]["action"]) == "SCMP_ACT_ERRNO");
  BOOST_TEST(str(clone3[0]["errnoRet"]) == "38");  // ENOSYS: libc falls back to clone
}

BOOST_AUTO_TEST_CASE(capability_conditional_rules) {
  json ptrace = default_seccomp(with(default_capabilities(), "CAP_SYS_PTRACE"));
  BOOST_TEST(allowed(ptrace, "kcmp"));
  BOOST_TEST(allowed(ptrace, "pidfd_getfd"));
  json boot = default_seccomp(with(default_capabilities(), "sys_boot"));
  BOOST_TEST(allowed(boot, "reboot"));
  json time = default_seccomp(with(default_capabilities(), "CAP_SYS_TIME"));
  BOOST_TEST(allowed(time, "settimeofday"));
  json nochroot = default_seccomp({"CAP_CHOWN"});
  BOOST_TEST(!allowed(nochroot, "chroot"));
}

BOOST_AUTO_TEST_CASE(argument_rules) {
  json s = default_seccomp(default_capabilities());
  auto socket = rules_for(s, "socket");
  BOOST_REQUIRE(socket.size() == 1u);
  CHECK_JSON(socket[0]["args"], json::parse(R"([{"index":0,"value":40,"op":"SCMP_CMP_NE"}])"));
  auto personality = rules_for(s, "personality");
  BOOST_TEST(personality.size() == 5u);
  for (const auto& r : personality) BOOST_TEST(str(r["args"][0]["op"]) == "SCMP_CMP_EQ");
}

BOOST_AUTO_TEST_CASE(profile_round_trip) {
  const json& profile = roost::runtime::detail::default_seccomp_profile();
  for (const auto& caps : {default_capabilities(), all_capabilities(), std::vector<std::string>{},
                           with(default_capabilities(), "CAP_SYS_ADMIN")}) {
    CHECK_JSON(from_profile(profile, caps), default_seccomp(caps));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(spec_seccomp_profiles)

BOOST_AUTO_TEST_CASE(includes_and_excludes) {
  json p = minimal({
      {{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}},
      {{"names", {"mount"}}, {"action", "SCMP_ACT_ALLOW"}, {"includes", {{"caps", {"CAP_SYS_ADMIN"}}}}},
      {{"names", {"mount"}},
       {"action", "SCMP_ACT_ERRNO"},
       {"errnoRet", 13},
       {"excludes", {{"caps", {"CAP_SYS_ADMIN"}}}}},
      {{"names", {"arch_prctl"}}, {"action", "SCMP_ACT_ALLOW"}, {"includes", {{"arches", {"s390x"}}}}},
      {{"names", {"getpid"}}, {"action", "SCMP_ACT_LOG"}, {"excludes", {{"arches", {"s390x"}}}}},
      // Kernel versions are not probed: every minKernel counts as met.
      {{"names", {"getppid"}}, {"action", "SCMP_ACT_LOG"}, {"excludes", {{"minKernel", "4.8"}}}},
      {{"names", {"gettid"}}, {"action", "SCMP_ACT_LOG"}, {"includes", {{"minKernel", "4.8"}}}},
  });
  json plain = from_profile(p);
  BOOST_REQUIRE(plain["syscalls"].size() == 4u);
  CHECK_JSON(plain["syscalls"][3], json::parse(R"({"names":["gettid"],"action":"SCMP_ACT_LOG"})"));
  CHECK_JSON(plain["syscalls"][1], json::parse(R"({"names":["mount"],"action":"SCMP_ACT_ERRNO","errnoRet":13})"));
  BOOST_TEST(str(plain["syscalls"][2]["action"]) == "SCMP_ACT_LOG");
  BOOST_TEST(!plain.contains("architectures"));

  json admin = from_profile(p, {"sys_admin"});
  BOOST_REQUIRE(admin["syscalls"].size() == 4u);
  CHECK_JSON(admin["syscalls"][1], json::parse(R"({"names":["mount"],"action":"SCMP_ACT_ALLOW"})"));
}

BOOST_AUTO_TEST_CASE(legacy_format) {
  json p = {{"defaultAction", "SCMP_ACT_ALLOW"},
            {"architectures", {"SCMP_ARCH_X86_64"}},
            {"syscalls",
             {{{"name", "ptrace"}, {"action", "SCMP_ACT_ERRNO"}, {"args", nullptr}},
              {{"name", "personality"},
               {"action", "SCMP_ACT_ERRNO"},
               {"args", {{{"index", 0}, {"value", 8}, {"valueTwo", 0}, {"op", "SCMP_CMP_NE"}}}}}}}};
  json s = from_profile(p);
  BOOST_TEST(strings(s["architectures"]) == std::vector<std::string>{"SCMP_ARCH_X86_64"});
  CHECK_JSON(s["syscalls"], json::parse(R"([{"names":["ptrace"],"action":"SCMP_ACT_ERRNO"},
      {"names":["personality"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":8,"op":"SCMP_CMP_NE"}]}])"));
}

BOOST_AUTO_TEST_CASE(unknown_syscall_names_are_skipped) {
  json s = from_profile(minimal({{{"names", {"read", "no_such_syscall_xyz"}}, {"action", "SCMP_ACT_ALLOW"}},
                                 {{"names", {"also_not_a_syscall"}}, {"action", "SCMP_ACT_ALLOW"}}}));
  CHECK_JSON(s["syscalls"], json::parse(R"([{"names":["read"],"action":"SCMP_ACT_ALLOW"}])"));
}

BOOST_AUTO_TEST_CASE(malformed_profiles) {
  BOOST_TEST(contains(profile_error("{"), "seccomp profile: malformed JSON"));
  BOOST_TEST(profile_error("[]") == "seccomp profile: top level: expected a JSON object");
  BOOST_TEST(profile_error("{}") == "seccomp profile: defaultAction: missing");
  BOOST_TEST(profile_error(R"({"defaultAction":"SCMP_ACT_NOPE"})") ==
             "seccomp profile: defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  json p = minimal({{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}},
                    {{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}},
                    {{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}},
                    {{"names", {"write"}}, {"action", "SCMP_ACT_FOO"}}});
  BOOST_TEST(profile_error(p.dump()) == "seccomp profile: syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
  BOOST_TEST(profile_error(minimal({{{"names", {"read", 7}}, {"action", "SCMP_ACT_ALLOW"}}}).dump()) ==
             "seccomp profile: syscalls[0].names[1]: not a string");
  BOOST_TEST(profile_error(minimal({{{"names", {"read"}}}}).dump()) == "seccomp profile: syscalls[0].action: missing");
  BOOST_TEST(profile_error(minimal({{{"name", "read"}, {"names", {"write"}}, {"action", "SCMP_ACT_ALLOW"}}}).dump()) ==
             "seccomp profile: syscalls[0]: use either \"name\" or \"names\", not both");
  BOOST_TEST(profile_error(minimal({{{"names", {"read"}},
                                     {"action", "SCMP_ACT_ALLOW"},
                                     {"args", {{{"index", 6}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}}}}})
                               .dump()) ==
             "seccomp profile: syscalls[0].args[0].index: a system call has six arguments (0-5), not 7");
  BOOST_TEST(profile_error(minimal({{{"names", {"read"}},
                                     {"action", "SCMP_ACT_ALLOW"},
                                     {"args", {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_ALMOST"}}}}}})
                               .dump()) == "seccomp profile: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ALMOST\"");
  BOOST_TEST(profile_error(minimal({{{"names", {"read"}},
                                     {"action", "SCMP_ACT_ALLOW"},
                                     {"args", {{{"index", 0}, {"value", -1}, {"op", "SCMP_CMP_EQ"}}}}}})
                               .dump()) == "seccomp profile: syscalls[0].args[0].value: expected a non-negative integer");
  BOOST_TEST(profile_error(minimal({{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}, {"includes", {{"caps", "x"}}}}})
                               .dump()) == "seccomp profile: syscalls[0].includes.caps: expected an array of strings");
  BOOST_TEST(profile_error(minimal("read").dump()) == "seccomp profile: syscalls: expected an array");
  BOOST_TEST(profile_error(R"({"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_FOO"]})") ==
             "seccomp profile: architectures[0]: unknown architecture \"SCMP_ARCH_FOO\"");
  BOOST_TEST(profile_error(R"({"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[]})") ==
             "seccomp profile: architectures: both \"architectures\" and \"archMap\" are given; use one");
  BOOST_TEST(profile_error(R"({"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":"EPERM"})") ==
             "seccomp profile: defaultErrnoRet: expected a non-negative integer");
}

// The profile podman itself ships, when installed: it must convert, and its
// capability-conditional rules must resolve like podman resolves them.
BOOST_AUTO_TEST_CASE(containers_common_profile) {
  std::ifstream in("/usr/share/containers/seccomp.json");
  if (!in) {
    BOOST_TEST_MESSAGE("skipped: /usr/share/containers/seccomp.json is not installed");
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto r = seccomp_from_profile(text.str(), default_capabilities());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  BOOST_TEST(str((*r)["defaultAction"]) == "SCMP_ACT_ERRNO");
  BOOST_TEST(allowed(*r, "read"));
  BOOST_TEST(allowed(*r, "chroot"));
  BOOST_TEST(!allowed(*r, "bpf"));
#if defined(__x86_64__) && !defined(__ILP32__)
  BOOST_TEST(strings((*r)["architectures"]) ==
             (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
#endif
  auto admin = seccomp_from_profile(text.str(), with(default_capabilities(), "CAP_SYS_ADMIN"));
  BOOST_REQUIRE(admin.ok());
  BOOST_TEST(allowed(*admin, "bpf"));
}

BOOST_AUTO_TEST_CASE(spec_seccomp_choice) {
  auto spec = spec_ok(busybox(), options(), root_host());
  CHECK_JSON(spec["linux"]["seccomp"], default_seccomp(default_capabilities()));

  auto o = options();
  o.cap_add = {"SYS_ADMIN"};
  spec = spec_ok(busybox(), o, root_host());
  BOOST_TEST(allowed(spec["linux"]["seccomp"], "mount"));

  o = options();
  o.seccomp_profile_json = minimal({{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}}}).dump();
  spec = spec_ok(busybox(), o, root_host());
  CHECK_JSON(spec["linux"]["seccomp"], json::parse(R"({"defaultAction":"SCMP_ACT_ERRNO",
      "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]})"));

  o.seccomp_profile_json = "unconfined";
  BOOST_TEST(!spec_ok(busybox(), o, root_host())["linux"].contains("seccomp"));
  o.seccomp_profile_json = "";
  o.seccomp_unconfined = true;
  BOOST_TEST(!spec_ok(busybox(), o, root_host())["linux"].contains("seccomp"));
  o.seccomp_unconfined = false;
  o.privileged = true;
  BOOST_TEST(!spec_ok(busybox(), o, rootless_host())["linux"].contains("seccomp"));

  o = options();
  o.seccomp_profile_json = R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"]}]})";
  auto err = spec_err(busybox(), o, root_host());
  BOOST_TEST((err.kind() == ErrorKind::invalid));
  BOOST_TEST(err.message() == "seccomp profile: syscalls[0].action: missing");
}

// Start builds the spec again with its host facts, but runs with the
// seccomp profile decided at create.
BOOST_AUTO_TEST_CASE(a_rebuilt_spec_takes_the_seccomp_of_create) {
  auto o = options();
  o.cap_add = {"SYS_ADMIN"};
  json created = spec_ok(busybox(), o, root_host())["linux"]["seccomp"];
  auto again = rebuild_spec(busybox(), o, rootless_host(), created);
  BOOST_REQUIRE_MESSAGE(again.ok(), (again.ok() ? std::string() : again.error().str()));
  CHECK_JSON(*again, spec_ok(busybox(), o, rootless_host()));

  // Not resolved again from the options: what create stored is what runs.
  json stored = minimal({{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}}});
  again = rebuild_spec(busybox(), o, root_host(), stored);
  BOOST_REQUIRE(again.ok());
  CHECK_JSON((*again)["linux"]["seccomp"], stored);
  again = rebuild_spec(busybox(), o, root_host(), json());
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(!(*again)["linux"].contains("seccomp"), "none stored (unconfined): none");

  // The rest of the options is still checked.
  o.cap_add = {"NO_SUCH_CAP"};
  BOOST_TEST(!rebuild_spec(busybox(), o, root_host(), created).ok());
}

BOOST_AUTO_TEST_SUITE_END()
