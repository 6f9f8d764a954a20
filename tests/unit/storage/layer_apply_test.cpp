#include "storage/layer_apply.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/fd.hpp"
#include "storage/layer_ring.hpp"

namespace fs = std::filesystem;
using roost::ErrorKind;
using roost::UniqueFd;
using namespace roost::storage;

namespace {

enum class Compression { none, gzip, zstd };

struct TarEntry {
  std::string name;
  mode_t type = AE_IFREG;
  mode_t perm = 0644;
  std::string data;
  std::string symlink;
  std::string hardlink;
  int64_t uid = 0;
  int64_t gid = 0;
  time_t mtime = 1600000000;
  long mtime_nsec = 0;
  unsigned rdev_major = 0;
  unsigned rdev_minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

TarEntry tar_file(std::string name, std::string data, mode_t perm = 0644) {
  TarEntry e;
  e.name = std::move(name);
  e.data = std::move(data);
  e.perm = perm;
  return e;
}
TarEntry tar_dir(std::string name, mode_t perm = 0755) {
  TarEntry e;
  e.name = std::move(name);
  e.type = AE_IFDIR;
  e.perm = perm;
  return e;
}
TarEntry tar_symlink(std::string name, std::string target) {
  TarEntry e;
  e.name = std::move(name);
  e.type = AE_IFLNK;
  e.perm = 0777;
  e.symlink = std::move(target);
  return e;
}
TarEntry tar_hardlink(std::string name, std::string target) {
  TarEntry e;
  e.name = std::move(name);
  e.hardlink = std::move(target);
  return e;
}
TarEntry tar_node(std::string name, mode_t type, unsigned major, unsigned minor) {
  TarEntry e;
  e.name = std::move(name);
  e.type = type;
  e.perm = 0620;
  e.rdev_major = major;
  e.rdev_minor = minor;
  return e;
}

void check_ok(int rc, archive* a, const char* what) {
  if (rc < ARCHIVE_WARN) BOOST_FAIL(what << ": " << archive_error_string(a));
}

// Writes a tar the way an image builder would; names are stored verbatim,
// hostile ones included.
void write_tar(const std::string& path, const std::vector<TarEntry>& entries, Compression c = Compression::none,
               bool pad_last_block = true) {
  archive* a = archive_write_new();
  check_ok(archive_write_set_format_pax(a), a, "format");
  if (c == Compression::gzip) check_ok(archive_write_add_filter_gzip(a), a, "gzip");
  if (c == Compression::zstd) check_ok(archive_write_add_filter_zstd(a), a, "zstd");
  // Padding the last block to a whole record leaves zero bytes after the
  // end-of-archive marker that the diff_id must still cover.
  archive_write_set_bytes_in_last_block(a, pad_last_block && c == Compression::none ? 10240 : 1);
  check_ok(archive_write_open_filename(a, path.c_str()), a, "open");
  for (const auto& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.name.c_str());
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, t.mtime_nsec);
    for (const auto& [k, v] : t.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    if (!t.hardlink.empty()) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, t.perm);
      archive_entry_set_hardlink(e, t.hardlink.c_str());
      archive_entry_set_size(e, 0);
    } else {
      archive_entry_set_filetype(e, t.type);
      archive_entry_set_perm(e, t.perm);
      if (t.type == AE_IFLNK) archive_entry_set_symlink(e, t.symlink.c_str());
      if (t.type == AE_IFCHR || t.type == AE_IFBLK) {
        archive_entry_set_rdevmajor(e, t.rdev_major);
        archive_entry_set_rdevminor(e, t.rdev_minor);
      }
      archive_entry_set_size(e, t.type == AE_IFREG ? static_cast<la_int64_t>(t.data.size()) : 0);
    }
    check_ok(archive_write_header(a, e), a, "header");
    if (t.type == AE_IFREG && t.hardlink.empty() && !t.data.empty())
      BOOST_REQUIRE_EQUAL(archive_write_data(a, t.data.data(), t.data.size()), static_cast<la_ssize_t>(t.data.size()));
    archive_entry_free(e);
  }
  check_ok(archive_write_close(a), a, "close");
  archive_write_free(a);
}

