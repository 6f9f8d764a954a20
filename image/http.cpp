#include "image/http.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "common/log.hpp"

namespace roost::image {
namespace {

size_t collect_body(char* data, size_t size, size_t n, void* userdata) {
  auto* ctx = static_cast<std::pair<HttpResponse*, size_t>*>(userdata);
  size_t len = size * n;
  if (ctx->first->body.size() + len > ctx->second) return 0;  // aborts: too large
  ctx->first->body.append(data, len);
  return len;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

size_t collect_header(char* data, size_t size, size_t n, void* userdata) {
  auto* r = static_cast<HttpResponse*>(userdata);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or 100)
    r->headers.clear();
    r->challenges.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  if (name == "www-authenticate") r->challenges.push_back(value);
  auto& slot = r->headers[name];
  slot = slot.empty() ? value : slot + ", " + value;
  return size * n;
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

CurlHandle::CurlHandle() {
  global_init();
  easy = curl_easy_init();
}

CurlHandle::~CurlHandle() {
  if (easy) curl_easy_cleanup(easy);
  if (headers) curl_slist_free_all(headers);
}

std::string curl_error_text(CURLcode code, const char* detail) {
  std::string d = detail && *detail ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return "TLS certificate verification failed: " + d +
             " (give the registry's CA with --cert-dir DIR holding ca.crt, or use --tls-verify=false)";
    case CURLE_SSL_CONNECT_ERROR:
      return "TLS handshake failed: " + d + " (is it an HTTP-only registry? then use --tls-verify=false)";
    case CURLE_COULDNT_CONNECT: return "cannot connect: " + d;
    case CURLE_COULDNT_RESOLVE_HOST: return "cannot resolve host: " + d;
    case CURLE_OPERATION_TIMEDOUT: return "timed out: " + d;
    default: return d;
  }
}

Result<void> prepare_request(CurlHandle& h, const HttpRequest& req, const TlsOptions& tls) {
  if (!h.easy) return make_error(ErrorKind::internal, "curl_easy_init failed");
  CURL* c = h.easy;
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer (under 1 byte/s for 60 s) fails instead of hanging.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "roost/" ROOST_VERSION);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
  if (!tls.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, "/etc/ssl/certs");
  }
  if (!tls.client_cert.empty() && !tls.client_key.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, tls.client_cert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, tls.client_key.c_str());
  }
  for (auto& hd : req.headers) h.headers = curl_slist_append(h.headers, hd.c_str());
  if (h.headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, h.headers);
  if (!req.body_file.empty()) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    if (req.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  return {};
}

namespace {

struct Outcome {
  CURLcode code = CURLE_OK;
  Result<HttpResponse> result;
};

Outcome perform(const HttpRequest& req, const TlsOptions& tls) {
  CurlHandle h;
  if (auto ready = prepare_request(h, req, tls); !ready) return {CURLE_OK, std::move(ready).error()};
  HttpResponse resp;
  std::pair<HttpResponse*, size_t> ctx{&resp, req.max_body};
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h.easy, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h.easy, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(h.easy, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(h.easy, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(h.easy, CURLOPT_HEADERDATA, &resp);
  std::unique_ptr<FILE, int (*)(FILE*)> upload(nullptr, fclose);
  if (!req.body_file.empty()) {
    upload.reset(std::fopen(req.body_file.c_str(), "rbe"));
    if (!upload) return {CURLE_OK, sys_error("open", req.body_file)};
    std::fseek(upload.get(), 0, SEEK_END);
    curl_easy_setopt(h.easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(std::ftell(upload.get())));
    std::rewind(upload.get());
    curl_easy_setopt(h.easy, CURLOPT_READDATA, upload.get());
  }
  CURLcode rc = curl_easy_perform(h.easy);
  if (rc == CURLE_WRITE_ERROR)
    return {rc, make_error(ErrorKind::corrupt, "response from " + req.url + " is larger than " + std::to_string(req.max_body) + " bytes")};
  if (rc != CURLE_OK) return {rc, make_error(ErrorKind::io, curl_error_text(rc, errbuf))};
  curl_easy_getinfo(h.easy, CURLINFO_RESPONSE_CODE, &resp.status);
  return {rc, std::move(resp)};
}

}  // namespace

Result<HttpResponse> http_do(const HttpRequest& req, const TlsOptions& tls) { return perform(req, tls).result; }

bool transient_curl_error(CURLcode code, bool reached) {
  switch (code) {
    case CURLE_COULDNT_CONNECT: return reached;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt, const HttpResponse* response) {
  using std::chrono::milliseconds;
  milliseconds wait = policy.first_delay * (1LL << std::min(attempt - 1, 20));
  if (response) {
    std::string after = response->header("retry-after");
    if (!after.empty()) {
      char* end = nullptr;
      long secs = std::strtol(after.c_str(), &end, 10);
      if (end != after.c_str() && *end == '\0' && secs >= 0) {
        wait = milliseconds(secs * 1000);
      } else {
        struct tm tm = {};  // an HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT"
        if (const char* rest = ::strptime(after.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm); rest && *rest == '\0')
          wait = milliseconds(std::max<long long>(0, (static_cast<long long>(::timegm(&tm)) - std::time(nullptr)) * 1000));
      }
    }
  }
  return std::min(wait, policy.max_delay);
}

Result<HttpResponse> http_do_retrying(const HttpRequest& req, const TlsOptions& tls, const RetryPolicy& policy, bool reached) {
  for (int attempt = 1;; ++attempt) {
    auto out = perform(req, tls);
    bool again = out.result ? transient_status(out.result->status) : transient_curl_error(out.code, reached);
    if (!again || attempt >= policy.attempts) return std::move(out.result);
    auto wait = retry_delay(policy, attempt, out.result ? &*out.result : nullptr);
    std::string why = out.result ? "HTTP status " + std::to_string(out.result->status) : out.result.error().message();
    log_warn(req.method + " " + req.url + " failed (" + why + "), retrying in " + std::to_string(wait.count()) + " ms (" +
             std::to_string(attempt) + "/" + std::to_string(policy.attempts - 1) + ")");
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace roost::image
