#include <archive.h>
#include <archive_entry.h>
#include <sys/utsname.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/digest.hpp"
#include "common/process.hpp"
#include "image/archive.hpp"

using roost::ErrorKind;
using roost::sha256_digest;
using namespace roost::image;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/roost-archive-test-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

void write(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
  BOOST_REQUIRE(out.good());
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

struct TarEntry {
  enum Kind { file, dir, symlink, hardlink, fifo };
  std::string name;
  std::string data;
  Kind kind = file;
  std::string link;
};

std::string write_archive(const std::vector<TarEntry>& entries, bool gzip, bool raw) {
  size_t total = 1 << 20;
  for (const auto& e : entries) total += e.data.size() + 4096;
  std::vector<char> buf(total);
  size_t used = 0;
  struct archive* a = archive_write_new();
  if (raw)
    archive_write_set_format_raw(a);
  else
    archive_write_set_format_pax_restricted(a);
  if (gzip) archive_write_add_filter_gzip(a);
  BOOST_REQUIRE(archive_write_open_memory(a, buf.data(), buf.size(), &used) == ARCHIVE_OK);
  for (const auto& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.name.c_str());
    archive_entry_set_perm(ae, 0644);
    switch (e.kind) {
      case TarEntry::file:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, static_cast<la_int64_t>(e.data.size()));
        break;
      case TarEntry::dir: archive_entry_set_filetype(ae, AE_IFDIR); break;
      case TarEntry::symlink:
        archive_entry_set_filetype(ae, AE_IFLNK);
        archive_entry_set_symlink(ae, e.link.c_str());
        break;
      case TarEntry::hardlink:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_hardlink(ae, e.link.c_str());
        break;
      case TarEntry::fifo: archive_entry_set_filetype(ae, AE_IFIFO); break;
    }
    BOOST_REQUIRE(archive_write_header(a, ae) == ARCHIVE_OK);
    if (e.kind == TarEntry::file && !e.data.empty())
      BOOST_REQUIRE(archive_write_data(a, e.data.data(), e.data.size()) == static_cast<la_ssize_t>(e.data.size()));
    archive_entry_free(ae);
  }
  BOOST_REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

std::string make_tar(const std::vector<TarEntry>& entries, bool gzip = false) { return write_archive(entries, gzip, false); }
std::string gzip(const std::string& data) { return write_archive({{"data", data}}, true, true); }

// A tar of every file below DIR, named relative to it.
std::string tar_dir(const fs::path& dir, bool gz = false) {
  std::vector<TarEntry> entries;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string rel = fs::relative(e.path(), dir).string();
    if (e.is_directory()) entries.push_back({rel, "", TarEntry::dir});
    else entries.push_back({rel, slurp(e.path())});
  }
  return make_tar(entries, gz);
}

std::string host_arch() {
  struct utsname u;
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

// Two layers: one plain tar, one gzip-compressed; their diff_ids are the
// digests of the uncompressed tars.
struct Layers {
  std::string tar1 = make_tar({{"etc", "", TarEntry::dir}, {"etc/hello", "hello\n"}});
  std::string tar2 = make_tar({{"bin", "", TarEntry::dir}, {"bin/tool", std::string(5000, 'x')}});
  std::string gz2 = gzip(tar2);
  std::string config = json{{"architecture", host_arch()},
                            {"os", "linux"},
                            {"config", {{"Cmd", {"/bin/tool"}}}},
                            {"rootfs", {{"type", "layers"}, {"diff_ids", {sha256_digest(tar1), sha256_digest(tar2)}}}}}
                           .dump();
};

std::string hex_of(const std::string& digest) { return digest.substr(7); }

void write_docker_archive(const fs::path& dir, const Layers& l) {
  write(dir / (hex_of(sha256_digest(l.config)) + ".json"), l.config);
  write(dir / "aaa/layer.tar", l.tar1);
  write(dir / "bbb/layer.tar", l.gz2);
  write(dir / "repositories", "{}");
  json manifest = json::array({{{"Config", hex_of(sha256_digest(l.config)) + ".json"},
                                {"RepoTags", {"busybox:latest", "example.com/x/y:1"}},
                                {"Layers", {"aaa/layer.tar", "bbb/layer.tar"}}}});
  write(dir / "manifest.json", manifest.dump());
}

json descriptor(const std::string& media_type, const std::string& bytes) {
  return {{"mediaType", media_type}, {"digest", sha256_digest(bytes)}, {"size", bytes.size()}};
}

std::string put_blob(const fs::path& dir, const std::string& bytes) {
  write(dir / "blobs/sha256" / hex_of(sha256_digest(bytes)), bytes);
  return sha256_digest(bytes);
}

struct OciLayout {
  std::string manifest;
  std::string manifest_digest;
};

OciLayout write_oci_layout(const fs::path& dir, const Layers& l, const std::vector<std::string>& ref_names) {
  write(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  put_blob(dir, l.config);
  put_blob(dir, l.tar1);
  put_blob(dir, l.gz2);
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config", descriptor("application/vnd.oci.image.config.v1+json", l.config)},
                   {"layers",
                    {descriptor("application/vnd.oci.image.layer.v1.tar", l.tar1),
                     descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l.gz2)}}};
  OciLayout out{manifest.dump(), ""};
  out.manifest_digest = put_blob(dir, out.manifest);
  json index = {{"schemaVersion", 2}, {"manifests", json::array()}};
  for (const auto& name : ref_names) {
    json d = descriptor("application/vnd.oci.image.manifest.v1+json", out.manifest);
    d["annotations"] = {{"org.opencontainers.image.ref.name", name}};
    index["manifests"].push_back(d);
  }
  write(dir / "index.json", index.dump());
  return out;
}