// Compresses a whole file as one stream, so the uncompressed bytes are
// exactly the plain tar's.
void compress_file(const std::string& in, const std::string& out, Compression c) {
  std::string data = roost::read_file(in).value();
  archive* a = archive_write_new();
  check_ok(archive_write_set_format_raw(a), a, "raw");
  if (c == Compression::gzip) check_ok(archive_write_add_filter_gzip(a), a, "gzip");
  if (c == Compression::zstd) check_ok(archive_write_add_filter_zstd(a), a, "zstd");
  check_ok(archive_write_open_filename(a, out.c_str()), a, "open");
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_pathname(e, "data");
  check_ok(archive_write_header(a, e), a, "header");
  BOOST_REQUIRE_EQUAL(archive_write_data(a, data.data(), data.size()), static_cast<la_ssize_t>(data.size()));
  archive_entry_free(e);
  check_ok(archive_write_close(a), a, "close");
  archive_write_free(a);
}

// sha256sum(1), independent of the code under test.
std::string sha256sum(const std::string& path) {
  std::string cmd = "sha256sum '" + path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p);
  char buf[65] = {};
  size_t n = fread(buf, 1, 64, p);
  pclose(p);
  BOOST_REQUIRE_EQUAL(n, 64u);
  return std::string("sha256:") + buf;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& ch : s) ch = static_cast<char>(rng());
  return s;
}

template <class T>
std::string why(const roost::Result<T>& r) {
  return r.ok() ? std::string() : r.error().str();
}

std::string slurp(const fs::path& p) {
  auto r = roost::read_file(p.string());
  return r.ok() ? *r : "<" + r.error().str() + ">";
}

std::string get_xattr(const fs::path& p, const char* name) {
  char buf[256];
  ssize_t n = lgetxattr(p.c_str(), name, buf, sizeof buf);
  return n < 0 ? std::string("<") + strerror(errno) + ">" : std::string(buf, static_cast<size_t>(n));
}

// A fresh directory per test: BASE/root is the layer root, BASE/sentinel an
// empty directory and BASE/sentinel_file a file that hostile tars aim at.
struct LayerFixture {
  fs::path base;
  fs::path root;
  fs::path sentinel;
  fs::path sentinel_file;

