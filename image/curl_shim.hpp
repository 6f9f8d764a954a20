// libcurl, loaded the first time a registry is contacted rather than when
// roost starts: linking it pulls in some twenty shared libraries (TLS, HTTP/2,
// Kerberos, LDAP, IDN...) whose loading and symbol look-ups every command
// would pay for, `roost run` included.
//
// The macros at the end point libcurl's function names at forwarders (in
// roost::image::shim) to the symbols resolved with dlopen/dlsym, so the
// registry code calls libcurl as usual. Include this instead of curl/curl.h.
#pragma once

#ifndef CURL_DISABLE_TYPECHECK
#define CURL_DISABLE_TYPECHECK
#endif
#include <curl/curl.h>

#include "common/result.hpp"

namespace roost::image {

namespace detail {
struct CurlApi {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};
// The loaded API, or null (with the reason in curl_loaded()).
const CurlApi* curl_api();
}  // namespace detail

// Loads libcurl; the error names the library and the package to install.
Result<void> curl_loaded();

namespace shim {

CURLcode global_init(long flags);
CURL* easy_init();
void easy_cleanup(CURL* h);
CURLcode easy_perform(CURL* h);
const char* easy_strerror(CURLcode code);
curl_slist* slist_append(curl_slist* list, const char* s);
void slist_free_all(curl_slist* list);

template <class T>
CURLcode easy_setopt(CURL* h, CURLoption option, T value) {
  auto* api = detail::curl_api();
  return api ? api->easy_setopt(h, option, value) : CURLE_FAILED_INIT;
}

template <class T>
CURLcode easy_getinfo(CURL* h, CURLINFO info, T out) {
  auto* api = detail::curl_api();
  return api ? api->easy_getinfo(h, info, out) : CURLE_FAILED_INIT;
}

}  // namespace shim

}  // namespace roost::image

#define curl_global_init ::roost::image::shim::global_init
#define curl_easy_init ::roost::image::shim::easy_init
#define curl_easy_cleanup ::roost::image::shim::easy_cleanup
#define curl_easy_perform ::roost::image::shim::easy_perform
#define curl_easy_strerror ::roost::image::shim::easy_strerror
#define curl_slist_append ::roost::image::shim::slist_append
#define curl_slist_free_all ::roost::image::shim::slist_free_all
#undef curl_easy_setopt
#define curl_easy_setopt ::roost::image::shim::easy_setopt
#undef curl_easy_getinfo
#define curl_easy_getinfo ::roost::image::shim::easy_getinfo
