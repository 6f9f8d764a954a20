// OCI image layouts (image-spec image-layout.md): oci-layout, index.json and
// content-addressed blobs. Blobs are only ever found by a validated digest, so
// a descriptor cannot name a path outside blobs/.
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>

#include "common/digest.hpp"
#include "common/log.hpp"
#include "image/archive_internal.hpp"
#include "image/reference.hpp"

namespace roost::image {
namespace detail {
namespace {

using nlohmann::json;

constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr const char* kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr const char* kRefName = "org.opencontainers.image.ref.name";
// Written by containerd and docker 25+ beside a tag-only ref.name.
constexpr const char* kContainerdName = "io.containerd.image.name";

struct Platform {
  std::string os, architecture, variant;
  std::string str() const { return os + "/" + architecture + (variant.empty() ? "" : "/" + variant); }
};

struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = -1;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
};

Result<Descriptor> parse_descriptor(const json& j, const std::string& what) {
  return json_guard(what, [&]() -> Result<Descriptor> {
    Descriptor d;
    d.media_type = j.value("mediaType", "");
    d.digest = j.at("digest").get<std::string>();
    auto v = validate_digest(d.digest);
    if (!v) return Error(ErrorKind::corrupt, what + ": " + v.error().message());
    d.size = j.at("size").get<int64_t>();
    if (j.contains("annotations")) d.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
    if (j.contains("platform")) {
      const auto& p = j.at("platform");
      d.platform = Platform{p.at("os").get<std::string>(), p.at("architecture").get<std::string>(), p.value("variant", "")};
    }
    return d;
  });
}

Result<std::vector<Descriptor>> parse_descriptors(const json& list, const std::string& what) {
  if (!list.is_array()) return make_error(ErrorKind::corrupt, what + ": not a list");
  std::vector<Descriptor> out;
  for (size_t i = 0; i < list.size(); ++i)
    out.push_back(ROOST_TRY(parse_descriptor(list[i], what + "[" + std::to_string(i) + "]")));
  return out;
}

bool is_index(const std::string& mt) { return mt == kOciIndex || mt == kDockerList; }
bool is_manifest(const std::string& mt) { return mt == kOciManifest || mt == kDockerManifest; }

bool matches_host(const Platform& p) { return p.os == "linux" && p.architecture == host_architecture(); }

std::string blob_rel(const std::string& digest) { return "blobs/sha256/" + digest_hex(digest); }

class Layout {
 public:
  Layout(std::string dir, int dirfd) : dir_(std::move(dir)), dirfd_(dirfd) {}

  // Reads the blob D names, checking size and digest; WHAT says what it is.
  Result<std::string> blob(const Descriptor& d, const std::string& what) {
    std::string name = what + " " + d.digest;
    auto fd = open_beneath(dirfd_, blob_rel(d.digest));
    if (!fd) return std::move(fd).error().context(name);
    struct stat st;
    if (::fstat(fd->get(), &st) != 0) return sys_error("stat", blob_rel(d.digest));
    if (st.st_size != d.size)
      return make_error(ErrorKind::corrupt, name + ": size mismatch (descriptor says " + std::to_string(d.size) +
                                                ", blob has " + std::to_string(st.st_size) + ")");
    auto bytes = ROOST_TRY_CTX(read_beneath(dirfd_, blob_rel(d.digest)), name);
    if (auto got = sha256_digest(bytes); got != d.digest)
      return make_error(ErrorKind::corrupt, name + ": digest mismatch (got " + got + ")");
    return bytes;
  }

  // Resolves an index entry to the image manifest for this host.
  Result<Descriptor> select(const Descriptor& d) {
    if (!is_index(d.media_type)) return d;
    std::string what = "index.json: manifest list " + d.digest;
    auto bytes = ROOST_TRY_CTX(blob(d, "manifest list"), "index.json");
    auto doc = ROOST_TRY(parse_json(bytes, what));
    if (!doc.is_object() || !doc.contains("manifests")) return make_error(ErrorKind::corrupt, what + ": no manifests");
    auto entries = ROOST_TRY(parse_descriptors(doc["manifests"], what + ": manifests"));
    std::string available;
    for (const auto& e : entries) {
      if (e.platform && matches_host(*e.platform) && is_manifest(e.media_type)) return e;
      if (e.platform) available += (available.empty() ? "" : ", ") + e.platform->str();
    }
    return make_error(ErrorKind::not_found, what + ": no image for linux/" + host_architecture() +
                                                " (available: " + (available.empty() ? "none" : available) + ")");
  }