  LayerFixture() {
    char tmpl[] = "/tmp/roost-layer-test-XXXXXX";
    BOOST_REQUIRE(mkdtemp(tmpl));
    base = tmpl;
    root = base / "root";
    sentinel = base / "sentinel";
    sentinel_file = base / "sentinel_file";
    fs::create_directory(root);
    fs::create_directory(sentinel);
    std::ofstream(sentinel_file) << "original";
  }
  ~LayerFixture() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }

  std::string tar_path(const char* name = "layer.tar") const { return (base / name).string(); }

  roost::Result<ApplyStats> apply(const std::string& tar, ApplyOptions opts = {}) const {
    UniqueFd fd(open(tar.c_str(), O_RDONLY | O_CLOEXEC));
    BOOST_REQUIRE(fd.valid());
    return apply_layer(fd.get(), root.string(), opts);
  }
  roost::Result<ApplyStats> apply(const std::vector<TarEntry>& entries, ApplyOptions opts = {}) const {
    write_tar(tar_path(), entries);
    return apply(tar_path(), opts);
  }

  // The file TAR applied from a LayerRing that a thread fills in pieces of
  // PIECE bytes (slot boundaries fall anywhere), cut after CUT bytes if given.
  roost::Result<ApplyStats> apply_via_ring(const std::string& tar, size_t piece, size_t cut = SIZE_MAX) const {
    auto ring = LayerRing::create();
    BOOST_REQUIRE(ring.ok());
    std::string data = roost::read_file(tar).value();
    std::thread producer([&] {
      size_t end = std::min(cut, data.size());
      for (size_t at = 0; at < end; at += piece)
        if (!(*ring)->write(data.data() + at, std::min(piece, end - at))) return (*ring)->abort();
      if (cut < data.size()) return (*ring)->abort();
      (void)(*ring)->close();
    });
    auto r = apply_layer(**ring, root.string(), {});
    (*ring)->close_consumer_ends();  // what a consumer that stops does: the producer sees it gone
    producer.join();
    return r;
  }

  // plain.tar compressed with C (as BASE/compressed unless C is none), and an
  // empty root to apply it to.
  std::string fresh_input(Compression c) const {
    std::string input = tar_path("plain.tar");
    if (c != Compression::none) {
      input = tar_path("compressed");
      compress_file(tar_path("plain.tar"), input, c);
    }
    fs::remove_all(root);
    fs::create_directory(root);
    return input;
  }

  // Nothing may appear next to the root, and the sentinels stay untouched.
  void check_outside_untouched() const {
    BOOST_TEST(fs::is_empty(sentinel));
    BOOST_TEST(slurp(sentinel_file) == "original");
    struct stat st;
    BOOST_REQUIRE(lstat(sentinel_file.c_str(), &st) == 0);
    BOOST_TEST(st.st_nlink == 1u);
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(base)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    BOOST_TEST(names == (std::vector<std::string>{"layer.tar", "root", "sentinel", "sentinel_file"}),
               boost::test_tools::per_element());
    BOOST_TEST(!fs::exists(fs::symlink_status("/pwned")));
  }

  void expect_security(const std::vector<TarEntry>& entries, const std::string& in_message = {}) const {
    auto r = apply(entries);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(static_cast<int>(r.error().kind()) == static_cast<int>(ErrorKind::security), why(r));
    if (!in_message.empty()) BOOST_TEST(r.error().str().find(in_message) != std::string::npos, why(r));
    check_outside_untouched();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(layer_apply)

BOOST_FIXTURE_TEST_CASE(files_dirs_links_modes_owners_mtimes, LayerFixture) {
  auto exe = tar_file("usr/bin/tool", "#!/bin/sh\necho hi\n", 04755);
  exe.uid = 1000;
  exe.gid = 2000;
  exe.mtime = 1500000000;
  exe.mtime_nsec = 123456789;
  auto ro = tar_dir("etc", 0555);
  ro.mtime = 1400000000;
  auto conf = tar_file("etc/app.conf", "key=value\n", 0600);
  conf.uid = 33;
  conf.gid = 44;
  auto sl = tar_symlink("usr/bin/sh", "busybox");
  sl.uid = 7;
  sl.gid = 8;
  sl.mtime = 1300000000;
  auto r = apply({tar_dir("./usr/"), tar_dir("usr/bin"), exe, ro, conf, sl,
                  tar_hardlink("usr/bin/tool2", "./usr/bin/tool"), tar_file("./top", "x")});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  BOOST_TEST(r->files == 3u);
  BOOST_TEST(r->content_size == exe.data.size() + conf.data.size() + 1);

  struct stat st;
  BOOST_REQUIRE(lstat((root / "usr/bin/tool").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 04755u);
  BOOST_TEST(st.st_uid == 1000u);
  BOOST_TEST(st.st_gid == 2000u);
  BOOST_TEST(st.st_mtim.tv_sec == 1500000000);
  BOOST_TEST(st.st_mtim.tv_nsec == 123456789);
  BOOST_TEST(st.st_nlink == 2u);
  BOOST_TEST(slurp(root / "usr/bin/tool") == exe.data);

  struct stat st2;
  BOOST_REQUIRE(lstat((root / "usr/bin/tool2").c_str(), &st2) == 0);
  BOOST_TEST(st2.st_ino == st.st_ino);

  BOOST_REQUIRE(lstat((root / "etc").c_str(), &st) == 0);
  BOOST_TEST(S_ISDIR(st.st_mode));
  BOOST_TEST((st.st_mode & 07777) == 0555u);
  // Set after its child was written.
  BOOST_TEST(st.st_mtim.tv_sec == 1400000000);
  BOOST_REQUIRE(lstat((root / "etc/app.conf").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0600u);
  BOOST_TEST(st.st_uid == 33u);
  BOOST_TEST(st.st_gid == 44u);

  BOOST_REQUIRE(lstat((root / "usr/bin/sh").c_str(), &st) == 0);
  BOOST_TEST(S_ISLNK(st.st_mode));
  BOOST_TEST(fs::read_symlink(root / "usr/bin/sh").string() == "busybox");
  BOOST_TEST(st.st_uid == 7u);
  BOOST_TEST(st.st_gid == 8u);
  BOOST_TEST(st.st_mtim.tv_sec == 1300000000);
  BOOST_TEST(slurp(root / "top") == "x");
  check_outside_untouched();
}

BOOST_FIXTURE_TEST_CASE(digests_match_sha256sum, LayerFixture) {
  std::vector<TarEntry> entries{tar_dir("d"), tar_file("d/big", random_bytes(3 << 20, 1)), tar_file("d/small", "abc"),
                                tar_symlink("d/l", "small")};
  for (bool pad : {true, false}) {
    write_tar(tar_path("plain.tar"), entries, Compression::none, pad);
    std::string want_diff_id = sha256sum(tar_path("plain.tar"));
    auto plain_size = fs::file_size(tar_path("plain.tar"));
    if (pad) BOOST_TEST(plain_size % 10240 == 0u);  // trailing zero blocks past the end marker
    for (auto c : {Compression::none, Compression::gzip, Compression::zstd}) {
      BOOST_TEST_CONTEXT("compression " << static_cast<int>(c) << " padded " << pad) {
        std::string input = fresh_input(c);
        auto r = apply(input);
        BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
        BOOST_TEST(r->diff_id == want_diff_id);
        BOOST_TEST(r->compressed_digest == sha256sum(input));
        BOOST_TEST(r->uncompressed_size == plain_size);
        BOOST_TEST(r->compressed_size == fs::file_size(input));
        BOOST_TEST(r->files == 2u);
        BOOST_TEST(slurp(root / "d/big") == entries[1].data);
      }
    }
  }
}

// The puller hands layers over through a LayerRing: the same digests, sizes
// and files as from a descriptor, whatever the compression; a stream cut short
// fails.
BOOST_FIXTURE_TEST_CASE(ring_input_matches_descriptor_input, LayerFixture) {
  std::vector<TarEntry> entries{tar_dir("d"), tar_file("d/big", random_bytes((5 << 20) + 3, 2)),
                                tar_file("d/small", "abc")};
  write_tar(tar_path("plain.tar"), entries);
  std::string want_diff_id = sha256sum(tar_path("plain.tar"));
  for (auto c : {Compression::none, Compression::gzip, Compression::zstd}) {
    for (size_t piece : {size_t{1000}, size_t{3} << 20}) {
      BOOST_TEST_CONTEXT("compression " << static_cast<int>(c) << " piece " << piece) {
        std::string input = fresh_input(c);
        auto r = apply_via_ring(input, piece);
        BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
        BOOST_TEST(r->diff_id == want_diff_id);
        BOOST_TEST(r->compressed_digest == sha256sum(input));
        BOOST_TEST(r->compressed_size == fs::file_size(input));
        BOOST_TEST(r->uncompressed_size == fs::file_size(tar_path("plain.tar")));
        BOOST_TEST(slurp(root / "d/big") == entries[1].data);
        BOOST_TEST(slurp(root / "d/small") == "abc");
      }
    }
    BOOST_TEST_CONTEXT("compression " << static_cast<int>(c) << " cut") {
      std::string input = fresh_input(c);
      auto r = apply_via_ring(input, 4096, fs::file_size(input) / 2);
      BOOST_TEST(!r.ok());
    }
  }
}

// Files of 1 MiB and more bypass the page cache (O_DIRECT through an aligned
// buffer, the unaligned tail buffered): every size around the buffer and
// block boundaries keeps its bytes, mode, times and links, in a plain and in
// a gzip layer (libarchive hands the data over in different pieces).
BOOST_FIXTURE_TEST_CASE(large_files_keep_every_byte, LayerFixture) {
  std::vector<size_t> sizes{(1 << 20) - 1, 1 << 20, (1 << 20) + 1, (4 << 20) - 4096, 4 << 20, (4 << 20) + 1,
                            (9 << 20) + 4097};
  std::vector<TarEntry> entries{tar_dir("d")};
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto f = tar_file("d/f" + std::to_string(i), random_bytes(sizes[i], static_cast<unsigned>(i + 10)), 0640);
    f.mtime = 1500000000 + static_cast<time_t>(i);
    entries.push_back(f);
  }
  entries.push_back(tar_hardlink("d/link", "d/f6"));
  entries.push_back(tar_file("d/f2", random_bytes(3 << 20, 99), 0640));  // replaces an earlier entry
  write_tar(tar_path("plain.tar"), entries);
  for (auto c : {Compression::none, Compression::gzip}) {
    BOOST_TEST_CONTEXT("compression " << static_cast<int>(c)) {
      auto r = apply(fresh_input(c));
      BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
      for (size_t i = 0; i < sizes.size(); ++i) {
        fs::path p = root / ("d/f" + std::to_string(i));
        const std::string& want = i == 2 ? entries.back().data : entries[i + 1].data;
        BOOST_TEST((slurp(p) == want), p.string());
        struct stat st;
        BOOST_REQUIRE(lstat(p.c_str(), &st) == 0);
        BOOST_TEST((st.st_mode & 07777) == 0640u);
        if (i != 2) BOOST_TEST(st.st_mtim.tv_sec == 1500000000 + static_cast<time_t>(i));
      }
      struct stat a, b;
      BOOST_REQUIRE(lstat((root / "d/f6").c_str(), &a) == 0);
      BOOST_REQUIRE(lstat((root / "d/link").c_str(), &b) == 0);
      BOOST_TEST(a.st_ino == b.st_ino);
    }
  }
}

// Some writers pad far past the end-of-archive marker; the digests cover
// every byte, as sha256sum of the blob and of the decompressed stream would.
BOOST_FIXTURE_TEST_CASE(digests_cover_long_trailing_padding, LayerFixture) {
  write_tar(tar_path("plain.tar"), {tar_file("f", "content")}, Compression::none, false);
  {
    std::ofstream out(tar_path("plain.tar"), std::ios::binary | std::ios::app);
    out << std::string(3 << 20, '\0');
  }
  std::string want_diff_id = sha256sum(tar_path("plain.tar"));
  for (auto c : {Compression::none, Compression::gzip}) {
    std::string input = tar_path("plain.tar");
    if (c != Compression::none) {
      input = tar_path("compressed");
      compress_file(tar_path("plain.tar"), input, c);
      std::ofstream(input, std::ios::binary | std::ios::app) << std::string(2 << 20, '\0');
    }
    fs::remove_all(root);
    fs::create_directory(root);
    auto r = apply(input);
    BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
    BOOST_TEST(r->diff_id == want_diff_id);
    BOOST_TEST(r->uncompressed_size == fs::file_size(tar_path("plain.tar")));
    BOOST_TEST(r->compressed_digest == sha256sum(input));
    BOOST_TEST(r->compressed_size == fs::file_size(input));
  }
}

BOOST_FIXTURE_TEST_CASE(tars_written_by_libarchive_with_gzip_and_zstd_filters, LayerFixture) {
  for (auto c : {Compression::gzip, Compression::zstd}) {
    fs::remove_all(root);
    fs::create_directory(root);
    write_tar(tar_path(), {tar_file("a", "alpha"), tar_dir("b"), tar_file("b/c", "gamma")}, c);
    auto r = apply(tar_path());
    BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
    BOOST_TEST(slurp(root / "b/c") == "gamma");
    BOOST_TEST(r->compressed_digest == sha256sum(tar_path()));
  }
}

BOOST_FIXTURE_TEST_CASE(entries_replace_what_is_there, LayerFixture) {
  fs::create_directories(root / "was_dir/sub");
  std::ofstream(root / "was_dir/sub/f") << "old";
  std::ofstream(root / "was_file") << "old";
  fs::create_symlink("was_file", root / "was_link");
  auto r = apply({tar_file("was_dir", "now a file"), tar_dir("was_file"), tar_file("was_link", "now a file too")});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  BOOST_TEST(slurp(root / "was_dir") == "now a file");
  BOOST_TEST(fs::is_directory(fs::symlink_status(root / "was_file")));
  BOOST_TEST(fs::is_regular_file(fs::symlink_status(root / "was_link")));
  BOOST_TEST(slurp(root / "was_link") == "now a file too");
}

BOOST_FIXTURE_TEST_CASE(xattrs_applied_and_overlay_ones_dropped, LayerFixture) {
  auto f = tar_file("f", "data");
  f.xattrs = {{"user.comment", "hello"}, {"user.overlay.redirect", "/elsewhere"}};
  auto d = tar_dir("d");
  d.xattrs = {{"user.tag", "dir"}};
  // user.* is refused on symlinks; trusted.* may be refused anywhere. Neither
  // may fail the layer.
  auto l = tar_symlink("l", "f");
  l.xattrs = {{"user.on_link", "x"}, {"trusted.roost_test", "x"}};
  auto r = apply({f, d, l});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  BOOST_TEST(get_xattr(root / "f", "user.comment") == "hello");
  BOOST_TEST(get_xattr(root / "f", "user.overlay.redirect") == std::string("<") + strerror(ENODATA) + ">");
  BOOST_TEST(get_xattr(root / "d", "user.tag") == "dir");
}

BOOST_FIXTURE_TEST_CASE(device_nodes_and_fifos, LayerFixture) {
  if (geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: creating device nodes needs root");
    return;
  }
  auto r = apply({tar_dir("dev"), tar_node("dev/null", AE_IFCHR, 1, 3), tar_node("dev/loop0", AE_IFBLK, 7, 0),
                  tar_node("dev/fifo", AE_IFIFO, 0, 0)});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  BOOST_TEST(r->skipped_devices == 0u);
  struct stat st;
  BOOST_REQUIRE(lstat((root / "dev/null").c_str(), &st) == 0);
  BOOST_TEST(S_ISCHR(st.st_mode));
  BOOST_TEST(major(st.st_rdev) == 1u);
  BOOST_TEST(minor(st.st_rdev) == 3u);
  BOOST_TEST((st.st_mode & 07777) == 0620u);
  BOOST_REQUIRE(lstat((root / "dev/loop0").c_str(), &st) == 0);
  BOOST_TEST(S_ISBLK(st.st_mode));
  BOOST_TEST(major(st.st_rdev) == 7u);
  BOOST_REQUIRE(lstat((root / "dev/fifo").c_str(), &st) == 0);
  BOOST_TEST(S_ISFIFO(st.st_mode));
}

// As an unprivileged user: chown to other owners fails unless
// ignore_chown_errors, device nodes are skipped, trusted.* xattrs ignored.
BOOST_FIXTURE_TEST_CASE(unprivileged_owners_devices_and_xattrs, LayerFixture) {
  if (geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: needs root to switch to an unprivileged user");
    return;
  }
  const uid_t nobody = 65534;
  auto owned = tar_file("owned", "data");
  owned.uid = 1000;
  owned.gid = 1000;
  owned.xattrs = {{"trusted.roost_test", "x"}};
  write_tar(tar_path(), {owned, tar_node("null", AE_IFCHR, 1, 3), tar_node("fifo", AE_IFIFO, 0, 0)});
  BOOST_REQUIRE(chmod(base.c_str(), 0755) == 0);
  BOOST_REQUIRE(chown(root.c_str(), nobody, nobody) == 0);
  BOOST_REQUIRE(chmod(tar_path().c_str(), 0644) == 0);
  pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(nobody, nobody, nobody) != 0 || setresuid(nobody, nobody, nobody) != 0)
      _exit(10);
    auto strict = apply(tar_path());
    if (strict.ok() || strict.error().str().find("layer entry \"owned\": fchownat") == std::string::npos) _exit(11);
    fs::remove_all(root / "owned");
    auto lenient = apply(tar_path(), {WhiteoutFormat::overlay, true});
    if (!lenient.ok()) _exit(12);
    if (lenient->skipped_devices != 1 || lenient->files != 1) _exit(13);
    struct stat st;
    if (lstat((root / "owned").c_str(), &st) != 0 || st.st_uid != nobody || slurp(root / "owned") != "data") _exit(14);
    if (lstat((root / "fifo").c_str(), &st) != 0 || !S_ISFIFO(st.st_mode)) _exit(15);
    if (lstat((root / "null").c_str(), &st) == 0) _exit(16);
    _exit(0);
  }
  int status = 0;
  BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0, "child failed at step " << WEXITSTATUS(status));
}

