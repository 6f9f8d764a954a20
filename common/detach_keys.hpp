// Detach keys: the key sequence that leaves an attached session while the
// container goes on running (podman's --detach-keys).
#pragma once

#include <cstddef>
#include <string>

#include "common/result.hpp"

namespace roost {

// podman's default.
inline constexpr const char* kDefaultDetachKeys = "ctrl-p,ctrl-q";

// Parses podman's syntax: comma-separated keys, each a single character or
// ctrl-<a-z, @, [, \, ], ^, _>. Returns the bytes the terminal sends for
// them; "" (detaching disabled) gives "". Anything else is an Error naming
// the key, as podman: `invalid detach keys: Unknown character: 'ctrl-A'`.
Result<std::string> parse_detach_keys(const std::string& spec);

// Watches a stream of typed input for KEYS. Bytes that might start the
// sequence are held back until it is clear whether they do; bytes that
// turned out not to are passed on, in order, with the rest.
class DetachMatcher {
 public:
  explicit DetachMatcher(std::string keys) : keys_(std::move(keys)) {}

  // Appends to FORWARD what is to be passed on of DATA; true once the whole
  // sequence was typed (what followed it in DATA is dropped).
  bool feed(const char* data, size_t len, std::string& forward);

 private:
  std::string keys_;
  size_t matched_ = 0;
};

}  // namespace roost
