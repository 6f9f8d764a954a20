// `docker save` archives: manifest.json lists each image's config file, tags
// and layer files. There is no registry manifest, so one is synthesised from
// the files as they are, hashing each layer so its digests are honest.
#include <map>

#include "common/digest.hpp"
#include "image/archive_internal.hpp"
#include "image/reference.hpp"

namespace roost::image {
namespace detail {
namespace {

constexpr const char* kManifestV2 = "application/vnd.docker.distribution.manifest.v2+json";
constexpr const char* kConfigV1 = "application/vnd.docker.container.image.v1+json";
constexpr const char* kLayerTar = "application/vnd.docker.image.rootfs.diff.tar";
constexpr const char* kLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

bool is_hex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The digest a file's name promises: "<hex>.json" (docker < 25) or
// "blobs/sha256/<hex>" (docker 25+, an OCI layout inside); "" when none.
std::string digest_from_name(const std::string& path, bool allow_json_suffix) {
  auto slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
  if (allow_json_suffix && slash == std::string::npos && base.size() == 69 &&
      base.compare(64, 5, ".json") == 0 && is_hex64(base.substr(0, 64)))
    return "sha256:" + base.substr(0, 64);
  if ((parent == "blobs/sha256" || parent.ends_with("/blobs/sha256")) && is_hex64(base)) return "sha256:" + base;
  return {};
}

struct Entry {
  std::string config;
  std::vector<std::string> repo_tags;
  std::vector<std::string> layers;
};

Result<std::vector<Entry>> parse_manifest(const std::string& bytes) {
  auto doc = ROOST_TRY(parse_json(bytes, "manifest.json"));
  return json_guard("manifest.json", [&]() -> Result<std::vector<Entry>> {
    if (!doc.is_array()) return make_error(ErrorKind::corrupt, "manifest.json: not a list of images");
    std::vector<Entry> out;
    for (const auto& item : doc) {
      Entry e;
      e.config = item.at("Config").get<std::string>();
      if (item.contains("RepoTags") && !item.at("RepoTags").is_null())
        e.repo_tags = item.at("RepoTags").get<std::vector<std::string>>();
      e.layers = item.at("Layers").get<std::vector<std::string>>();
      out.push_back(std::move(e));
    }
    if (out.empty()) return make_error(ErrorKind::corrupt, "manifest.json: lists no images");
    return out;
  });
}

class Reader {
 public:
  Reader(std::string dir, int dirfd) : dir_(std::move(dir)), dirfd_(dirfd) {}

  Result<ArchiveImage> read(const Entry& e) {
    ArchiveImage img;
    img.config_json = ROOST_TRY_CTX(read_beneath(dirfd_, e.config), "manifest.json: config");
    img.config_digest = sha256_digest(img.config_json);
    if (auto want = digest_from_name(e.config, true); !want.empty() && want != img.config_digest)
      return make_error(ErrorKind::corrupt, "manifest.json: config " + want + ": digest mismatch (got " + img.config_digest + ")");
    auto diff_ids = ROOST_TRY(config_diff_ids(img.config_json, "config " + e.config));
    if (diff_ids.size() != e.layers.size())
      return make_error(ErrorKind::corrupt, "manifest.json: config " + img.config_digest + " has " + std::to_string(diff_ids.size()) +
                                                " diff_ids but the image lists " + std::to_string(e.layers.size()) + " layers");

    nlohmann::ordered_json manifest;
    manifest["schemaVersion"] = 2;
    manifest["mediaType"] = kManifestV2;
    manifest["config"] = {{"mediaType", kConfigV1}, {"size", img.config_json.size()}, {"digest", img.config_digest}};
    manifest["layers"] = nlohmann::ordered_json::array();
    for (size_t i = 0; i < e.layers.size(); ++i) {
      auto facts = ROOST_TRY_CTX(hash(e.layers[i]), "manifest.json: layer " + std::to_string(i + 1));
      LayerBlob blob;
      blob.path = dir_ + "/" + e.layers[i];
      blob.digest = facts.digest;
      blob.media_type = facts.gzip ? kLayerGzip : kLayerTar;
      blob.diff_id = diff_ids[i];
      manifest["layers"].push_back({{"mediaType", blob.media_type}, {"size", facts.size}, {"digest", facts.digest}});
      img.layers.push_back(std::move(blob));
    }
    img.manifest_json = manifest.dump();
    img.manifest_type = kManifestV2;

    for (const auto& tag : e.repo_tags) {
      auto ref = ROOST_TRY_CTX(parse_reference(tag), "manifest.json: RepoTags");
      img.names.push_back(ref.str());
    }
    return img;
  }

 private:
  // Images in one archive often share layers; each file is hashed once.
  Result<FileFacts> hash(const std::string& rel) {
    if (auto it = hashed_.find(rel); it != hashed_.end()) return it->second;
    auto fd = ROOST_TRY(open_beneath(dirfd_, rel));
    auto facts = ROOST_TRY_CTX(hash_fd(fd.get()), rel);
    if (auto want = digest_from_name(rel, false); !want.empty() && want != facts.digest)
      return make_error(ErrorKind::corrupt, rel + ": digest mismatch (got " + facts.digest + ")");
    hashed_.emplace(rel, facts);
    return facts;
  }

  std::string dir_;
  int dirfd_;
  std::map<std::string, FileFacts> hashed_;
};

}  // namespace

Result<std::vector<ArchiveImage>> read_docker_archive_at(const std::string& dir) {
  auto dfd = ROOST_TRY(open_dir(dir));
  auto bytes = ROOST_TRY(read_beneath(dfd.get(), "manifest.json"));
  auto entries = ROOST_TRY(parse_manifest(bytes));
  Reader reader(dir, dfd.get());
  std::vector<ArchiveImage> images;
  for (const auto& e : entries) images.push_back(ROOST_TRY(reader.read(e)));
  return images;
}

}  // namespace detail

Result<std::vector<ArchiveImage>> read_docker_archive_dir(const std::string& dir) {
  auto images = detail::read_docker_archive_at(dir);
  if (!images) return std::move(images).error().context(dir);
  return images;
}

}  // namespace roost::image
