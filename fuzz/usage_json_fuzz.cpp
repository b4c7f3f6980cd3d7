// Fuzzes the usage-JSON adapters and prices what they read.
//   byte 0 odd : the rest is a usage file (one object, an array or JSON Lines), as the CLI reads it.
//   byte 0 even: the rest drives a generator that writes one response of a known shape with
//                counts chosen near the 64-bit edges; the adapter must then conserve tokens exactly
//                (its buckets add up to the reported totals) or refuse with a typed error, never
//                wrap around.
// Every usage that parses is priced with the embedded rate table, at the response's own
// timestamp when it has one, to reach the overflow guards of price().
#include <tokenmeter/pricing/pricing.hpp>

#include "fuzz_support.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

using namespace tokenmeter;
using namespace tokenmeter::pricing;

namespace {

using i128 = __int128;

void price_it(const usage& u, FuzzedDataProvider& fdp) {
  static constexpr const char* models[] = {"gpt-4o", "gpt-5", "claude-opus-4-1", "deepseek-chat", "gemini-2.5-pro",
                                           "qwen3-max", "kimi-k2", "glm-4.6", "minimax-m2"};
  const std::string model = !u.model.empty() && fdp.ConsumeBool() ? u.model : models[fdp.ConsumeIntegralInRange<std::size_t>(0, 8)];
  const timestamp at = u.created && fdp.ConsumeBool() ? *u.created : timestamp{fdp.ConsumeIntegral<std::int64_t>()};
  const auto tier = static_cast<service_tier>(fdp.ConsumeIntegralInRange<int>(0, 3));
  auto p = price(builtin_rate_table(), u, model, "", at, tier);
  tm_fuzz::expect_typed_failure(p, {errc::unknown_model, errc::ambiguous_model, errc::out_of_range, errc::overflow,
                                    errc::unsupported, errc::invalid_argument},
                                "price");
  if (!p) return;
  tm_fuzz::check_breakdown(*p);
  (void)format_amount(p->total_femto);
  (void)format_timestamp(p->at);
}

std::uint64_t edge_count(FuzzedDataProvider& fdp) {
  switch (fdp.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: return fdp.ConsumeIntegralInRange<std::uint64_t>(0, 1000);
    case 1: return UINT64_MAX - fdp.ConsumeIntegralInRange<std::uint64_t>(0, 1000);
    case 2: return static_cast<std::uint64_t>(INT64_MAX) - 500 + fdp.ConsumeIntegralInRange<std::uint64_t>(0, 1000);
    default: return fdp.ConsumeIntegral<std::uint64_t>();
  }
}

std::uint64_t largest_emitted = 0;  // the largest count written into the current document
std::string num(std::uint64_t v) {
  largest_emitted = std::max(largest_emitted, v);
  return std::to_string(v);
}

// One generated response, and the token totals the adapter must conserve.
void generated(FuzzedDataProvider& fdp) {
  const int shape = fdp.ConsumeIntegralInRange<int>(0, 4);
  const std::uint64_t a = edge_count(fdp), b = edge_count(fdp), c = edge_count(fdp), d = edge_count(fdp), e = edge_count(fdp);
  const bool with_split = fdp.ConsumeBool();
  std::string doc;
  i128 in_total = 0, out_total = 0;  // what the buckets must add up to
  bool consistent = true;            // whether a correct adapter accepts it
  largest_emitted = 0;
  switch (shape) {
    case 0:  // OpenAI chat (OpenRouter's cache_write_tokens when with_split)
      doc = R"({"model":"gpt-4o","usage":{"prompt_tokens":)" + num(a) + R"(,"completion_tokens":)" + num(b) +
            R"(,"prompt_tokens_details":{"cached_tokens":)" + num(c) + (with_split ? R"(,"cache_write_tokens":)" + num(e) : "") +
            R"(},"completion_tokens_details":{"reasoning_tokens":)" + num(d) + "}}}";
      in_total = a;
      out_total = b;
      consistent = static_cast<i128>(c) + (with_split ? e : 0) <= a && d <= b;
      break;
    case 1:  // DeepSeek: hit + miss = prompt
      doc = R"({"model":"deepseek-chat","usage":{"prompt_tokens":)" + num(a) + R"(,"prompt_cache_hit_tokens":)" + num(c) +
            R"(,"prompt_cache_miss_tokens":)" + num(with_split ? a - c : e) + R"(,"completion_tokens":)" + num(b) + "}}";
      in_total = a;
      out_total = b;
      consistent = static_cast<i128>(c) + (with_split ? a - c : e) == a;
      break;
    case 2:  // Anthropic: cache_creation splits the writes
      doc = R"({"model":"claude-opus-4-1","usage":{"input_tokens":)" + num(a) + R"(,"cache_read_input_tokens":)" + num(b) +
            R"(,"cache_creation_input_tokens":)" + num(c) + R"(,"output_tokens":)" + num(d) +
            (with_split ? R"(,"cache_creation":{"ephemeral_5m_input_tokens":)" + num(e) + R"(,"ephemeral_1h_input_tokens":)" + num(c - e) + "}" : "") +
            "}}";
      in_total = static_cast<i128>(a) + b + c;
      out_total = d;
      consistent = !with_split || e <= c;  // 1h = c - e wraps when e > c
      break;
    case 3:  // Gemini: cached within prompt, tool-use prompt extra, thoughts extra
      doc = R"({"modelVersion":"gemini-2.5-pro","usageMetadata":{"promptTokenCount":)" + num(a) + R"(,"cachedContentTokenCount":)" +
            num(c) + R"(,"candidatesTokenCount":)" + num(b) + R"(,"thoughtsTokenCount":)" + num(d) +
            R"(,"toolUsePromptTokenCount":)" + num(e) + "}}";
      in_total = static_cast<i128>(a) + e;
      out_total = static_cast<i128>(b) + d;
      consistent = c <= a;
      break;
    default:  // OpenAI Responses
      doc = R"({"object":"response","model":"gpt-5","usage":{"input_tokens":)" + num(a) + R"(,"input_tokens_details":{"cached_tokens":)" +
            num(c) + R"(},"output_tokens":)" + num(b) + R"(,"output_tokens_details":{"reasoning_tokens":)" + num(d) + "}}}";
      in_total = a;
      out_total = b;
      consistent = c <= a && d <= b;
      break;
  }
  consistent = consistent && largest_emitted <= max_usage_tokens;  // beyond it every field is refused
  auto u = usage_from_json_text(doc);
  tm_fuzz::expect_typed_failure(u, {errc::parse_error}, "usage_from_json_text");
  TM_FUZZ_CHECK(u.has_value() == consistent, (consistent ? "refused a consistent usage: " + u.error_value().message
                                                         : "accepted an inconsistent usage: " + doc));
  if (!u) return;
  const i128 in = static_cast<i128>(u->input) + u->cache_read + u->cache_write_5m + u->cache_write_1h;
  const i128 out = static_cast<i128>(u->output) + u->reasoning;
  TM_FUZZ_CHECK(in == in_total, "input buckets do not add up to the reported input: " + doc);
  TM_FUZZ_CHECK(out == out_total, "output buckets do not add up to the reported output: " + doc);
  price_it(*u, fdp);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    // A usage file; the pricing choices come from its last bytes (FuzzedDataProvider reads
    // integers from the end), so the text stays intact at the front.
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    auto records = parse_usage_document(text);
    tm_fuzz::expect_typed_failure(records, {errc::parse_error, errc::overflow, errc::out_of_range}, "parse_usage_document");
    if (!records) return 0;
    FuzzedDataProvider fdp(data, size);
    for (const auto& r : *records) price_it(r.u, fdp);
    return 0;
  }
  FuzzedDataProvider fdp(data + 1, size - 1);
  generated(fdp);
  return 0;
}
