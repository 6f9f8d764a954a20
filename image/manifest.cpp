#include "image/manifest.hpp"

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "image/archive_internal.hpp"

namespace roost::image {
namespace {

using nlohmann::json;

Result<Descriptor> descriptor(const json& j, const std::string& what) {
  if (!j.is_object()) return make_error(ErrorKind::corrupt, what + ": not an object");
  Descriptor d;
  d.media_type = j.value("mediaType", "");
  d.digest = j.value("digest", "");
  ROOST_TRY_CTX(validate_digest(d.digest), what);
  if (!j.contains("size") || !j["size"].is_number_unsigned())
    return make_error(ErrorKind::corrupt, what + ": missing or negative size");
  d.size = j["size"].get<uint64_t>();
  return d;
}

}  // namespace

std::string Platform::str() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

Result<Platform> parse_platform(const std::string& text) {
  Platform p;
  auto slash = text.find('/');
  auto bad = [&] {
    return make_error(ErrorKind::invalid, "invalid platform \"" + text + "\": use OS/ARCH[/VARIANT], e.g. linux/arm64");
  };
  if (slash == std::string::npos || slash == 0) return bad();
  p.os = text.substr(0, slash);
  std::string rest = text.substr(slash + 1);
  auto slash2 = rest.find('/');
  p.architecture = rest.substr(0, slash2);
  if (slash2 != std::string::npos) p.variant = rest.substr(slash2 + 1);
  if (p.architecture.empty() || (slash2 != std::string::npos && p.variant.empty()) ||
      p.variant.find('/') != std::string::npos)
    return bad();
  return p;
}

Platform host_platform() {
  Platform p{"linux", detail::host_architecture(), ""};
  if (p.architecture == "arm64") p.variant = "v8";
  return p;
}

bool is_manifest_list(const std::string& media_type) {
  return media_type == kOciIndex || media_type == kDockerList;
}

std::string manifest_media_type(const std::string& bytes, const std::string& content_type) {
  std::string ct = content_type.substr(0, content_type.find(';'));
  if (ct == kOciManifest || ct == kOciIndex || ct == kDockerManifest || ct == kDockerList) return ct;
  json j = json::parse(bytes, nullptr, false);
  if (j.is_object() && j.contains("mediaType") && j["mediaType"].is_string()) return j["mediaType"].get<std::string>();
  // An OCI document may omit mediaType: "manifests" means an index.
  if (j.is_object() && j.contains("manifests")) return kOciIndex;
  if (j.is_object() && j.contains("layers")) return kOciManifest;
  return ct;
}

Result<Compression> layer_compression(const std::string& media_type) {
  if (media_type == "application/vnd.oci.image.layer.v1.tar" ||
      media_type == "application/vnd.oci.image.layer.nondistributable.v1.tar")
    return Compression::none;
  if (media_type == "application/vnd.oci.image.layer.v1.tar+gzip" ||
      media_type == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
      media_type == "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" ||
      media_type == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
    return Compression::gzip;
  if (media_type == "application/vnd.oci.image.layer.v1.tar+zstd") return Compression::zstd;
  return make_error(ErrorKind::unsupported, "unsupported layer media type \"" + media_type + "\"");
}

Result<ImageManifest> parse_image_manifest(const std::string& bytes, const std::string& media_type) {
  if (media_type != kOciManifest && media_type != kDockerManifest)
    return make_error(ErrorKind::unsupported, "unsupported manifest type \"" + media_type +
                                                  "\" (roost reads OCI and Docker v2 schema 2 manifests)");
  auto j = ROOST_TRY(detail::parse_json(bytes, "manifest"));
  return detail::json_guard("manifest", [&]() -> Result<ImageManifest> {
    if (!j.is_object() || j.value("schemaVersion", 0) != 2)
      return make_error(ErrorKind::corrupt, "manifest: not a schema version 2 manifest");
    ImageManifest m;
    m.media_type = media_type;
    if (!j.contains("config")) return make_error(ErrorKind::corrupt, "manifest: no config");
    m.config = ROOST_TRY(descriptor(j["config"], "manifest config"));
    if (!j.contains("layers") || !j["layers"].is_array())
      return make_error(ErrorKind::corrupt, "manifest: no layers array");
    size_t n = 0;
    for (auto& l : j["layers"]) {
      auto d = ROOST_TRY(descriptor(l, "manifest layer " + std::to_string(++n)));
      ROOST_TRY_CTX(layer_compression(d.media_type), "manifest layer " + std::to_string(n));
      m.layers.push_back(std::move(d));
    }
    return m;
  });
}

Result<ManifestList> parse_manifest_list(const std::string& bytes, const std::string& media_type) {
  auto j = ROOST_TRY(detail::parse_json(bytes, "manifest list"));
  return detail::json_guard("manifest list", [&]() -> Result<ManifestList> {
    if (!j.is_object() || !j.contains("manifests") || !j["manifests"].is_array())
      return make_error(ErrorKind::corrupt, "manifest list: no manifests array");
    ManifestList list;
    list.media_type = media_type;
    size_t n = 0;
    for (auto& m : j["manifests"]) {
      IndexEntry e;
      e.manifest = ROOST_TRY(descriptor(m, "manifest list entry " + std::to_string(++n)));
      if (m.contains("platform") && m["platform"].is_object()) {
        auto& p = m["platform"];
        e.platform.os = p.value("os", "");
        e.platform.architecture = p.value("architecture", "");
        e.platform.variant = p.value("variant", "");
      }
      list.manifests.push_back(std::move(e));
    }
    return list;
  });
}

Result<IndexEntry> choose_platform(const ManifestList& list, const Platform& want) {
  auto variant_of = [](const Platform& p) {
    return p.architecture == "arm64" && p.variant.empty() ? std::string("v8") : p.variant;
  };
  const IndexEntry* loose = nullptr;
  for (auto& e : list.manifests) {
    if (e.platform.os != want.os || e.platform.architecture != want.architecture) continue;
    if (!is_manifest_list(e.manifest.media_type) && e.manifest.media_type != kOciManifest &&
        e.manifest.media_type != kDockerManifest)
      continue;  // attestations and other artifacts
    std::string have = variant_of(e.platform), need = variant_of(want);
    if (have == need) return e;
    if ((have.empty() || need.empty()) && !loose) loose = &e;
  }
  if (loose) return *loose;
  std::string offered;
  for (auto& e : list.manifests) {
    if (e.platform.os.empty()) continue;
    offered += (offered.empty() ? "" : ", ") + e.platform.str();
  }
  return make_error(ErrorKind::not_found, "no image for platform " + want.str() + " in the manifest list (it has: " +
                                              (offered.empty() ? "none" : offered) + ")");
}

}  // namespace roost::image
