// SHA-256 digests in the "sha256:HEX" form the OCI specs use.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace roost {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // "sha256:<64 hex>"; the object cannot be updated afterwards.
  std::string digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_digest(std::string_view data);
// Checks "sha256:<64 lowercase hex>"; the error names the value.
Result<void> validate_digest(const std::string& digest);
// "sha256:abc..." -> "abc..."
std::string digest_hex(const std::string& digest);

}  // namespace roost