  Result<ArchiveImage> image(const Descriptor& d) {
    std::string what = "manifest " + d.digest;
    ArchiveImage img;
    img.manifest_json = ROOST_TRY_CTX(blob(d, "manifest"), "index.json");
    img.manifest_type = d.media_type;
    auto doc = ROOST_TRY(parse_json(img.manifest_json, what));
    auto parts = json_guard(what, [&]() -> Result<std::pair<Descriptor, std::vector<Descriptor>>> {
      if (doc.contains("mediaType") && doc["mediaType"] != d.media_type)
        return make_error(ErrorKind::corrupt, what + ": mediaType " + doc["mediaType"].dump() + " but index says \"" + d.media_type + "\"");
      auto config = ROOST_TRY(parse_descriptor(doc.at("config"), what + ": config"));
      auto layers = ROOST_TRY(parse_descriptors(doc.at("layers"), what + ": layers"));
      return std::pair{config, layers};
    });
    if (!parts) return std::move(parts).error();
    auto& [config, layers] = *parts;
    img.config_json = ROOST_TRY_CTX(blob(config, "config"), what);
    img.config_digest = config.digest;
    auto diff_ids = ROOST_TRY(config_diff_ids(img.config_json, "config " + config.digest));
    if (diff_ids.size() != layers.size())
      return make_error(ErrorKind::corrupt, what + ": " + std::to_string(layers.size()) + " layers but config " + config.digest + " has " +
                                                std::to_string(diff_ids.size()) + " diff_ids");
    for (size_t i = 0; i < layers.size(); ++i) {
      // Layers are big; storage verifies their digest while applying them.
      // Here only presence and size are checked.
      const auto& l = layers[i];
      auto fd = open_beneath(dirfd_, blob_rel(l.digest));
      if (!fd) return std::move(fd).error().context(what + ": layer " + l.digest);
      struct stat st;
      if (::fstat(fd->get(), &st) != 0) return sys_error("stat", blob_rel(l.digest));
      if (st.st_size != l.size)
        return make_error(ErrorKind::corrupt, what + ": layer " + l.digest + ": size mismatch (descriptor says " +
                                                  std::to_string(l.size) + ", blob has " + std::to_string(st.st_size) + ")");
      img.layers.push_back(LayerBlob{dir_ + "/" + blob_rel(l.digest), l.digest, l.media_type, diff_ids[i]});
    }
    return img;
  }

 private:
  std::string dir_;
  int dirfd_;
};

// ref.name may be a whole reference or, as skopeo and docker write it, only a
// tag; a bare tag names no repository, so the image gets no name from it.
Result<std::optional<std::string>> name_of(const Descriptor& d) {
  for (const char* key : {kContainerdName, kRefName}) {
    auto it = d.annotations.find(key);
    if (it == d.annotations.end() || it->second.find_first_of("/:@") == std::string::npos) continue;
    auto ref = ROOST_TRY_CTX(parse_reference(it->second), std::string("index.json: annotation ") + key);
    return std::optional<std::string>(ref.str());
  }
  return std::optional<std::string>();
}

Result<void> check_layout_version(int dirfd) {
  auto bytes = ROOST_TRY(read_beneath(dirfd, "oci-layout"));
  auto doc = ROOST_TRY(parse_json(bytes, "oci-layout"));
  if (!doc.is_object() || !doc.contains("imageLayoutVersion"))
    return make_error(ErrorKind::corrupt, "oci-layout: no imageLayoutVersion");
  if (doc["imageLayoutVersion"] != "1.0.0")
    return make_error(ErrorKind::unsupported, "oci-layout: unsupported imageLayoutVersion " + doc["imageLayoutVersion"].dump() + " (want \"1.0.0\")");
  return {};
}

}  // namespace

Result<std::vector<ArchiveImage>> read_oci_layout_at(const std::string& dir) {
  auto dfd = ROOST_TRY(open_dir(dir));
  ROOST_TRY(check_layout_version(dfd.get()));
  auto index_bytes = ROOST_TRY(read_beneath(dfd.get(), "index.json"));
  auto doc = ROOST_TRY(parse_json(index_bytes, "index.json"));
  if (!doc.is_object() || !doc.contains("manifests")) return make_error(ErrorKind::corrupt, "index.json: no manifests");
  auto entries = ROOST_TRY(parse_descriptors(doc["manifests"], "index.json: manifests"));

  Layout layout(dir, dfd.get());
  std::vector<ArchiveImage> images;
  std::map<std::string, size_t> by_manifest;
  std::string skipped;
  for (const auto& e : entries) {
    if (!is_index(e.media_type) && !is_manifest(e.media_type))
      return make_error(ErrorKind::unsupported, "index.json: " + e.digest + ": unsupported media type \"" + e.media_type + "\"");
    // A flat multi-platform layout lists per-platform manifests directly.
    if (is_manifest(e.media_type) && e.platform && !matches_host(*e.platform)) {
      skipped += (skipped.empty() ? "" : ", ") + e.platform->str();
      log_debug("oci layout " + dir + ": skipping " + e.digest + " for " + e.platform->str());
      continue;
    }
    auto chosen = ROOST_TRY(layout.select(e));
    auto name = ROOST_TRY(name_of(e));
    auto [it, fresh] = by_manifest.emplace(chosen.digest, images.size());
    if (fresh) images.push_back(ROOST_TRY(layout.image(chosen)));
    auto& names = images[it->second].names;
    if (name && std::find(names.begin(), names.end(), *name) == names.end()) names.push_back(*name);
  }
  if (images.empty())
    return make_error(ErrorKind::not_found, "index.json: no image for linux/" + host_architecture() +
                                                (skipped.empty() ? "" : " (available: " + skipped + ")"));
  return images;
}

}  // namespace detail

Result<std::vector<ArchiveImage>> read_oci_layout(const std::string& dir) {
  auto images = detail::read_oci_layout_at(dir);
  if (!images) return std::move(images).error().context(dir);
  return images;
}

}  // namespace roost::image