BOOST_FIXTURE_TEST_CASE(overlay_whiteouts, LayerFixture) {
  auto r = apply({tar_dir("a"), tar_file("a/.wh.gone", ""), tar_dir("d"), tar_file("d/.wh..wh..opq", ""),
                  tar_file("d/kept", "k"), tar_file("d/.wh..wh.plnk", ""), tar_file(".wh.toplevel", "")},
                 {WhiteoutFormat::overlay});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  struct stat st;
  BOOST_REQUIRE(lstat((root / "a/gone").c_str(), &st) == 0);
  BOOST_TEST(S_ISCHR(st.st_mode));
  BOOST_TEST(st.st_rdev == makedev(0, 0));
  BOOST_REQUIRE(lstat((root / "toplevel").c_str(), &st) == 0);
  BOOST_TEST(S_ISCHR(st.st_mode));
  BOOST_TEST(get_xattr(root / "d", "user.overlay.opaque") == "y");
  if (geteuid() == 0) BOOST_TEST(get_xattr(root / "d", "trusted.overlay.opaque") == "y");
  BOOST_TEST(slurp(root / "d/kept") == "k");
  for (const auto& e : fs::recursive_directory_iterator(root))
    BOOST_TEST(e.path().filename().string().rfind(".wh.", 0) != 0u, e.path());
  BOOST_TEST(r->files == 1u);
}

