#include "userns/userns.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/fd.hpp"
#include "common/log.hpp"
#include "userns/host.hpp"

using namespace roost;
using namespace roost::userns;
namespace utf = boost::unit_test;

namespace roost::userns {
inline std::ostream& boost_test_print_type(std::ostream& os, const IdRange& r) {
  return os << "{" << r.container_id << " " << r.host_id << " " << r.size << "}";
}
}  // namespace roost::userns

namespace {

struct RootOnly {
  boost::test_tools::assertion_result operator()(utf::test_unit_id) const {
    boost::test_tools::assertion_result r(::geteuid() == 0);
    r.message() << "needs root (creates namespaces and maps IDs as root)";
    return r;
  }
};

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/roost-userns-test-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& content) const {
    std::string p = path + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
};

IdMapping identity_mapping() {
  IdMapping m;
  m.identity = true;
  m.uids = m.gids = {{0, 0, 4294967295U}};
  return m;
}

IdMapping single_id_mapping(uid_t uid, gid_t gid) {
  IdMapping m;
  m.single_id = true;
  m.uids = {{0, uid, 1}};
  m.gids = {{0, gid, 1}};
  return m;
}

UserContext rootless_user(const std::string& name, uid_t uid) {
  UserContext u;
  u.name = name;
  u.uid = uid;
  u.gid = uid;
  u.rootless = true;
  return u;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(mapping)

BOOST_AUTO_TEST_CASE(root_gets_the_identity_map) {
  UserContext root;
  root.rootless = false;
  auto m = mapping_for(root, "/nonexistent/subuid", "/nonexistent/subgid");
  BOOST_REQUIRE(m.ok());
  BOOST_TEST(m->identity);
  BOOST_TEST(!m->single_id);
  BOOST_TEST(m->uids == (std::vector<IdRange>{{0, 0, 4294967295U}}));
  BOOST_TEST(m->gids == (std::vector<IdRange>{{0, 0, 4294967295U}}));
}

BOOST_AUTO_TEST_CASE(user_with_sub_ids_gets_the_rootless_map) {
  if (!check_id_helper("newuidmap").ok() || !check_id_helper("newgidmap").ok()) {
    BOOST_TEST_MESSAGE("skipped: newuidmap/newgidmap missing or not setuid here");
    return;
  }
  TempDir dir;
  auto su = dir.write("subuid", "other:100000:65536\nalice:200000:65536\n");
  auto sg = dir.write("subgid", "# groups\n1234:300000:1000\n");
  auto m = mapping_for(rootless_user("alice", 1234), su, sg);
  BOOST_REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().str()));
  BOOST_TEST(!m->identity);
  BOOST_TEST(!m->single_id);
  BOOST_TEST(m->uids == (std::vector<IdRange>{{0, 1234, 1}, {1, 200000, 65536}}));
  BOOST_TEST(m->gids == (std::vector<IdRange>{{0, 1234, 1}, {1, 300000, 1000}}));
}

BOOST_AUTO_TEST_CASE(malformed_sub_id_file_is_an_error_naming_it) {
  TempDir dir;
  auto su = dir.write("subuid", "alice:200000:65536\nbroken line\n");
  auto sg = dir.write("subgid", "alice:200000:65536\n");
  auto m = mapping_for(rootless_user("alice", 1234), su, sg);
  BOOST_REQUIRE(!m.ok());
  BOOST_TEST(contains(m.error().message(), su + " line 2"), m.error().message());
}

BOOST_AUTO_TEST_CASE(user_without_sub_ids_gets_a_single_id_map_and_a_warning) {
  TempDir dir;
  auto su = dir.write("subuid", "other:100000:65536\n");
  auto sg = dir.path + "/missing-subgid";
  auto m = mapping_for(rootless_user("alice", 1234), su, sg);
  BOOST_REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().str()));
  BOOST_TEST(m->single_id);
  BOOST_TEST(!m->identity);
  BOOST_TEST(m->uids == (std::vector<IdRange>{{0, 1234, 1}}));
  BOOST_TEST(m->gids == (std::vector<IdRange>{{0, 1234, 1}}));
  const std::string& w = m->fallback_warning;
  BOOST_TEST(contains(w, "no sub-UIDs/sub-GIDs for user alice in " + su + " and " + sg), w);
  BOOST_TEST(contains(w, "single-ID user namespace"), w);
  // The suggested range must not overlap "other" (100000-165535).
  BOOST_TEST(contains(w, "sudo usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice"), w);

  // Sub-UIDs but no sub-GIDs still cannot use newgidmap: single-ID too.
  auto su2 = dir.write("subuid2", "alice:200000:65536\n");
  auto m2 = mapping_for(rootless_user("alice", 1234), su2, sg);
  BOOST_REQUIRE(m2.ok());
  BOOST_TEST(m2->single_id);
  BOOST_TEST(contains(m2->fallback_warning, "no sub-GIDs for user alice in " + sg), m2->fallback_warning);
}