void check_layers_match(const ArchiveImage& img, const Layers& l) {
  BOOST_REQUIRE_EQUAL(img.layers.size(), 2u);
  BOOST_TEST(img.layers[0].diff_id == sha256_digest(l.tar1));
  BOOST_TEST(img.layers[1].diff_id == sha256_digest(l.tar2));
  BOOST_TEST(slurp(img.layers[0].path) == l.tar1);
  BOOST_TEST(slurp(img.layers[1].path) == l.gz2);
  BOOST_TEST(img.config_json == l.config);
  BOOST_TEST(img.config_digest == sha256_digest(l.config));
}

std::string error_of(const roost::Result<OpenedArchive>& r) {
  BOOST_REQUIRE_MESSAGE(!r.ok(), "expected an error");
  return r.error().message();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_archive)

BOOST_AUTO_TEST_CASE(docker_archive_dir_reads_tags_layers_and_synthesises_manifest) {
  TempDir t;
  Layers l;
  write_docker_archive(t.path, l);
  auto r = read_docker_archive_dir(t.str());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_REQUIRE_EQUAL(r->size(), 1u);
  const auto& img = r->front();
  check_layers_match(img, l);
  BOOST_TEST((img.names == std::vector<std::string>{"docker.io/library/busybox:latest", "example.com/x/y:1"}));
  BOOST_TEST(img.layers[0].digest == sha256_digest(l.tar1));
  BOOST_TEST(img.layers[1].digest == sha256_digest(l.gz2));

  BOOST_TEST(img.manifest_type == "application/vnd.docker.distribution.manifest.v2+json");
  auto m = json::parse(img.manifest_json);
  BOOST_TEST(m["schemaVersion"] == 2);
  BOOST_TEST(m["mediaType"] == img.manifest_type);
  BOOST_TEST(m["config"]["digest"] == img.config_digest);
  BOOST_TEST(m["config"]["size"] == l.config.size());
  BOOST_TEST(m["config"]["mediaType"] == "application/vnd.docker.container.image.v1+json");
  BOOST_REQUIRE_EQUAL(m["layers"].size(), 2u);
  BOOST_TEST(m["layers"][0]["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar");
  BOOST_TEST(m["layers"][1]["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar.gzip");
  BOOST_TEST(m["layers"][1]["digest"] == sha256_digest(l.gz2));
  BOOST_TEST(m["layers"][1]["size"] == l.gz2.size());
}

BOOST_AUTO_TEST_CASE(docker_archive_tampered_config_is_corrupt) {
  TempDir t;
  Layers l;
  write_docker_archive(t.path, l);
  std::string name = hex_of(sha256_digest(l.config)) + ".json";
  std::string tampered = l.config;
  tampered[tampered.size() - 2] = ' ';
  write(t.path / name, tampered);
  auto r = read_docker_archive_dir(t.str());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().kind() == ErrorKind::corrupt));
  BOOST_TEST(contains(r.error().message(), "manifest.json: config " + sha256_digest(l.config) +
                                               ": digest mismatch (got " + sha256_digest(tampered) + ")"),
             r.error().message());
}

