// Image references (docker/distribution grammar) and how short names are
// normalised and looked up in local storage.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::image {

struct Reference {
  std::string domain;  // "docker.io", "localhost", "quay.io:443"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when only a digest was given
  std::string digest;  // "sha256:..." or empty

  std::string repository() const { return domain + "/" + path; }
  // "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest".
  std::string str() const;
};

// Parses and normalises as docker and podman do for names read from archives
// and registries: no domain -> docker.io, a single docker.io component gets
// "library/", no tag and no digest -> "latest". Errors name the bad input
// ("invalid reference format: repository name must be lowercase").
Result<Reference> parse_reference(const std::string& text);

// Normalises a name the user gives to `tag` or `import`: with no domain the
// image is local, so "foo" -> "localhost/foo:latest" as podman does.
Result<Reference> parse_local_name(const std::string& text);

// Full names under which a short name given on the command line may be
// stored, most specific first: "busybox" -> localhost/busybox:latest,
// docker.io/library/busybox:latest. A name with a domain yields just itself.
// Callers also accept any stored name whose repository ends in "/" + path.
Result<std::vector<std::string>> local_candidates(const std::string& text);

}  // namespace roost::image
