// Reading a member of an OCI spec without copying it.
#pragma once

#include <nlohmann/json.hpp>

namespace roost::runtime {

// OBJ's member KEY, or an empty object when it has none. spec.value("linux",
// ...) would copy linux and with it the seccomp rules, most of a spec. Like
// value(), it throws json::type_error when OBJ is not an object.
inline const nlohmann::json& member_or_empty(const nlohmann::json& obj, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!obj.is_object()) return obj.at(key);
  auto it = obj.find(key);
  return it != obj.end() ? *it : empty;
}

}  // namespace roost::runtime
