// An array that either owns its elements (while a table is being built) or views memory owned
// by someone else -- a read-only mapping of a compiled-cache file -- so a cached vocabulary is
// used in place instead of copied (on this class of VM every first-touched page costs ~14 us).
#pragma once

#include <tokenmeter/config.hpp>

#include <cstddef>
#include <memory>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

template <class T>
class flat_array {
 public:
  flat_array() = default;
  flat_array(const flat_array&) = delete;
  flat_array& operator=(const flat_array&) = delete;
  flat_array(flat_array&& o) noexcept : owned_(std::move(o.owned_)), p_(o.p_), n_(o.n_), keep_(std::move(o.keep_)) {
    o.p_ = nullptr;
    o.n_ = 0;
  }
  flat_array& operator=(flat_array&& o) noexcept {
    owned_ = std::move(o.owned_);
    p_ = o.p_;
    n_ = o.n_;
    keep_ = std::move(o.keep_);
    o.p_ = nullptr;
    o.n_ = 0;
    return *this;
  }

  // Building (owned mode).
  void reserve(std::size_t n) { owned_.reserve(n); sync(); }
  void append(const T* p, std::size_t n) { owned_.insert(owned_.end(), p, p + n); sync(); }
  void resize(std::size_t n, const T& v = T{}) { owned_.resize(n, v); sync(); }
  void assign(std::size_t n, const T& v) { owned_.assign(n, v); sync(); }
  // Takes a vector built elsewhere (no copy).
  void adopt(std::vector<T>&& v) { owned_ = std::move(v); keep_.reset(); sync(); }
  // Gives back what growth over-allocated (a table is built once and kept).
  void shrink_to_fit() { owned_.shrink_to_fit(); sync(); }
  [[nodiscard]] T& mut(std::size_t i) noexcept { return owned_[i]; }

  // Viewing memory kept alive by `keep`.
  void view(const T* p, std::size_t n, std::shared_ptr<const void> keep) {
    owned_ = {};
    p_ = p;
    n_ = n;
    keep_ = std::move(keep);
  }

  [[nodiscard]] const T* data() const noexcept { return p_; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return p_[i]; }
  [[nodiscard]] const T* begin() const noexcept { return p_; }
  [[nodiscard]] const T* end() const noexcept { return p_ + n_; }
  // Heap bytes owned (a mapped view is shared page cache, not counted).
  [[nodiscard]] std::size_t owned_bytes() const noexcept { return owned_.capacity() * sizeof(T); }

 private:
  void sync() noexcept {
    p_ = owned_.data();
    n_ = owned_.size();
  }
  std::vector<T> owned_;
  const T* p_ = nullptr;
  std::size_t n_ = 0;
  std::shared_ptr<const void> keep_;
};

}  // namespace detail
TOKENMETER_END_NAMESPACE