BOOST_FIXTURE_TEST_CASE(vfs_whiteouts_delete_and_opaque_keeps_own_entries, LayerFixture) {
  // The lower layers, already in place.
  fs::create_directories(root / "a/gone_dir/deep");
  std::ofstream(root / "a/gone_dir/deep/f") << "lower";
  std::ofstream(root / "a/gone_file") << "lower";
  std::ofstream(root / "a/stays") << "lower";
  fs::create_symlink("/", root / "a/gone_link");
  fs::create_directories(root / "d/sub");
  std::ofstream(root / "d/lower_file") << "lower";
  std::ofstream(root / "d/sub/lower_file") << "lower";
  std::ofstream(root / "d/sub/overwritten") << "lower";

  auto r = apply({tar_file("a/.wh.gone_dir", ""), tar_file("a/.wh.gone_file", ""), tar_file("a/.wh.gone_link", ""),
                  tar_file("a/.wh.never_existed", ""), tar_file("missing_dir/.wh.x", ""), tar_dir("d"),
                  tar_file("d/early", "mine"), tar_file("d/sub/overwritten", "mine"), tar_file("d/.wh..wh..opq", ""),
                  tar_file("d/late", "mine")},
                 {WhiteoutFormat::vfs});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  BOOST_TEST(!fs::exists(fs::symlink_status(root / "a/gone_dir")));
  BOOST_TEST(!fs::exists(fs::symlink_status(root / "a/gone_file")));
  BOOST_TEST(!fs::exists(fs::symlink_status(root / "a/gone_link")));
  BOOST_TEST(slurp(root / "a/stays") == "lower");
  BOOST_TEST(!fs::exists(root / "missing_dir"));
  BOOST_TEST(!fs::exists(root / "d/lower_file"));
  BOOST_TEST(!fs::exists(root / "d/sub/lower_file"));
  BOOST_TEST(slurp(root / "d/early") == "mine");
  BOOST_TEST(slurp(root / "d/sub/overwritten") == "mine");
  BOOST_TEST(slurp(root / "d/late") == "mine");
  BOOST_TEST(get_xattr(root / "d", "user.overlay.opaque") != "y");
  for (const auto& e : fs::recursive_directory_iterator(root))
    BOOST_TEST(e.path().filename().string().rfind(".wh.", 0) != 0u, e.path());
}

