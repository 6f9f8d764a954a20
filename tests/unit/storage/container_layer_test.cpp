#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/fd.hpp"
#include "common/process.hpp"
#include "storage/store.hpp"
#include "userns/userns.hpp"
#include "tests/unit/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace roost;
using namespace roost::storage;

using roost::test::TempDir;

namespace {

const std::string kId(64, 'a');

void write(const std::string& path, const std::string& data) { std::ofstream(path) << data; }

std::string slurp(const std::string& path) {
  auto r = read_file(path);
  return r ? *r : "<" + r.error().str() + ">";
}

// A one-layer image whose tree holds etc/greeting.
ImageRecord make_image(Store& store, const std::string& scratch) {
  fs::create_directories(scratch + "/tree/etc");
  write(scratch + "/tree/etc/greeting", "hello\n");
  std::string tar = scratch + "/layer.tar";
  BOOST_REQUIRE_EQUAL(std::system(("tar -C " + scratch + "/tree -cf " + tar + " .").c_str()), 0);
  auto fd = open_file(tar, O_RDONLY);
  BOOST_REQUIRE(fd);
  auto w = store.new_image();
  BOOST_REQUIRE(w);
  auto l = (*w)->add_layer(fd->get(), "", "");
  BOOST_REQUIRE_MESSAGE(l.ok(), (l.ok() ? std::string() : l.error().str()));
  nlohmann::json config = {{"rootfs", {{"type", "layers"}, {"diff_ids", {l->diff_id}}}}, {"config", nlohmann::json::object()}};
  auto img = (*w)->commit(config.dump(), "", "", {"localhost/t:latest"});
  BOOST_REQUIRE_MESSAGE(img.ok(), (img.ok() ? std::string() : img.error().str()));
  return *img;
}

std::unique_ptr<Store> open_store(const std::string& root, Driver driver) {
  StoreOptions o;
  o.graph_root = root + "/graph";
  o.run_root = root + "/run";
  o.driver = driver;
  o.mapping.identity = true;
  auto s = Store::open(o);
  BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().str()));
  return std::move(s).value();
}

// Mounts the layer in a private mount namespace, writes a file through it and
// returns what it read there.
Result<std::string> mount_and_use(const ContainerLayer& layer) {
  return userns::run_in_userns(userns::IdMapping{.identity = true}, [&]() -> Result<std::string> {
    std::string target = layer.dir + "/merged";
    ROOST_TRY(mount_container_root(layer, target, false));
    auto greeting = ROOST_TRY(read_file(target + "/etc/greeting"));
    if (::access((target + "/etc/hostname").c_str(), F_OK) == 0) greeting += "+hostname";
    ROOST_TRY(write_file_atomic(target + "/etc/written", "by container\n"));
    ::umount2(target.c_str(), MNT_DETACH);
    return greeting;
  });
}

bool root() { return ::geteuid() == 0; }

