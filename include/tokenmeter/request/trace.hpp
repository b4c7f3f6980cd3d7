// Trace files: the requests and responses of an agent run, priced per step and in total, with
// our counts reconciled against the provider's usage (request/reconcile.hpp).
//
// Schema (JSON Lines, one step per line; docs/request-accounting.md):
//   {"request": {...}, "response": {...}, "model": "...", "step": "...", "at": "..."}
//   request   an OpenAI chat-completions or Anthropic messages request body
//   response  the provider's response body (its "usage" is read by pricing/usage_adapters.hpp)
//   model     optional: the model to price and count with (else the caller's, else request.model)
//   step      optional label (string or number); the default is the line number
//   at        optional ISO 8601 instant for rate cards (else response "created", else now)
// Blank lines are skipped. Any other malformed line is an error naming the line.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/pricing/usage_adapters.hpp>
#include <tokenmeter/request/reconcile.hpp>
#include <tokenmeter/request/request_count.hpp>
#include <tokenmeter/vocab/load.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

TOKENMETER_BEGIN_NAMESPACE

// The text a response carries, split into visible output and reasoning.
struct response_text {
  std::string output;
  std::string reasoning;
  bool has_reasoning_text = false;
};

// OpenAI chat completions: choices[].message content, tool call names and arguments, and
// reasoning_content (DeepSeek, Kimi, GLM, Qwen) or reasoning (OpenRouter). Anthropic messages:
// text and tool_use blocks (input as compact JSON) are output, thinking blocks reasoning.
[[nodiscard]] inline response_text extract_response_text(const nlohmann::json& response) {
  response_text out;
  const auto text_of = [](const nlohmann::json& j) -> std::string { return j.is_string() ? j.get<std::string>() : std::string(); };
  const auto add_reasoning = [&](const nlohmann::json& j) {
    if (!j.is_string()) return;
    out.reasoning += j.get<std::string>();
    out.has_reasoning_text = true;
  };
  if (const auto c = response.find("choices"); c != response.end() && c->is_array()) {
    for (const auto& choice : *c) {
      const auto m = choice.find("message");
      if (m == choice.end() || !m->is_object()) continue;
      if (const auto ct = m->find("content"); ct != m->end()) {
        if (ct->is_string()) out.output += ct->get<std::string>();
        else if (ct->is_array())
          for (const auto& part : *ct)
            if (part.is_object() && part.contains("text")) out.output += text_of(part["text"]);
      }
      for (const char* key : {"reasoning_content", "reasoning"})
        if (const auto r = m->find(key); r != m->end()) add_reasoning(*r);
      if (const auto tc = m->find("tool_calls"); tc != m->end() && tc->is_array())
        for (const auto& call : *tc)
          if (const auto f = call.find("function"); f != call.end() && f->is_object()) {
            if (f->contains("name")) out.output += text_of((*f)["name"]);
            if (f->contains("arguments")) out.output += text_of((*f)["arguments"]);
          }
    }
  } else if (const auto blocks = response.find("content"); blocks != response.end() && blocks->is_array()) {
    for (const auto& b : *blocks) {
      if (!b.is_object()) continue;
      const std::string type = b.contains("type") ? text_of(b["type"]) : std::string();
      if (type == "text" && b.contains("text")) out.output += text_of(b["text"]);
      else if (type == "thinking" && b.contains("thinking")) add_reasoning(b["thinking"]);
      else if (type == "tool_use") {
        if (b.contains("name")) out.output += text_of(b["name"]);
        if (b.contains("input")) out.output += b["input"].dump();
      }
    }
  }
  return out;
}

struct trace_step {
  std::size_t line = 0;
  std::string label;
  std::string model;
  our_counts ours;
  pricing::usage theirs;
  reconciliation rec;
  std::string input_method;  // request_count_method, or "provider-reported"
  bool output_exact = false; // the model's tokenizer is exact (not an estimate)
};

struct trace_report {
  std::vector<trace_step> steps;
  // Per bucket (all_reconcile_buckets order): the provider's total, ours (over steps we counted
  // that bucket in), and the provider's total over those same steps, for a like-for-like difference.
  std::array<std::uint64_t, 5> theirs{};
  std::array<std::uint64_t, 5> ours{};
  std::array<std::uint64_t, 5> theirs_where_counted{};
  std::array<std::size_t, 5> steps_counted{};
  std::map<std::string, pricing::int128> our_cost, their_cost;  // per currency
};

struct trace_options {
  std::string model;  // overrides the trace's models when set
  const pricing::rate_table* rates = nullptr;  // default: the embedded table
  load_options load;
  std::optional<pricing::timestamp> at;        // overrides every step's instant
};

namespace trace_detail {

[[nodiscard]] inline error at_line(std::size_t line, const error& e) {
  return make_error(e.code, "trace line " + std::to_string(line) + ": " + e.message);
}

}  // namespace trace_detail

