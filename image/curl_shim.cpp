#include "image/curl_shim.hpp"

#include <string>

#include "common/shared_library.hpp"

namespace roost::image {
namespace detail {
namespace {

const LoadedApi<CurlApi>& load() {
  return load_api<CurlApi>("libcurl.so.4", "libcurl4", [](SharedLibrary& lib, CurlApi& a) {
    return lib.bind("curl_global_init", a.global_init) && lib.bind("curl_easy_init", a.easy_init) &&
           lib.bind("curl_easy_cleanup", a.easy_cleanup) && lib.bind("curl_easy_perform", a.easy_perform) &&
           lib.bind("curl_easy_setopt", a.easy_setopt) && lib.bind("curl_easy_getinfo", a.easy_getinfo) &&
           lib.bind("curl_easy_strerror", a.easy_strerror) && lib.bind("curl_slist_append", a.slist_append) &&
           lib.bind("curl_slist_free_all", a.slist_free_all) && lib.bind("curl_multi_init", a.multi_init) &&
           lib.bind("curl_multi_add_handle", a.multi_add_handle) &&
           lib.bind("curl_multi_remove_handle", a.multi_remove_handle) &&
           lib.bind("curl_multi_perform", a.multi_perform) && lib.bind("curl_multi_poll", a.multi_poll) &&
           lib.bind("curl_multi_info_read", a.multi_info_read) && lib.bind("curl_multi_cleanup", a.multi_cleanup) &&
           lib.bind("curl_multi_strerror", a.multi_strerror);
  });
}

}  // namespace

const CurlApi* curl_api() {
  const auto& l = load();
  return l.ok ? &l.api : nullptr;
}

}  // namespace detail

Result<void> curl_loaded() {
  const auto& l = detail::load();
  if (!l.ok) return make_error(ErrorKind::unsupported, l.error);
  return {};
}

namespace shim {

CURLcode global_init(long flags) {
  auto* a = detail::curl_api();
  return a ? a->global_init(flags) : CURLE_FAILED_INIT;
}
CURL* easy_init() {
  auto* a = detail::curl_api();
  return a ? a->easy_init() : nullptr;
}
void easy_cleanup(CURL* h) {
  if (auto* a = detail::curl_api()) a->easy_cleanup(h);
}
CURLcode easy_perform(CURL* h) {
  auto* a = detail::curl_api();
  return a ? a->easy_perform(h) : CURLE_FAILED_INIT;
}
const char* easy_strerror(CURLcode code) {
  auto* a = detail::curl_api();
  return a ? a->easy_strerror(code) : "libcurl is not loaded";
}
curl_slist* slist_append(curl_slist* list, const char* s) {
  auto* a = detail::curl_api();
  return a ? a->slist_append(list, s) : nullptr;
}
void slist_free_all(curl_slist* list) {
  if (auto* a = detail::curl_api()) a->slist_free_all(list);
}
CURLM* multi_init() {
  auto* a = detail::curl_api();
  return a ? a->multi_init() : nullptr;
}
CURLMcode multi_add_handle(CURLM* m, CURL* h) {
  auto* a = detail::curl_api();
  return a ? a->multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}
CURLMcode multi_remove_handle(CURLM* m, CURL* h) {
  auto* a = detail::curl_api();
  return a ? a->multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}
CURLMcode multi_perform(CURLM* m, int* running) {
  auto* a = detail::curl_api();
  return a ? a->multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}
CURLMcode multi_poll(CURLM* m, curl_waitfd* extra, unsigned int n, int timeout_ms, int* numfds) {
  auto* a = detail::curl_api();
  return a ? a->multi_poll(m, extra, n, timeout_ms, numfds) : CURLM_INTERNAL_ERROR;
}
CURLMsg* multi_info_read(CURLM* m, int* left) {
  auto* a = detail::curl_api();
  return a ? a->multi_info_read(m, left) : nullptr;
}
CURLMcode multi_cleanup(CURLM* m) {
  auto* a = detail::curl_api();
  return a ? a->multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}
const char* multi_strerror(CURLMcode code) {
  auto* a = detail::curl_api();
  return a ? a->multi_strerror(code) : "libcurl is not loaded";
}

}  // namespace shim
}  // namespace roost::image
