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
           lib.bind("curl_slist_free_all", a.slist_free_all);
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

}  // namespace shim
}  // namespace roost::image
