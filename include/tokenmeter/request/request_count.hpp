// Input tokens of a chat request, per model, before it is sent:
//   - open families with a published chat template: render it (request/chat_template.hpp) and
//     count the prompt with special tokens recognised: exact for the models that template ships
//     with, an estimate for relatives that reuse it;
//   - OpenAI models: the documented overheads (OpenAI cookbook "How to count tokens with
//     tiktoken": 3 tokens per message, 1 per name, 3 to prime the reply; tool definitions by the
//     cookbook's function-calling formula): an estimate;
//   - Gemini: the Gemma 3 count of the request's text plus the per-request overhead measured on
//     the live API (shared/peer-vectors/provenance-probe): an estimate;
//   - Claude: the legacy Claude tokenizer scaled by the ratio measured on the same probes, plus
//     Anthropic's documented tool-use system prompt: an estimate;
//   - families whose template is not obtainable (Kimi K2, MiniMax M2, gpt-oss harmony, Qwen 3.5,
//     Gemma): the family's tokenizer with OpenAI's documented framing: an estimate.
// docs/chat-templates.md has the sources and the measured errors.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/request/chat.hpp>
#include <tokenmeter/request/chat_template.hpp>
#include <tokenmeter/vocab/load.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE

enum class request_count_method {
  chat_template,      // the family's chat template rendered and tokenized
  openai_documented,  // OpenAI's documented per-message and tool overheads
  gemini_measured,    // Gemma 3 tokens + the overhead measured on the Gemini API
  claude_estimate,    // legacy Claude tokenizer, calibrated on live API counts
  generic_framing,    // the family's tokenizer with OpenAI-style framing (no template available)
};

[[nodiscard]] constexpr std::string_view to_string(request_count_method m) noexcept {
  switch (m) {
    case request_count_method::chat_template: return "chat_template";
    case request_count_method::openai_documented: return "openai_documented";
    case request_count_method::gemini_measured: return "gemini_measured";
    case request_count_method::claude_estimate: return "claude_estimate";
    case request_count_method::generic_framing: return "generic_framing";
  }
  return "generic_framing";
}

struct request_count {
  std::size_t input_tokens = 0;
  tokenmeter::exactness exactness = tokenmeter::exactness::estimate;
  request_count_method method = request_count_method::generic_framing;
  std::string family;         // the tokenizer family counted with
  std::string chat_template;  // the template rendered (method chat_template), else empty
  std::string note;           // why it is an estimate, when it is
};

struct request_count_options {
  load_options load;
  bool add_generation_prompt = true;
};

// Calibration constants, measured or documented; docs/chat-templates.md explains each.
namespace request_constants {
inline constexpr std::size_t openai_tokens_per_message = 3;
inline constexpr std::size_t openai_tokens_per_name = 1;
inline constexpr std::size_t openai_reply_priming = 3;
// Gemini's API count minus the Gemma 3 count of the text: 1 on all 20 provenance probes.
inline constexpr std::size_t gemini_request_overhead = 1;
// Sum of the live Claude API counts over the 20 provenance probes / sum of the legacy tokenizer's
// counts (3,415 / 2,802), as a ratio of integers so the estimate stays integral and reproducible.
inline constexpr std::size_t claude_ratio_num = 3415;
inline constexpr std::size_t claude_ratio_den = 2802;
// Anthropic's documented tool-use system prompt (Claude 4.x / 3.7 / 3.5 Sonnet).
inline constexpr std::size_t claude_tool_prompt_auto = 346;  // tool_choice auto or none
inline constexpr std::size_t claude_tool_prompt_any = 313;   // tool_choice any or a named tool
}  // namespace request_constants

