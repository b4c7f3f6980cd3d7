// Input formats for `tokenmeter check`: plain text, chat JSON (an OpenAI-style `messages` array)
// and JSONL (one request per line, bare or in the OpenAI Batch API's {"body": {...}} envelope).
//
// tokenmeter has no request-accounting API yet, so a chat request is counted the way OpenAI
// documents it for gpt-4o / gpt-4 (the cookbook's num_tokens_from_messages): every string value of
// every message, plus 3 tokens per message, 1 more per `name`, and 3 for the reply's priming. For
// other families the same figures are applied and labelled "assumed", since their chat templates
// are not modelled; docs/check.md says so.
#pragma once

#include <tokenmeter/error.hpp>
#include <tokenmeter/vocab/manifest.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tokenmeter_cli::check {

enum class input_format { auto_detect, text, chat, jsonl };

inline std::string_view to_string(input_format f) {
  switch (f) {
    case input_format::auto_detect: return "auto";
    case input_format::text: return "text";
    case input_format::chat: return "chat";
    case input_format::jsonl: return "jsonl";
  }
  return "text";
}

struct chat_overhead {
  std::uint64_t per_message = 3;
  std::uint64_t per_name = 1;
  std::uint64_t reply_priming = 3;
  bool documented = false;  // true: the provider documents these figures for this tokenizer
  std::string basis;
};

inline chat_overhead overhead_for(const tokenmeter::family_info* family) {
  chat_overhead o;
  const std::string id = family ? family->id : std::string("a tokenizer file");
  if (id == "o200k_base" || id == "cl100k_base") {
    o.documented = true;
    o.basis = "OpenAI cookbook num_tokens_from_messages (gpt-4o, gpt-4): 3 per message, 1 per name, 3 reply priming";
  } else {
    o.basis = "assumed: OpenAI's documented figures (3 per message, 1 per name, 3 reply priming) applied to " + id +
              "; its chat template is not modelled";
  }
  return o;
}

// One request's countable parts; the token total is sum(count(texts)) + the overhead terms.
struct chat_request {
  std::vector<std::string> texts;
  std::uint64_t messages = 0;
  std::uint64_t names = 0;
};

struct parsed_input {
  input_format format = input_format::text;
  std::vector<chat_request> requests;  // empty for text: the whole input is one request
  std::set<std::string> notes;         // what was not counted, or counted approximately
};

namespace detail {

inline const nlohmann::json* messages_of(const nlohmann::json& j) {
  if (j.is_array()) return &j;  // a bare array of messages
  if (!j.is_object()) return nullptr;
  if (const auto it = j.find("messages"); it != j.end() && it->is_array()) return &*it;
  if (const auto b = j.find("body"); b != j.end() && b->is_object())
    if (const auto it = b->find("messages"); it != b->end() && it->is_array()) return &*it;
  return nullptr;
}

inline tokenmeter::result<chat_request> read_request(const nlohmann::json& j, std::set<std::string>& notes) {
  const nlohmann::json* msgs = messages_of(j);
  if (msgs == nullptr) return tokenmeter::make_error(tokenmeter::errc::parse_error, "no \"messages\" array");
  const nlohmann::json& req = j.is_object() && j.contains("body") && j["body"].is_object() ? j["body"] : j;
  if (req.is_object() && req.contains("tools")) notes.insert("tool definitions (\"tools\") are not counted");
  chat_request r;
  for (const auto& m : *msgs) {
    if (!m.is_object()) return tokenmeter::make_error(tokenmeter::errc::parse_error, "a message is not a JSON object");
    ++r.messages;
    for (const auto& [key, value] : m.items()) {
      if (key == "name") ++r.names;
      if (value.is_string()) {
        r.texts.push_back(value.get<std::string>());
      } else if (key == "content" && value.is_array()) {
        for (const auto& part : value) {
          if (part.is_string()) {
            r.texts.push_back(part.get<std::string>());
          } else if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string()) {
            r.texts.push_back(part["text"].get<std::string>());
          } else {
            notes.insert("non-text content parts (images, audio, files) are not counted");
          }
        }
      } else if (value.is_object() || value.is_array()) {
        // tool_calls / function_call: their JSON text is the closest countable form.
        r.texts.push_back(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        notes.insert("\"" + key + "\" counted as its compact JSON text (approximate)");
      }
    }
  }
  return r;
}

inline bool has_suffix(std::string_view s, std::string_view suf) {
  return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
}

}  // namespace detail

// Parses `data` as `wanted`. In auto mode the name decides what is tried (.json: chat, .jsonl /
// .ndjson: JSONL, stdin "-": chat then JSONL) and anything that does not parse is plain text;
// an explicit format that does not parse is a parse_error naming the line.
inline tokenmeter::result<parsed_input> parse_input(std::string_view name, const std::string& data, input_format wanted) {
  parsed_input out;
  const bool is_stdin = name == "-";
  const bool try_chat = wanted == input_format::chat ||
                        (wanted == input_format::auto_detect && (detail::has_suffix(name, ".json") || is_stdin));
  const bool try_jsonl = wanted == input_format::jsonl ||
                         (wanted == input_format::auto_detect &&
                          (detail::has_suffix(name, ".jsonl") || detail::has_suffix(name, ".ndjson") || is_stdin));
  if (try_chat) {
    const auto j = nlohmann::json::parse(data, nullptr, false);
    if (!j.is_discarded() && detail::messages_of(j) != nullptr) {
      auto r = detail::read_request(j, out.notes);
      if (!r) return std::move(r).error_value();
      out.format = input_format::chat;
      out.requests.push_back(std::move(*r));
      return out;
    }
    if (wanted == input_format::chat)
      return tokenmeter::make_error(tokenmeter::errc::parse_error, j.is_discarded() ? "not valid JSON" : "no \"messages\" array");
  }
  if (try_jsonl) {
    parsed_input lines;
    lines.format = input_format::jsonl;
    std::size_t pos = 0, line_no = 0;
    bool ok = true;
    while (pos < data.size() && ok) {
      const std::size_t nl = data.find('\n', pos);
      const std::string_view line = std::string_view(data).substr(pos, (nl == std::string::npos ? data.size() : nl) - pos);
      pos = nl == std::string::npos ? data.size() : nl + 1;
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      const auto j = nlohmann::json::parse(line, nullptr, false);
      auto r = j.is_discarded() ? tokenmeter::result<chat_request>(tokenmeter::make_error(tokenmeter::errc::parse_error, "not valid JSON"))
                                : detail::read_request(j, lines.notes);
      if (!r) {
        if (wanted == input_format::jsonl)
          return tokenmeter::make_error(tokenmeter::errc::parse_error, "line " + std::to_string(line_no) + ": " + r.error_value().message);
        ok = false;
        break;
      }
      lines.requests.push_back(std::move(*r));
    }
    if (ok && !lines.requests.empty()) return lines;
    if (wanted == input_format::jsonl)
      return tokenmeter::make_error(tokenmeter::errc::parse_error, "no requests (every line is blank)");
  }
  out.format = input_format::text;
  return out;
}

}  // namespace tokenmeter_cli::check