BOOST_FIXTURE_TEST_CASE(hostile_dotdot_names, LayerFixture) {
  expect_security({tar_file("../escape", "pwned")}, "layer entry \"../escape\": path escapes the layer root");
  expect_security({tar_file("a/../../sentinel/x", "pwned")}, "path escapes the layer root");
  expect_security({tar_dir("ok"), tar_file("ok/../../sentinel_file", "pwned")});
  expect_security({tar_file("./../sentinel_file", "pwned")});
  // Failing mid-stream, while the decompressor is still ahead, must stop cleanly.
  expect_security({tar_file("big", random_bytes(6 << 20, 5)), tar_file("../escape", "pwned"),
                   tar_file("after", random_bytes(6 << 20, 6))});
}

BOOST_FIXTURE_TEST_CASE(hostile_absolute_names, LayerFixture) {
  expect_security({tar_file("/pwned", "pwned")}, "layer entry \"/pwned\"");
  expect_security({tar_file((sentinel / "x").string(), "pwned")});
}

BOOST_FIXTURE_TEST_CASE(hostile_symlink_parents, LayerFixture) {
  expect_security({tar_symlink("evil", "/"), tar_file("evil/pwned", "pwned")}, "layer entry \"evil/pwned\"");
  expect_security({tar_symlink("evil2", "../../.."), tar_file("evil2/pwned", "pwned")});
  expect_security({tar_symlink("up", ".."), tar_file("up/sentinel/x", "pwned")});
  expect_security({tar_symlink("abs", sentinel.string()), tar_file("abs/x", "pwned")});
  expect_security({tar_dir("nest"), tar_symlink("nest/up", "../.."), tar_dir("nest/up/sentinel/newdir")});
  expect_security({tar_symlink("sf", "../sentinel_file"), tar_hardlink("sf2", "sf/x")});
}

