// price(): tiers at their thresholds, effective dates, time-of-day edges, batch + cache, summing
// without drift, overflow, FX. Every expected amount is tokens x the stated $/1M rate, by hand.
#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/pricing/rate_loader.hpp>

#include <gtest/gtest.h>

#include <string>

namespace tp = tokenmeter::pricing;
using tokenmeter::errc;

namespace {

tp::timestamp at(const char* s) { return *tp::parse_timestamp(s); }

tp::price_breakdown price(const tp::usage& u, const char* model, const char* when, tp::service_tier tier = tp::service_tier::standard,
                          const char* provider = "") {
  auto r = tp::price(tp::builtin_rate_table(), u, model, provider, at(when), tier);
  if (!r) ADD_FAILURE() << model << " @ " << when << ": " << r.error_value().message;
  return r ? *r : tp::price_breakdown{};
}

std::string total(const tp::usage& u, const char* model, const char* when, tp::service_tier tier = tp::service_tier::standard,
                  const char* provider = "") {
  return tp::format_amount(price(u, model, when, tier, provider).total_femto);
}

tp::usage in_out(std::uint64_t input, std::uint64_t output = 0) {
  tp::usage u;
  u.input = input;
  u.output = output;
  return u;
}

tp::rate_table overlay_table(const std::string& cards) {
  auto f = tp::parse_rate_toml("schema = 1\n[defaults]\nprovider = \"test\"\ncurrency = \"USD\"\n" + cards, "test.toml");
  if (!f) ADD_FAILURE() << f.error_value().message;
  auto t = tp::rate_table::make(f ? f->cards : std::vector<tp::rate_card>{}, "test");
  if (!t) ADD_FAILURE() << t.error_value().message;
  return t ? *t : tp::rate_table{};
}

const char* kCardHead =
    "[[card]]\nmodel = \"m\"\neffective_from = \"2026-01-01\"\nsource = \"https://example.com\"\nchecked = \"2026-11-23\"\nauthority = \"custom\"\n";

}  // namespace

// ---- long-context tiers: at the threshold and one token either side ----------------------------------

