// Usage adapters on real response shapes (as documented by each provider), then priced end to end.
#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/pricing/usage_adapters.hpp>

#include <gtest/gtest.h>

#include <string>

namespace tp = tokenmeter::pricing;
using tokenmeter::errc;

namespace {

tp::usage read(const std::string& text) {
  auto u = tp::usage_from_json_text(text);
  if (!u) ADD_FAILURE() << u.error_value().message;
  return u ? *u : tp::usage{};
}

std::string priced(const tp::usage& u, const char* model, const char* when) {
  auto p = tp::price(tp::builtin_rate_table(), u, model, "", *tp::parse_timestamp(when), u.tier.value_or(tp::service_tier::standard));
  if (!p) ADD_FAILURE() << p.error_value().message;
  return p ? tp::format_amount(p->total_femto) : std::string();
}

// OpenAI Chat Completions response.
const char* kOpenAIChat = R"({
  "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion", "created": 1741570283,
  "model": "gpt-4o-2024-08-06",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi", "refusal": null, "annotations": []},
               "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163,
            "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
  "service_tier": "default", "system_fingerprint": "fp_fc9f1d7035"})";

// OpenAI Responses API response with reasoning.
const char* kOpenAIResponses = R"({
  "id": "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41", "object": "response", "created_at": 1780000000,
  "status": "completed", "model": "gpt-5-2025-08-07", "output": [],
  "usage": {"input_tokens": 328, "input_tokens_details": {"cached_tokens": 128},
            "output_tokens": 1186, "output_tokens_details": {"reasoning_tokens": 1024}, "total_tokens": 1514},
  "service_tier": "flex"})";

// Anthropic Messages response with both cache TTLs.
const char* kAnthropic = R"({
  "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "model": "claude-opus-4-6",
  "content": [{"type": "text", "text": "Hello!"}], "stop_reason": "end_turn", "stop_sequence": null,
  "usage": {"input_tokens": 2095, "cache_creation_input_tokens": 2051, "cache_read_input_tokens": 4102,
            "cache_creation": {"ephemeral_5m_input_tokens": 51, "ephemeral_1h_input_tokens": 2000},
            "output_tokens": 503, "service_tier": "standard"}})";

// Gemini generateContent response.
const char* kGemini = R"({
  "candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}, "finishReason": "STOP", "index": 0}],
  "usageMetadata": {"promptTokenCount": 4096, "candidatesTokenCount": 256, "totalTokenCount": 5352,
                    "cachedContentTokenCount": 2048,
                    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 4096}],
                    "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 2048}],
                    "thoughtsTokenCount": 1000},
  "modelVersion": "gemini-3.1-pro-preview", "responseId": "mAitaLmkHPPlz7IPvtfUqQ4"})";

// DeepSeek chat completion (reasoner) with its cache hit/miss fields.
const char* kDeepSeek = R"({
  "id": "930c60df-bf64-41c9-a88e-3ec75f81e00e", "object": "chat.completion", "created": 1789000000,
  "model": "deepseek-v4-pro",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi", "reasoning_content": "..."}, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 640},
            "completion_tokens_details": {"reasoning_tokens": 300},
            "prompt_cache_hit_tokens": 640, "prompt_cache_miss_tokens": 360},
  "system_fingerprint": "fp_8802369eaa_prod0425fp8"})";

// OpenRouter chat completion with usage accounting (cost in USD credits, written as a float).
const char* kOpenRouter = R"({
  "id": "gen-1760000000-AbCdEfGhIjKlMnOpQrSt", "provider": "DeepInfra", "model": "openai/gpt-oss-120b",
  "object": "chat.completion", "created": 1795000000,
  "choices": [{"logprobs": null, "finish_reason": "stop", "index": 0, "message": {"role": "assistant", "content": "Hi"}}],
  "usage": {"prompt_tokens": 194, "completion_tokens": 2, "total_tokens": 196,
            "cost": 0.0016150000000000001, "is_byok": false,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "cost_details": {"upstream_inference_cost": null},
            "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0}}})";

}  // namespace

