#include "image/registry.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/digest.hpp"

namespace roost::image {
namespace {

using nlohmann::json;

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// ca.crt (or another *.crt) and client.cert/client.key from the first cert
// directory that exists, the layout podman and docker use.
Result<TlsOptions> tls_for(const std::string& host, const RegistryOptions& o) {
  TlsOptions tls;
  tls.verify = o.tls_verify;
  std::vector<std::string> dirs;
  if (!o.cert_dir.empty()) {
    if (!is_dir(o.cert_dir)) return make_error(ErrorKind::not_found, "--cert-dir " + o.cert_dir + ": not a directory");
    dirs.push_back(o.cert_dir);
  } else {
    if (::getuid() != 0) {
      const char* xdg = std::getenv("XDG_CONFIG_HOME");
      const char* home = std::getenv("HOME");
      if (xdg && *xdg) dirs.push_back(std::string(xdg) + "/containers/certs.d/" + host);
      else if (home && *home) dirs.push_back(std::string(home) + "/.config/containers/certs.d/" + host);
    }
    dirs.push_back("/etc/containers/certs.d/" + host);
    dirs.push_back("/etc/docker/certs.d/" + host);
  }
  for (auto& d : dirs) {
    if (!is_dir(d)) continue;
    DIR* dir = ::opendir(d.c_str());
    if (!dir) continue;
    while (struct dirent* e = ::readdir(dir)) {
      std::string n = e->d_name;
      auto ends = [&](const std::string& suffix) {
        return n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
      };
      if (ends(".crt") && (tls.ca_file.empty() || n == "ca.crt")) tls.ca_file = d + "/" + n;
      if (ends(".cert")) tls.client_cert = d + "/" + n;
      if (ends(".key")) tls.client_key = d + "/" + n;
    }
    ::closedir(dir);
    break;
  }
  return tls;
}

std::string url_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// The registry's own words from an error body ({"errors":[{"message":...}]}).
std::string registry_message(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  std::string msg;
  if (j.is_object() && j.contains("errors") && j["errors"].is_array())
    for (auto& e : j["errors"])
      if (e.is_object() && e.contains("message") && e["message"].is_string())
        msg += (msg.empty() ? "" : "; ") + e["message"].get<std::string>();
  if (msg.empty()) return "HTTP status " + std::to_string(r.status);
  return msg + " (HTTP status " + std::to_string(r.status) + ")";
}

// A 401's Bearer challenge: which scope the request needs and, when a token
// was sent, what was wrong with it (error=insufficient_scope, invalid_token).
Challenge bearer_challenge(const HttpResponse& r) {
  for (auto& header : r.challenges) {
    auto parsed = parse_challenges(header);
    if (!parsed) continue;
    for (auto& c : *parsed)
      if (c.scheme == "bearer") return c;
  }
  return {};
}

const char* kManifestAccept =
    "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

}  // namespace

struct RegistryClient::Impl {
  std::string domain;  // as in references; also the auth.json key
  std::string host;    // what we connect to
  std::string repo;
  RegistryOptions options;
  TlsOptions tls;
  std::optional<Credentials> creds;
  std::string base;  // "https://host", set by ping
  std::optional<Challenge> challenge;
  std::string token;
  std::string display;

  Result<void> ping() {
    if (!base.empty()) return {};
    std::vector<std::string> schemes{"https"};
    if (!tls.verify) schemes.push_back("http");
    std::optional<Error> first_error;
    for (auto& scheme : schemes) {
      auto r = http_do_retrying({"GET", scheme + "://" + host + "/v2/", {}, {}, {}, 1 << 20}, tls, options.retry, false);
      if (!r) {
        if (!first_error) first_error = r.error();
        continue;
      }
      if (r->status != 200 && r->status != 401)
        return make_error(ErrorKind::io, "pinging registry " + host + ": HTTP status " + std::to_string(r->status) +
                                             " from /v2/ (is it a container registry?)");
      base = scheme + "://" + host;
      if (r->status == 401) {
        for (auto& header : r->challenges) {
          auto parsed = ROOST_TRY_CTX(parse_challenges(header), "registry " + host);
          for (auto& c : parsed)
            if (c.scheme == "bearer" || (c.scheme == "basic" && (!challenge || challenge->scheme != "bearer"))) challenge = c;
        }
        if (!challenge) return make_error(ErrorKind::unsupported, "registry " + host + " asks for an unsupported kind of authentication");
      }
      return {};
    }
    return make_error(first_error->kind(), "pinging registry " + host + ": " + first_error->message());
  }

