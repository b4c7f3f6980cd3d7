// Error codes and result<T>: the core API reports failures as values, never by throwing.
// The CLI (and anyone who prefers exceptions) uses value_or_throw() / tokenmeter::exception.
#pragma once

#include <tokenmeter/config.hpp>

#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

TOKENMETER_BEGIN_NAMESPACE

enum class errc : int {
  invalid_argument = 1,  // a caller passed something the API does not accept
  unknown_model,         // no family or rate card answers to this name
  ambiguous_model,       // a name matches more than one entry
  vocab_not_found,       // the vocabulary file is not in any searched location
  vocab_corrupt,         // the file exists but is truncated, malformed or inconsistent
  checksum_mismatch,     // sha256 differs from the manifest
  unsupported,           // a tokenizer.json feature tokenmeter does not implement
  invalid_utf8,          // input text is not UTF-8 and the policy says error
  io_error,              // reading or writing a file failed
  limit_exceeded,        // an input or resource bound was hit
  overflow,              // an integer computation would overflow
  parse_error,           // malformed JSON/TOML/number in a data file or usage object
  out_of_range,          // an id, date or value outside its valid range
  internal_error,        // an invariant of tokenmeter's own did not hold: a bug, please report it
};

[[nodiscard]] constexpr std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::unknown_model: return "unknown_model";
    case errc::ambiguous_model: return "ambiguous_model";
    case errc::vocab_not_found: return "vocab_not_found";
    case errc::vocab_corrupt: return "vocab_corrupt";
    case errc::checksum_mismatch: return "checksum_mismatch";
    case errc::unsupported: return "unsupported";
    case errc::invalid_utf8: return "invalid_utf8";
    case errc::io_error: return "io_error";
    case errc::limit_exceeded: return "limit_exceeded";
    case errc::overflow: return "overflow";
    case errc::parse_error: return "parse_error";
    case errc::out_of_range: return "out_of_range";
    case errc::internal_error: return "internal_error";
  }
  return "unknown_error";
}

struct error {
  errc code{};
  std::string message;
};

[[nodiscard]] inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

// An exception caught where it must not go on (a worker thread: one leaving it ends the process)
// as the error of the work it interrupted: an allocation failure is limit_exceeded, anything else
// internal_error. It allocates nothing when memory has run out ("out of memory" fits in the
// string's own buffer), so a handler can call it.
[[nodiscard]] inline error error_from_exception(const std::exception& e) noexcept {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return error{errc::limit_exceeded, "out of memory"};
  error out{errc::internal_error, {}};
  try {
    out.message = e.what();
  } catch (const std::bad_alloc&) {
  }
  return out;
}

// Thrown only by the throwing layer (value_or_throw), never by core functions.
class exception : public std::runtime_error {
 public:
  explicit exception(error e)
      : std::runtime_error(std::string(to_string(e.code)) + ": " + e.message), err_(std::move(e)) {}
  [[nodiscard]] errc code() const noexcept { return err_.code; }
  [[nodiscard]] const error& err() const noexcept { return err_; }

 private:
  error err_;
};

template <class T>
class result;
namespace detail {
template <class T>
inline constexpr bool is_result_v = false;
template <class T>
inline constexpr bool is_result_v<result<T>> = true;
}  // namespace detail

// A value or an error, in the spirit of std::expected (C++23), kept small and C++20-only.
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, error>, "result<error> is ambiguous");

 public:
  using value_type = T;

  // Implicit conversions only, and never from another result: with "constructible", a failed
  // result<void> (or an empty optional) returned as result<bool> compiled through its explicit
  // operator bool and became the value `false`, the error lost.
  template <class U = T,
            std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                 !std::is_same_v<std::remove_cvref_t<U>, error> &&
                                 !detail::is_result_v<std::remove_cvref_t<U>>,
                             int> = 0>
  result(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT: implicit by design
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] T& value() & { return checked(); }
  [[nodiscard]] const T& value() const& { return const_cast<result*>(this)->checked(); }
  [[nodiscard]] T&& value() && { return std::move(checked()); }

  [[nodiscard]] T& operator*() & noexcept { return std::get<0>(v_); }
  [[nodiscard]] const T& operator*() const& noexcept { return std::get<0>(v_); }
  [[nodiscard]] T&& operator*() && noexcept { return std::get<0>(std::move(v_)); }
  T* operator->() noexcept { return &std::get<0>(v_); }
  const T* operator->() const noexcept { return &std::get<0>(v_); }

  [[nodiscard]] const error& error_value() const& noexcept { return std::get<1>(v_); }
  [[nodiscard]] error&& error_value() && noexcept { return std::get<1>(std::move(v_)); }

  // The throwing layer: returns the value or throws tokenmeter::exception.
  T value_or_throw() && { return std::move(checked()); }
  template <class U>
  [[nodiscard]] T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  T& checked() {
    if (!has_value()) throw exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(error e) : err_(std::move(e)), ok_(false) {}  // NOLINT
  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const error& error_value() const& noexcept { return err_; }
  [[nodiscard]] error&& error_value() && noexcept { return std::move(err_); }
  void value_or_throw() && {
    if (!ok_) throw exception(std::move(err_));
  }

 private:
  error err_{};
  bool ok_ = true;
};

TOKENMETER_END_NAMESPACE

// Propagate an error from an expression returning result<...> (keeps call sites flat).
#define TOKENMETER_TRY(var, expr)                                          \
  auto var##_result_ = (expr);                                             \
  if (!var##_result_) return std::move(var##_result_).error_value();        \
  auto var = std::move(*var##_result_)

#define TOKENMETER_TRY_VOID(expr)                                  \
  do {                                                             \
    auto tokenmeter_try_result_ = (expr);                          \
    if (!tokenmeter_try_result_)                                   \
      return std::move(tokenmeter_try_result_).error_value();      \
  } while (0)