void round_trip(Driver driver, const std::string& written_at) {
  TempDir t("roost-cl");
  auto store = open_store(t.path, driver);
  auto img = make_image(*store, t.path);
  auto layer = store->create_container_layer(kId, img);
  BOOST_REQUIRE_MESSAGE(layer.ok(), (layer.ok() ? std::string() : layer.error().str()));
  BOOST_TEST(layer->dir == t.path + "/graph/containers/" + kId);
  BOOST_TEST(fs::is_directory(layer->dir + "/merged"));
  BOOST_TEST(fs::is_empty(t.path + "/graph/staging"), "nothing is left staged once the layer is in place");
  auto again = store->container_layer(kId, img);
  BOOST_REQUIRE(again);
  BOOST_TEST(again->lower_dirs == layer->lower_dirs);
  BOOST_TEST(again->targets_dir == layer->targets_dir);
  if (driver == Driver::vfs) {
    BOOST_TEST(layer->targets_dir.empty(), "vfs copies the image: no layers under it");
  } else {
    BOOST_TEST(layer->targets_dir == t.path + "/graph/mount-targets");
    for (const char* f : {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/run/.containerenv"})
      BOOST_TEST(fs::is_regular_file(layer->targets_dir + f), f);
  }

  auto r = mount_and_use(*layer);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  // The image has no etc/hostname: with overlay it shows from the targets layer.
  BOOST_TEST(*r == (driver == Driver::vfs ? "hello\n" : "hello\n+hostname"));
  BOOST_TEST(slurp(layer->dir + written_at) == "by container\n", "the write landed in the container's layer");
  BOOST_TEST(!fs::exists(store->layer_dir(img.layers.front()) + "/etc/written"), "the image layer is untouched");

  auto dup = store->create_container_layer(kId, img);
  BOOST_REQUIRE(!dup);
  BOOST_TEST((dup.error().kind() == ErrorKind::exists));

  BOOST_REQUIRE(store->delete_container_layer(kId));
  BOOST_TEST(!fs::exists(layer->dir));
  BOOST_TEST(fs::is_empty(t.path + "/graph/staging"), "nothing of the removed layer or its lock is left staged");
  BOOST_TEST(store->delete_container_layer(kId).ok(), "deleting a missing layer is fine");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(container_layer)

BOOST_AUTO_TEST_CASE(overlay_upper_over_image) {
  if (!root()) {
    BOOST_TEST_MESSAGE("skipped: mounting overlay needs root");
    return;
  }
  round_trip(Driver::overlay, "/upper/etc/written");
}

BOOST_AUTO_TEST_CASE(vfs_copy_of_image) {
  if (!root()) {
    BOOST_TEST_MESSAGE("skipped: bind mounts need root");
    return;
  }
  round_trip(Driver::vfs, "/rootfs/etc/written");
}

BOOST_AUTO_TEST_CASE(fuse_overlayfs_upper_over_image) {
  if (!root()) {
    BOOST_TEST_MESSAGE("skipped: needs root");
    return;
  }
  if (find_program("fuse-overlayfs").empty() || ::access("/dev/fuse", R_OK | W_OK) != 0)
    {
    BOOST_TEST_MESSAGE("skipped: fuse-overlayfs or /dev/fuse unavailable");
    return;
  }
  round_trip(Driver::fuse_overlayfs, "/upper/etc/written");
}

BOOST_AUTO_TEST_CASE(rejects_bad_ids_and_leaves_nothing_on_failure) {
  TempDir t("roost-cl");
  auto store = open_store(t.path, Driver::overlay);
  ImageRecord img;
  img.id = std::string(64, 'b');
  auto bad = store->create_container_layer("../x", img);
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().message().find("invalid container ID") != std::string::npos);
  auto empty = store->create_container_layer(kId, img);  // no layers
  BOOST_REQUIRE(!empty);
  BOOST_TEST(!fs::exists(t.path + "/graph/containers/" + kId));
  auto missing = store->container_layer(kId, img);
  BOOST_REQUIRE(!missing);
  BOOST_TEST((missing.error().kind() == ErrorKind::not_found));
}

BOOST_AUTO_TEST_CASE(mount_error_names_driver_and_paths) {
  if (!root()) {
    BOOST_TEST_MESSAGE("skipped: needs root");
    return;
  }
  TempDir t("roost-cl");
  ContainerLayer layer{kId, Driver::overlay, t.path + "/c", {t.path + "/no-such-lower"}};
  fs::create_directories(t.path + "/c/merged");
  auto r = userns::run_in_userns(userns::IdMapping{.identity = true}, [&]() -> Result<std::string> {
    ROOST_TRY(mount_container_root(layer, t.path + "/c/merged", false));
    return std::string();
  });
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().str().find("overlay: mounting " + t.path + "/c/merged") != std::string::npos, r.error().str());
  BOOST_TEST(r.error().str().find("no-such-lower") != std::string::npos);
}

// The targets layer is a convenience: an image whose layers just fit in the
// overlay's one page of options still mounts, without it.
BOOST_AUTO_TEST_CASE(targets_layer_left_out_when_options_would_not_fit) {
  if (!root()) {
    BOOST_TEST_MESSAGE("skipped: needs root");
    return;
  }
  TempDir t("roost-cl");
  std::string dir = t.path + "/c", targets = t.path + "/targets";
  for (auto d : {"/merged", "/upper", "/work"}) fs::create_directories(dir + d);
  fs::create_directories(targets + "/etc");
  write(targets + "/etc/hostname", "");
  // One lower directory whose path makes the options one byte short of a page.
  size_t fixed = std::string("lowerdir=,upperdir=,workdir=").size() + (dir + "/upper").size() + (dir + "/work").size();
  size_t want = static_cast<size_t>(::getpagesize()) - 2 - fixed;
  std::string lower = t.path;
  while (want - lower.size() > 250) lower += "/" + std::string(200, 'a');
  lower += "/" + std::string(want - lower.size() - 1, 'b');
  BOOST_REQUIRE_EQUAL(lower.size(), want);
  fs::create_directories(lower);
  ContainerLayer layer{kId, Driver::overlay, dir, {lower}, targets};
  auto r = userns::run_in_userns(userns::IdMapping{.identity = true}, [&]() -> Result<std::string> {
    std::string target = dir + "/merged";
    ROOST_TRY(mount_container_root(layer, target, false));
    bool seen = ::access((target + "/etc/hostname").c_str(), F_OK) == 0;
    ::umount2(target.c_str(), MNT_DETACH);
    return std::string(seen ? "targets" : "no targets");
  });
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  BOOST_TEST(*r == "no targets");
}

BOOST_AUTO_TEST_SUITE_END()