BOOST_AUTO_TEST_CASE(docker_archive_layer_count_mismatch_and_missing_layer) {
  TempDir t;
  Layers l;
  write_docker_archive(t.path, l);
  auto m = json::parse(slurp(t.path / "manifest.json"));
  m[0]["Layers"].push_back("aaa/layer.tar");
  write(t.path / "manifest.json", m.dump());
  auto r = read_docker_archive_dir(t.str());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(contains(r.error().message(), "has 2 diff_ids but the image lists 3 layers"), r.error().message());

  write_docker_archive(t.path, l);
  fs::remove(t.path / "bbb/layer.tar");
  r = read_docker_archive_dir(t.str());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().kind() == ErrorKind::not_found));
  BOOST_TEST(contains(r.error().message(), "bbb/layer.tar: no such file"), r.error().message());

  write(t.path / "manifest.json", R"([{"Config": 7, "Layers": []}])");
  r = read_docker_archive_dir(t.str());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(contains(r.error().message(), "manifest.json: malformed"), r.error().message());
}

// docker 25+ saves an OCI layout whose manifest.json points into blobs/; the
// file names are digests and are held to them.
BOOST_AUTO_TEST_CASE(docker_archive_with_blob_paths_checks_their_digests) {
  TempDir t;
  Layers l;
  auto rel = [](const std::string& bytes) { return "blobs/sha256/" + hex_of(sha256_digest(bytes)); };
  write(t.path / rel(l.config), l.config);
  write(t.path / rel(l.tar1), l.tar1);
  write(t.path / rel(l.gz2), l.gz2);
  write(t.path / "manifest.json",
        json::array({{{"Config", rel(l.config)}, {"RepoTags", nullptr}, {"Layers", {rel(l.tar1), rel(l.gz2)}}}}).dump());
  auto r = read_docker_archive_dir(t.str());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  check_layers_match(r->front(), l);
  BOOST_TEST(r->front().names.empty());

  write(t.path / rel(l.tar1), l.tar2);
  r = read_docker_archive_dir(t.str());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().kind() == ErrorKind::corrupt));
  BOOST_TEST(contains(r.error().message(), rel(l.tar1) + ": digest mismatch (got " + sha256_digest(l.tar2) + ")"),
             r.error().message());
}

BOOST_AUTO_TEST_CASE(docker_archive_bad_repo_tag_is_named) {
  TempDir t;
  Layers l;
  write_docker_archive(t.path, l);
  auto m = json::parse(slurp(t.path / "manifest.json"));
  m[0]["RepoTags"] = {"Bad/Name:1"};
  write(t.path / "manifest.json", m.dump());
  auto r = read_docker_archive_dir(t.str());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(contains(r.error().message(), "RepoTags: invalid reference format"), r.error().message());
}

