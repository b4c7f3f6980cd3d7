// Exact decimals, rounding, overflow guards and timestamps.
#include <tokenmeter/pricing/money.hpp>
#include <tokenmeter/pricing/timestamp.hpp>

#include <gtest/gtest.h>

namespace tp = tokenmeter::pricing;
using tokenmeter::errc;

TEST(pricing_money, parses_decimal_strings_exactly) {
  EXPECT_EQ(*tp::parse_decimal("0.003625", 9), 3'625'000);
  EXPECT_EQ(*tp::parse_decimal("5", 9), 5'000'000'000);
  EXPECT_EQ(*tp::parse_decimal("1.10", 9), 1'100'000'000);
  EXPECT_EQ(*tp::parse_decimal("1.2000000000000", 9), 1'200'000'000);  // trailing zeros are exact
  EXPECT_EQ(*tp::parse_decimal("-1.5", 9), -1'500'000'000);
  EXPECT_EQ(*tp::parse_decimal("0.000000001", 9), 1);
}

TEST(pricing_money, refuses_precision_it_cannot_represent) {
  auto r = tp::parse_decimal("0.0000000001", 9);  // 1e-10 is below a nano-unit
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_value().code, errc::out_of_range);
  EXPECT_FALSE(tp::parse_decimal("0.0016150000000000001", 15));
}

TEST(pricing_money, rejects_malformed_decimals) {
  for (const char* bad : {"", ".5", "1.", "1e5", "+1", " 1", "1..2", "1,5", "0x10", "-", "NaN"}) {
    auto r = tp::parse_decimal(bad, 9);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error_value().code, errc::parse_error) << bad;
    }
  }
  auto huge = tp::parse_decimal("999999999999999999999999999999999999999999", 9);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error_value().code, errc::overflow);
}

TEST(pricing_money, formats_every_significant_digit) {
  EXPECT_EQ(tp::format_decimal(3'625'000, 9), "0.003625");
  EXPECT_EQ(tp::format_decimal(5'000'000'000, 9), "5");
  EXPECT_EQ(tp::format_decimal(0, 15), "0");
  EXPECT_EQ(tp::format_decimal(-1, 15), "-0.000000000000001");
  EXPECT_EQ(tp::format_amount(1'615'000'000'000), "0.001615");
  const tp::int128 big = static_cast<tp::int128>(1'615'000'000'000) * 1'000'000'000 * 1'000'000;  // 1.615e27 femto
  EXPECT_EQ(tp::format_amount(big), "1615000000000");
}

TEST(pricing_money, rounds_half_to_even_once) {
  const tp::int128 cent_half = 5 * tp::detail::pow10(12);  // 0.005
  EXPECT_EQ(tp::round_femto(2 * tp::detail::pow10(13) + cent_half, 2), 2 * tp::detail::pow10(13));  // 0.025 -> 0.02
  EXPECT_EQ(tp::round_femto(3 * tp::detail::pow10(13) + cent_half, 2), 4 * tp::detail::pow10(13));  // 0.035 -> 0.04
  EXPECT_EQ(tp::round_femto(-(2 * tp::detail::pow10(13) + cent_half), 2), -2 * tp::detail::pow10(13));
  EXPECT_EQ(tp::round_femto(2 * tp::detail::pow10(13) + cent_half + 1, 2), 3 * tp::detail::pow10(13));  // just above half
  EXPECT_EQ(tp::round_femto(123'456'789, 9), 123'000'000);  // 123.456789 nano -> 123 nano
  EXPECT_EQ(tp::round_femto(1'500'000, 9), 2'000'000);  // 1.5 nano -> 2 nano (even)
  EXPECT_EQ(tp::round_femto(2'500'000, 9), 2'000'000);  // 2.5 nano -> 2 nano (even)
}

TEST(pricing_money, checked_arithmetic_reports_overflow) {
  const tp::int128 max = tp::detail::int128_max;
  auto m = tp::detail::checked_mul(max / 2 + 1, 2, "test");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error_value().code, errc::overflow);
  auto a = tp::detail::checked_add(max, 1, "test");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error_value().code, errc::overflow);
  EXPECT_TRUE(tp::detail::checked_add(max - 1, 1, "test"));
}

TEST(pricing_time, parses_iso_8601_instants) {
  EXPECT_EQ(tp::parse_timestamp("2026-01-01")->seconds, 1'767'225'600);
  EXPECT_EQ(tp::parse_timestamp("2026-08-17T01:00:00Z")->seconds, 1'786'928'400);
  EXPECT_EQ(tp::parse_timestamp("2026-08-17T09:00:00+08:00")->seconds, 1'786'928'400);
  EXPECT_EQ(tp::parse_timestamp("2026-08-17 01:00Z")->seconds, 1'786'928'400);
  EXPECT_EQ(tp::parse_timestamp("1786928400")->seconds, 1'786'928'400);
  EXPECT_EQ(tp::format_timestamp(tp::timestamp{1'786'928'400}), "2026-08-17T01:00:00Z");
  EXPECT_FALSE(tp::parse_timestamp("2026-02-30"));
  EXPECT_FALSE(tp::parse_timestamp("2026-08-17T01:00:00"));  // no zone: refused, never local time
  EXPECT_FALSE(tp::parse_timestamp("2026-08-17T25:00:00Z"));
  EXPECT_FALSE(tp::parse_timestamp("yesterday"));
}

TEST(pricing_time, local_weekday_and_minute_at_fixed_offsets) {
  // 2026-08-22T16:00:00Z is Sunday 00:00 in Beijing (UTC+8) and Saturday 16:00 in UTC.
  const auto t = *tp::parse_timestamp("2026-08-22T16:00:00Z");
  EXPECT_EQ(tp::to_local(t, 480).weekday, 6);
  EXPECT_EQ(tp::to_local(t, 480).minute_of_day, 0);
  EXPECT_EQ(tp::to_local(t, 0).weekday, 5);
  EXPECT_EQ(tp::to_local(t, 0).minute_of_day, 16 * 60);
  EXPECT_EQ(tp::to_local(tp::timestamp{-1}, 0).weekday, 2);  // 1969-12-31 was a Wednesday
  EXPECT_EQ(*tp::parse_utc_offset("-05:30"), -330);
  EXPECT_FALSE(tp::parse_utc_offset("Asia/Shanghai"));
}
