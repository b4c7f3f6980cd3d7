// tiktoken vocabularies: rank files ("base64(token bytes) rank" per line, rank = id = merge
// priority) and the tiktoken npm package's JSON ({"pat_str", "special_tokens", "bpe_ranks"},
// where bpe_ranks lines read "! <first rank> <base64> <base64> ..." with consecutive ranks).
#pragma once

#include <tokenmeter/bpe/model.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/tokenizer.hpp>
#include <tokenmeter/types.hpp>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

TOKENMETER_BEGIN_NAMESPACE

struct tiktoken_spec {
  std::string name;
  std::string pattern;
  std::vector<std::pair<std::string, token_id>> special_tokens;
  std::optional<token_id> max_rank;  // keep only ranks below this (GLM-4.5 is a prefix of GLM-5)
  tokenmeter::special_tokens default_special = tokenmeter::special_tokens::plain;
};

namespace detail {

// Standard base64 with padding, via OpenSSL. Returns false on malformed input.
[[nodiscard]] inline bool base64_decode(std::string_view in, std::string& out) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > (1u << 20)) return false;
  std::size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  out.resize(in.size() / 4 * 3);
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad) return false;
  out.resize(static_cast<std::size_t>(n) - pad);
  return true;
}

[[nodiscard]] inline bool parse_u32(std::string_view s, std::uint32_t& v) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && p == s.data() + s.size();
}

[[nodiscard]] inline error rank_file_error(const std::string& label, std::size_t line, const std::string& what) {
  return make_error(errc::vocab_corrupt, label + ":" + std::to_string(line) + ": " + what +
                                             " (the file is corrupt or not a tiktoken rank file; re-run vocab/fetch)");
}

// Decodes one base64 token and adds it at `rank` unless the rank is cut off by max_rank.
[[nodiscard]] inline result<void> add_ranked(vocab_table& vocab, std::uint32_t rank, std::string_view b64,
                                             std::optional<token_id> max_rank, std::string& scratch,
                                             const std::string& label, std::size_t line) {
  if (!base64_decode(b64, scratch)) return rank_file_error(label, line, "invalid base64");
  if (max_rank && rank >= *max_rank) return {};
  if (auto r = vocab.add(rank, scratch); !r) return rank_file_error(label, line, r.error_value().message);
  return {};
}

}  // namespace detail

// Parses a tiktoken rank file into `vocab` (not yet finalized).
inline result<void> parse_tiktoken_ranks(std::string_view data, std::optional<token_id> max_rank, vocab_table& vocab,
                                         const std::string& label) {
  vocab.reserve(data.size() / 14, data.size() / 2);
  std::string bytes;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < data.size();) {
    std::size_t eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    std::string_view line = data.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const std::size_t sp = line.find(' ');
    std::uint32_t rank = 0;
    if (sp == std::string_view::npos || !detail::parse_u32(line.substr(sp + 1), rank))
      return detail::rank_file_error(label, line_no, "expected '<base64> <rank>'");
    TOKENMETER_TRY_VOID(detail::add_ranked(vocab, rank, line.substr(0, sp), max_rank, bytes, label, line_no));
  }
  if (vocab.size() == 0) return detail::rank_file_error(label, line_no, "no tokens");
  return {};
}

// Parses the tiktoken npm package's JSON encoding file.
inline result<tiktoken_spec> parse_tiktoken_json(std::string_view data, std::optional<token_id> max_rank,
                                                 vocab_table& vocab, const std::string& label) {
  const auto j = nlohmann::json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("bpe_ranks") || !j["bpe_ranks"].is_string() ||
      !j.contains("pat_str") || !j["pat_str"].is_string())
    return make_error(errc::vocab_corrupt, label + ": not a tiktoken encoding JSON (needs pat_str and bpe_ranks)");
  tiktoken_spec spec;
  spec.pattern = j["pat_str"].get<std::string>();
  if (j.contains("special_tokens")) {
    if (!j["special_tokens"].is_object()) return make_error(errc::vocab_corrupt, label + ": special_tokens is not an object");
    for (const auto& [k, v] : j["special_tokens"].items()) {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() >= vocab_table::max_token_id)
        return make_error(errc::vocab_corrupt, label + ": special token " + k + " has no valid id");
      spec.special_tokens.emplace_back(k, v.get<token_id>());
    }
  }
  const std::string& ranks = j["bpe_ranks"].get_ref<const std::string&>();
  const std::string_view all(ranks);
  vocab.reserve(all.size() / 10, all.size() / 2);
  std::string bytes;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < all.size();) {
    std::size_t eol = all.find('\n', pos);
    if (eol == std::string_view::npos) eol = all.size();
    const std::string_view line = all.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.empty()) continue;
    // Split the line into space-separated fields.
    std::vector<std::string_view> fields;
    for (std::size_t f = 0; f < line.size();) {
      std::size_t e = line.find(' ', f);
      if (e == std::string_view::npos) e = line.size();
      if (e > f) fields.push_back(line.substr(f, e - f));
      f = e + 1;
    }
    std::uint32_t rank = 0;
    if (fields.size() >= 2 && fields[0] == "!") {
      if (!detail::parse_u32(fields[1], rank)) return detail::rank_file_error(label, line_no, "bad first rank");
      for (std::size_t k = 2; k < fields.size(); ++k, ++rank)
        TOKENMETER_TRY_VOID(detail::add_ranked(vocab, rank, fields[k], max_rank, bytes, label, line_no));
    } else if (fields.size() == 2) {
      if (!detail::parse_u32(fields[1], rank)) return detail::rank_file_error(label, line_no, "expected '<base64> <rank>'");
      TOKENMETER_TRY_VOID(detail::add_ranked(vocab, rank, fields[0], max_rank, bytes, label, line_no));
    } else {
      return detail::rank_file_error(label, line_no, "unrecognised bpe_ranks line");
    }
  }
  if (vocab.size() == 0) return detail::rank_file_error(label, line_no, "no tokens");
  return spec;
}