  Error auth_error() const {
    if (!creds)
      return make_error(ErrorKind::invalid, "authentication required by " + domain + ": log in with `roost login " + domain +
                                                "` or give --creds USER:PASSWORD");
    return make_error(ErrorKind::invalid, "authentication failed for " + domain + ": invalid user name or password");
  }

  // The token server took the credentials, so they are right: the registry
  // refused the token it gave.
  Error token_refused_error(Challenge refusal) {
    auto& p = refusal.params;
    if (p["error"] == "insufficient_scope")
      return make_error(ErrorKind::invalid, "requested access to " + display + " is denied: the token for " + creds->username +
                                                " does not grant " + (p["scope"].empty() ? "it" : p["scope"]));
    return make_error(ErrorKind::invalid, "registry " + domain + " does not accept the token " + challenge->params["realm"] +
                                              " gave for " + creds->username + " (" +
                                              (p["error"].empty() ? "no reason given" : p["error"]) + ")");
  }

  // A token for our repository (none for a login) and whatever else
  // CHALLENGE_SCOPE, from a 401's challenge, asks for. The realm and service
  // stay those of /v2/'s challenge: credentials go nowhere else.
  Result<void> fetch_token(const std::string& challenge_scope = "") {
    auto& p = challenge->params;
    if (p["realm"].empty()) return make_error(ErrorKind::corrupt, "registry " + host + ": bearer challenge without a realm");
    std::string url = p["realm"] + (p["realm"].find('?') == std::string::npos ? "?" : "&") +
                      "service=" + url_escape(p["service"]);
    std::string own = repo.empty() ? "" : "repository:" + repo + (options.push ? ":pull,push" : ":pull");
    for (auto& scope : token_scopes(own, challenge_scope)) url += "&scope=" + url_escape(scope);
    HttpRequest req{"GET", url, {}, {}, {}, 1 << 20};
    if (creds) req.headers.push_back("Authorization: Basic " + base64_encode(creds->username + ":" + creds->password));
    auto r = ROOST_TRY_CTX(http_do_retrying(req, tls, options.retry, false), "getting a token from " + p["realm"]);
    if (r.status == 401 || r.status == 403) return auth_error();
    if (r.status != 200)
      return make_error(ErrorKind::io, "getting a token from " + p["realm"] + ": " + registry_message(r));
    json j = json::parse(r.body, nullptr, false);
    std::string t;
    if (j.is_object() && j.contains("token") && j["token"].is_string()) t = j["token"];
    else if (j.is_object() && j.contains("access_token") && j["access_token"].is_string()) t = j["access_token"];
    if (t.empty()) return make_error(ErrorKind::corrupt, "token server " + p["realm"] + " sent no token");
    token = t;
    return {};
  }

  Result<void> authorize(HttpRequest& req) {
    ROOST_TRY(ping());
    if (!challenge) return {};
    if (challenge->scheme == "basic") {
      if (!creds) return auth_error();
      req.headers.push_back("Authorization: Basic " + base64_encode(creds->username + ":" + creds->password));
    } else {
      if (token.empty()) ROOST_TRY(fetch_token());
      req.headers.push_back("Authorization: Bearer " + token);
    }
    return {};
  }

  // After a 401 (an expired token, or one without the scope REFUSAL's
  // challenge names): a fresh one.
  Result<void> renew_token(const HttpResponse& refusal) {
    token.clear();
    return fetch_token(bearer_challenge(refusal).params["scope"]);
  }

