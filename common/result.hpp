// Errors as values: Result<T> is either a T or an Error that carries errno and
// the context added at each layer ("loading x.tar: layer 2: openat etc: EACCES").
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace roost {

enum class ErrorKind {
  invalid,     // the user's input is wrong
  not_found,   // a named thing does not exist
  exists,      // a named thing already exists
  io,          // a system call failed
  corrupt,     // data does not match what it claims (digest, format)
  security,    // input tried to escape its root or gain privilege
  unsupported, // the host cannot do this
  internal,
};

class Error {
 public:
  Error(ErrorKind kind, std::string message, int errnum = 0)
      : kind_(kind), message_(std::move(message)), errnum_(errnum) {}

  // Prepends "what: " so callers add where they were when it failed.
  Error& context(const std::string& what) & {
    message_ = what + ": " + message_;
    return *this;
  }
  Error&& context(const std::string& what) && {
    message_ = what + ": " + message_;
    return std::move(*this);
  }

  ErrorKind kind() const { return kind_; }
  int errnum() const { return errnum_; }
  const std::string& message() const { return message_; }
  // The one line shown to a user: the message, then strerror when errno is set.
  std::string str() const;

 private:
  ErrorKind kind_;
  std::string message_;
  int errnum_;
};

// An Error from the current errno: "what PATH: strerror".
Error sys_error(const std::string& what, const std::string& path = {});
Error make_error(ErrorKind kind, std::string message);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Error& error() & { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }
  const Error& error() const& { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), failed_(true) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  void value() const {}
  Error& error() & { return err_; }
  Error&& error() && { return std::move(err_); }
  const Error& error() const& { return err_; }

 private:
  Error err_{ErrorKind::internal, ""};
  bool failed_ = false;
};

}  // namespace roost

#define ROOST_CAT_(a, b) a##b
#define ROOST_CAT(a, b) ROOST_CAT_(a, b)

// Unwraps a Result or returns its Error from the enclosing function.
#define ROOST_TRY(expr) ROOST_TRY_IMPL_(expr, ROOST_CAT(roost_try_, __COUNTER__))
#define ROOST_TRY_IMPL_(expr, var)                    \
  ({                                                  \
    auto var = (expr);                                \
    if (!var) return std::move(var).error();          \
    std::move(var).value();                           \
  })

// Same, adding context to the error on the way out.
#define ROOST_TRY_CTX(expr, ctx) ROOST_TRY_CTX_IMPL_(expr, ctx, ROOST_CAT(roost_try_, __COUNTER__))
#define ROOST_TRY_CTX_IMPL_(expr, ctx, var)                           \
  ({                                                                  \
    auto var = (expr);                                                \
    if (!var) return std::move(var).error().context(ctx);             \
    std::move(var).value();                                           \
  })
