// Code point -> "kind": general category x White_Space x Han, the distinctions every split
// pattern we know is built from. A two-level table (built once per process, ~70 KB) makes the
// lookup two loads; character classes are then bit sets over the 120 kinds.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/unicode/properties.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace unicode {

inline constexpr std::size_t kind_count = general_category_count * 4;

// A kind is general_category * 4 + (White_Space ? 2 : 0) + (Han ? 1 : 0).
[[nodiscard]] constexpr general_category category_of_kind(std::size_t kind) noexcept {
  return static_cast<general_category>(kind / 4);
}


class kind_table {
 public:
  struct run {
    char32_t first, last;
    std::uint8_t kind;
  };

  static const kind_table& instance() {
    static const kind_table t;
    return t;
  }

  [[nodiscard]] TOKENMETER_ALWAYS_INLINE std::uint8_t kind(char32_t cp) const noexcept {
    if (TOKENMETER_UNLIKELY(cp > 0x10FFFF)) return 0;
    return blocks_[(static_cast<std::size_t>(index_[cp >> 8]) << 8) | (cp & 0xFF)];
  }

  // Maximal runs of code points with the same kind, in order, covering 0..10FFFF. Built on first
  // use: only the generic pattern compiler needs it, and loading should not pay for it.
  [[nodiscard]] const std::vector<run>& runs() const {
    std::call_once(runs_once_, [this] {
      for (std::size_t b = 0; b < index_.size(); ++b) {
        const std::uint8_t* blk = blocks_.data() + (static_cast<std::size_t>(index_[b]) << 8);
        for (std::size_t i = 0; i < 256; ++i) {
          const auto cp = static_cast<char32_t>((b << 8) | i);
          if (!runs_.empty() && runs_.back().kind == blk[i])
            runs_.back().last = cp;
          else
            runs_.push_back({cp, cp, blk[i]});
        }
      }
    });
    return runs_;
  }

 private:
  kind_table() {
    std::vector<std::uint8_t> full(0x110000);
    for (std::uint32_t k = 0; k < detail::ucd::gc_run_count; ++k) {
      const std::uint32_t first = detail::ucd::gc_run_start[k];
      const std::uint32_t end = k + 1 < detail::ucd::gc_run_count ? detail::ucd::gc_run_start[k + 1] : 0x110000;
      std::memset(full.data() + first, detail::ucd::gc_run_value[k] * 4, end - first);
    }
    for (const range& r : detail::ucd::white_space)
      for (char32_t cp = r.first; cp <= r.last; ++cp) full[cp] |= 2;
    for (const range& r : detail::ucd::script_han)
      for (char32_t cp = r.first; cp <= r.last; ++cp) full[cp] |= 1;
    // Deduplicate 256-entry blocks: most of the code space repeats a few blocks (hashed, since
    // this runs at every process start).
    std::unordered_map<std::string_view, std::uint16_t> seen;
    std::vector<std::size_t> first_of_id;
    for (std::size_t b = 0; b < index_.size(); ++b) {
      const std::string_view blk(reinterpret_cast<const char*>(full.data()) + (b << 8), 256);
      auto [it, inserted] = seen.emplace(blk, static_cast<std::uint16_t>(seen.size()));
      if (inserted) first_of_id.push_back(b);
      index_[b] = it->second;
    }
    for (const std::size_t b : first_of_id) blocks_.insert(blocks_.end(), full.begin() + static_cast<std::ptrdiff_t>(b << 8),
                                                           full.begin() + static_cast<std::ptrdiff_t>((b + 1) << 8));
  }

  std::array<std::uint16_t, 0x1100> index_{};
  std::vector<std::uint8_t> blocks_;
  mutable std::vector<run> runs_;
  mutable std::once_flag runs_once_;
};

}  // namespace unicode
TOKENMETER_END_NAMESPACE
