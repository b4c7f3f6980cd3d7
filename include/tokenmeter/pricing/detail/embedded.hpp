// Plain constexpr shapes of the embedded rate table (what rates/generate_rate_table writes into
// rate_table_data.hpp), and the compile-time ambiguity check the generated header static_asserts.
#pragma once

#include <tokenmeter/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing::detail {

struct e_rates {
  std::array<std::int64_t, 7> nano;  // indexed by pricing::bucket
  std::uint8_t present;              // bit i set when bucket i has a rate
};

struct e_tier {
  std::uint64_t threshold;
  bool inclusive;
  std::uint8_t counts;  // bit mask of buckets
  bool excess;
  e_rates rates;
};

struct e_window {
  std::string_view label;
  std::uint8_t days;
  std::int16_t start_minute, end_minute;
  e_rates rates;
};

struct e_card {
  std::string_view provider, model, currency;
  std::uint16_t name_begin, alias_count, prefix_count;  // names[name_begin ..]: aliases then prefixes
  bool first_party, regional;
  std::int64_t from;
  bool has_to;
  std::int64_t to;
  std::string_view promotion;
  e_rates rates;
  std::uint16_t tier_begin, tier_count;
  bool has_schedule;
  std::int16_t utc_offset_minutes;
  std::string_view base_label;
  std::uint16_t window_begin, window_count;
  std::array<std::int64_t, 4> service_millionths;  // 0 = tier not offered
  std::string_view source, checked, authority, note, crosscheck;
};

struct e_not_found {
  std::string_view provider, model, searched;
};

[[nodiscard]] constexpr char lower_char(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

[[nodiscard]] constexpr bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower_char(a[i]) != lower_char(b[i])) return false;
  return true;
}

[[nodiscard]] constexpr bool iprefix(std::string_view s, std::string_view p) noexcept {
  return p.size() <= s.size() && iequal(s.substr(0, p.size()), p);
}

// Compile-time version of rate_table's check_unambiguous(): cards of one provider whose periods
// overlap share no exact name, and none of their match prefixes is a prefix of another's.
template <std::size_t NC, std::size_t NN>
[[nodiscard]] constexpr bool embedded_unambiguous(const std::array<e_card, NC>& cards, const std::array<std::string_view, NN>& names) noexcept {
  auto name_at = [&](const e_card& c, std::size_t k) -> std::string_view { return k == 0 ? c.model : names[c.name_begin + k - 1]; };
  for (std::size_t i = 0; i < NC; ++i) {
    for (std::size_t j = i + 1; j < NC; ++j) {
      const e_card& a = cards[i];
      const e_card& b = cards[j];
      if (a.provider != b.provider) continue;
      const bool overlap = (!b.has_to || a.from < b.to) && (!a.has_to || b.from < a.to);
      if (!overlap) continue;
      for (std::size_t x = 0; x <= a.alias_count; ++x)
        for (std::size_t y = 0; y <= b.alias_count; ++y)
          if (iequal(name_at(a, x), name_at(b, y))) return false;
      for (std::size_t x = 0; x < a.prefix_count; ++x)
        for (std::size_t y = 0; y < b.prefix_count; ++y) {
          const auto p = names[a.name_begin + a.alias_count + x];
          const auto q = names[b.name_begin + b.alias_count + y];
          if (iprefix(p, q) || iprefix(q, p)) return false;
        }
    }
  }
  return true;
}

}  // namespace pricing::detail
TOKENMETER_END_NAMESPACE
