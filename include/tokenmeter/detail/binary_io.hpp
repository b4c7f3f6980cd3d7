// Bounds-checked binary serialization for the compiled-vocabulary cache: a damaged cache file
// makes a reader fail (and the cache be rebuilt), never read out of bounds.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/flat_array.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

class binary_writer {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put_string(std::string_view s) {
    put<std::uint64_t>(s.size());
    out_.append(s);
  }
  // An array, padded to 8-byte alignment so a reader can use it in place.
  template <class T>
  void put_array(const T* p, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= 8);
    put<std::uint64_t>(n);
    out_.append((8 - out_.size() % 8) % 8, '\0');
    out_.append(reinterpret_cast<const char*>(p), n * sizeof(T));
  }
  template <class A>
  void put_flat(const A& a) {
    put_array(a.data(), a.size());
  }
  [[nodiscard]] std::string& data() noexcept { return out_; }

 private:
  std::string out_;
};

class binary_reader {
 public:
  explicit binary_reader(std::string_view in) : in_(in) {}

  template <class T>
  bool get(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in_.size() - pos_ < sizeof v) return fail();
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return true;
  }
  bool get_string(std::string& s) {
    std::uint64_t n = 0;
    if (!get(n) || n > in_.size() - pos_) return fail();
    s.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // An array written by put_array, viewed in place (the input must outlive it: `keep`).
  template <class T>
  bool get_flat(flat_array<T>& a, const std::shared_ptr<const void>& keep) {
    std::uint64_t n = 0;
    const char* p = elements<T>(n);
    if (p == nullptr || reinterpret_cast<std::uintptr_t>(p) % alignof(T) != 0) return fail();
    a.view(reinterpret_cast<const T*>(p), n, keep);
    return true;
  }
  // An array written by put_array that must hold exactly n elements, copied into out.
  template <class T>
  bool get_array(T* out, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::uint64_t count = 0;
    const char* p = elements<T>(count);
    if (p == nullptr || count != n) return fail();
    std::memcpy(out, p, n * sizeof(T));
    return true;
  }
  [[nodiscard]] bool at_end() const noexcept { return pos_ == in_.size(); }

 private:
  static bool fail() { return false; }
  // The elements of an array written by put_array (count in n), or nullptr if it does not fit.
  template <class T>
  const char* elements(std::uint64_t& n) {
    if (!get(n)) return nullptr;
    pos_ += (8 - pos_ % 8) % 8;
    if (pos_ > in_.size() || n > (in_.size() - pos_) / sizeof(T)) return nullptr;
    const char* p = in_.data() + pos_;
    pos_ += n * sizeof(T);
    return p;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace detail
TOKENMETER_END_NAMESPACE
