// A chat request as the chat templates see it: messages (system/user/assistant/tool), tool
// definitions and assistant tool calls, converted from the OpenAI chat-completions shape or the
// Anthropic messages shape. The conversion rules are the ones tests/request/render_reference.mjs
// implements independently; docs/chat-templates.md lists them.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

// Key order matters: templates print tool schemas with tojson in the order the client sent.
using ordered_json = nlohmann::ordered_json;

enum class chat_role { system, user, assistant, tool };

[[nodiscard]] constexpr std::string_view to_string(chat_role r) noexcept {
  switch (r) {
    case chat_role::system: return "system";
    case chat_role::user: return "user";
    case chat_role::assistant: return "assistant";
    case chat_role::tool: return "tool";
  }
  return "user";
}

enum class request_shape { auto_detect, openai, anthropic };

struct tool_call {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, exactly as the client sent it (Anthropic: compact dump of `input`)
};

struct chat_message {
  chat_role role = chat_role::user;
  // nullopt only for an assistant turn that carries tool calls and no text.
  std::optional<std::string> content;
  std::vector<tool_call> tool_calls;
  std::string tool_call_id;  // role tool: the call it answers
};

struct tool_definition {
  std::string name;
  std::string description;
  ordered_json parameters = ordered_json::object();
  // The OpenAI `tools` entry ({"type":"function","function":{...}}), as sent or converted.
  ordered_json openai;
};

struct chat_request {
  std::vector<chat_message> messages;
  std::vector<tool_definition> tools;
  request_shape shape = request_shape::openai;  // which shape it was converted from
  std::string tool_choice;                      // "auto" (default), "none", "any"/"required", "tool"
};

namespace detail {

inline error request_error(const std::string& what) { return make_error(errc::parse_error, "chat request: " + what); }

// A content value: a string, null, or an array of parts; text parts are joined with "\n" (what
// OpenAI-compatible servers such as vLLM do with multi-part text). Other part kinds are refused
// rather than silently dropped, since they would be billed.
inline result<std::optional<std::string>> join_text(const ordered_json& content, std::string_view where) {
  if (content.is_null()) return std::optional<std::string>{};
  if (content.is_string()) return std::optional<std::string>{content.get<std::string>()};
  if (!content.is_array()) return request_error(std::string(where) + ": content must be a string, null or an array of parts");
  std::string out;
  bool first = true;
  for (const auto& part : content) {
    const std::string type = part.is_object() ? part.value("type", "") : "";
    if (type == "text") {
      if (!part.contains("text") || !part["text"].is_string()) return request_error(std::string(where) + ": text part without text");
      if (!first) out += '\n';
      out += part["text"].get<std::string>();
      first = false;
    } else if (type == "thinking" || type == "redacted_thinking") {
      continue;  // earlier reasoning is not part of the open templates' prompts
    } else {
      return make_error(errc::unsupported, std::string(where) + ": content part of type \"" + type +
                                               "\" (only text is counted; images, audio and files are not supported)");
    }
  }
  return std::optional<std::string>{std::move(out)};
}

inline result<tool_definition> tool_from_openai(const ordered_json& t) {
  if (!t.is_object() || t.value("type", "function") != "function" || !t.contains("function") || !t["function"].is_object())
    return make_error(errc::unsupported, "chat request: only tools of type \"function\" are supported");
  const auto& f = t["function"];
  if (!f.contains("name") || !f["name"].is_string()) return request_error("a tool without a name");
  tool_definition d;
  d.name = f["name"].get<std::string>();
  if (f.contains("description") && f["description"].is_string()) d.description = f["description"].get<std::string>();
  if (f.contains("parameters")) d.parameters = f["parameters"];
  d.openai = t;
  return d;
}

inline result<tool_definition> tool_from_anthropic(const ordered_json& t) {
  if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) return request_error("a tool without a name");
  if (t.contains("type") && t["type"] != "custom")
    return make_error(errc::unsupported, "chat request: Anthropic server tool \"" + t["name"].get<std::string>() + "\" is not supported");
  tool_definition d;
  d.name = t["name"].get<std::string>();
  ordered_json fn = ordered_json::object();
  fn["name"] = d.name;
  if (t.contains("description") && t["description"].is_string()) {
    d.description = t["description"].get<std::string>();
    fn["description"] = d.description;
  }
  if (t.contains("input_schema")) d.parameters = t["input_schema"];
  fn["parameters"] = d.parameters;
  d.openai = ordered_json::object();
  d.openai["type"] = "function";
  d.openai["function"] = std::move(fn);
  return d;
}