  // Sends REQ (a path below base) with authorization; a 401 answered with a
  // fresh token is retried once, transient failures as options.retry says.
  Result<HttpResponse> send(HttpRequest req) {
    ROOST_TRY(ping());
    req.url = base + req.url;
    HttpRequest first = req;
    ROOST_TRY(authorize(first));
    auto r = ROOST_TRY(http_do_retrying(first, tls, options.retry, true));
    if (r.status == 401 && challenge && challenge->scheme == "bearer") {
      ROOST_TRY(renew_token(r));
      HttpRequest again = req;
      ROOST_TRY(authorize(again));
      r = ROOST_TRY(http_do_retrying(again, tls, options.retry, true));
      if (r.status == 401 && creds) return token_refused_error(bearer_challenge(r));
    }
    if (r.status == 401) return auth_error();
    return r;
  }
};

RegistryClient::RegistryClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RegistryClient::~RegistryClient() = default;

Result<std::unique_ptr<RegistryClient>> RegistryClient::open(const std::string& domain, const std::string& repo,
                                                             const RegistryOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->domain = domain;
  impl->host = domain == "docker.io" ? "registry-1.docker.io" : domain;
  impl->repo = repo;
  impl->options = options;
  impl->display = domain + "/" + repo;
  impl->tls = ROOST_TRY(tls_for(impl->host, options));
  impl->creds = options.creds;
  if (!impl->creds) {
    for (auto& file : ROOST_TRY(auth_files_for_reading(options.authfile))) {
      impl->creds = ROOST_TRY(read_credentials(file, domain, repo));
      if (impl->creds) break;
    }
  }
  return std::unique_ptr<RegistryClient>(new RegistryClient(std::move(impl)));
}

Result<void> RegistryClient::check_login() {
  auto& s = *impl_;
  ROOST_TRY(s.ping());
  if (!s.challenge) return {};
  if (!s.creds) return s.auth_error();
  // With a bearer challenge this fetches a token and proves that the
  // registry accepts it.
  auto r = ROOST_TRY(s.send({"GET", "/v2/", {}, {}, {}, 1 << 20}));
  if (r.status != 200) return make_error(ErrorKind::io, "logging in to " + s.domain + ": " + registry_message(r));
  return {};
}

Result<FetchedManifest> RegistryClient::get_manifest(const std::string& reference) {
  auto& s = *impl_;
  std::string what = "reading manifest " + reference + " in " + s.display;
  auto r = ROOST_TRY_CTX(s.send({"GET", "/v2/" + s.repo + "/manifests/" + reference, {kManifestAccept}, {}, {}, 4 << 20}), what);
  if (r.status == 404) return make_error(ErrorKind::not_found, what + ": manifest unknown (no such tag or digest)");
  if (r.status != 200) return make_error(ErrorKind::io, what + ": " + registry_message(r));
  FetchedManifest m;
  m.bytes = std::move(r.body);
  m.digest = sha256_digest(m.bytes);
  m.media_type = manifest_media_type(m.bytes, r.header("content-type"));
  bool by_digest = reference.rfind("sha256:", 0) == 0;
  std::string claimed = by_digest ? reference : r.header("docker-content-digest");
  if (!claimed.empty() && claimed.rfind("sha256:", 0) == 0 && claimed != m.digest)
    return make_error(ErrorKind::corrupt, what + ": manifest digest mismatch (expected " + claimed + ", got " + m.digest + ")");
  return m;
}

Result<std::string> RegistryClient::get_blob(const Descriptor& desc) {
  auto& s = *impl_;
  std::string what = "reading blob " + desc.digest + " in " + s.display;
  auto r = ROOST_TRY_CTX(s.send({"GET", "/v2/" + s.repo + "/blobs/" + desc.digest, {}, {}, {}, 16 << 20}), what);
  if (r.status != 200) return make_error(r.status == 404 ? ErrorKind::not_found : ErrorKind::io, what + ": " + registry_message(r));
  if (r.body.size() != desc.size)
    return make_error(ErrorKind::corrupt, what + ": size mismatch (expected " + std::to_string(desc.size) + " bytes, got " +
                                              std::to_string(r.body.size()) + ")");
  if (auto got = sha256_digest(r.body); got != desc.digest)
    return make_error(ErrorKind::corrupt, what + ": digest mismatch (got " + got + ")");
  return std::move(r.body);
}

Result<HttpRequest> RegistryClient::blob_request(const std::string& digest) {
  auto& s = *impl_;
  ROOST_TRY(s.ping());
  HttpRequest req{"GET", s.base + "/v2/" + s.repo + "/blobs/" + digest, {}, {}, {}, 0};
  ROOST_TRY(s.authorize(req));
  return req;
}

Result<void> RegistryClient::renew_token(const HttpResponse& refusal) {
  auto& s = *impl_;
  if (!s.challenge || s.challenge->scheme != "bearer") return s.auth_error();
  return s.renew_token(refusal);
}

Result<bool> RegistryClient::has_blob(const std::string& digest) {
  auto& s = *impl_;
  auto r = ROOST_TRY_CTX(s.send({"HEAD", "/v2/" + s.repo + "/blobs/" + digest, {}, {}, {}, 1 << 20}), "checking blob " + digest);
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  return make_error(ErrorKind::io, "checking blob " + digest + " in " + s.display + ": HTTP status " + std::to_string(r.status));
}

Result<bool> RegistryClient::mount_blob(const std::string& digest, const std::string& from) {
  auto& s = *impl_;
  std::string what = "mounting blob " + digest + " from " + from + " into " + s.display;
  auto r = ROOST_TRY_CTX(s.send({"POST", "/v2/" + s.repo + "/blobs/uploads/?mount=" + url_escape(digest) + "&from=" + url_escape(from),
                                 {}, {}, {}, 1 << 20}),
                         what);
  if (r.status == 201) return true;
  if (r.status != 202) return make_error(ErrorKind::io, what + ": " + registry_message(r));
  // The registry opened an upload instead; close it rather than leave it
  // to the registry's garbage collection.
  std::string location = r.header("location");
  if (location.rfind(s.base, 0) == 0) location = location.substr(s.base.size());
  if (!location.empty() && location.rfind("http", 0) != 0) (void)s.send({"DELETE", location, {}, {}, {}, 1 << 20});
  return false;
}

Result<void> RegistryClient::put_blob(const std::string& digest, const std::string& path, const std::string& data) {
  auto& s = *impl_;
  std::string what = "uploading blob " + digest + " to " + s.display;
  auto start = ROOST_TRY_CTX(s.send({"POST", "/v2/" + s.repo + "/blobs/uploads/", {}, {}, {}, 1 << 20}), what);
  if (start.status != 202) return make_error(ErrorKind::io, what + ": " + registry_message(start));
  std::string location = start.header("location");
  if (location.empty()) return make_error(ErrorKind::corrupt, what + ": the registry gave no upload location");
  // The location may be absolute or relative to the registry.
  if (location.rfind(s.base, 0) == 0) location = location.substr(s.base.size());
  else if (location.rfind("http", 0) == 0) return make_error(ErrorKind::unsupported, what + ": upload location on another host");
  location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + url_escape(digest);
  HttpRequest put{"PUT", location, {"Content-Type: application/octet-stream"}, data, path, 1 << 20};
  auto r = ROOST_TRY_CTX(s.send(put), what);
  if (r.status != 201) return make_error(ErrorKind::io, what + ": " + registry_message(r));
  return {};
}

Result<void> RegistryClient::put_manifest(const std::string& reference, const std::string& bytes, const std::string& media_type) {
  auto& s = *impl_;
  std::string what = "writing manifest " + reference + " to " + s.display;
  HttpRequest put{"PUT", "/v2/" + s.repo + "/manifests/" + reference, {"Content-Type: " + media_type}, bytes, {}, 1 << 20};
  auto r = ROOST_TRY_CTX(s.send(put), what);
  if (r.status != 201) return make_error(ErrorKind::io, what + ": " + registry_message(r));
  return {};
}

const TlsOptions& RegistryClient::tls() const { return impl_->tls; }
const RetryPolicy& RegistryClient::retry_policy() const { return impl_->options.retry; }
const std::string& RegistryClient::display_name() const { return impl_->display; }

}  // namespace roost::image
