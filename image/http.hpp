// A thin layer over libcurl for the registry client: TLS settings, one
// request at a time into memory, or an easy handle set up for the caller to
// stream (each layer of a pull on a thread of its own).
#pragma once

#include "image/curl_shim.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::image {

struct TlsOptions {
  bool verify = true;       // --tls-verify
  std::string ca_file;      // ca.crt from the cert dir, added to the system's CAs
  std::string client_cert;  // client.cert / client.key from the cert dir
  std::string client_key;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  // Lower-case names; repeated headers joined with ", " except
  // www-authenticate, whose values are kept apart in `challenges`.
  std::map<std::string, std::string> headers;
  std::vector<std::string> challenges;
  std::string header(const std::string& lower_name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // for PUT/POST
  std::string body_file;             // for PUT: upload this file instead of body
  size_t max_body = 8 << 20;         // into-memory responses are capped
};

// RAII for a curl easy handle and its header list.
struct CurlHandle {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  CurlHandle();
  ~CurlHandle();
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;
};

// Sets up H for REQ with TLS; the caller adds its write callback.
Result<void> prepare_request(CurlHandle& h, const HttpRequest& req, const TlsOptions& tls);

// Performs REQ and collects the whole response (bounded by max_body).
// Transport failures (refused, TLS) are errors; HTTP statuses are not.
Result<HttpResponse> http_do(const HttpRequest& req, const TlsOptions& tls);

// Transient failures (a reset connection, HTTP 5xx, 429) are tried again a
// few times, waiting longer each time (or as long as Retry-After says, up to
// max_delay). Client errors (401, 404, ...) are never repeated.
struct RetryPolicy {
  int attempts = 4;  // in all, the first one included
  std::chrono::milliseconds first_delay{500};
  std::chrono::milliseconds max_delay{10000};
};

// Whether a transport failure may pass if tried again. A refused connection
// counts only once the server has answered before (REACHED): refused at
// first, nothing is listening.
bool transient_curl_error(CURLcode code, bool reached);
inline bool transient_status(long status) { return status == 429 || (status >= 500 && status <= 599); }
// How long to wait before attempt ATTEMPT + 1 (ATTEMPT counts from 1):
// Retry-After (seconds or an HTTP date) when RESPONSE has one, else
// first_delay doubled per attempt; capped at max_delay.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt, const HttpResponse* response);

// http_do with RetryPolicy: returns the last response or error once the
// attempts are used up; WHAT names the request in the warning logged before
// each new attempt.
Result<HttpResponse> http_do_retrying(const HttpRequest& req, const TlsOptions& tls, const RetryPolicy& policy, bool reached);

// A transport error in words a user can act on.
std::string curl_error_text(CURLcode code, const char* detail);

// Called with each response header line (for streaming requests).
size_t collect_header(char* data, size_t size, size_t n, void* response);

}  // namespace roost::image
