// Unknown models, malformed usage JSON and prices that would overflow: each is a typed error,
// never a crash, a wrapped number or a silent zero. Also the regressions the fuzzers found.
#include "robustness_support.hpp"

#include <tokenmeter/pricing/pricing.hpp>

#include <gtest/gtest.h>

#include <string>

using namespace tokenmeter;
namespace tp = tokenmeter::pricing;

namespace {

constexpr const char* card_head = R"(schema = 1
[[card]]
provider = "example"
model = "m"
effective_from = "2020-01-01"
source = "test"
checked = "2026-01-01"
authority = "negotiated"
)";

// The embedded table with one overlay card; a card the reader refuses throws (a test failure).
tp::rate_table overlay(const std::string& card_body) {
  auto f = tp::parse_rate_toml(std::string(card_head) + card_body, "overlay.toml").value_or_throw();
  return tp::builtin_rate_table().with_overlay(f.cards, "test").value_or_throw();
}

const tp::timestamp when{1767225600};  // 2026-01-01T00:00:00Z

errc usage_error(const std::string& text) {
  auto u = tp::parse_usage_document(text);
  return u ? errc{} : u.error_value().code;
}

}  // namespace

TEST(UnknownModel, TokenizerAndPriceLookupsAreTypedErrors) {
  for (const char* name : {"gpt-99-ultra", "", "   ", "claude", "\xFF\xFE", "o200k_base\n"}) {
    auto m = load_model(name);
    ASSERT_FALSE(m.has_value()) << name;
    EXPECT_EQ(m.error_value().code, errc::unknown_model) << name;
  }
  // A near miss names what the user probably meant.
  auto near = load_model("gpt-4oo");
  ASSERT_FALSE(near.has_value());
  EXPECT_NE(near.error_value().message.find("gpt-4o"), std::string::npos) << near.error_value().message;
  EXPECT_EQ(load_family("no-such-family").error_value().code, errc::unknown_model);

  tp::usage u;
  u.input = 10;
  auto p = tp::price(tp::builtin_rate_table(), u, "gpt-99-ultra", "", when);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error_value().code, errc::unknown_model);
  EXPECT_EQ(tp::price(tp::builtin_rate_table(), u, "", "", when).error_value().code, errc::invalid_argument);
  EXPECT_EQ(tp::price(tp::builtin_rate_table(), u, "gpt-4o", "no-such-provider", when).error_value().code, errc::unknown_model);
}

TEST(UsageJson, MalformedDocumentsAreParseErrors) {
  EXPECT_EQ(usage_error(R"({"usage":{"prompt_tokens":1,"completion_tokens":2}})"), errc{});
  for (const std::string& bad : {
           std::string(""), std::string("   \n"), std::string("{"), std::string(R"({"usage":{"prompt_tokens":1)"),
           std::string(R"({"usage":{"prompt_tokens":"12"}})"),          // count as a string
           std::string(R"({"usage":{"prompt_tokens":-3}})"),            // negative
           std::string(R"({"usage":{"prompt_tokens":1.5}})"),           // fractional
           std::string(R"({"usage":{"prompt_tokens":1e400}})"),         // float beyond double
           std::string(R"({"usage":{"prompt_tokens":18446744073709551616}})"),  // 2^64
           std::string(R"({"usage":{"prompt_tokens":true}})"), std::string(R"({"usage":{"input_tokens":[]}})"),
           std::string(R"({"usage":{"prompt_tokens":10,"prompt_tokens_details":{"cached_tokens":11}}})"),  // part > whole
           std::string(R"({"id":"gen-1","usage":{"prompt_tokens":1,"cost":"abc"}})"),
           std::string(R"({"id":"gen-1","usage":{"prompt_tokens":1,"cost":1e999}})"),
           std::string("[1, 2]"), std::string("\"usage\""), std::string("null"), std::string(R"({"no":"usage here"})"),
           std::string("{\"usage\":{\"prompt_tokens\":1}}\n{\"usage\":"),  // JSONL with a truncated line
           std::string("\xEF\xBB\xBF{\"usage\":{}}"),                   // byte-order mark
           std::string(200000, '[') + std::string(200000, ']'),         // deep nesting: no stack overflow
       }) {
    EXPECT_EQ(usage_error(bad), errc::parse_error) << bad.substr(0, 80);
  }
}