// Prices and reconciles one step, given the provider's usage already parsed from `response`.
[[nodiscard]] inline result<trace_step> analyze_step(const ordered_json& request, const nlohmann::json& response,
                                                     pricing::usage theirs, std::string model, pricing::timestamp at,
                                                     const pricing::rate_table& rates, const load_options& load) {
  trace_step st;
  st.model = model;
  st.theirs = std::move(theirs);
  TOKENMETER_TRY(lm, load_model(model, load));
  // Our input: the chat-template (or documented-framing) count when the request can be rendered;
  // otherwise the provider's count stands, and the report says so.
  auto req = chat_request_from_json(request);
  auto rc = req ? count_request(lm, plan_request_count(lm, model), *req) : result<request_count>(req.error_value());
  if (rc) {
    st.ours.input = rc->input_tokens;
    st.ours.input_exact = rc->exactness == exactness::exact;
    st.ours.input_note = rc->note.empty() ? std::string(to_string(rc->method)) : rc->note;
    st.input_method = std::string(to_string(rc->method));
  } else {
    st.input_method = "provider-reported";
    st.ours.input_note = "not counted (" + rc.error_value().message + "); provider-reported usage used";
  }
  st.output_exact = lm.exactness == exactness::exact;
  const response_text text = extract_response_text(response);
  encode_options eo;
  eo.on_invalid_utf8 = invalid_utf8::replace;
  TOKENMETER_TRY(out_n, lm.tok->count(text.output, eo));
  st.ours.output = out_n;
  if (text.has_reasoning_text) {
    TOKENMETER_TRY(r_n, lm.tok->count(text.reasoning, eo));
    st.ours.reasoning = r_n;
  }
  TOKENMETER_TRY(rec, reconcile(st.ours, st.theirs, rates, model, at));
  st.rec = std::move(rec);
  return st;
}

// Reads a whole trace (JSON Lines text).
[[nodiscard]] inline result<trace_report> analyze_trace(std::string_view jsonl, const trace_options& opt = {}) {
  const pricing::rate_table& rates = opt.rates ? *opt.rates : pricing::builtin_rate_table();
  trace_report rep;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos <= jsonl.size();) {
    const std::size_t nl = jsonl.find('\n', pos);
    const std::string_view line = jsonl.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? jsonl.size() + 1 : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    // Two views of the line: key order kept for the request (templates print tool schemas in the
    // client's order), exact numbers for the response (usage.cost).
    const ordered_json ordered = ordered_json::parse(line, nullptr, false);
    auto exact = pricing::detail::parse_json_exact(line, "trace line " + std::to_string(line_no));
    if (ordered.is_discarded() || !exact) return make_error(errc::parse_error, "trace line " + std::to_string(line_no) + ": not valid JSON");
    if (!ordered.is_object() || !ordered.contains("request") || !ordered.contains("response") || !(*exact)["response"].is_object())
      return make_error(errc::parse_error, "trace line " + std::to_string(line_no) + ": expected {\"request\": {...}, \"response\": {...}}");
    const ordered_json& request = ordered["request"];
    const nlohmann::json& response = (*exact)["response"];
    std::string model = opt.model;
    if (model.empty() && ordered.contains("model") && ordered["model"].is_string()) model = ordered["model"].get<std::string>();
    if (model.empty() && request.is_object() && request.contains("model") && request["model"].is_string())
      model = request["model"].get<std::string>();
    if (model.empty()) return make_error(errc::invalid_argument, "trace line " + std::to_string(line_no) + ": no model (give one)");
    std::optional<pricing::timestamp> at = opt.at;
    if (!at && ordered.contains("at") && ordered["at"].is_string()) {
      auto t = pricing::parse_timestamp(ordered["at"].get<std::string>());
      if (!t) return trace_detail::at_line(line_no, t.error_value());
      at = *t;
    }
    auto theirs = pricing::usage_from_json(response);
    if (!theirs) return trace_detail::at_line(line_no, theirs.error_value());
    if (!at && theirs->created) at = theirs->created;
    auto st = analyze_step(request, response, std::move(*theirs), model, at.value_or(pricing::now_utc()), rates, opt.load);
    if (!st) return trace_detail::at_line(line_no, st.error_value());
    st->line = line_no;
    if (ordered.contains("step")) st->label = ordered["step"].is_string() ? ordered["step"].get<std::string>() : ordered["step"].dump();
    else st->label = std::to_string(line_no);
    for (std::size_t b = 0; b < st->rec.rows.size(); ++b) {
      const reconcile_row& row = st->rec.rows[b];
      rep.theirs[b] += row.theirs;
      if (row.ours) {
        rep.ours[b] += *row.ours;
        rep.theirs_where_counted[b] += row.theirs;
        ++rep.steps_counted[b];
      }
    }
    rep.our_cost[st->rec.currency] += st->rec.our_total_femto;
    rep.their_cost[st->rec.currency] += st->rec.their_total_femto;
    rep.steps.push_back(std::move(*st));
  }
  if (rep.steps.empty()) return make_error(errc::parse_error, "the trace has no steps");
  return rep;
}

TOKENMETER_END_NAMESPACE