BOOST_FIXTURE_TEST_CASE(hostile_hardlinks, LayerFixture) {
  struct stat before;
  BOOST_REQUIRE(stat("/etc/passwd", &before) == 0);
  expect_security({tar_hardlink("x", "../sentinel_file")}, "hard link target \"../sentinel_file\" escapes");
  expect_security({tar_hardlink("x", "/etc/passwd")});
  expect_security({tar_symlink("etc", "/etc"), tar_hardlink("x", "etc/passwd")});
  struct stat after;
  BOOST_REQUIRE(stat("/etc/passwd", &after) == 0);
  BOOST_TEST(after.st_nlink == before.st_nlink);
  BOOST_TEST(!fs::exists(fs::symlink_status(root / "x")));
  // A target that is not in the layer is corrupt, not a link to anything.
  auto r = apply({tar_hardlink("x", "missing")});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(static_cast<int>(r.error().kind()) == static_cast<int>(ErrorKind::corrupt), why(r));
}

BOOST_FIXTURE_TEST_CASE(hostile_whiteout_of_dotdot, LayerFixture) {
  for (auto format : {WhiteoutFormat::vfs, WhiteoutFormat::overlay}) {
    auto r = apply({tar_dir("a"), tar_file("a/.wh...", "")}, {format});
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(static_cast<int>(r.error().kind()) == static_cast<int>(ErrorKind::security), why(r));
    BOOST_TEST(fs::is_directory(root));
    check_outside_untouched();
  }
}