TEST(pricing_usage, openai_chat_cached_is_inside_prompt) {
  auto u = read(kOpenAIChat);
  EXPECT_EQ(u.shape, "openai.chat");
  EXPECT_EQ(u.input, 93u);  // 1117 - 1024
  EXPECT_EQ(u.cache_read, 1024u);
  EXPECT_EQ(u.output, 46u);
  EXPECT_EQ(u.model, "gpt-4o-2024-08-06");
  ASSERT_TRUE(u.created);
  EXPECT_EQ(u.created->seconds, 1741570283);
  // 93*2.5 + 1024*1.25 + 46*10 per 1M.
  EXPECT_EQ(priced(u, u.model.c_str(), "2025-03-10T01:31:23Z"), "0.0019725");
}

TEST(pricing_usage, openai_responses_reasoning_is_inside_output) {
  auto u = read(kOpenAIResponses);
  EXPECT_EQ(u.shape, "openai.responses");
  EXPECT_EQ(u.input, 200u);
  EXPECT_EQ(u.cache_read, 128u);
  EXPECT_EQ(u.output, 162u);
  EXPECT_EQ(u.reasoning, 1024u);
  EXPECT_EQ(u.tier, tp::service_tier::flex);
  // Flex x0.5: 200*0.625 + 128*0.0625 + 1186*5 per 1M.
  EXPECT_EQ(priced(u, "gpt-5", "2026-06-01"), "0.006063");
}

TEST(pricing_usage, anthropic_input_excludes_cache_and_splits_ttls) {
  auto u = read(kAnthropic);
  EXPECT_EQ(u.shape, "anthropic");
  EXPECT_EQ(u.input, 2095u);
  EXPECT_EQ(u.cache_read, 4102u);
  EXPECT_EQ(u.cache_write_5m, 51u);
  EXPECT_EQ(u.cache_write_1h, 2000u);
  EXPECT_EQ(u.output, 503u);
  // 2095*5 + 51*6.25 + 2000*10 + 4102*0.5 + 503*25 per 1M.
  EXPECT_EQ(priced(u, "claude-opus-4-6", "2026-06-01"), "0.04541975");
}

