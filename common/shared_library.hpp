// A shared library loaded on first use instead of linked, so that commands
// that never need it do not pay for loading it and its dependencies at
// start-up (libcurl: image/curl_shim.hpp; libsystemd: engine/journal.hpp).
// The library stays loaded for the process's life.
#pragma once

#include <mutex>
#include <string>

namespace roost {

class SharedLibrary {
 public:
  // Loads SONAME; PACKAGE is the Debian package to install when it is missing.
  SharedLibrary(const char* soname, const char* package);

  // Points SLOT at SYMBOL; false, with error() saying which, when it is missing.
  template <class F>
  bool bind(const char* symbol, F& slot) {
    void* p = find(symbol);
    if (p) slot = reinterpret_cast<F>(p);
    return p != nullptr;
  }
  bool ok() const { return error_.empty(); }
  // Why loading or the last bind failed.
  const std::string& error() const { return error_; }

 private:
  void* find(const char* symbol);
  void* lib_ = nullptr;
  std::string soname_;
  std::string error_;
};

// A table of function pointers (API) bound from one library, once.
template <class Api>
struct LoadedApi {
  Api api{};
  bool ok = false;
  std::string error;  // why not
};

// Loads SONAME and fills an API with BIND(SharedLibrary&, Api&) the first
// time it is called (for each API and BIND), thread-safely.
template <class Api, class Bind>
const LoadedApi<Api>& load_api(const char* soname, const char* package, Bind bind) {
  static LoadedApi<Api> loaded;
  static std::once_flag once;
  std::call_once(once, [&] {
    SharedLibrary lib(soname, package);
    loaded.ok = lib.ok() && bind(lib, loaded.api);
    loaded.error = lib.error();
  });
  return loaded;
}

}  // namespace roost
