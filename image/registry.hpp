// A client for one repository on a registry (the OCI distribution API over
// libcurl): the /v2/ ping, the WWW-Authenticate challenge (Basic, or a Bearer
// token from the realm), manifests and blobs.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "image/auth.hpp"
#include "image/http.hpp"
#include "image/manifest.hpp"

namespace roost::image {

struct RegistryOptions {
  bool tls_verify = true;  // false: HTTPS without verification, then plain HTTP
  std::string cert_dir;    // --cert-dir; default: certs.d/HOST under the containers config dirs
  std::string authfile;    // --authfile
  std::optional<Credentials> creds;  // --creds; otherwise the auth files are searched
  bool push = false;       // ask for push rights too
  RetryPolicy retry;       // for transient failures (http.hpp)
};

struct FetchedManifest {
  std::string bytes;  // exact bytes: their sha256 is the digest
  std::string media_type;
  std::string digest;
};

class RegistryClient {
 public:
  // DOMAIN as in a reference ("docker.io" talks to registry-1.docker.io).
  static Result<std::unique_ptr<RegistryClient>> open(const std::string& domain, const std::string& repository_path,
                                                      const RegistryOptions& options);
  ~RegistryClient();

  // Reaches /v2/ (choosing HTTPS or HTTP) and proves the credentials: an
  // error says which of connecting, TLS or authentication failed.
  Result<void> check_login();

  // REFERENCE is a tag or a digest; a digest is verified against the bytes.
  Result<FetchedManifest> get_manifest(const std::string& reference);
  // A small blob (an image config) into memory, verified against DESC.
  Result<std::string> get_blob(const Descriptor& desc);
  // The request for streaming blob DIGEST (URL and authorization).
  Result<HttpRequest> blob_request(const std::string& digest);
  // After a streamed request was refused with REFUSAL (a 401): a fresh token
  // for the scope its challenge names, for the next blob_request (a token
  // lives a few minutes; a pull of large layers may outlive it). An error
  // when the registry wants no token, or none can be had.
  Result<void> renew_token(const HttpResponse& refusal);

  // Push side: whether the registry has blob DIGEST (HEAD); an upload of a
  // blob from a file or from memory (one monolithic PUT); a manifest put
  // under REFERENCE (a tag or its digest).
  Result<bool> has_blob(const std::string& digest);
  // Asks the registry to link blob DIGEST from FROM_REPOSITORY (a path on
  // the same registry) into this repository: false when it would not (the
  // blob is not there, or the credentials cannot read FROM_REPOSITORY).
  Result<bool> mount_blob(const std::string& digest, const std::string& from_repository);
  Result<void> put_blob(const std::string& digest, const std::string& path_or_empty, const std::string& data);
  Result<void> put_manifest(const std::string& reference, const std::string& bytes, const std::string& media_type);

  const TlsOptions& tls() const;
  const RetryPolicy& retry_policy() const;
  const std::string& display_name() const;  // "127.0.0.1:5000/busybox"

 private:
  struct Impl;
  explicit RegistryClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace roost::image
