// Image manifests as registries serve them: OCI image manifests and Docker v2
// schema 2 manifests, and the lists that pick one per platform (OCI image
// indexes, Docker manifest lists).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::image {

inline constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";

struct Descriptor {
  std::string media_type;
  std::string digest;  // validated "sha256:..."
  uint64_t size = 0;
};

enum class Compression { none, gzip, zstd };

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  // may be empty
  std::string str() const;  // "linux/arm64/v8"
};

// "os/arch[/variant]"; errors name the text.
Result<Platform> parse_platform(const std::string& text);
// The host's platform (linux/amd64, linux/arm64/v8, ...).
Platform host_platform();

struct ImageManifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct IndexEntry {
  Descriptor manifest;
  Platform platform;
};

struct ManifestList {
  std::string media_type;
  std::vector<IndexEntry> manifests;
};

// True when MEDIA_TYPE names an index or manifest list.
bool is_manifest_list(const std::string& media_type);

// The media type of manifest BYTES: the Content-Type the registry sent when it
// is a known one, else the document's own mediaType field.
std::string manifest_media_type(const std::string& bytes, const std::string& content_type);

// Parses an image manifest; unknown layer media types are an error naming them.
Result<ImageManifest> parse_image_manifest(const std::string& bytes, const std::string& media_type);
Result<ManifestList> parse_manifest_list(const std::string& bytes, const std::string& media_type);

// How a layer blob of MEDIA_TYPE is compressed; an unknown type is an error.
Result<Compression> layer_compression(const std::string& media_type);

// Picks the entry for WANT (variant compared only when both have one; for
// arm64 a missing variant means v8). None matching: an error listing the
// platforms the list offers.
Result<IndexEntry> choose_platform(const ManifestList& list, const Platform& want);

}  // namespace roost::image