TEST(pricing_usage, anthropic_without_ttl_split_uses_the_5_minute_write) {
  auto u = read(R"({"usage": {"input_tokens": 10, "cache_creation_input_tokens": 20, "cache_read_input_tokens": 0, "output_tokens": 5}})");
  EXPECT_EQ(u.cache_write_5m, 20u);
  EXPECT_EQ(u.cache_write_1h, 0u);
  auto bad = tp::usage_from_json_text(
      R"({"usage": {"input_tokens": 1, "cache_creation_input_tokens": 20, "cache_creation": {"ephemeral_5m_input_tokens": 5, "ephemeral_1h_input_tokens": 5}, "output_tokens": 1}})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error_value().code, errc::parse_error);
}

TEST(pricing_usage, gemini_cached_inside_prompt_thoughts_outside_candidates) {
  auto u = read(kGemini);
  EXPECT_EQ(u.shape, "gemini");
  EXPECT_EQ(u.input, 2048u);
  EXPECT_EQ(u.cache_read, 2048u);
  EXPECT_EQ(u.output, 256u);
  EXPECT_EQ(u.reasoning, 1000u);
  EXPECT_EQ(u.model, "gemini-3.1-pro-preview");
  // 2048*2 + 2048*0.2 + (256 + 1000)*12 per 1M.
  EXPECT_EQ(priced(u, u.model.c_str(), "2026-06-01"), "0.0195776");
}

TEST(pricing_usage, deepseek_hit_and_miss) {
  auto u = read(kDeepSeek);
  EXPECT_EQ(u.shape, "deepseek");
  EXPECT_EQ(u.input, 360u);
  EXPECT_EQ(u.cache_read, 640u);
  EXPECT_EQ(u.output, 200u);
  EXPECT_EQ(u.reasoning, 300u);
  // 2026-09-01T06:40:00Z = 14:40 Beijing, Tuesday: peak. 360*1.32 + 640*0.044 + 500*3.96 per 1M.
  EXPECT_EQ(priced(u, u.model.c_str(), "2026-09-01T06:40:00Z"), "0.00248336");
  auto bad = tp::usage_from_json_text(R"({"usage": {"prompt_tokens": 10, "completion_tokens": 1, "prompt_cache_hit_tokens": 4, "prompt_cache_miss_tokens": 5}})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error_value().code, errc::parse_error);
}

TEST(pricing_usage, openrouter_cost_is_read_exactly_and_wins) {
  auto u = read(kOpenRouter);
  EXPECT_EQ(u.shape, "openrouter");
  EXPECT_EQ(u.provider_hint, "openrouter");
  ASSERT_TRUE(u.reported_cost);
  EXPECT_EQ(u.reported_cost->currency, "USD");
  EXPECT_EQ(tp::format_amount(u.reported_cost->femto), "0.001615");  // float artifact rounded once, half-even
  EXPECT_NE(u.reported_cost_text.find("0.0016150000000000001"), std::string::npos);
  auto p = tp::price(tp::builtin_rate_table(), u, u.model, "", tp::timestamp{1795000000});
  ASSERT_TRUE(p) << p.error_value().message;
  EXPECT_TRUE(p->provider_reported);
  EXPECT_EQ(tp::format_amount(p->total_femto), "0.001615");
  EXPECT_EQ(p->source, "provider-reported usage.cost");
  ASSERT_TRUE(p->computed_femto);  // our OpenRouter card: 194*0.039 + 2*0.18 per 1M
  EXPECT_EQ(tp::format_amount(*p->computed_femto), "0.000007926");
}

TEST(pricing_usage, batch_result_lines_are_unwrapped_and_marked_batch) {
  auto oa = read(R"({"id": "batch_req_1", "custom_id": "r1", "response": {"status_code": 200, "request_id": "x",
                     "body": {"object": "chat.completion", "model": "gpt-4o", "usage": {"prompt_tokens": 1000, "completion_tokens": 100}}}, "error": null})");
  EXPECT_EQ(oa.tier, tp::service_tier::batch);
  EXPECT_EQ(oa.input, 1000u);
  auto an = read(R"({"custom_id": "r1", "result": {"type": "succeeded", "message": {"type": "message", "model": "claude-sonnet-4-6",
                     "usage": {"input_tokens": 1000, "cache_read_input_tokens": 10000, "output_tokens": 300}}}})");
  EXPECT_EQ(an.tier, tp::service_tier::batch);
  // Batch: 1000*1.5 + 10000*0.15 + 300*7.5 per 1M.
  EXPECT_EQ(priced(an, "claude-sonnet-4-6", "2026-06-01"), "0.00525");
}

TEST(pricing_usage, jsonl_arrays_and_errors_with_line_numbers) {
  const std::string jsonl = std::string(R"({"usage": {"prompt_tokens": 10, "completion_tokens": 1}})") + "\n\n" +
                            R"({"usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 2}})" + "\n";
  auto recs = tp::parse_usage_document(jsonl);
  ASSERT_TRUE(recs) << recs.error_value().message;
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ((*recs)[1].line, 3u);
  EXPECT_EQ((*recs)[1].u.shape, "gemini");
  auto arr = tp::parse_usage_document(R"([{"input_tokens": 3, "output_tokens": 4}, {"prompt_tokens": 1, "completion_tokens": 1}])");
  ASSERT_TRUE(arr);
  EXPECT_EQ(arr->size(), 2u);
  auto bad = tp::parse_usage_document(std::string(R"({"usage": {"prompt_tokens": 10, "completion_tokens": 1}})") + "\n{not json\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_value().message.find("line 2"), std::string::npos) << bad.error_value().message;
  for (const char* wrong : {R"({"usage": {"prompt_tokens": -1, "completion_tokens": 1}})", R"({"usage": {"prompt_tokens": 1.5}})",
                            R"({"usage": {"prompt_tokens": 5, "prompt_tokens_details": {"cached_tokens": 6}}})", R"({"hello": 1})", R"([1, 2])"}) {
    auto r = tp::parse_usage_document(wrong);
    EXPECT_FALSE(r) << wrong;
  }
  EXPECT_FALSE(tp::parse_usage_document("   \n"));
}