// Found by fuzz/usage_json_fuzz: sums of parts were computed in 64 bits and wrapped, so parts
// larger than their total were accepted and billed. Counts beyond 10^15 are now refused where
// they are read, so no later sum (the adapters', reconciliation's, a trace's totals) can wrap.
TEST(UsageJson, PartsThatOnlyFitTheirTotalByWrappingAreRefused) {
  const std::string max = "18446744073709551615";
  EXPECT_EQ(usage_error(R"({"id":"gen-1","usage":{"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":)" + max +
                        R"(,"cache_write_tokens":6}}})"),
            errc::parse_error);
  EXPECT_EQ(usage_error(R"({"usage":{"prompt_tokens":0,"prompt_cache_hit_tokens":)" + max + R"(,"prompt_cache_miss_tokens":1}})"),
            errc::parse_error);
  EXPECT_EQ(usage_error(R"({"usage":{"input_tokens":1,"cache_creation_input_tokens":3,"cache_creation":{"ephemeral_5m_input_tokens":)" + max +
                        R"(,"ephemeral_1h_input_tokens":4}}})"),
            errc::parse_error);
  EXPECT_EQ(usage_error(R"({"usageMetadata":{"promptTokenCount":)" + max + R"(,"toolUsePromptTokenCount":1}})"),
            errc::parse_error);
  // A single huge count that only a later sum would wrap (reconcile / trace totals).
  EXPECT_EQ(usage_error(R"({"type":"message","usage":{"input_tokens":)" + max + R"(,"cache_read_input_tokens":5,"output_tokens":1}})"),
            errc::parse_error);
  // The bound itself is accepted.
  EXPECT_EQ(usage_error(R"({"usage":{"prompt_tokens":1000000000000000,"completion_tokens":1}})"), errc{});
}

TEST(PriceOverflow, AmountsThatDoNotFitAreOverflowErrors) {
  // The largest rates (10^6 units per 1M tokens) x the largest multiplier (100) x 2^64-1 tokens
  // in every bucket still fit 128 bits: priced exactly, no false alarm.
  auto t = overlay(R"(rates = { input = "1000000", cache_read = "1000000", cache_write_5m = "1000000", cache_write_1h = "1000000", output = "1000000", reasoning = "1000000", request = "1000000" })"
                   "\nservice_tiers = { priority = \"100\" }\n");
  tp::usage u;
  u.input = u.cache_read = u.cache_write_5m = u.cache_write_1h = u.output = u.reasoning = UINT64_MAX;
  u.requests = 1;
  auto p = tp::price(t, u, "m", "example", when, tp::service_tier::priority);
  ASSERT_TRUE(p.has_value()) << p.error_value().message;
  const tp::int128 rate = tp::int128{1'000'000} * 1'000'000'000 * 100;  // nano-units per 1M tokens
  EXPECT_EQ(p->total_femto, tp::int128{UINT64_MAX} * rate * 6 + rate * 1'000'000);
  // The same card's per-request fee x 2^64-1 requests does not fit: overflow, not a wrapped total.
  u.requests = UINT64_MAX;
  auto over = tp::price(t, u, "m", "example", when, tp::service_tier::priority);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error_value().code, errc::overflow);
  // Rates beyond the validated range are refused when the card is read, as are decimals past 2^127.
  EXPECT_FALSE(tp::parse_rate_toml(std::string(card_head) + "rates = { input = \"1000000.000000001\", output = \"1\" }\n", "o.toml").has_value());
  EXPECT_EQ(tp::parse_decimal("170141183460469231731687303715884105728", 0).error_value().code, errc::overflow);
  EXPECT_EQ(tp::parse_decimal("-170141183460469231731687303715884105729", 0).error_value().code, errc::overflow);
}

// Found by fuzz/usage_json_fuzz: a usage's own "created" timestamp near the int64 edges made the
// date arithmetic overflow (undefined behaviour) while printing or placing it in a schedule.
TEST(Timestamps, ExtremeInstantsFormatAndConvertWithoutOverflow) {
  for (const std::int64_t s : {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 86399, std::int64_t{-1}}) {
    const std::string text = tp::format_timestamp(tp::timestamp{s});
    EXPECT_FALSE(text.empty());
    const auto lt = tp::to_local(tp::timestamp{s}, 8 * 60);
    EXPECT_GE(lt.minute_of_day, 0);
    EXPECT_LT(lt.minute_of_day, 1440);
    EXPECT_GE(lt.weekday, 0);
    EXPECT_LT(lt.weekday, 7);
  }
  EXPECT_EQ(tp::format_timestamp(tp::timestamp{-1}), "1969-12-31T23:59:59Z");
  // The same instant seen from UTC+08:00 is eight hours later on the wall clock.
  EXPECT_EQ(tp::to_local(tp::timestamp{0}, 8 * 60).minute_of_day, 8 * 60);
  EXPECT_EQ(tp::to_local(tp::timestamp{0}, -60).minute_of_day, 23 * 60);
  EXPECT_EQ(tp::to_local(tp::timestamp{0}, -60).weekday, 2);  // Wednesday 1969-12-31
  // A card with a time-of-day schedule priced at the last representable instant: priced or
  // out_of_range (no card in force), never undefined behaviour (the sanitizer build checks).
  tp::usage u;
  u.input = 1;
  auto p = tp::price(tp::builtin_rate_table(), u, "deepseek-chat", "", tp::timestamp{INT64_MAX});
  EXPECT_TRUE(p.has_value() || p.error_value().code == errc::out_of_range) << p.error_value().message;
}