BOOST_AUTO_TEST_CASE(docker_archive_tarball_plain_and_gzipped) {
  TempDir t;
  Layers l;
  write_docker_archive(t.path / "src", l);
  for (bool gz : {false, true}) {
    BOOST_TEST_CONTEXT("gzip " << gz) {
      fs::path file = t.path / (gz ? "image.tar.gz" : "image.tar");
      write(file, tar_dir(t.path / "src", gz));
      fs::path scratch = t.path / (gz ? "scratch-gz" : "scratch");
      fs::create_directory(scratch);
      auto r = open_archive(file.string(), scratch.string());
      BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
      BOOST_TEST((r->format == ArchiveFormat::docker_archive));
      BOOST_REQUIRE_EQUAL(r->images.size(), 1u);
      check_layers_match(r->images[0], l);
      BOOST_TEST(r->images[0].layers[0].path.rfind(scratch.string() + "/", 0) == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(symlinked_duplicate_layers_are_materialised) {
  TempDir t;
  Layers l;
  write_docker_archive(t.path / "src", l);
  auto entries = std::vector<TarEntry>{};
  for (const auto& e : fs::recursive_directory_iterator(t.path / "src"))
    if (e.is_regular_file() && e.path().filename() != "manifest.json")
      entries.push_back({fs::relative(e.path(), t.path / "src").string(), slurp(e.path())});
  // As older docker and skopeo write a shared layer: a symlink, and a hard link.
  entries.push_back({"ccc/layer.tar", "", TarEntry::symlink, "../aaa/layer.tar"});
  entries.push_back({"ddd/layer.tar", "", TarEntry::hardlink, "bbb/layer.tar"});
  auto m = json::parse(slurp(t.path / "src/manifest.json"));
  m[0]["Layers"] = {"ccc/layer.tar", "ddd/layer.tar"};
  entries.push_back({"manifest.json", m.dump()});
  write(t.path / "img.tar", make_tar(entries));
  fs::create_directory(t.path / "scratch");
  auto r = open_archive((t.path / "img.tar").string(), (t.path / "scratch").string());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  check_layers_match(r->images[0], l);
  BOOST_TEST(!fs::is_symlink(t.path / "scratch/ccc/layer.tar"));
}

BOOST_AUTO_TEST_CASE(hostile_entries_are_refused_and_nothing_escapes) {
  struct Case {
    std::vector<TarEntry> entries;
    std::string want;
  };
  std::vector<Case> cases = {
      {{{"../x", "pwned"}}, "entry \"../x\": path escapes the archive"},
      {{{"a/../../x", "pwned"}}, "path escapes the archive"},
      {{{"/tmp/roost-abs-entry-x", "pwned"}}, "absolute path"},
      {{{"link", "", TarEntry::symlink, "../x"}}, "leads outside the archive"},
      {{{"link", "", TarEntry::symlink, "/etc/passwd"}}, "symlink to absolute path"},
      {{{"link", "", TarEntry::symlink, "nothing-here"}}, "link target \"nothing-here\" is not a regular file in the archive"},
      {{{"d", "", TarEntry::dir}, {"link", "", TarEntry::symlink, "d"}}, "is not a regular file in the archive"},
      {{{"hard", "", TarEntry::hardlink, "../x"}}, "hard link"},
      {{{"pipe", "", TarEntry::fifo}}, "entry \"pipe\": not a regular file or directory"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("want " << c.want) {
      TempDir t;
      write(t.path / "evil.tar", make_tar(c.entries));
      fs::create_directory(t.path / "scratch");
      auto r = open_archive((t.path / "evil.tar").string(), (t.path / "scratch").string());
      auto msg = error_of(r);
      BOOST_TEST(contains(msg, c.want), msg);
      BOOST_TEST(msg.rfind((t.path / "evil.tar").string() + ": ", 0) == 0, msg);  // names the file
      BOOST_TEST(!fs::exists(t.path / "x"));
      BOOST_TEST(!fs::exists("/tmp/roost-abs-entry-x"));
      for (const auto& e : fs::recursive_directory_iterator(t.path / "scratch"))
        BOOST_TEST(!fs::is_symlink(e.symlink_status()), e.path().string());
    }
  }
}

BOOST_AUTO_TEST_CASE(files_that_are_not_archives) {
  TempDir t;
  fs::create_directory(t.path / "scratch");
  std::string scratch = (t.path / "scratch").string();

  auto missing = open_archive((t.path / "nope.tar").string(), scratch);
  BOOST_TEST(error_of(missing) == (t.path / "nope.tar").string() + ": no such file");
  BOOST_TEST((missing.error().kind() == ErrorKind::not_found));

  write(t.path / "text", "this is not a tarball at all, just some text that goes on for a while\n");
  auto r = open_archive((t.path / "text").string(), scratch);
  BOOST_TEST(contains(error_of(r), (t.path / "text").string() + ": not a tar archive"), r.error().message());

  write(t.path / "other.tar", make_tar({{"README", "hi"}}));
  r = open_archive((t.path / "other.tar").string(), scratch);
  BOOST_TEST(error_of(r) == (t.path / "other.tar").string() +
                                ": not a docker-archive or oci-archive (no manifest.json or index.json)");
}

BOOST_AUTO_TEST_CASE(oci_layout_dir_reads_names_layers_and_blobs) {
  TempDir t;
  Layers l;
  auto layout = write_oci_layout(t.path, l, {"latest", "example.com/foo:1.0", "docker.io/busybox"});
  auto r = read_oci_layout(t.str());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_REQUIRE_EQUAL(r->size(), 1u);  // three index entries, one manifest
  const auto& img = r->front();
  check_layers_match(img, l);
  // "latest" is only a tag: it names no repository.
  BOOST_TEST((img.names == std::vector<std::string>{"example.com/foo:1.0", "docker.io/library/busybox:latest"}));
  BOOST_TEST(img.manifest_json == layout.manifest);
  BOOST_TEST(img.manifest_type == "application/vnd.oci.image.manifest.v1+json");
  BOOST_TEST(img.layers[0].media_type == "application/vnd.oci.image.layer.v1.tar");
  BOOST_TEST(img.layers[1].media_type == "application/vnd.oci.image.layer.v1.tar+gzip");
  BOOST_TEST(img.layers[1].digest == sha256_digest(l.gz2));
  BOOST_TEST(img.layers[1].path == t.str() + "/blobs/sha256/" + hex_of(sha256_digest(l.gz2)));

  auto opened = open_archive(t.str(), (t.path / "unused").string());
  BOOST_REQUIRE(opened.ok());
  BOOST_TEST((opened->format == ArchiveFormat::oci_dir));
}

BOOST_AUTO_TEST_CASE(oci_layout_errors_name_the_blob) {
  Layers l;
  {
    TempDir t;
    write_oci_layout(t.path, l, {"latest"});
    write(t.path / "oci-layout", R"({"imageLayoutVersion":"2.0.0"})");
    auto r = read_oci_layout(t.str());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message(), "oci-layout: unsupported imageLayoutVersion \"2.0.0\""), r.error().message());
  }
  {
    TempDir t;
    write_oci_layout(t.path, l, {"latest"});
    fs::remove(t.path / "blobs/sha256" / hex_of(sha256_digest(l.gz2)));
    auto r = read_oci_layout(t.str());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind() == ErrorKind::not_found));
    BOOST_TEST(contains(r.error().message(), "layer " + sha256_digest(l.gz2)), r.error().message());
  }
  {
    TempDir t;
    write_oci_layout(t.path, l, {"latest"});
    fs::path config = t.path / "blobs/sha256" / hex_of(sha256_digest(l.config));
    std::string bad = l.config;
    bad[1] = ' ';
    write(config, bad);
    auto r = read_oci_layout(t.str());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind() == ErrorKind::corrupt));
    BOOST_TEST(contains(r.error().message(), "config " + sha256_digest(l.config) + ": digest mismatch (got " +
                                                 sha256_digest(bad) + ")"),
               r.error().message());
  }
  {
    TempDir t;
    auto layout = write_oci_layout(t.path, l, {"latest"});
    write(t.path / "blobs/sha256" / hex_of(layout.manifest_digest), layout.manifest + " ");
    auto r = read_oci_layout(t.str());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message(), "manifest " + layout.manifest_digest + ": size mismatch"), r.error().message());
  }
  {
    // A digest is the only way to a blob; one that is not a digest is refused.
    TempDir t;
    write_oci_layout(t.path, l, {"latest"});
    write(t.path / "secret", "x");
    auto index = json::parse(slurp(t.path / "index.json"));
    index["manifests"][0]["digest"] = "sha256:../../secret";
    write(t.path / "index.json", index.dump());
    auto r = read_oci_layout(t.str());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message(), "invalid digest \"sha256:../../secret\""), r.error().message());
  }
}