namespace detail {

// The pipeline of a tiktoken-style tokenizer: split by the pattern keeping matches only, merge
// by rank with a whole-piece lookup first, special tokens matched only under `recognize`.
inline result<void> tiktoken_pipeline(const tiktoken_spec& spec, tokenizer_parts& parts) {
  TOKENMETER_TRY(re, split_regex::compile(spec.pattern));
  parts.name = spec.name;
  parts.default_special = spec.default_special;
  parts.pre = pretokenizer({pretokenize::matches_only{std::move(re)}});
  for (const auto& [text, id] : spec.special_tokens) {
    if (text.empty()) return make_error(errc::vocab_corrupt, spec.name + ": empty special token");
    if (id >= vocab_table::max_token_id) return make_error(errc::vocab_corrupt, spec.name + ": special token id out of range");
    parts.added.push_back(added_token{id, text, true, false, false, false, false});
  }
  parts.model.rules = merge_rules::ranks;
  parts.model.unit = symbol_unit::byte;
  parts.model.ignore_merges = true;
  nlohmann::json sk{{"kind", "tiktoken"}, {"name", spec.name}, {"pattern", spec.pattern},
                    {"default_special", spec.default_special == tokenmeter::special_tokens::recognize ? "recognize" : "plain"},
                    {"special_tokens", spec.special_tokens}};
  parts.skeleton = sk.dump();
  return {};
}

}  // namespace detail

// Assembles a tiktoken-style tokenizer from its ranks and spec.
inline result<std::shared_ptr<const tokenizer>> make_tiktoken_tokenizer(vocab_table vocab, const tiktoken_spec& spec) {
  TOKENMETER_TRY_VOID(vocab.finalize());
  tokenizer_parts parts;
  TOKENMETER_TRY_VOID(detail::tiktoken_pipeline(spec, parts));
  for (const added_token& a : parts.added) {
    if (vocab.contains(a.id))
      return make_error(errc::vocab_corrupt, spec.name + ": special token " + a.content + " reuses the id " +
                                                 std::to_string(a.id) + " of a vocabulary token");
    parts.decoder.set(a.id, a.content, true);
  }
  parts.model.vocab = std::move(vocab);
  return tokenizer::create(std::move(parts));
}

// Rebuilds a tiktoken-style tokenizer from its skeleton and already-built tables (the cache).
inline result<std::shared_ptr<const tokenizer>> restore_tiktoken_tokenizer(std::string_view skeleton, vocab_table vocab,
                                                                           decoder_table decoder) {
  const auto j = nlohmann::json::parse(skeleton, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("pattern") || !j["pattern"].is_string() ||
      !j.contains("special_tokens") || !j["special_tokens"].is_array())
    return make_error(errc::vocab_corrupt, "damaged compiled-cache skeleton");
  tiktoken_spec spec;
  spec.name = j.value("name", std::string{});
  spec.pattern = j["pattern"].get<std::string>();
  spec.default_special = j.value("default_special", std::string{}) == "recognize" ? tokenmeter::special_tokens::recognize
                                                                                   : tokenmeter::special_tokens::plain;
  for (const auto& e : j["special_tokens"]) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number_unsigned())
      return make_error(errc::vocab_corrupt, "damaged compiled-cache skeleton");
    spec.special_tokens.emplace_back(e[0].get<std::string>(), e[1].get<token_id>());
  }
  tokenizer_parts parts;
  TOKENMETER_TRY_VOID(detail::tiktoken_pipeline(spec, parts));
  parts.model.vocab = std::move(vocab);
  parts.decoder = std::move(decoder);
  parts.origin = "compiled cache";
  return tokenizer::create(std::move(parts));
}

TOKENMETER_END_NAMESPACE
