// Token usage in tokenmeter's buckets. The buckets never overlap: `input` excludes cached input,
// `output` excludes reasoning. Adapters (usage_adapters.hpp) turn provider usage objects, which
// nest one count inside another, into this shape.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/pricing/money.hpp>
#include <tokenmeter/pricing/rate_card.hpp>
#include <tokenmeter/pricing/timestamp.hpp>

#include <cstdint>
#include <optional>
#include <string>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

struct usage {
  std::uint64_t input = 0;           // uncached input
  std::uint64_t cache_read = 0;      // input served from a cache
  std::uint64_t cache_write_5m = 0;  // input written to a cache with a 5-minute (default) TTL
  std::uint64_t cache_write_1h = 0;  // input written to a cache with a 1-hour TTL
  std::uint64_t output = 0;          // output that is not reasoning
  std::uint64_t reasoning = 0;       // reasoning/thinking output
  std::uint64_t requests = 1;        // how many requests these counts cover (per-request fees)

  // What the response itself says, when it says it (filled by the adapters).
  std::string model;                          // "model" / "modelVersion" of the response
  std::string provider_hint;                  // "openrouter" when the response came through OpenRouter
  std::optional<timestamp> created;           // response creation time
  std::optional<service_tier> tier;           // service tier the provider reports it used
  std::optional<money> reported_cost;         // e.g. OpenRouter usage.cost (USD credits)
  std::string reported_cost_text;             // the cost exactly as written in the response
  std::string shape;                          // which adapter read it: "openai.chat", "anthropic", ...

  [[nodiscard]] std::uint64_t tokens(bucket b) const noexcept {
    switch (b) {
      case bucket::input: return input;
      case bucket::cache_read: return cache_read;
      case bucket::cache_write_5m: return cache_write_5m;
      case bucket::cache_write_1h: return cache_write_1h;
      case bucket::output: return output;
      case bucket::reasoning: return reasoning;
      case bucket::request: return requests;
    }
    return 0;
  }
};

}  // namespace pricing
TOKENMETER_END_NAMESPACE
