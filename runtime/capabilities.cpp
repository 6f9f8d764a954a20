#include <sys/capability.h>

#include <algorithm>
#include <cctype>

#include "runtime/spec.hpp"
#include "runtime/spec_internal.hpp"

namespace roost::runtime {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_all(const std::string& name) { return upper(name) == "ALL"; }

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Result<std::vector<std::string>> normalize_list(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    std::string c = is_all(n) ? std::string("ALL") : ROOST_TRY(normalize_capability(n));
    if (!contains(out, c)) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",       "CAP_NET_BIND_SERVICE",
      "CAP_SETFCAP", "CAP_SETGID",      "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
  };
  return caps;
}

// Bounded by the kernel headers this was built with (CAP_LAST_CAP), not by the
// running kernel: spec generation must not probe the host.
const std::vector<std::string>& all_capabilities() {
  static const std::vector<std::string> caps = [] {
    std::vector<std::string> out;
    for (cap_value_t v = 0; v <= CAP_LAST_CAP; ++v) {
      char* name = cap_to_name(v);
      if (name == nullptr) continue;
      std::string s = upper(name);
      cap_free(name);
      // libcap prints capabilities it has no name for as their number.
      if (s.rfind("CAP_", 0) == 0) out.push_back(std::move(s));
    }
    return out;
  }();
  return caps;
}

Result<std::string> normalize_capability(const std::string& name) {
  std::string u = upper(name);
  if (u.rfind("CAP_", 0) != 0) u = "CAP_" + u;
  auto unknown = [&] { return make_error(ErrorKind::invalid, "unknown capability \"" + u + "\""); };
  // cap_from_name also takes bare numbers; a spec names capabilities.
  if (u.size() == 4 || u.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") != std::string::npos ||
      std::all_of(u.begin() + 4, u.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return unknown();
  }
  cap_value_t v = 0;
  if (cap_from_name(u.c_str(), &v) != 0 || v < 0 || v > CAP_LAST_CAP) return unknown();
  char* canonical = cap_to_name(v);
  if (canonical == nullptr) return unknown();
  std::string out = upper(canonical);
  cap_free(canonical);
  return out;
}

namespace detail {

std::vector<std::string> current_bounding_capabilities() {
  std::vector<std::string> out;
  for (const auto& name : all_capabilities()) {
    cap_value_t v = 0;
    // cap_get_bound is -1 for a capability the running kernel does not know.
    if (cap_from_name(name.c_str(), &v) == 0 && cap_get_bound(v) == 1) out.push_back(name);
  }
  return out;
}

Result<std::vector<std::string>> merge_capabilities(const std::vector<std::string>& base_in,
                                                    const std::vector<std::string>& add_in,
                                                    const std::vector<std::string>& drop_in) {
  auto base = ROOST_TRY_CTX(normalize_list(base_in), "capabilities");
  auto add = ROOST_TRY_CTX(normalize_list(add_in), "--cap-add");
  auto drop = ROOST_TRY_CTX(normalize_list(drop_in), "--cap-drop");
  std::vector<std::string> out;
  if (contains(drop, "ALL")) {
    if (contains(add, "ALL")) {
      return make_error(ErrorKind::invalid, "adding all capabilities and dropping all capabilities is not allowed");
    }
    out = add;
  } else {
    if (contains(add, "ALL")) {
      base = all_capabilities();
      add.clear();
    }
    for (const auto& d : drop) {
      if (contains(add, d)) {
        return make_error(ErrorKind::invalid, "capability \"" + d + "\" cannot be both dropped and added");
      }
    }
    for (const auto& c : base) {
      if (!contains(drop, c)) out.push_back(c);
    }
    for (const auto& c : add) {
      if (!contains(out, c)) out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> container_bounding(bool privileged, const std::vector<std::string>& add,
                                                    const std::vector<std::string>& drop,
                                                    const std::vector<std::string>& available) {
  auto merged = ROOST_TRY(merge_capabilities(privileged ? available : default_capabilities(), add, drop));
  std::vector<std::string> out;
  for (auto& c : merged) {
    if (contains(available, c)) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace detail

}  // namespace roost::runtime
