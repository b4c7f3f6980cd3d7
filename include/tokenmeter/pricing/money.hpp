// Exact money: integer amounts, decimal strings in and out, never a binary float.
//
// Units
//   * Rates are integers of nano-units of their currency per million tokens (1e-9 of a dollar or
//     yuan per 1M tokens). "$0.003625 / 1M" is 3'625'000.
//   * Amounts are integers of femto-units (1e-15 of the currency). tokens x rate(nano per 1M) is
//     exactly an amount in femto-units, so pricing tokens never rounds.
//   * Only an explicit conversion rounds (FX, or asking for a coarser unit); it rounds once, half to
//     even ("banker's rounding"), and says so.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

using int128 = __int128;

inline constexpr int nano_digits = 9;    // rates: nano-units per 1M tokens
inline constexpr int femto_digits = 15;  // amounts: femto-units of the currency

// An exact amount of one currency.
struct money {
  std::string currency;  // ISO 4217 code: "USD", "CNY", ...
  int128 femto = 0;      // 1e-15 units of the currency

  friend bool operator==(const money&, const money&) = default;
};

enum class rounding { half_even };

[[nodiscard]] constexpr std::string_view to_string(rounding) noexcept { return "half_even"; }

namespace detail {

inline constexpr int128 int128_max = static_cast<int128>((static_cast<unsigned __int128>(1) << 127) - 1);

[[nodiscard]] constexpr int128 pow10(int n) noexcept {
  int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

[[nodiscard]] inline result<int128> checked_mul(int128 a, int128 b, std::string_view what) {
  int128 r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    return make_error(errc::overflow, std::string(what) + ": 128-bit overflow");
  return r;
}

[[nodiscard]] inline result<int128> checked_add(int128 a, int128 b, std::string_view what) {
  int128 r = 0;
  if (__builtin_add_overflow(a, b, &r))
    return make_error(errc::overflow, std::string(what) + ": 128-bit overflow");
  return r;
}

// Divides and rounds half to even. den > 0.
[[nodiscard]] constexpr int128 div_round_half_even(int128 num, int128 den) noexcept {
  int128 q = num / den;
  int128 r = num % den;
  if (r == 0) return q;
  const bool neg = r < 0;
  const int128 twice = (neg ? -r : r) * 2;  // |r| < den, den fits: callers keep den <= 1e30
  if (twice > den || (twice == den && (q % 2 != 0))) q += neg ? -1 : 1;
  return q;
}

}  // namespace detail

// Parses a plain decimal string ("12", "0.003625", "-1.5") into an integer scaled by 10^scale.
// More fractional digits than `scale` is an error unless they are all zeros: nothing is rounded.
// No exponent, no leading '+', no spaces, at least one digit before an optional '.'.
[[nodiscard]] inline result<int128> parse_decimal(std::string_view s, int scale) {
  std::string shown;  // built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + std::string
  shown.reserve(s.size() + 2);
  shown.append(1, '\'').append(s).append(1, '\'');
  if (s.empty()) return make_error(errc::parse_error, "empty decimal string");
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '-') {
    neg = true;
    i = 1;
  }
  int128 v = 0;
  int int_digits = 0, frac_digits = 0;
  bool seen_dot = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (seen_dot || int_digits == 0) return make_error(errc::parse_error, "malformed decimal " + shown);
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') return make_error(errc::parse_error, "malformed decimal " + shown);
    const int d = c - '0';
    if (seen_dot) {
      ++frac_digits;
      if (frac_digits > scale) {
        if (d != 0)
          return make_error(errc::out_of_range, "decimal " + shown + " has more than " + std::to_string(scale) +
                                                    " fractional digits; it cannot be represented exactly");
        continue;
      }
    } else {
      ++int_digits;
    }
    if (v > (detail::int128_max - d) / 10) return make_error(errc::overflow, "decimal " + shown + " is too large");
    v = v * 10 + d;
  }
  if (int_digits == 0 || (seen_dot && frac_digits == 0)) return make_error(errc::parse_error, "malformed decimal " + shown);
  const int used = frac_digits < scale ? frac_digits : scale;
  for (int k = used; k < scale; ++k) {
    if (v > detail::int128_max / 10) return make_error(errc::overflow, "decimal " + shown + " is too large");
    v *= 10;
  }
  return neg ? -v : v;
}

// Formats an integer scaled by 10^scale as a decimal string with every significant digit and no
// trailing fractional zeros ("3625000", 9 -> "0.003625"; 5'000'000'000, 9 -> "5").
[[nodiscard]] inline std::string format_decimal(int128 v, int scale) {
  const bool neg = v < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
  char rev[64];  // digits, least significant first; 2^127 has 39 digits, plus zero padding up to scale
  int n = 0;
  do {
    rev[n++] = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0);
  while (n <= scale && n < 63) rev[n++] = '0';  // at least one integer digit
  int frac_end = 0;  // trailing fractional zeros are not significant
  while (frac_end < scale && rev[frac_end] == '0') ++frac_end;
  std::string out;
  out.reserve(static_cast<std::size_t>(n) + 2);
  if (neg) out.push_back('-');
  for (int i = n - 1; i >= scale; --i) out.push_back(rev[i]);
  if (frac_end < scale) {
    out.push_back('.');
    for (int i = scale - 1; i >= frac_end; --i) out.push_back(rev[i]);
  }
  return out;
}

[[nodiscard]] inline std::string format_rate(std::int64_t nano_per_million) {
  return format_decimal(nano_per_million, nano_digits);
}
[[nodiscard]] inline std::string format_amount(int128 femto) { return format_decimal(femto, femto_digits); }

// Rounds an exact femto amount to `digits` fractional digits of the currency (9 = nano, 2 = cents),
// half to even, once. Returns the rounded amount still expressed in femto-units.
[[nodiscard]] inline int128 round_femto(int128 femto, int digits, rounding = rounding::half_even) {
  if (digits >= femto_digits) return femto;
  const int128 unit = detail::pow10(femto_digits - digits);
  return detail::div_round_half_even(femto, unit) * unit;
}

}  // namespace pricing
TOKENMETER_END_NAMESPACE
