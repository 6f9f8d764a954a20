#include "common/result.hpp"

#include <cstring>

namespace roost {

std::string Error::str() const {
  if (errnum_ == 0) return message_;
  return message_ + ": " + std::strerror(errnum_);
}

Error sys_error(const std::string& what, const std::string& path) {
  int saved = errno;
  std::string msg = path.empty() ? what : what + " " + path;
  ErrorKind kind = ErrorKind::io;
  if (saved == ENOENT) kind = ErrorKind::not_found;
  if (saved == EEXIST) kind = ErrorKind::exists;
  return Error(kind, msg, saved);
}

Error make_error(ErrorKind kind, std::string message) {
  return Error(kind, std::move(message));
}

}  // namespace roost
