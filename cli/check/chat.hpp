// Input formats for `tokenmeter check`: plain text, chat JSON (an OpenAI chat-completions or
// Anthropic messages request, or a bare `messages` array) and JSONL (one request per line, bare
// or in the OpenAI Batch API's {"body": {...}} envelope). Requests are parsed and counted by the
// library's request accounting (<tokenmeter/request/request_count.hpp>): chat templates where the
// family publishes one, documented or measured overheads elsewhere, each labelled exact or estimate.
#pragma once

#include <tokenmeter/error.hpp>
#include <tokenmeter/request/request_count.hpp>

#include <nlohmann/json.hpp>

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

struct parsed_input {
  input_format format = input_format::text;
  std::vector<tokenmeter::chat_request> requests;  // empty for text: the whole input is one request
  std::set<std::string> notes;         // what was not counted, or counted approximately
};

namespace detail {

using ordered_json = nlohmann::ordered_json;

inline const ordered_json* messages_of(const ordered_json& j) {
  if (j.is_array()) return &j;  // a bare array of messages
  if (!j.is_object()) return nullptr;
  if (const auto it = j.find("messages"); it != j.end() && it->is_array()) return &*it;
  if (const auto b = j.find("body"); b != j.end() && b->is_object())
    if (const auto it = b->find("messages"); it != b->end() && it->is_array()) return &*it;
  return nullptr;
}

// Content parts a budget check counts nothing for (their cost is not text); the library refuses
// them, so they are taken out here and reported.
inline bool is_media_part(const ordered_json& part) {
  static const std::set<std::string, std::less<>> media = {"image_url", "image", "input_image", "input_audio", "audio",
                                                           "file", "input_file", "document"};
  return part.is_object() && part.contains("type") && part["type"].is_string() && media.count(part["type"].get<std::string>()) != 0;
}

inline tokenmeter::result<tokenmeter::chat_request> read_request(const ordered_json& j, std::set<std::string>& notes) {
  // The request itself: unwrapped from a Batch envelope, or built around a bare messages array.
  ordered_json req = j.is_array() ? ordered_json{{"messages", j}}
                     : j.contains("body") && j["body"].is_object() && !j.contains("messages") ? j["body"]
                                                                                                : j;
  for (auto& m : req["messages"]) {
    if (!m.is_object() || !m.contains("content") || !m["content"].is_array()) continue;
    auto& parts = m["content"];
    const auto before = parts.size();
    ordered_json kept = ordered_json::array();
    for (auto& part : parts)
      if (!is_media_part(part)) kept.push_back(std::move(part));
    if (kept.size() != before) notes.insert("non-text content parts (images, audio, files) are not counted");
    parts = std::move(kept);
  }
  return tokenmeter::chat_request_from_json(req);
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
    const auto j = detail::ordered_json::parse(data, nullptr, false);
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
      const auto j = detail::ordered_json::parse(line, nullptr, false);
      auto r = j.is_discarded() ? tokenmeter::result<tokenmeter::chat_request>(tokenmeter::make_error(tokenmeter::errc::parse_error, "not valid JSON"))
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
