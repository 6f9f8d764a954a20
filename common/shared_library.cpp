#include "common/shared_library.hpp"

#include <dlfcn.h>

namespace roost {

SharedLibrary::SharedLibrary(const char* soname, const char* package) : soname_(soname) {
  lib_ = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!lib_) {
    const char* why = ::dlerror();
    error_ = "cannot load " + soname_ + " (install the " + package + " package): " + (why ? why : "not found");
  }
}

void* SharedLibrary::find(const char* symbol) {
  void* p = lib_ ? ::dlsym(lib_, symbol) : nullptr;
  if (!p && lib_) error_ = soname_ + " has no " + symbol;
  return p;
}

}  // namespace roost
