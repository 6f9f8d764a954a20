// Compiled seccomp filters: what is loaded denies what the profile denies,
// and the cache is used only for the very profile it was compiled from.
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/seccomp.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace roost;
using namespace roost::runtime;
using nlohmann::json;
namespace fs = std::filesystem;

using roost::test::TempDir;

namespace {

json deny_uname(int err) {
  return json{{"defaultAction", "SCMP_ACT_ALLOW"},
              {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}},
              {"syscalls", {{{"names", {"uname"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", err}}}}};
}

std::vector<fs::path> entries(const std::string& dir) {
  std::vector<fs::path> out;
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

// What uname(2) fails with (0: it works) in a child that loaded PROGRAM.
int uname_errno_under(const SeccompProgram& program) {
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (!load_seccomp_program(program)) ::_exit(200);
    struct utsname u;
    ::_exit(::uname(&u) == 0 ? 0 : errno);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  BOOST_REQUIRE(WIFEXITED(st));
  return WEXITSTATUS(st);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_cache)

BOOST_AUTO_TEST_CASE(a_compiled_program_denies_what_the_profile_denies) {
  auto prog = compile_seccomp(deny_uname(ENOTSUP), "");
  BOOST_REQUIRE_MESSAGE(prog.ok(), (prog.ok() ? std::string() : prog.error().str()));
  BOOST_TEST(uname_errno_under(*prog) == ENOTSUP);
}

BOOST_AUTO_TEST_CASE(the_cache_gives_back_the_same_program_and_only_for_its_profile) {
  TempDir tmp("roost-seccomp-cache-test");
  const std::string cache = tmp.path + "/cache";
  auto fresh = compile_seccomp(deny_uname(EPERM), "");
  BOOST_REQUIRE(fresh.ok());

  auto first = compile_seccomp(deny_uname(EPERM), cache);
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(first->bpf == fresh->bpf);
  auto files = entries(cache);
  BOOST_REQUIRE_EQUAL(files.size(), 1u);

  auto again = compile_seccomp(deny_uname(EPERM), cache);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->bpf == fresh->bpf);
  BOOST_TEST(uname_errno_under(*again) == EPERM);

  // Another profile gets its own program, not the cached one.
  auto other = compile_seccomp(deny_uname(EACCES), cache);
  BOOST_REQUIRE(other.ok());
  BOOST_TEST(other->bpf != fresh->bpf);
  BOOST_TEST(uname_errno_under(*other) == EACCES);
  BOOST_TEST(entries(cache).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_damaged_cache_entry_is_compiled_again) {
  TempDir tmp("roost-seccomp-cache-test");
  const std::string cache = tmp.path + "/cache";
  auto first = compile_seccomp(deny_uname(EPERM), cache);
  BOOST_REQUIRE(first.ok());
  auto files = entries(cache);
  BOOST_REQUIRE_EQUAL(files.size(), 1u);
  std::string entry = slurp(files[0]);

  // Torn: the program cut short.
  std::ofstream(files[0], std::ios::binary | std::ios::trunc) << entry.substr(0, entry.size() - 8);
  auto after_tear = compile_seccomp(deny_uname(EPERM), cache);
  BOOST_REQUIRE(after_tear.ok());
  BOOST_TEST(after_tear->bpf == first->bpf);
  BOOST_TEST(slurp(files[0]) == entry, "the entry is written again");

  // Recorded for another profile under this name: not taken.
  std::string forged = entry;
  auto at = forged.find("\"errnoRet\":1");
  BOOST_REQUIRE(at != std::string::npos);
  forged.replace(at, 12, "\"errnoRet\":2");
  std::ofstream(files[0], std::ios::binary | std::ios::trunc) << forged;
  auto after_forgery = compile_seccomp(deny_uname(EPERM), cache);
  BOOST_REQUIRE(after_forgery.ok());
  BOOST_TEST(after_forgery->bpf == first->bpf);
}

BOOST_AUTO_TEST_CASE(malformed_profiles_are_errors_not_exceptions) {
  auto r = compile_seccomp(json{{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", {"uname"}}, {"action", 7}}}}}, "");
  BOOST_TEST(!r.ok());
  auto flags = compile_seccomp(json{{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", {"SECCOMP_FILTER_FLAG_NOPE"}}}, "");
  BOOST_REQUIRE(!flags.ok());
  BOOST_TEST(flags.error().str().find("SECCOMP_FILTER_FLAG_NOPE") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
