// Usage adapters: provider response / usage JSON -> tokenmeter's non-overlapping buckets.
//
// What is a subset of what (the whole point of an adapter):
//   OpenAI chat      prompt_tokens ⊇ prompt_tokens_details.cached_tokens (+ cache_write_tokens on
//                    OpenRouter); completion_tokens ⊇ completion_tokens_details.reasoning_tokens
//   OpenAI responses input_tokens ⊇ input_tokens_details.cached_tokens;
//                    output_tokens ⊇ output_tokens_details.reasoning_tokens
//   Anthropic        input_tokens excludes cache reads and writes; cache_creation splits writes
//                    into ephemeral_5m / ephemeral_1h
//   Gemini           promptTokenCount ⊇ cachedContentTokenCount; thoughtsTokenCount is NOT in
//                    candidatesTokenCount; toolUsePromptTokenCount is extra input
//   DeepSeek         prompt_tokens = prompt_cache_hit_tokens + prompt_cache_miss_tokens;
//                    completion_tokens ⊇ reasoning_tokens
//   OpenRouter       the OpenAI chat shape, plus usage.cost (USD credits) which wins when present
// Numbers are read from the JSON text exactly: a float such as usage.cost keeps its digits.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pricing/money.hpp>
#include <tokenmeter/pricing/timestamp.hpp>
#include <tokenmeter/pricing/usage.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

// The largest token count a usage field may carry (larger is a parse_error): 10^15, far beyond any real request, so any
// sum of a usage's counts (here, in reconciliation, in trace totals) stays exact in 64 bits.
inline constexpr std::uint64_t max_usage_tokens = 1'000'000'000'000'000;

namespace detail {

// Builds a DOM like nlohmann's parser, but keeps every floating-point literal as its source text
// (a JSON string), so no binary float ever stands in for a decimal number.
class exact_dom_builder {
 public:
  using json = nlohmann::json;
  explicit exact_dom_builder(json& root) : root_(root) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(json::number_integer_t v) { return put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
  bool number_float(json::number_float_t, const json::string_t& text) { return put(json(text)); }
  bool string(json::string_t& v) { return put(json(v)); }
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) { return open(json::object()); }
  bool key(json::string_t& k) {
    key_ = k;
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception& ex) {
    error_ = "byte " + std::to_string(pos) + ": " + ex.what();
    return false;
  }
  [[nodiscard]] const std::string& error_text() const noexcept { return error_; }

 private:
  json* slot(json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    json& ref = top[key_];
    ref = std::move(v);
    return &ref;
  }
  bool put(json v) {
    slot(std::move(v));
    return true;
  }
  bool open(json v) {
    stack_.push_back(slot(std::move(v)));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  std::vector<json*> stack_;
  std::string key_;
  std::string error_;
};

[[nodiscard]] inline result<nlohmann::json> parse_json_exact(std::string_view text, std::string_view where) {
  nlohmann::json root;
  exact_dom_builder b(root);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &b);
  } catch (const std::exception& e) {
    return make_error(errc::parse_error, std::string(where) + ": " + e.what());
  }
  if (!ok) return make_error(errc::parse_error, std::string(where) + ": malformed JSON (" + b.error_text() + ")");
  return root;
}

using json = nlohmann::json;