BOOST_FIXTURE_TEST_CASE(regular_file_replaces_symlink_instead_of_writing_through_it, LayerFixture) {
  auto r = apply({tar_symlink("link", "../sentinel_file"), tar_file("link", "pwned"),
                  tar_symlink("dlink", "../sentinel"), tar_dir("dlink"), tar_file("dlink/inside", "ok")});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  BOOST_TEST(fs::is_regular_file(fs::symlink_status(root / "link")));
  BOOST_TEST(slurp(root / "link") == "pwned");
  BOOST_TEST(fs::is_directory(fs::symlink_status(root / "dlink")));
  BOOST_TEST(slurp(root / "dlink/inside") == "ok");
  check_outside_untouched();
}

BOOST_FIXTURE_TEST_CASE(symlink_targets_are_stored_verbatim, LayerFixture) {
  auto r = apply({tar_symlink("abs", "/etc/shadow"), tar_symlink("rel", "../../../../x")});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  BOOST_TEST(fs::read_symlink(root / "abs").string() == "/etc/shadow");
  BOOST_TEST(fs::read_symlink(root / "rel").string() == "../../../../x");
  check_outside_untouched();
}

BOOST_FIXTURE_TEST_CASE(truncated_gzip_is_corrupt, LayerFixture) {
  write_tar(tar_path(), {tar_file("big", random_bytes(1 << 20, 2)), tar_file("after", "x")}, Compression::gzip);
  auto size = fs::file_size(tar_path());
  fs::resize_file(tar_path(), size / 2);
  auto r = apply(tar_path());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(static_cast<int>(r.error().kind()) == static_cast<int>(ErrorKind::corrupt), why(r));
  BOOST_TEST(!fs::exists(root / "after"));
}

BOOST_FIXTURE_TEST_CASE(truncated_plain_tar_is_corrupt, LayerFixture) {
  write_tar(tar_path(), {tar_file("big", random_bytes(100000, 3))});
  fs::resize_file(tar_path(), 50000);
  auto r = apply(tar_path());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(static_cast<int>(r.error().kind()) == static_cast<int>(ErrorKind::corrupt), why(r));
}

BOOST_FIXTURE_TEST_CASE(garbage_input_is_corrupt, LayerFixture) {
  std::ofstream(tar_path(), std::ios::binary) << random_bytes(5000, 4);
  auto r = apply(tar_path());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(static_cast<int>(r.error().kind()) == static_cast<int>(ErrorKind::corrupt), why(r));
}

BOOST_FIXTURE_TEST_CASE(non_ascii_names, LayerFixture) {
  auto r = apply({tar_file("caf\xc3\xa9/na\xc3\xafve.txt", "utf8")});
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  BOOST_TEST(slurp(root / "caf\xc3\xa9/na\xc3\xafve.txt") == "utf8");
}

BOOST_AUTO_TEST_SUITE_END()