TEST(pricing_price, gpt55_tier_is_strictly_above_272000_for_the_whole_request) {
  // Standard $5 in / $30 out; input > 272,000 tokens: $10 / $45 for everything.
  EXPECT_EQ(total(in_out(271'999, 1000), "gpt-5.5", "2026-06-01"), "1.389995");  // 271999*5 + 1000*30 per 1M
  EXPECT_EQ(total(in_out(272'000, 1000), "gpt-5.5", "2026-06-01"), "1.39");      // exactly 272,000 is NOT long context
  EXPECT_EQ(total(in_out(272'001, 1000), "gpt-5.5", "2026-06-01"), "2.76501");   // 272001*10 + 1000*45
}

TEST(pricing_price, cached_input_counts_toward_the_threshold) {
  tp::usage u;
  u.input = 200'000;
  u.cache_read = 72'000;  // 272,000 counted: standard
  EXPECT_EQ(total(u, "gpt-5.5", "2026-06-01"), "1.036");  // 200000*5 + 72000*0.5
  u.cache_read = 72'001;  // 272,001 counted: long context
  EXPECT_EQ(total(u, "gpt-5.5", "2026-06-01"), "2.072001");  // 200000*10 + 72001*1
}

TEST(pricing_price, gemini_pro_prompt_over_200k) {
  EXPECT_EQ(total(in_out(199'999, 10), "gemini-3.1-pro-preview", "2026-06-01"), "0.400118");  // *2 + 10*12
  EXPECT_EQ(total(in_out(200'000, 10), "gemini-3.1-pro-preview", "2026-06-01"), "0.40012");
  EXPECT_EQ(total(in_out(200'001, 10), "gemini-3.1-pro-preview", "2026-06-01"), "0.800184");  // *4 + 10*18
}

TEST(pricing_price, three_cny_tiers_for_qwen_flash_on_the_mainland) {
  const char* when = "2026-11-23T12:00:00Z";
  auto p = price(in_out(128'000), "qwen-flash", when, tp::service_tier::standard, "alibaba-cn");
  EXPECT_EQ(p.currency, "CNY");
  EXPECT_EQ(tp::format_amount(p.total_femto), "0.0192");  // 128000 * 0.15 yuan / 1M
  EXPECT_EQ(total(in_out(128'001), "qwen-flash", when, {}, "alibaba-cn"), "0.0768006");  // * 0.6
  EXPECT_EQ(total(in_out(256'000), "qwen-flash", when, {}, "alibaba-cn"), "0.1536");
  EXPECT_EQ(total(in_out(256'001), "qwen-flash", when, {}, "alibaba-cn"), "0.3072012");  // * 1.2
}

TEST(pricing_price, minimax_m3_over_512k) {
  EXPECT_EQ(total(in_out(512'000, 1000), "minimax-m3", "2026-10-01"), "0.1548");   // 512000*0.3 + 1000*1.2
  EXPECT_EQ(total(in_out(512'001, 1000), "minimax-m3", "2026-10-01"), "0.3096006");  // *0.6 + 1000*2.4
}

TEST(pricing_price, excess_only_tiers_split_at_the_threshold) {
  const std::string tier = "[[card.long_context]]\nthreshold = 1000\ncounts = [\"input\", \"cache_read\"]\napplies_to = \"excess\"\nrates = { input = \"2\", cache_read = \"0.2\" }\n";
  auto gt = overlay_table(std::string(kCardHead) + "rates = { input = \"1\", cache_read = \"0.1\", output = \"5\" }\n" + tier + "comparison = \">\"\n");
  auto ge = overlay_table(std::string(kCardHead) + "rates = { input = \"1\", cache_read = \"0.1\", output = \"5\" }\n" + tier + "comparison = \">=\"\n");
  auto t = [](const tp::rate_table& table, tp::usage u) {
    auto r = tp::price(table, u, "m", "", at("2026-06-01"));
    EXPECT_TRUE(r) << (r ? "" : r.error_value().message);
    return r ? tp::format_amount(r->total_femto) : std::string();
  };
  // "> 1000": token 1001 onward pays $2.
  EXPECT_EQ(t(gt, in_out(999)), "0.000999");
  EXPECT_EQ(t(gt, in_out(1000)), "0.001");
  EXPECT_EQ(t(gt, in_out(1001)), "0.001002");  // 1000*1 + 1*2
  EXPECT_EQ(t(gt, in_out(1500, 10)), "0.00205");  // 1000*1 + 500*2 + 10*5 (output never tiered)
  // ">= 1000": token 1000 onward pays $2.
  EXPECT_EQ(t(ge, in_out(999)), "0.000999");
  EXPECT_EQ(t(ge, in_out(1000)), "0.001001");  // 999*1 + 1*2
  // Cached prefix fills the bands first: 800 cached at $0.1, then 200 uncached at $1, then 300 at $2.
  tp::usage u = in_out(500);
  u.cache_read = 800;
  EXPECT_EQ(t(gt, u), "0.00088");  // 800*0.1 + 200*1 + 300*2
  auto p = tp::price(gt, u, "m", "", at("2026-06-01"));
  ASSERT_TRUE(p);
  ASSERT_EQ(p->items.size(), 3u);
  EXPECT_EQ(p->items[1].tokens, 200u);
  EXPECT_EQ(p->items[2].tokens, 300u);
  EXPECT_EQ(p->items[2].rate_nano, 2'000'000'000);
}

// ---- effective dates ----------------------------------------------------------------------------------

TEST(pricing_price, price_changes_never_apply_to_past_usage) {
  // GPT-5.6 Sol: $5 input until 2026-08-21T00:00:00Z, $4 from then on.
  EXPECT_EQ(total(in_out(100'000), "gpt-5.6", "2026-08-20T23:59:59Z"), "0.5");
  EXPECT_EQ(total(in_out(100'000), "gpt-5.6", "2026-08-21T00:00:00Z"), "0.4");
  // (1M input tokens would be long context: > 272,000 bills the whole request at 2x.)
  EXPECT_EQ(total(in_out(1'000'000), "gpt-5.6", "2026-08-21T00:00:00Z"), "8");
  // DeepSeek V4 Flash cache hits: $0.028 until 2026-04-26T12:15Z, $0.0028 after.
  tp::usage u;
  u.cache_read = 1'000'000;
  EXPECT_EQ(total(u, "deepseek-v4-flash", "2026-04-26T12:14:59Z"), "0.028");
  EXPECT_EQ(total(u, "deepseek-v4-flash", "2026-04-26T12:15:00Z"), "0.0028");
  // Gemini 3.6 Flash promotion ends at 2027-01-01T00:00:00Z.
  auto promo = price(in_out(1'000'000), "gemini-3.6-flash", "2026-12-31T23:59:59Z");
  EXPECT_EQ(tp::format_amount(promo.total_femto), "0.75");
  EXPECT_FALSE(promo.promotion.empty());
  EXPECT_EQ(total(in_out(1'000'000), "gemini-3.6-flash", "2027-01-01T00:00:00Z"), "1.5");
}

// ---- time-of-day schedules ------------------------------------------------------------------------------

TEST(pricing_price, deepseek_v4_peak_edges_in_beijing_time) {
  const auto one_m = in_out(1'000'000);
  // 2026-09-01 is a Tuesday. Peak 09:00-12:00 and 14:00-18:00 Beijing = 01:00-04:00 and 06:00-10:00 UTC.
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-09-01T00:59:59Z"), "0.22");
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-09-01T01:00:00Z"), "0.44");
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-09-01T03:59:59Z"), "0.44");
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-09-01T04:00:00Z"), "0.22");
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-09-01T05:59:59Z"), "0.22");
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-09-01T06:00:00Z"), "0.44");
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-09-01T09:59:59Z"), "0.44");
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-09-01T10:00:00Z"), "0.22");
  EXPECT_EQ(total(one_m, "deepseek-v4-pro", "2026-09-01T01:00:00Z"), "1.32");
  // Saturday 2026-08-22 10:00 Beijing: still peak (weekend rule starts Sunday 2026-08-23 Beijing).
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-08-22T02:00:00Z"), "0.44");
  // Saturday 2026-08-29 10:00 Beijing: off-peak all day.
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-08-29T02:00:00Z"), "0.22");
  // Schedule start: flat $0.14 until 2026-08-17T00:00:00Z (08:00 Beijing Monday, off-peak after).
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-08-16T23:59:59Z"), "0.14");
  EXPECT_EQ(total(one_m, "deepseek-v4-flash", "2026-08-17T00:00:00Z"), "0.22");
  auto p = price(one_m, "deepseek-v4-flash", "2026-09-01T01:00:00Z");
  EXPECT_NE(p.items.at(0).basis.find("peak"), std::string::npos);
}

TEST(pricing_price, deepseek_2025_night_discount_edges_in_utc) {
  const auto one_m = in_out(1'000'000);
  EXPECT_EQ(total(one_m, "deepseek-chat", "2025-06-01T16:29:59Z"), "0.27");
  EXPECT_EQ(total(one_m, "deepseek-chat", "2025-06-01T16:30:00Z"), "0.135");
  EXPECT_EQ(total(one_m, "deepseek-chat", "2025-06-01T23:59:59Z"), "0.135");
  EXPECT_EQ(total(one_m, "deepseek-chat", "2025-06-02T00:00:00Z"), "0.135");
  EXPECT_EQ(total(one_m, "deepseek-chat", "2025-06-02T00:29:59Z"), "0.135");
  EXPECT_EQ(total(one_m, "deepseek-chat", "2025-06-02T00:30:00Z"), "0.27");
  EXPECT_EQ(total(one_m, "deepseek-reasoner", "2025-06-02T00:30:00Z"), "0.55");
}

// ---- buckets, service tiers ----------------------------------------------------------------------------

TEST(pricing_price, batch_plus_every_cache_bucket) {
  // Sonnet 4.6 batch = 50% of $3 in, $3.75 5m write, $6 1h write, $0.30 hit, $15 out.
  tp::usage u;
  u.input = 1000;            // x 1.5   = 0.0015
  u.cache_read = 10'000;     // x 0.15  = 0.0015
  u.cache_write_5m = 2000;   // x 1.875 = 0.00375
  u.cache_write_1h = 500;    // x 3     = 0.0015
  u.output = 300;            // x 7.5   = 0.00225
  auto p = price(u, "claude-sonnet-4-6", "2026-06-01", tp::service_tier::batch);
  EXPECT_EQ(tp::format_amount(p.total_femto), "0.0105");
  ASSERT_EQ(p.items.size(), 5u);
  EXPECT_EQ(p.items[2].what, tp::bucket::cache_write_5m);
  EXPECT_EQ(tp::format_rate(p.items[2].rate_nano), "1.875");
  // The same usage without batch costs exactly twice as much.
  EXPECT_EQ(total(u, "claude-sonnet-4-6", "2026-06-01"), "0.021");
  // GPT-4o batch with a cache hit: 1000*1.25 + 1000*0.625 + 100*5.
  tp::usage g = in_out(1000, 100);
  g.cache_read = 1000;
  EXPECT_EQ(total(g, "gpt-4o", "2026-06-01", tp::service_tier::batch), "0.002375");
  EXPECT_EQ(total(g, "gpt-5.5", "2026-06-01", tp::service_tier::priority), "0.02125");  // 1000*12.5 + 1000*1.25 + 100*75
}

TEST(pricing_price, batch_applies_to_the_long_context_rate) {
  // Gemini 3.1 Pro > 200K in batch: $4 x 0.5 = $2 per 1M input.
  EXPECT_EQ(total(in_out(200'001), "gemini-3.1-pro-preview", "2026-06-01", tp::service_tier::batch), "0.400002");
}

TEST(pricing_price, unavailable_tiers_and_unpriced_buckets_are_errors_not_zero) {
  auto r = tp::price(tp::builtin_rate_table(), in_out(10, 10), "claude-opus-4-8", "", at("2026-06-01"), tp::service_tier::priority);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_value().code, errc::unsupported);
  tp::usage u = in_out(10, 10);
  u.cache_write_1h = 5;  // OpenAI has no 1-hour cache write
  auto r2 = tp::price(tp::builtin_rate_table(), u, "gpt-4o", "", at("2026-06-01"));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error_value().code, errc::unsupported);
  auto r3 = tp::price(tp::builtin_rate_table(), u, "no-such-model", "", at("2026-06-01"));
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error_value().code, errc::unknown_model);
}

TEST(pricing_price, reasoning_defaults_to_the_output_rate) {
  tp::usage u = in_out(0, 100);
  u.reasoning = 900;
  auto p = price(u, "gpt-5", "2026-06-01");
  EXPECT_EQ(tp::format_amount(p.total_femto), "0.01");  // (100 + 900) * $10 / 1M
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[1].what, tp::bucket::reasoning);
  EXPECT_EQ(p.items[1].rate_nano, 10'000'000'000);
}

TEST(pricing_price, per_request_fees) {
  auto t = overlay_table(std::string(kCardHead) + "rates = { input = \"1\", output = \"2\", request = \"0.01\" }\n");
  tp::usage u = in_out(1000, 0);
  u.requests = 3;
  auto p = tp::price(t, u, "m", "", at("2026-06-01"));
  ASSERT_TRUE(p);
  EXPECT_EQ(tp::format_amount(p->total_femto), "0.031");  // 1000*$1/1M + 3*$0.01
}

// ---- exactness -------------------------------------------------------------------------------------------

TEST(pricing_price, repeated_requests_sum_without_drift) {
  // 646 GPT-4o input tokens = $0.001615 (LiteLLM's float header shows 0.0016150000000000001).
  auto one = price(in_out(646), "gpt-4o", "2026-06-01");
  ASSERT_EQ(tp::format_amount(one.total_femto), "0.001615");
  // Through the accumulator, per currency, never mixed.
  tp::cost_accumulator acc;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(acc.add(one.total()));
  ASSERT_TRUE(acc.add(tp::money{"CNY", 7}));
  EXPECT_EQ(tp::format_amount(acc.totals().at("USD")), "1.615");
  EXPECT_EQ(acc.totals().at("CNY"), 7);
}

TEST(pricing_price, overflow_is_guarded) {
  // A per-request fee of 1,000,000 units x 2^64-1 requests does not fit in 128 bits.
  auto t = overlay_table(std::string(kCardHead) + "rates = { input = \"1\", output = \"2\", request = \"1000000\" }\n");
  tp::usage u;
  u.requests = UINT64_MAX;
  auto p = tp::price(t, u, "m", "", at("2026-06-01"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error_value().code, errc::overflow);
  // The largest token count at the largest rate still fits: no false alarm.
  auto big = overlay_table(std::string(kCardHead) + "rates = { input = \"1000000\", output = \"1000000\" }\n");
  EXPECT_TRUE(tp::price(big, in_out(UINT64_MAX, UINT64_MAX), "m", "", at("2026-06-01")));
  // Accumulating past 2^127 is reported.
  tp::cost_accumulator acc;
  ASSERT_TRUE(acc.add(tp::money{"USD", tp::detail::int128_max - 5}));
  auto r = acc.add(tp::money{"USD", 10});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_value().code, errc::overflow);
}

TEST(pricing_price, fx_conversion_needs_a_dated_table_and_rounds_once) {
  auto cny = price(in_out(256'001), "qwen-flash", "2026-11-23T12:00:00Z", {}, "alibaba-cn");
  ASSERT_EQ(tp::format_amount(cny.total_femto), "0.3072012");
  tp::fx_table fx;
  ASSERT_TRUE(fx.add("2026-11-01", "CNY", "USD", "0.1379"));
  ASSERT_TRUE(fx.add("2026-12-01", "CNY", "USD", "0.2"));  // later than the usage: not used
  auto usd = fx.convert(cny.total(), "USD", cny.at);
  ASSERT_TRUE(usd);
  EXPECT_EQ(usd->currency, "USD");
  EXPECT_EQ(tp::format_amount(usd->femto), "0.04236304548");  // 0.3072012 * 0.1379, exact
  // No rate dated on or before the usage: an error, never an implicit 1:1.
  auto early = fx.convert(cny.total(), "USD", at("2026-10-31T23:59:59Z"));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error_value().code, errc::out_of_range);
  // Half to even on the last femto digit.
  tp::fx_table half;
  ASSERT_TRUE(half.add("2026-01-01", "CNY", "USD", "0.5"));
  EXPECT_EQ(half.convert(tp::money{"CNY", 1}, "USD", at("2026-06-01"))->femto, 0);  // 0.5 -> 0
  EXPECT_EQ(half.convert(tp::money{"CNY", 3}, "USD", at("2026-06-01"))->femto, 2);  // 1.5 -> 2
  EXPECT_EQ(half.convert(tp::money{"CNY", 5}, "USD", at("2026-06-01"))->femto, 2);  // 2.5 -> 2
}