namespace detail {

inline std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The template a tokenizer family's models are rendered with, if any.
inline const chat_template_info* template_for_family(std::string_view family) {
  if (family == "glm-5") return find_chat_template("glm-4.5");  // the closest published relative
  return find_chat_template(family);
}

struct text_counter {
  const tokenizer& tok;
  encode_options opt;
  std::size_t total = 0;
  result<void> add(std::string_view text) {
    if (text.empty()) return {};
    TOKENMETER_TRY(n, tok.count(text, opt));
    total += n;
    return {};
  }
};

// OpenAI cookbook, "counting tokens for chat completions API calls with tools". o200k models use
// func_init 7, cl100k models 10; the other constants are shared.
inline result<std::size_t> openai_tools_tokens(const std::vector<tool_definition>& tools, text_counter& c, bool o200k) {
  if (tools.empty()) return std::size_t{0};
  const long func_init = o200k ? 7 : 10, prop_init = 3, prop_key = 3, enum_init = -3, enum_item = 3, func_end = 12;
  const auto strip_dot = [](std::string s) {
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  const auto str_of = [](const ordered_json& j, const char* key) {
    return j.is_object() && j.contains(key) ? (j[key].is_string() ? j[key].get<std::string>() : j[key].dump()) : std::string{};
  };
  long total = 0;
  const std::size_t before = c.total;
  for (const auto& t : tools) {
    total += func_init;
    TOKENMETER_TRY_VOID(c.add(t.name + ":" + strip_dot(t.description)));
    if (t.parameters.is_object() && t.parameters.contains("properties") && t.parameters["properties"].is_object() &&
        !t.parameters["properties"].empty()) {
      total += prop_init;
      for (const auto& [key, prop] : t.parameters["properties"].items()) {
        total += prop_key;
        if (prop.is_object() && prop.contains("enum") && prop["enum"].is_array()) {
          total += enum_init;
          for (const auto& item : prop["enum"]) {
            total += enum_item;
            TOKENMETER_TRY_VOID(c.add(item.is_string() ? item.get<std::string>() : item.dump()));
          }
        }
        TOKENMETER_TRY_VOID(c.add(key + ":" + str_of(prop, "type") + ":" + strip_dot(str_of(prop, "description"))));
      }
    }
  }
  total += func_end;
  total += static_cast<long>(c.total - before);
  c.total = before;
  return static_cast<std::size_t>(std::max(total, 0L));
}

// Role + content (+ tool calls) per message with the documented per-message framing.
inline result<std::size_t> framed_messages_tokens(const chat_request& req, text_counter& c) {
  const std::size_t before = c.total;
  for (const auto& m : req.messages) {
    c.total += request_constants::openai_tokens_per_message;
    TOKENMETER_TRY_VOID(c.add(to_string(m.role)));
    if (m.content) TOKENMETER_TRY_VOID(c.add(*m.content));
    for (const auto& call : m.tool_calls) {
      c.total += request_constants::openai_tokens_per_name;
      TOKENMETER_TRY_VOID(c.add(call.name));
      TOKENMETER_TRY_VOID(c.add(call.arguments));
    }
  }
  c.total += request_constants::openai_reply_priming;
  const std::size_t n = c.total - before;
  c.total = before;
  return n;
}

// Every piece of text the request carries: message texts, tool-call names and arguments, and each
// tool definition as JSON (how the open templates and, as far as anyone can tell, the closed APIs
// present tools to the model).
inline result<std::size_t> request_text_tokens(const chat_request& req, text_counter& c) {
  const std::size_t before = c.total;
  for (const auto& m : req.messages) {
    if (m.content) TOKENMETER_TRY_VOID(c.add(*m.content));
    for (const auto& call : m.tool_calls) {
      TOKENMETER_TRY_VOID(c.add(call.name));
      TOKENMETER_TRY_VOID(c.add(call.arguments));
    }
  }
  for (const auto& t : req.tools) TOKENMETER_TRY_VOID(c.add(tojson(t.openai)));
  const std::size_t n = c.total - before;
  c.total = before;
  return n;
}

inline bool is_listed(const chat_template_info& t, std::string_view model) {
  return std::find(t.models.begin(), t.models.end(), model) != t.models.end();
}

}  // namespace detail

// The prompt a model with a published chat template sees for this request. Models without one
// have no prompt to show (errc::unsupported names what is used instead).
[[nodiscard]] inline result<std::string> render_request(std::string_view model, const chat_request& req,
                                                        const render_options& opt = {}) {
  TOKENMETER_TRY(res, manifest::embedded().resolve(model));
  const chat_template_info* t = detail::template_for_family(res.family->id);
  if (t == nullptr)
    return make_error(errc::unsupported, "no published chat template is available for the " + res.family->id +
                                             " family; count_request estimates it instead (see docs/chat-templates.md)");
  return render_chat(t->id, req, opt);
}

// How a model's requests are counted: decided by the model and its tokenizer family alone, so
// callers that count many requests (tokenmeter check, trace) decide once and report it.
struct request_count_plan {
  request_count_method method = request_count_method::generic_framing;
  tokenmeter::exactness exactness = tokenmeter::exactness::estimate;
  const chat_template_info* chat_template = nullptr;  // method chat_template
  std::string note;                                   // why it is an estimate, when it is
};

namespace detail {
// A tokenizer file loaded without a manifest family goes by its own name.
inline std::string family_of(const loaded_model& loaded) { return loaded.family ? loaded.family->id : loaded.tok->name(); }
}  // namespace detail

[[nodiscard]] inline request_count_plan plan_request_count(const loaded_model& loaded, std::string_view model) {
  const std::string name = detail::lower_ascii(model);
  const std::string family = detail::family_of(loaded);
  request_count_plan p;
  if (const chat_template_info* t = detail::template_for_family(family)) {
    p.method = request_count_method::chat_template;
    p.chat_template = t;
    const bool exact = t->name == family && detail::is_listed(*t, name) && loaded.exactness == exactness::exact;
    p.exactness = exact ? exactness::exact : exactness::estimate;
    if (!exact)
      p.note = "rendered with the " + std::string(t->name) + " chat template, published for " + std::string(t->models.front()) +
               "; " + std::string(model) + "'s own template is not available";
  } else if (family == "o200k_base" || family == "cl100k_base") {
    p.method = request_count_method::openai_documented;
    p.note = "OpenAI's documented chat overheads (3 tokens per message, 3 to prime the reply; the cookbook's tool formula)";
  } else if (name.rfind("gemini-", 0) == 0) {
    p.method = request_count_method::gemini_measured;
    p.note = "Gemma 3 tokens of the request's text plus the request overhead measured on the Gemini API (single-turn requests)";
  } else if (family == "claude-legacy" && loaded.exactness == exactness::estimate) {
    p.method = request_count_method::claude_estimate;
    p.note = "legacy Claude tokenizer scaled by the ratio measured against the live API; Anthropic publishes no tokenizer";
  } else {
    p.note = "no published chat template is available for the " + family +
             " family; its tokenizer with OpenAI-style framing (3 tokens per message) stands in";
  }
  return p;
}

// Counts one request with a model already loaded (and, optionally, its plan already made).
[[nodiscard]] inline result<request_count> count_request(const loaded_model& loaded, const request_count_plan& plan,
                                                         const chat_request& req, bool add_generation_prompt = true) {
  const std::string family = detail::family_of(loaded);
  detail::text_counter counter{*loaded.tok, encode_options{}, 0};
  request_count out;
  out.family = family;
  out.method = plan.method;
  out.exactness = plan.exactness;
  out.note = plan.note;
  switch (plan.method) {
    case request_count_method::chat_template: {
      TOKENMETER_TRY(prompt, render_chat(plan.chat_template->id, req, render_options{add_generation_prompt}));
      // Servers tokenize the rendered prompt with special tokens recognised (the template's markers).
      encode_options recognize;
      recognize.special = special_tokens::recognize;
      TOKENMETER_TRY(n, loaded.tok->count(prompt, recognize));
      out.input_tokens = n;
      out.chat_template = std::string(plan.chat_template->name);
      return out;
    }
    case request_count_method::openai_documented: {
      TOKENMETER_TRY(messages, detail::framed_messages_tokens(req, counter));
      TOKENMETER_TRY(tools, detail::openai_tools_tokens(req.tools, counter, family == "o200k_base"));
      out.input_tokens = messages + tools;
      return out;
    }
    case request_count_method::gemini_measured: {
      TOKENMETER_TRY(text, detail::request_text_tokens(req, counter));
      out.input_tokens = text + request_constants::gemini_request_overhead;
      return out;
    }
    case request_count_method::claude_estimate: {
      TOKENMETER_TRY(text, detail::request_text_tokens(req, counter));
      out.input_tokens = (text * request_constants::claude_ratio_num + request_constants::claude_ratio_den / 2) /
                         request_constants::claude_ratio_den;
      if (!req.tools.empty())
        out.input_tokens += req.tool_choice == "any" || req.tool_choice == "tool" ? request_constants::claude_tool_prompt_any
                                                                                   : request_constants::claude_tool_prompt_auto;
      return out;
    }
    case request_count_method::generic_framing:
      break;
  }
  TOKENMETER_TRY(messages, detail::framed_messages_tokens(req, counter));
  std::size_t tools = 0;
  for (const auto& t : req.tools) {
    TOKENMETER_TRY(n, loaded.tok->count(detail::tojson(t.openai)));
    tools += n;
  }
  out.input_tokens = messages + tools;
  return out;
}

[[nodiscard]] inline result<request_count> count_request(std::string_view model, const chat_request& req,
                                                         const request_count_options& opt = {}) {
  TOKENMETER_TRY(loaded, load_model(model, opt.load));
  return count_request(loaded, plan_request_count(loaded, model), req, opt.add_generation_prompt);
}

[[nodiscard]] inline result<request_count> count_request(std::string_view model, std::string_view request_json,
                                                         const request_count_options& opt = {}) {
  TOKENMETER_TRY(req, parse_chat_request(request_json));
  return count_request(model, req, opt);
}

TOKENMETER_END_NAMESPACE