// PATH points at a directory holding a fake newuidmap; restored on exit.
struct FakePath {
  TempDir dir;
  std::string saved;
  FakePath() {
    const char* p = std::getenv("PATH");
    saved = p ? p : "";
    ::setenv("PATH", dir.path.c_str(), 1);
  }
  ~FakePath() { ::setenv("PATH", saved.c_str(), 1); }
};

BOOST_AUTO_TEST_CASE(id_helper_missing_names_the_package) {
  FakePath fake;
  auto r = check_id_helper("newuidmap");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(contains(r.error().message(), "newuidmap not found"), r.error().message());
  BOOST_TEST(contains(r.error().message(), "apt-get install uidmap"), r.error().message());
}

BOOST_AUTO_TEST_CASE(id_helper_without_setuid_or_caps_is_refused, *utf::precondition(RootOnly())) {
  FakePath fake;
  auto path = fake.dir.write("newuidmap", "#!/bin/sh\n");
  BOOST_REQUIRE(::chmod(path.c_str(), 0755) == 0);
  auto r = check_id_helper("newuidmap");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(contains(r.error().message(), path + " is neither setuid root nor has file capabilities"),
             r.error().message());
  BOOST_TEST(contains(r.error().message(), "uidmap"), r.error().message());

  // Only root can hand out setuid-root, so this half needs root.
  BOOST_REQUIRE(::chmod(path.c_str(), 04755) == 0);
  r = check_id_helper("newuidmap");
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST(*r == path);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(helper_process, *utf::precondition(RootOnly()))

BOOST_AUTO_TEST_CASE(identity_mapping_returns_the_payload) {
  auto r = run_in_userns(identity_mapping(), []() -> Result<std::string> {
    return std::string("hello from pid ") + std::to_string(::getpid()) + std::string(70000, 'x');
  });
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST(r->rfind("hello from pid ", 0) == 0u);
  BOOST_TEST(!contains(*r, "pid " + std::to_string(::getpid()) + "x"));  // ran in another process
  BOOST_TEST(r->size() > 70000u);
}

BOOST_AUTO_TEST_CASE(identity_mapping_propagates_an_error) {
  auto r = run_in_userns(identity_mapping(), []() -> Result<std::string> {
    errno = EACCES;
    return sys_error("opening", "/some/file").context("extracting layer 3");
  });
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message() == "extracting layer 3: opening /some/file");
  BOOST_TEST(r.error().errnum() == EACCES);
  BOOST_CHECK(r.error().kind() == ErrorKind::io);
}

BOOST_AUTO_TEST_CASE(mounts_stay_inside_the_helper) {
  TempDir dir;
  auto r = run_in_userns(identity_mapping(), [&]() -> Result<std::string> {
    if (::mount("tmpfs", dir.path.c_str(), "tmpfs", 0, nullptr) != 0) return sys_error("mount tmpfs", dir.path);
    std::ofstream(dir.path + "/inside") << "x";
    return std::string(std::filesystem::exists(dir.path + "/inside") ? "yes" : "no");
  });
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST(*r == "yes");
  BOOST_TEST(!std::filesystem::exists(dir.path + "/inside"));
}

BOOST_AUTO_TEST_CASE(a_helper_that_dies_is_reported) {
  auto r = run_in_userns(identity_mapping(), []() -> Result<std::string> {
    ::raise(SIGKILL);
    return std::string("unreachable");
  });
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message() == "helper process died (signal 9)");
}

BOOST_AUTO_TEST_CASE(single_id_map_for_root_creates_a_user_namespace) {
  auto r = run_in_userns(single_id_mapping(0, 0), []() -> Result<std::string> {
    auto map = ROOST_TRY(read_file("/proc/self/uid_map"));
    auto gmap = ROOST_TRY(read_file("/proc/self/gid_map"));
    auto setgroups = ROOST_TRY(read_file("/proc/self/setgroups"));
    return std::to_string(::getuid()) + "," + std::to_string(::getgid()) + "|" + map + "|" + gmap + "|" + setgroups;
  });
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  // /proc pads the columns; squeeze the spaces before comparing.
  std::string s;
  for (char c : *r)
    if (!(c == ' ' && !s.empty() && s.back() == ' ')) s += c;
  BOOST_TEST(s == "0,0| 0 0 1\n| 0 0 1\n|deny\n");
}

BOOST_AUTO_TEST_CASE(disabled_user_namespaces_are_explained) {
  // user.max_user_namespaces is per user namespace: set to 0 inside one
  // helper, it forbids nested namespaces there without touching the host.
  auto r = run_in_userns(single_id_mapping(0, 0), []() -> Result<std::string> {
    auto fd = ROOST_TRY(open_file("/proc/sys/user/max_user_namespaces", O_WRONLY));
    ROOST_TRY(write_all(fd.get(), "0\n", 2));
    auto nested = run_in_userns(single_id_mapping(0, 0), [] { return Result<std::string>(std::string("created")); });
    if (nested) return *nested;
    return nested.error().message();
  });
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST(contains(*r, "creating a user namespace: user namespaces are disabled"), *r);
  BOOST_TEST(contains(*r, "user.max_user_namespaces"), *r);
  BOOST_TEST(contains(*r, "sudo sysctl -w user.max_user_namespaces="), *r);
}

