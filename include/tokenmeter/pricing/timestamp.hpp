// UTC instants for effective dates and schedules: seconds since 1970-01-01T00:00:00Z, parsed from
// and printed as ISO 8601. No time-zone database: schedules use fixed UTC offsets (exact for
// Beijing time, which has no daylight saving).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

struct timestamp {
  std::int64_t seconds = 0;  // since the Unix epoch, UTC
  friend constexpr auto operator<=>(const timestamp&, const timestamp&) = default;
};

namespace detail {

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t y;
  unsigned m, d;
};

[[nodiscard]] constexpr civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

[[nodiscard]] constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

[[nodiscard]] constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t r = a % b;
  return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}

[[nodiscard]] constexpr bool parse_uint(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  out = v;
  return true;
}

[[nodiscard]] constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

}  // namespace detail

// Parses "+08:00", "-05:30", "Z" or "+00:00" into minutes east of UTC.
[[nodiscard]] inline result<int> parse_utc_offset(std::string_view s) {
  if (s == "Z" || s == "UTC") return 0;
  unsigned hh = 0, mm = 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !detail::parse_uint(s, 1, 2, hh) ||
      !detail::parse_uint(s, 4, 2, mm) || hh > 14 || mm > 59)
    return make_error(errc::parse_error, "malformed UTC offset '" + std::string(s) + "' (want +HH:MM)");
  const int minutes = static_cast<int>(hh * 60 + mm);
  return s[0] == '-' ? -minutes : minutes;
}

// Accepts "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS]Z" and the same with "+HH:MM"/"-HH:MM",
// or a plain integer of Unix seconds. A 'T' may be a space. Fractional seconds are not accepted.
[[nodiscard]] inline result<timestamp> parse_timestamp(std::string_view s) {
  const auto bad = [&] { return make_error(errc::parse_error, "malformed timestamp '" + std::string(s) + "' (want ISO 8601, e.g. 2026-08-17T01:00:00Z)"); };
  if (!s.empty() && s.find('-', 1) == std::string_view::npos && s.find(':') == std::string_view::npos) {
    std::int64_t v = 0;
    bool neg = s[0] == '-';
    std::size_t i = neg ? 1 : 0;
    if (i >= s.size()) return bad();
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9' || v > 100'000'000'000'000LL) return bad();
      v = v * 10 + (s[i] - '0');
    }
    return timestamp{neg ? -v : v};
  }
  unsigned y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
  if (s.size() < 10 || !detail::parse_uint(s, 0, 4, y) || s[4] != '-' || !detail::parse_uint(s, 5, 2, mo) ||
      s[7] != '-' || !detail::parse_uint(s, 8, 2, d))
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > detail::days_in_month(y, mo)) return bad();
  int offset_min = 0;
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != ' ') return bad();
    if (!detail::parse_uint(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !detail::parse_uint(s, 14, 2, mi)) return bad();
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
      if (!detail::parse_uint(s, pos + 1, 2, ss)) return bad();
      pos += 3;
    }
    if (hh > 23 || mi > 59 || ss > 59) return bad();
    if (pos >= s.size()) return bad();  // a time needs an explicit zone: no silent local time
    auto off = parse_utc_offset(s.substr(pos));
    if (!off) return bad();
    offset_min = *off;
  }
  const std::int64_t days = detail::days_from_civil(y, mo, d);
  return timestamp{days * 86400 + hh * 3600 + mi * 60 + ss - offset_min * 60LL};
}

// "2026-08-17T01:00:00Z"
[[nodiscard]] inline std::string format_timestamp(timestamp t) {
  const std::int64_t days = detail::floor_div(t.seconds, 86400);
  const std::int64_t sod = detail::floor_mod(t.seconds, 86400);  // days * 86400 overflows near INT64_MIN
  const auto c = detail::civil_from_days(days);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(c.y), c.m, c.d,
                static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60));
  return buf;
}

[[nodiscard]] inline timestamp now_utc() {
  return timestamp{std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
}

// Local wall-clock view of an instant at a fixed UTC offset.
struct local_time {
  int weekday;         // 0 = Monday ... 6 = Sunday
  int minute_of_day;   // 0 .. 1439
};

[[nodiscard]] constexpr local_time to_local(timestamp t, int utc_offset_minutes) noexcept {
  // Split first, then shift the second of the day: t.seconds + offset overflows near the int64 edges.
  const std::int64_t shifted = detail::floor_mod(t.seconds, 86400) + utc_offset_minutes * 60LL;
  const std::int64_t days = detail::floor_div(t.seconds, 86400) + detail::floor_div(shifted, 86400);
  const std::int64_t sod = detail::floor_mod(shifted, 86400);
  // 1970-01-01 was a Thursday (weekday 3 when Monday is 0).
  const int wd = static_cast<int>(((days % 7) + 7 + 3) % 7);
  return {wd, static_cast<int>(sod / 60)};
}

}  // namespace pricing
TOKENMETER_END_NAMESPACE