BOOST_AUTO_TEST_CASE(manifest_list_picks_host_platform_or_lists_what_exists) {
  Layers l;
  TempDir t;
  auto layout = write_oci_layout(t.path, l, {});
  std::string manifest_type = "application/vnd.oci.image.manifest.v1+json";
  auto list_with = [&](const std::vector<std::pair<std::string, std::string>>& platforms) {
    json list = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", json::array()}};
    for (const auto& [os, arch] : platforms) {
      json d = descriptor(manifest_type, layout.manifest);
      d["platform"] = {{"os", os}, {"architecture", arch}};
      list["manifests"].push_back(d);
    }
    std::string bytes = list.dump();
    put_blob(t.path, bytes);
    json d = descriptor("application/vnd.oci.image.index.v1+json", bytes);
    d["annotations"] = {{"org.opencontainers.image.ref.name", "example.com/multi:2"}};
    write(t.path / "index.json", json{{"schemaVersion", 2}, {"manifests", {d}}}.dump());
    return sha256_digest(bytes);
  };

  list_with({{"windows", "amd64"}, {"linux", "mips64le"}, {"linux", host_arch()}});
  auto r = read_oci_layout(t.str());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_REQUIRE_EQUAL(r->size(), 1u);
  BOOST_TEST(r->front().manifest_json == layout.manifest);
  BOOST_TEST((r->front().names == std::vector<std::string>{"example.com/multi:2"}));

  auto list_digest = list_with({{"windows", "amd64"}, {"linux", "mips64le"}});
  r = read_oci_layout(t.str());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(contains(r.error().message(), "manifest list " + list_digest + ": no image for linux/" + host_arch() +
                                               " (available: windows/amd64, linux/mips64le)"),
             r.error().message());
}