inline std::string tool_choice_of(const ordered_json& doc) {
  if (!doc.contains("tool_choice")) return "auto";
  const auto& c = doc["tool_choice"];
  if (c.is_string()) return c.get<std::string>();
  if (c.is_object()) {
    const std::string type = c.value("type", "auto");
    return type == "function" ? "tool" : type;
  }
  return "auto";
}

// What both shapes start with: a messages array, the shape, the tool choice.
inline result<chat_request> start_request(const ordered_json& doc, request_shape shape) {
  if (!doc.is_object() || !doc.contains("messages") || !doc["messages"].is_array()) return request_error("no \"messages\" array");
  chat_request req;
  req.shape = shape;
  req.tool_choice = tool_choice_of(doc);
  return req;
}

inline result<std::string> role_of(const ordered_json& m, const std::string& where) {
  if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) return request_error(where + ": no role");
  return m["role"].get<std::string>();
}

template <class Convert>
inline result<void> add_tools(const ordered_json& doc, chat_request& req, Convert convert) {
  if (!doc.contains("tools") || !doc["tools"].is_array()) return {};
  for (const auto& t : doc["tools"]) {
    TOKENMETER_TRY(def, convert(t));
    req.tools.push_back(std::move(def));
  }
  return {};
}

}  // namespace detail

// True when the document uses the Anthropic messages shape: a top-level system, tools with
// input_schema, or tool_use / tool_result content blocks.
[[nodiscard]] inline bool looks_like_anthropic(const ordered_json& doc) {
  if (!doc.is_object()) return false;
  if (doc.contains("system")) return true;
  if (doc.contains("tools") && doc["tools"].is_array())
    for (const auto& t : doc["tools"])
      if (t.is_object() && t.contains("input_schema")) return true;
  if (doc.contains("messages") && doc["messages"].is_array())
    for (const auto& m : doc["messages"])
      if (m.is_object() && m.contains("content") && m["content"].is_array())
        for (const auto& b : m["content"]) {
          const std::string type = b.is_object() ? b.value("type", "") : "";
          if (type == "tool_use" || type == "tool_result") return true;
        }
  return false;
}

// OpenAI chat-completions: {"messages": [...], "tools": [...]}. "developer" is a system turn.
[[nodiscard]] inline result<chat_request> parse_openai_request(const ordered_json& doc) {
  TOKENMETER_TRY(req, detail::start_request(doc, request_shape::openai));
  std::size_t index = 0;
  for (const auto& m : doc["messages"]) {
    const std::string where = "messages[" + std::to_string(index++) + "]";
    TOKENMETER_TRY(role, detail::role_of(m, where));
    chat_message out;
    if (role == "system" || role == "developer") out.role = chat_role::system;
    else if (role == "user") out.role = chat_role::user;
    else if (role == "assistant") out.role = chat_role::assistant;
    else if (role == "tool") out.role = chat_role::tool;
    else return detail::request_error(where + ": unknown role \"" + role + "\"");
    TOKENMETER_TRY(text, detail::join_text(m.contains("content") ? m["content"] : ordered_json(nullptr), where));
    out.content = std::move(text);
    if (!out.content && out.role != chat_role::assistant) out.content = std::string{};
    if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
      for (const auto& c : m["tool_calls"]) {
        if (!c.is_object() || !c.contains("function") || !c["function"].is_object() || !c["function"].contains("name"))
          return detail::request_error(where + ": a tool call without function.name");
        const auto& f = c["function"];
        tool_call call;
        call.id = c.value("id", "");
        call.name = f["name"].get<std::string>();
        if (f.contains("arguments")) call.arguments = f["arguments"].is_string() ? f["arguments"].get<std::string>() : f["arguments"].dump();
        out.tool_calls.push_back(std::move(call));
      }
    }
    if (m.contains("tool_call_id") && m["tool_call_id"].is_string()) out.tool_call_id = m["tool_call_id"].get<std::string>();
    req.messages.push_back(std::move(out));
  }
  TOKENMETER_TRY_VOID(detail::add_tools(doc, req, detail::tool_from_openai));
  return req;
}

