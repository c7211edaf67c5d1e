// result.h — errors as values. Expected failures (bad config text, bad RPC
// arguments, spawn errors) travel as Result<T>; exceptions never cross a libuv
// callback. Depends on nothing but the standard library.
#pragma once

#include <string>
#include <utility>
#include <variant>

struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  static Result fail(std::string message) { return Result(Error{std::move(message)}); }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const std::string& error() const { return std::get<1>(v_).message; }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an error message.
struct Status {
  std::string error_message;
  bool failed = false;
  static Status success() { return {}; }
  static Status fail(std::string m) { return {std::move(m), true}; }
  bool ok() const { return !failed; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_message; }
};