BOOST_AUTO_TEST_CASE(oci_archive_tarball) {
  TempDir t;
  Layers l;
  write_oci_layout(t.path / "layout", l, {"example.com/foo:1.0"});
  write(t.path / "img.tar", tar_dir(t.path / "layout"));
  fs::create_directory(t.path / "scratch");
  auto r = open_archive((t.path / "img.tar").string(), (t.path / "scratch").string());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST((r->format == ArchiveFormat::oci_archive));
  BOOST_REQUIRE_EQUAL(r->images.size(), 1u);
  check_layers_match(r->images[0], l);
  BOOST_TEST((r->images[0].names == std::vector<std::string>{"example.com/foo:1.0"}));
}

// skopeo is an independent implementation of both formats: what it writes
// must read back, and our hand-made fixtures must be what it accepts.
BOOST_AUTO_TEST_CASE(cross_check_with_skopeo) {
  if (roost::find_program("skopeo").empty()) {
    BOOST_TEST_MESSAGE("skipping cross_check_with_skopeo: skopeo is not installed");
    return;
  }
  TempDir t;
  Layers l;
  write_oci_layout(t.path / "layout", l, {"latest"});
  auto skopeo = [&](const std::string& from, const std::string& to) {
    auto run = roost::run_program({"skopeo", "--insecure-policy", "copy", "-q", from, to});
    BOOST_REQUIRE(run.ok());
    BOOST_REQUIRE_MESSAGE(run->exit_code == 0, "skopeo copy " + from + " " + to + ": " + run->output);
  };

  std::string docker_file = (t.path / "docker.tar").string();
  skopeo("oci:" + (t.path / "layout").string() + ":latest", "docker-archive:" + docker_file + ":example.com/foo:1.0");
  fs::create_directory(t.path / "s1");
  auto r = open_archive(docker_file, (t.path / "s1").string());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST((r->format == ArchiveFormat::docker_archive));
  BOOST_REQUIRE_EQUAL(r->images.size(), 1u);
  BOOST_TEST((r->images[0].names == std::vector<std::string>{"example.com/foo:1.0"}));
  BOOST_REQUIRE_EQUAL(r->images[0].layers.size(), 2u);
  BOOST_TEST(r->images[0].layers[0].diff_id == sha256_digest(l.tar1));
  BOOST_TEST(r->images[0].layers[1].diff_id == sha256_digest(l.tar2));
  BOOST_TEST(r->images[0].config_digest == sha256_digest(r->images[0].config_json));

  std::string oci_file = (t.path / "oci.tar").string();
  skopeo("oci:" + (t.path / "layout").string() + ":latest", "oci-archive:" + oci_file + ":example.com/bar:2");
  fs::create_directory(t.path / "s2");
  r = open_archive(oci_file, (t.path / "s2").string());
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().str()));
  BOOST_TEST((r->format == ArchiveFormat::oci_archive));
  BOOST_REQUIRE_EQUAL(r->images.size(), 1u);
  BOOST_TEST((r->images[0].names == std::vector<std::string>{"example.com/bar:2"}));
  BOOST_TEST(r->images[0].config_json == l.config);
  // skopeo compresses the plain layer on the way, so only diff_ids carry over.
  BOOST_REQUIRE_EQUAL(r->images[0].layers.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& layer = r->images[0].layers[i];
    BOOST_TEST(layer.diff_id == sha256_digest(i == 0 ? l.tar1 : l.tar2));
    BOOST_TEST(layer.digest == sha256_digest(slurp(layer.path)));
  }

  // Our docker-archive fixture, as skopeo reads it, back into an OCI layout.
  write_docker_archive(t.path / "dsrc", l);
  write(t.path / "hand.tar", tar_dir(t.path / "dsrc"));
  skopeo("docker-archive:" + (t.path / "hand.tar").string(), "oci:" + (t.path / "back").string() + ":x");
  auto back = read_oci_layout((t.path / "back").string());
  BOOST_REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().str()));
  BOOST_REQUIRE_EQUAL(back->size(), 1u);
  // skopeo rewrites the config for OCI, but the layers must be the same.
  BOOST_TEST(back->front().layers[0].diff_id == sha256_digest(l.tar1));
  BOOST_TEST(back->front().layers[1].diff_id == sha256_digest(l.tar2));
}

BOOST_AUTO_TEST_SUITE_END()
