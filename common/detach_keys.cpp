#include "common/detach_keys.hpp"

namespace roost {

namespace {

// ctrl-@ is NUL, ctrl-a..z are 1..26, then ESC, FS, GS, RS, US.
int ctrl_code(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a' + 1;
  switch (c) {
    case '@': return 0;
    case '[': return 27;
    case '\\': return 28;
    case ']': return 29;
    case '^': return 30;
    case '_': return 31;
    default: return -1;
  }
}

}  // namespace

Result<std::string> parse_detach_keys(const std::string& spec) {
  std::string bytes;
  if (spec.empty()) return bytes;
  size_t start = 0;
  for (;;) {
    size_t comma = spec.find(',', start);
    std::string key = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (key.size() == 1) {
      bytes.push_back(key[0]);
    } else {
      int code = key.size() == 6 && key.rfind("ctrl-", 0) == 0 ? ctrl_code(key[5]) : -1;
      if (code < 0) return make_error(ErrorKind::invalid, "invalid detach keys: Unknown character: '" + key + "'");
      bytes.push_back(static_cast<char>(code));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return bytes;
}

bool DetachMatcher::feed(const char* data, size_t len, std::string& forward) {
  if (keys_.empty()) {
    forward.append(data, len);
    return false;
  }
  for (size_t i = 0; i < len; ++i) {
    char c = data[i];
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) {
        matched_ = 0;
        return true;
      }
      continue;
    }
    // Not the sequence after all: what was held back goes on, and C may
    // itself start it again.
    forward.append(keys_, 0, matched_);
    matched_ = 0;
    if (c == keys_[0]) {
      matched_ = 1;
      if (keys_.size() == 1) return true;
      continue;
    }
    forward.push_back(c);
  }
  return false;
}

}  // namespace roost
