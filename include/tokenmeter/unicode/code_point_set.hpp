// Sets of code points as sorted, disjoint, non-adjacent ranges, with the set algebra regex
// character classes need (union, intersection, complement).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/unicode/properties.hpp>

#include <algorithm>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace unicode {

class code_point_set {
 public:
  code_point_set() = default;
  explicit code_point_set(std::vector<range> rs) : r_(std::move(rs)) { normalize(); }
  static code_point_set single(char32_t cp) { return code_point_set({{cp, cp}}); }
  static code_point_set span(char32_t a, char32_t b) { return code_point_set({{std::min(a, b), std::max(a, b)}}); }

  [[nodiscard]] const std::vector<range>& ranges() const noexcept { return r_; }
  [[nodiscard]] bool empty() const noexcept { return r_.empty(); }

  [[nodiscard]] bool contains(char32_t cp) const noexcept {
    const auto it = std::upper_bound(r_.begin(), r_.end(), cp, [](char32_t v, const range& x) { return v < x.first; });
    return it != r_.begin() && std::prev(it)->last >= cp;
  }

  void add(const code_point_set& o) {
    r_.insert(r_.end(), o.r_.begin(), o.r_.end());
    normalize();
  }

  [[nodiscard]] code_point_set complement() const {
    std::vector<range> out;
    char32_t next = 0;
    for (const range& x : r_) {
      if (x.first > next) out.push_back({next, x.first - 1});
      next = x.last + 1;
    }
    if (next <= 0x10FFFF) out.push_back({next, 0x10FFFF});
    code_point_set s;
    s.r_ = std::move(out);
    return s;
  }

  [[nodiscard]] code_point_set intersect(const code_point_set& o) const {
    std::vector<range> out;
    std::size_t i = 0, j = 0;
    while (i < r_.size() && j < o.r_.size()) {
      const char32_t lo = std::max(r_[i].first, o.r_[j].first);
      const char32_t hi = std::min(r_[i].last, o.r_[j].last);
      if (lo <= hi) out.push_back({lo, hi});
      if (r_[i].last < o.r_[j].last) ++i; else ++j;
    }
    code_point_set s;
    s.r_ = std::move(out);
    return s;
  }

  friend bool operator==(const code_point_set& a, const code_point_set& b) {
    return a.r_.size() == b.r_.size() &&
           std::equal(a.r_.begin(), a.r_.end(), b.r_.begin(),
                      [](const range& x, const range& y) { return x.first == y.first && x.last == y.last; });
  }

 private:
  void normalize() {
    std::sort(r_.begin(), r_.end(), [](const range& a, const range& b) { return a.first < b.first; });
    std::vector<range> out;
    for (const range& x : r_) {
      if (!out.empty() && x.first <= out.back().last + 1)
        out.back().last = std::max(out.back().last, x.last);
      else
        out.push_back(x);
    }
    r_ = std::move(out);
  }
  std::vector<range> r_;
};

}  // namespace unicode
TOKENMETER_END_NAMESPACE