// Anthropic messages: the system prompt becomes the first system turn; an assistant turn's text
// blocks become its content and its tool_use blocks its tool calls; in a user turn each
// tool_result becomes a tool message and each run of text blocks a user message, in order.
[[nodiscard]] inline result<chat_request> parse_anthropic_request(const ordered_json& doc) {
  TOKENMETER_TRY(req, detail::start_request(doc, request_shape::anthropic));
  if (doc.contains("system")) {
    TOKENMETER_TRY(system, detail::join_text(doc["system"], "system"));
    if (system) req.messages.push_back(chat_message{chat_role::system, std::move(system), {}, {}});
  }
  std::size_t index = 0;
  for (const auto& m : doc["messages"]) {
    const std::string where = "messages[" + std::to_string(index++) + "]";
    TOKENMETER_TRY(role, detail::role_of(m, where));
    if (role != "user" && role != "assistant") return detail::request_error(where + ": unknown role \"" + role + "\"");
    const auto& content = m.contains("content") ? m["content"] : ordered_json(nullptr);
    if (!content.is_array()) {
      TOKENMETER_TRY(text, detail::join_text(content, where));
      req.messages.push_back(chat_message{role == "user" ? chat_role::user : chat_role::assistant,
                                          text.value_or(std::string{}), {}, {}});
      continue;
    }
    if (role == "assistant") {
      chat_message out{chat_role::assistant, std::nullopt, {}, {}};
      std::string text;
      bool any_text = false;
      for (const auto& b : content) {
        const std::string type = b.is_object() ? b.value("type", "") : "";
        if (type == "text") {
          if (any_text) text += '\n';
          text += b.value("text", "");
          any_text = true;
        } else if (type == "tool_use") {
          out.tool_calls.push_back(tool_call{b.value("id", ""), b.value("name", ""),
                                             b.contains("input") ? b["input"].dump() : std::string("{}")});
        } else if (type != "thinking" && type != "redacted_thinking") {
          return make_error(errc::unsupported, where + ": content block of type \"" + type + "\" is not supported");
        }
      }
      if (any_text) out.content = std::move(text);
      req.messages.push_back(std::move(out));
      continue;
    }
    std::vector<std::string> texts;
    const auto flush = [&] {
      if (texts.empty()) return;
      std::string joined;
      for (std::size_t i = 0; i < texts.size(); ++i) joined += (i ? "\n" : "") + texts[i];
      req.messages.push_back(chat_message{chat_role::user, std::move(joined), {}, {}});
      texts.clear();
    };
    for (const auto& b : content) {
      const std::string type = b.is_object() ? b.value("type", "") : "";
      if (type == "text") {
        texts.push_back(b.value("text", ""));
      } else if (type == "tool_result") {
        flush();
        TOKENMETER_TRY(result_text, detail::join_text(b.contains("content") ? b["content"] : ordered_json(nullptr), where));
        req.messages.push_back(chat_message{chat_role::tool, result_text.value_or(std::string{}), {}, b.value("tool_use_id", "")});
      } else {
        return make_error(errc::unsupported, where + ": content block of type \"" + type + "\" is not supported");
      }
    }
    flush();
  }
  TOKENMETER_TRY_VOID(detail::add_tools(doc, req, detail::tool_from_anthropic));
  return req;
}

// From a parsed document (named apart from parse_chat_request: a string converts to a json too).
[[nodiscard]] inline result<chat_request> chat_request_from_json(const ordered_json& doc,
                                                                 request_shape shape = request_shape::auto_detect) {
  if (shape == request_shape::auto_detect) shape = looks_like_anthropic(doc) ? request_shape::anthropic : request_shape::openai;
  return shape == request_shape::anthropic ? parse_anthropic_request(doc) : parse_openai_request(doc);
}

[[nodiscard]] inline result<chat_request> parse_chat_request(std::string_view json_text,
                                                             request_shape shape = request_shape::auto_detect) {
  ordered_json doc = ordered_json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded()) return detail::request_error("not valid JSON");
  return chat_request_from_json(doc, shape);
}

TOKENMETER_END_NAMESPACE
