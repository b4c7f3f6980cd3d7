// A rate card: what one billing route (provider) charges for one model during one period.
//
// Buckets never overlap: `input` is uncached input only; cache reads and cache writes (5-minute and
// 1-hour TTL) are their own buckets; `reasoning` is reasoning output not counted in `output`, billed
// at the output rate unless the card says otherwise; `request` is a per-request fee.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/pricing/money.hpp>
#include <tokenmeter/pricing/timestamp.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

enum class bucket : std::uint8_t { input, cache_read, cache_write_5m, cache_write_1h, output, reasoning, request };
inline constexpr std::size_t bucket_count = 7;
inline constexpr std::array<bucket, bucket_count> all_buckets = {bucket::input,          bucket::cache_read,
                                                                   bucket::cache_write_5m, bucket::cache_write_1h,
                                                                   bucket::output,         bucket::reasoning,
                                                                   bucket::request};

[[nodiscard]] constexpr std::string_view to_string(bucket b) noexcept {
  switch (b) {
    case bucket::input: return "input";
    case bucket::cache_read: return "cache_read";
    case bucket::cache_write_5m: return "cache_write_5m";
    case bucket::cache_write_1h: return "cache_write_1h";
    case bucket::output: return "output";
    case bucket::reasoning: return "reasoning";
    case bucket::request: return "request";
  }
  return "?";
}

[[nodiscard]] constexpr std::optional<bucket> bucket_from_string(std::string_view s) noexcept {
  for (bucket b : all_buckets)
    if (to_string(b) == s) return b;
  return std::nullopt;
}

// Rates per bucket, nano-units of the card's currency per 1M tokens (for `request`: nano-units per
// request). A missing rate means "not billed on this card" for the base set, and "inherit" in an
// override set (tier or time window).
struct rate_set {
  std::array<std::optional<std::int64_t>, bucket_count> nano{};

  [[nodiscard]] const std::optional<std::int64_t>& operator[](bucket b) const noexcept { return nano[static_cast<std::size_t>(b)]; }
  [[nodiscard]] std::optional<std::int64_t>& operator[](bucket b) noexcept { return nano[static_cast<std::size_t>(b)]; }
  [[nodiscard]] bool empty() const noexcept {
    for (const auto& r : nano)
      if (r) return false;
    return true;
  }
  friend bool operator==(const rate_set&, const rate_set&) = default;
};

// Whether a long-context tier reprices the whole request or only the tokens beyond the threshold.
enum class tier_mode : std::uint8_t { whole_request, excess };

[[nodiscard]] constexpr std::string_view to_string(tier_mode m) noexcept {
  return m == tier_mode::whole_request ? "whole_request" : "excess";
}

// A long-context tier. The request's "counted" tokens (the sum of the buckets in `counts`) are
// compared with `threshold` using `>` (inclusive == false) or `>=` (inclusive == true).
struct long_context_tier {
  std::uint64_t threshold = 0;
  bool inclusive = false;
  std::array<bool, bucket_count> counts{};  // which buckets count toward the threshold
  tier_mode mode = tier_mode::whole_request;
  rate_set rates;  // overrides; missing buckets inherit the base rate
  friend bool operator==(const long_context_tier&, const long_context_tier&) = default;
};

// A daily window of a time-of-day schedule, in the schedule's local time: [start, end) minutes.
struct schedule_window {
  std::string label;
  std::uint8_t days = 0x7f;  // bit 0 = Monday ... bit 6 = Sunday
  int start_minute = 0;
  int end_minute = 1440;
  rate_set rates;  // overrides; missing buckets inherit the base rate
  friend bool operator==(const schedule_window&, const schedule_window&) = default;
};

struct schedule {
  int utc_offset_minutes = 0;
  std::string base_label = "standard";  // what the base rates are called outside every window
  std::vector<schedule_window> windows;
  friend bool operator==(const schedule&, const schedule&) = default;
};

enum class service_tier : std::uint8_t { standard, batch, flex, priority };

[[nodiscard]] constexpr std::string_view to_string(service_tier t) noexcept {
  switch (t) {
    case service_tier::standard: return "standard";
    case service_tier::batch: return "batch";
    case service_tier::flex: return "flex";
    case service_tier::priority: return "priority";
  }
  return "?";
}

[[nodiscard]] constexpr std::optional<service_tier> service_tier_from_string(std::string_view s) noexcept {
  for (auto t : {service_tier::standard, service_tier::batch, service_tier::flex, service_tier::priority})
    if (to_string(t) == s) return t;
  return std::nullopt;
}

// An exact multiplier applied to every rate of a card for a service tier (batch 0.5, priority 1.8).
// Stored as millionths; the result of applying it must be a whole number of nano-units.
struct multiplier {
  std::int64_t millionths = 1'000'000;
  friend bool operator==(const multiplier&, const multiplier&) = default;
};

struct provenance {
  std::string source;       // URL of the authority we priced from
  std::string checked;      // YYYY-MM-DD we last checked it
  std::string authority;    // "official" or "aggregator"
  std::string note;         // how we read it, choices made
  std::string crosscheck;   // why this card differs from the snapshots, if it does
  friend bool operator==(const provenance&, const provenance&) = default;
};

struct rate_card {
  std::string provider;  // billing route: "openai", "openrouter", "alibaba-cn", ...
  std::string model;     // the provider's API model id
  std::vector<std::string> aliases;
  std::vector<std::string> match_prefixes;  // e.g. dated snapshots "claude-opus-4-6-"
  bool first_party = true;
  bool regional = false;  // a first-party regional route (zhipu, alibaba-cn): never the default
  std::string currency = "USD";
  timestamp effective_from;
  std::optional<timestamp> effective_to;  // exclusive
  std::string promotion;                  // non-empty: a promotion that ends at effective_to
  rate_set rates;
  std::vector<long_context_tier> tiers;   // ascending thresholds
  std::optional<schedule> time_of_day;
  std::array<std::optional<multiplier>, 4> service_tiers{};  // indexed by service_tier; standard unused
  provenance prov;

  [[nodiscard]] bool in_force(timestamp t) const noexcept {
    return effective_from <= t && (!effective_to || t < *effective_to);
  }
  friend bool operator==(const rate_card&, const rate_card&) = default;
};

}  // namespace pricing
TOKENMETER_END_NAMESPACE
