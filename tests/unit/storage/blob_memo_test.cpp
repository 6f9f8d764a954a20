#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "storage/blob_memo.hpp"

namespace fs = std::filesystem;
using namespace roost::storage;

namespace {

struct TempDb {
  std::string dir;
  TempDb() {
    char tmpl[] = "/tmp/roost-memo-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~TempDb() { fs::remove_all(dir); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(blob_memo)

BOOST_AUTO_TEST_CASE(remembers_per_layer_and_compression_across_opens) {
  TempDb t;
  {
    auto db = Database::open(t.dir + "/roost.db");
    BOOST_REQUIRE(db);
    auto memo = BlobMemo::open(*db);
    BOOST_REQUIRE(memo);
    BOOST_CHECK(!memo->lookup("layer1", LayerCompression::gzip).value());
    BOOST_REQUIRE(memo->remember("layer1", LayerCompression::gzip, {"sha256:aa", "sha256:bb", 42}));
  }
  auto db = Database::open(t.dir + "/roost.db");
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
