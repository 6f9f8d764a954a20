#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/staging_lock.hpp"
#include "storage/store.hpp"
#include "tests/unit/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace roost;
using namespace roost::storage;

using roost::test::TempDir;

namespace {

StoreOptions options(const std::string& root) {
  StoreOptions o;
  o.graph_root = root + "/graph";
  o.run_root = root + "/run";
  o.driver = Driver::vfs;
  o.mapping.identity = true;
  return o;
}

// Opening a store sweeps its staging area.
void sweep(const std::string& root) {
  auto s = Store::open(options(root));
  BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().str()));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(staging_lock)

BOOST_AUTO_TEST_CASE(claimed_names_survive_sweeps_and_abandoned_ones_go) {
  TempDir t("roost-sl");
  auto store = Store::open(options(t.path));
  BOOST_REQUIRE(store);
  auto claimed = (*store)->new_scratch();
  BOOST_REQUIRE(claimed);
  std::string staging = t.path + "/graph/staging";
  fs::create_directory(staging + "/0123456789abcdef");  // nobody's
  sweep(t.path);
  BOOST_TEST(fs::is_directory((*claimed)->path()), "a live writer's directory is kept");
  BOOST_TEST(!fs::exists(staging + "/0123456789abcdef"), "an unclaimed one is removed");
  std::string path = (*claimed)->path();
  claimed->reset();
  BOOST_TEST(!fs::exists(path));
  BOOST_TEST(fs::is_empty(staging), "a claim leaves no file behind");
}

BOOST_AUTO_TEST_CASE(a_killed_writers_claim_dies_with_it) {
  TempDir t("roost-sl");
  sweep(t.path);
  int ready[2];
  BOOST_REQUIRE(::pipe(ready) == 0);
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    auto store = Store::open(options(t.path));
    if (!store) ::_exit(2);
    auto scratch = (*store)->new_scratch();
    if (!scratch) ::_exit(3);
    (void)!::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char c;
  BOOST_REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  std::string staging = t.path + "/graph/staging";
  sweep(t.path);
  BOOST_TEST(!fs::is_empty(staging), "the running writer's directory is kept");
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  sweep(t.path);
  BOOST_TEST(fs::is_empty(staging), "the killed writer's directory is swept");
}

BOOST_AUTO_TEST_CASE(lock_files_of_older_versions_are_understood) {
  TempDir t("roost-sl");
  sweep(t.path);
  std::string staging = t.path + "/graph/staging";
  // An abandoned name with its lock file, and a lock file left alone.
  fs::create_directory(staging + "/aaaaaaaaaaaaaaaa");
  std::ofstream(staging + "/aaaaaaaaaaaaaaaa.lock");
  std::ofstream(staging + "/bbbbbbbbbbbbbbbb.lock");
  // A live older writer: its flock is held.
  fs::create_directory(staging + "/cccccccccccccccc");
  auto held = FileLock::acquire(staging + "/cccccccccccccccc.lock");
  BOOST_REQUIRE(held);
  sweep(t.path);
  BOOST_TEST(!fs::exists(staging + "/aaaaaaaaaaaaaaaa"));
  BOOST_TEST(!fs::exists(staging + "/aaaaaaaaaaaaaaaa.lock"));
  BOOST_TEST(!fs::exists(staging + "/bbbbbbbbbbbbbbbb.lock"));
  BOOST_TEST(fs::is_directory(staging + "/cccccccccccccccc"), "an older writer holding its lock file is respected");
  BOOST_TEST(fs::exists(staging + "/cccccccccccccccc.lock"));
}

BOOST_AUTO_TEST_CASE(a_claim_blocks_only_its_own_byte) {
  TempDir t("roost-sl");
  std::string lock = t.path + "/staging.lock";
  auto claim = claim_staging_name(lock, "0011223344556677");
  BOOST_REQUIRE(claim);
  auto other = claim_staging_name(lock, "0011223344556677");
  BOOST_REQUIRE_MESSAGE(other.ok(), "two writers may share a byte");
  auto probe = open_file(lock, O_RDWR);
  BOOST_REQUIRE(probe);
  BOOST_TEST(!*staging_name_abandoned(probe->get(), "0011223344556677"));
  BOOST_TEST(*staging_name_abandoned(probe->get(), "8899aabbccddeeff"));
  claim->reset();
  BOOST_TEST(!*staging_name_abandoned(probe->get(), "0011223344556677"), "still claimed by the other writer");
  other->reset();
  BOOST_TEST(*staging_name_abandoned(probe->get(), "0011223344556677"));
}

BOOST_AUTO_TEST_SUITE_END()
