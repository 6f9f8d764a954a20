#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/blob_memo.hpp"
#include "storage/db.hpp"
#include "tests/unit/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace roost::storage;

using roost::test::TempDir;

namespace {

// What one roost process does with a store it may be the first to open.
int open_and_write(const std::string& path, int n) {
  auto db = Database::open(path);
  if (!db) return 2;
  if (!db->exec("CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v TEXT)")) return 3;
  auto tx = Transaction::begin(*db);
  if (!tx) return 4;
  auto st = db->prepare("INSERT INTO t(k, v) VALUES(?, 'x')");
  if (!st || !st->bind(1, static_cast<int64_t>(n)).run()) return 5;
  return tx->commit() ? 0 : 6;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(db)

// Two pulls into a new store both create its database: whichever loses the race
// to switch it to WAL must wait, not fail with "database is locked".
BOOST_AUTO_TEST_CASE(processes_creating_one_database_at_once_all_succeed) {
  for (int round = 0; round < 100; ++round) {
    TempDir dir("roost-db");
    std::string path = dir.path + "/roost.db";
    std::vector<pid_t> children;
    for (int i = 0; i < 12; ++i) {
      pid_t pid = ::fork();
      if (pid == 0) ::_exit(open_and_write(path, i));
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      BOOST_TEST_REQUIRE(WIFEXITED(status));
      BOOST_TEST(WEXITSTATUS(status) == 0, "round " << round << ": child failed at step " << WEXITSTATUS(status));
    }
    auto db = Database::open(path);
    BOOST_TEST_REQUIRE(!!db);
    auto count = db->prepare("SELECT count(*) FROM t");
    BOOST_TEST_REQUIRE(!!count);
    BOOST_TEST_REQUIRE(*count->step());
    BOOST_TEST(count->integer(0) == 12);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(blob_memo)

BOOST_AUTO_TEST_CASE(remembers_per_layer_and_compression_across_opens) {
  TempDir t("roost-db");
  {
    auto db = Database::open(t.path + "/roost.db");
    BOOST_REQUIRE(db);
    auto memo = BlobMemo::open(*db);
    BOOST_REQUIRE(memo);
    BOOST_CHECK(!memo->lookup("layer1", LayerCompression::gzip).value());
    BOOST_REQUIRE(memo->remember("layer1", LayerCompression::gzip, {"sha256:aa", "sha256:bb", 42}));
  }
  auto db = Database::open(t.path + "/roost.db");
  BOOST_REQUIRE(db);
  auto memo = BlobMemo::open(*db);
  BOOST_REQUIRE(memo);
  auto found = memo->lookup("layer1", LayerCompression::gzip);
  BOOST_REQUIRE(found && *found);
  BOOST_CHECK_EQUAL((*found)->diff_id, "sha256:aa");
  BOOST_CHECK_EQUAL((*found)->digest, "sha256:bb");
  BOOST_CHECK_EQUAL((*found)->size, 42u);
  // The plain tar is another blob than the gzip one.
  BOOST_CHECK(!memo->lookup("layer1", LayerCompression::none).value());
  // A newer export replaces the old one.
  BOOST_REQUIRE(memo->remember("layer1", LayerCompression::gzip, {"sha256:aa", "sha256:cc", 43}));
  BOOST_CHECK_EQUAL(memo->lookup("layer1", LayerCompression::gzip).value()->digest, "sha256:cc");
}

BOOST_AUTO_TEST_SUITE_END()