[[nodiscard]] inline const json* member(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(std::string(key));
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

[[nodiscard]] inline result<std::uint64_t> count(const json& j, std::string_view key, std::string_view shape) {
  const json* v = member(j, key);
  if (!v) return std::uint64_t{0};
  std::uint64_t n = 0;
  if (v->is_number_unsigned())
    n = v->get<std::uint64_t>();
  else if (v->is_number_integer() && v->get<std::int64_t>() >= 0)
    n = static_cast<std::uint64_t>(v->get<std::int64_t>());
  else
    return make_error(errc::parse_error, std::string(shape) + " usage: '" + std::string(key) + "' must be a non-negative integer");
  if (n > max_usage_tokens)
    return make_error(errc::parse_error, std::string(shape) + " usage: '" + std::string(key) + "' (" + std::to_string(n) +
                                             ") is beyond 10^15 tokens");
  return n;
}

[[nodiscard]] inline result<std::uint64_t> count_in(const json& j, std::string_view obj, std::string_view key, std::string_view shape) {
  const json* o = member(j, obj);
  if (!o) return std::uint64_t{0};
  return count(*o, key, shape);
}

[[nodiscard]] inline result<std::uint64_t> minus(std::uint64_t whole, std::uint64_t part, std::string_view what, std::string_view shape) {
  if (part > whole)
    return make_error(errc::parse_error, std::string(shape) + " usage is inconsistent: " + std::string(what) + " (" + std::to_string(part) +
                                             ") is larger than the total it is part of (" + std::to_string(whole) + ")");
  return whole - part;
}

[[nodiscard]] inline std::string string_member(const json& j, std::string_view key) {
  const json* v = member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

[[nodiscard]] inline std::optional<timestamp> unix_member(const json& j, std::string_view key) {
  const json* v = member(j, key);
  if (v && v->is_number_integer()) return timestamp{v->get<std::int64_t>()};
  return std::nullopt;
}

[[nodiscard]] inline std::optional<service_tier> tier_from_field(const json& j) {
  const std::string t = string_member(j, "service_tier");
  if (t == "flex") return service_tier::flex;
  if (t == "priority") return service_tier::priority;
  if (t == "batch") return service_tier::batch;
  if (t == "default" || t == "standard" || t == "auto") return service_tier::standard;
  return std::nullopt;
}

[[nodiscard]] inline result<usage> openai_chat(const json& doc, const json& u) {
  usage out;
  const bool deepseek = member(u, "prompt_cache_hit_tokens") || member(u, "prompt_cache_miss_tokens");
  const bool openrouter = member(u, "cost") || member(u, "is_byok") || string_member(doc, "id").rfind("gen-", 0) == 0;
  out.shape = deepseek ? "deepseek" : openrouter ? "openrouter" : "openai.chat";
  const std::string_view shape = out.shape;
  TOKENMETER_TRY(prompt, count(u, "prompt_tokens", shape));
  TOKENMETER_TRY(completion, count(u, "completion_tokens", shape));
  TOKENMETER_TRY(reasoning, count_in(u, "completion_tokens_details", "reasoning_tokens", shape));
  TOKENMETER_TRY(visible, minus(completion, reasoning, "reasoning_tokens", shape));
  out.output = visible;
  out.reasoning = reasoning;
  if (deepseek) {
    TOKENMETER_TRY(hit, count(u, "prompt_cache_hit_tokens", shape));
    TOKENMETER_TRY(miss, count(u, "prompt_cache_miss_tokens", shape));
    if (member(u, "prompt_tokens") && hit + miss != prompt)
      return make_error(errc::parse_error, "deepseek usage is inconsistent: prompt_cache_hit_tokens + prompt_cache_miss_tokens != prompt_tokens");
    out.cache_read = hit;
    out.input = miss;
  } else {
    TOKENMETER_TRY(cached, count_in(u, "prompt_tokens_details", "cached_tokens", shape));
    TOKENMETER_TRY(written, count_in(u, "prompt_tokens_details", "cache_write_tokens", shape));
    TOKENMETER_TRY(uncached, minus(prompt, cached + written, "cached_tokens + cache_write_tokens", shape));
    out.input = uncached;
    out.cache_read = cached;
    out.cache_write_5m = written;
  }
  if (openrouter) {
    out.provider_hint = "openrouter";
    if (const json* c = member(u, "cost")) {
      std::string text = c->is_string() ? c->get<std::string>() : c->is_number_integer() ? std::to_string(c->get<std::int64_t>()) : std::string();
      if (text.empty()) return make_error(errc::parse_error, "openrouter usage.cost must be a number");
      // JSON numbers may carry an exponent; OpenRouter writes plain decimals. Parse exactly; a float
      // artifact with more digits than femto-units is rounded once, half to even, and says so.
      auto exact = parse_decimal(text, femto_digits);
      if (!exact) {
        auto wide = parse_decimal(text, 30);
        if (!wide) return make_error(errc::parse_error, "openrouter usage.cost '" + text + "': " + wide.error_value().message);
        exact = detail::div_round_half_even(*wide, detail::pow10(30 - femto_digits));
        text += " (rounded half-even to 1e-15)";
      }
      out.reported_cost = money{"USD", *exact};
      out.reported_cost_text = text;
    }
  }
  out.model = string_member(doc, "model");
  out.created = unix_member(doc, "created");
  out.tier = tier_from_field(doc);
  return out;
}

[[nodiscard]] inline result<usage> openai_responses(const json& doc, const json& u) {
  usage out;
  out.shape = "openai.responses";
  TOKENMETER_TRY(in, count(u, "input_tokens", out.shape));
  TOKENMETER_TRY(cached, count_in(u, "input_tokens_details", "cached_tokens", out.shape));
  TOKENMETER_TRY(outp, count(u, "output_tokens", out.shape));
  TOKENMETER_TRY(reasoning, count_in(u, "output_tokens_details", "reasoning_tokens", out.shape));
  TOKENMETER_TRY(uncached, minus(in, cached, "cached_tokens", out.shape));
  TOKENMETER_TRY(visible, minus(outp, reasoning, "reasoning_tokens", out.shape));
  out.input = uncached;
  out.cache_read = cached;
  out.output = visible;
  out.reasoning = reasoning;
  out.model = string_member(doc, "model");
  out.created = unix_member(doc, "created_at");
  out.tier = tier_from_field(doc);
  return out;
}

[[nodiscard]] inline result<usage> anthropic(const json& doc, const json& u) {
  usage out;
  out.shape = "anthropic";
  TOKENMETER_TRY(in, count(u, "input_tokens", out.shape));
  TOKENMETER_TRY(read, count(u, "cache_read_input_tokens", out.shape));
  TOKENMETER_TRY(created, count(u, "cache_creation_input_tokens", out.shape));
  TOKENMETER_TRY(outp, count(u, "output_tokens", out.shape));
  out.input = in;  // Anthropic's input_tokens already excludes cache reads and writes
  out.cache_read = read;
  out.output = outp;  // thinking tokens are billed as output and not reported separately
  if (const json* cc = member(u, "cache_creation")) {
    TOKENMETER_TRY(m5, count(*cc, "ephemeral_5m_input_tokens", out.shape));
    TOKENMETER_TRY(h1, count(*cc, "ephemeral_1h_input_tokens", out.shape));
    if (member(u, "cache_creation_input_tokens") && m5 + h1 != created)
      return make_error(errc::parse_error, "anthropic usage is inconsistent: cache_creation.ephemeral_5m + ephemeral_1h != cache_creation_input_tokens");
    out.cache_write_5m = m5;
    out.cache_write_1h = h1;
  } else {
    out.cache_write_5m = created;  // without the split, writes use the default 5-minute TTL
  }
  out.model = string_member(doc, "model");
  out.tier = tier_from_field(u);
  if (!out.tier) out.tier = tier_from_field(doc);
  return out;
}

[[nodiscard]] inline result<usage> gemini(const json& doc, const json& m) {
  usage out;
  out.shape = "gemini";
  TOKENMETER_TRY(prompt, count(m, "promptTokenCount", out.shape));
  TOKENMETER_TRY(cached, count(m, "cachedContentTokenCount", out.shape));
  TOKENMETER_TRY(cand, count(m, "candidatesTokenCount", out.shape));
  TOKENMETER_TRY(thoughts, count(m, "thoughtsTokenCount", out.shape));
  TOKENMETER_TRY(tool, count(m, "toolUsePromptTokenCount", out.shape));
  TOKENMETER_TRY(uncached, minus(prompt, cached, "cachedContentTokenCount", out.shape));
  out.input = uncached + tool;
  out.cache_read = cached;
  out.output = cand;
  out.reasoning = thoughts;
  out.model = string_member(doc, "modelVersion");
  return out;
}

}  // namespace detail

// Reads one response (or a bare usage object) of any supported provider. Batch result lines
// (OpenAI {"response":{"body":...}}, Anthropic {"result":{"message":...}}) are unwrapped and
// marked as batch.
[[nodiscard]] inline result<usage> usage_from_json(const nlohmann::json& doc_in) {
  using detail::member;
  const nlohmann::json* doc = &doc_in;
  std::optional<service_tier> forced;
  if (!doc->is_object()) return make_error(errc::parse_error, "a usage record must be a JSON object");
  if (const auto* r = member(*doc, "response"); r && r->is_object()) {
    if (const auto* body = member(*r, "body"); body && body->is_object()) {  // OpenAI Batch API output line
      doc = body;
      forced = service_tier::batch;
    } else if (member(*r, "usage")) {  // Responses API streaming event response.completed
      doc = r;
    }
  }
  if (const auto* r = member(*doc, "result"); r && r->is_object()) {  // Anthropic Message Batches result line
    if (const auto* msg = member(*r, "message"); msg && msg->is_object()) {
      doc = msg;
      forced = service_tier::batch;
    }
  }
  result<usage> out = make_error(errc::parse_error, "no usage found: expected a response with 'usage' or 'usageMetadata', or a usage object");
  if (const auto* m = member(*doc, "usageMetadata")) {
    out = detail::gemini(*doc, *m);
  } else if (member(*doc, "promptTokenCount") || member(*doc, "candidatesTokenCount")) {
    out = detail::gemini(*doc, *doc);
  } else {
    const auto* u = member(*doc, "usage");
    if (!u || !u->is_object()) u = doc;
    if (member(*u, "prompt_tokens") || member(*u, "completion_tokens") || member(*u, "prompt_cache_hit_tokens"))
      out = detail::openai_chat(*doc, *u);
    else if (member(*u, "cache_creation_input_tokens") || member(*u, "cache_read_input_tokens") || member(*u, "cache_creation"))
      out = detail::anthropic(*doc, *u);
    else if (member(*u, "input_tokens_details") || member(*u, "output_tokens_details") || member(*u, "total_tokens") ||
             detail::string_member(*doc, "object") == "response")
      out = detail::openai_responses(*doc, *u);
    else if (member(*u, "input_tokens") || member(*u, "output_tokens"))
      out = detail::anthropic(*doc, *u);
  }
  if (out && forced) out->tier = forced;
  return out;
}

[[nodiscard]] inline result<usage> usage_from_json_text(std::string_view text) {
  TOKENMETER_TRY(doc, detail::parse_json_exact(text, "usage"));
  return usage_from_json(doc);
}

struct usage_record {
  std::size_t line = 0;  // 1-based line (JSONL) or element index + 1 (JSON array); 1 for one object
  usage u;
};

// A file holds one response/usage object, a JSON array of them, or JSON Lines.
[[nodiscard]] inline result<std::vector<usage_record>> parse_usage_document(std::string_view text) {
  std::vector<usage_record> out;
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return make_error(errc::parse_error, "the usage file is empty");
  auto whole = detail::parse_json_exact(text, "usage file");
  if (whole) {
    if (whole->is_array()) {
      std::size_t i = 0;
      for (const auto& el : *whole) {
        ++i;
        auto u = usage_from_json(el);
        if (!u) return make_error(u.error_value().code, "element " + std::to_string(i) + ": " + u.error_value().message);
        out.push_back({i, std::move(*u)});
      }
      return out;
    }
    TOKENMETER_TRY(u, usage_from_json(*whole));
    out.push_back({1, std::move(u)});
    return out;
  }
  std::size_t line_no = 0, pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++line_no;
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      auto doc = detail::parse_json_exact(line, "line " + std::to_string(line_no));
      if (!doc) return std::move(doc).error_value();
      auto u = usage_from_json(*doc);
      if (!u) return make_error(u.error_value().code, "line " + std::to_string(line_no) + ": " + u.error_value().message);
      out.push_back({line_no, std::move(*u)});
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

}  // namespace pricing
TOKENMETER_END_NAMESPACE