BOOST_AUTO_TEST_CASE(unprivileged_user_gets_a_single_id_namespace) {
  // Drop to nobody in a child and create a namespace the way a user without
  // sub-IDs does: the maps are written through /proc without any privilege.
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
      ::_exit(10);
    // Changing IDs made this process non-dumpable, which leaves its /proc
    // files owned by root; a user's own roost process is dumpable.
    if (::prctl(PR_SET_DUMPABLE, 1) != 0) ::_exit(10);
    auto r = run_in_userns(single_id_mapping(65534, 65534), []() -> Result<std::string> {
      auto map = ROOST_TRY(read_file("/proc/self/uid_map"));
      return std::to_string(::geteuid()) + ":" + map;
    });
    if (!r.ok()) {
      std::fprintf(stderr, "run_in_userns as nobody: %s\n", r.error().str().c_str());
      ::_exit(11);
    }
    std::string compact;
    for (char c : *r)
      if (!(c == ' ' && !compact.empty() && compact.back() == ' ')) compact += c;
    ::_exit(compact == "0: 0 65534 1\n" ? 0 : 12);
  }
  int st = 0;
  BOOST_REQUIRE(::waitpid(pid, &st, 0) == pid);
  BOOST_TEST(WIFEXITED(st));
  BOOST_TEST(WEXITSTATUS(st) == 0, "child exit code " << WEXITSTATUS(st) << " (10 drop, 11 error, 12 wrong map)");
}

BOOST_AUTO_TEST_CASE(exec_passes_the_exit_code_through) {
  auto r = exec_in_userns(single_id_mapping(0, 0),
                          {"/bin/sh", "-c", "test \"$ROOST_USERNS_CONFIGURED\" = 1 && test \"$(id -u)\" = 0 && exit 7"});
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST(*r == 7);
  r = exec_in_userns(identity_mapping(), {"/bin/sh", "-c", "kill -TERM $$"});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r == 128 + SIGTERM);
}

BOOST_AUTO_TEST_CASE(fork_returns_while_the_helper_runs_in_its_namespaces) {
  // The parent gets the child back before FN finishes: FN waits for a byte
  // only the parent can send, then reports its user namespace and exits 7.
  int to_child[2], from_child[2];
  BOOST_REQUIRE(::pipe(to_child) == 0 && ::pipe(from_child) == 0);
  UniqueFd go_rd(to_child[0]), go_wr(to_child[1]), out_rd(from_child[0]), out_wr(from_child[1]);
  auto child = fork_in_userns(single_id_mapping(0, 0), [&]() -> int {
    char c;
    if (::read(go_rd.get(), &c, 1) != 1) return 20;
    auto map = read_file("/proc/self/uid_map");
    std::string line = std::to_string(::getuid()) + (map ? *map : std::string("?"));
    if (!write_all(out_wr.get(), line.data(), line.size())) return 21;
    return 7;
  });
  BOOST_REQUIRE_MESSAGE(child.ok(), (child.ok() ? "" : child.error().str()));
  go_rd.reset();
  out_wr.reset();
  BOOST_REQUIRE(::write(go_wr.get(), "g", 1) == 1);
  auto said = read_fd(out_rd.get());
  BOOST_REQUIRE(said.ok());
  std::string s;
  for (char c : *said)
    if (!(c == ' ' && !s.empty() && s.back() == ' ')) s += c;
  BOOST_TEST(s == "0 0 0 1\n");
  auto st = child->wait();
  BOOST_REQUIRE(st.ok());
  BOOST_TEST(exit_code_of(*st) == 7);
}

BOOST_AUTO_TEST_CASE(fork_reports_a_namespace_that_cannot_be_made) {
  auto r = run_in_userns(single_id_mapping(0, 0), []() -> Result<std::string> {
    auto fd = ROOST_TRY(open_file("/proc/sys/user/max_user_namespaces", O_WRONLY));
    ROOST_TRY(write_all(fd.get(), "0\n", 2));
    auto nested = fork_in_userns(single_id_mapping(0, 0), [] { return 0; });
    if (nested) return std::string("forked");
    return nested.error().message();
  });
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST(contains(*r, "creating a user namespace: user namespaces are disabled"), *r);
}

BOOST_AUTO_TEST_CASE(exec_of_a_missing_or_non_executable_command) {
  auto r = exec_in_userns(identity_mapping(), {"roost-no-such-command-xyz"});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r == 127);
  TempDir dir;
  auto file = dir.write("not-executable", "#!/bin/sh\n");
  r = exec_in_userns(identity_mapping(), {file});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r == 126);
}

BOOST_AUTO_TEST_SUITE_END()
