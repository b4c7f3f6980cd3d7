// HuggingFace tokenizer.json (BPE models): byte-level BPE (GPT-2 byte mapping) and
// SentencePiece-style BPE (code points, byte fallback), with the normalizers, pre-tokenizers,
// decoders and added tokens the families use. Anything else is reported as errc::unsupported
// naming the component, never silently approximated. The post-processor (BOS/EOS templates) is
// not applied: tokenmeter encodes like HF's encode(text, add_special_tokens=false).
#pragma once

#include <tokenmeter/bpe/byte_level.hpp>
#include <tokenmeter/bpe/model.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/normalize/normalizer.hpp>
#include <tokenmeter/pretokenize/pretokenizer.hpp>
#include <tokenmeter/tokenizer.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

TOKENMETER_BEGIN_NAMESPACE

struct hf_load_options {
  std::string name;
  // Added tokens that replace (same id) or extend the file's, e.g. names a later model release
  // gave to reserved ids (DeepSeek V3.1's <think>).
  std::vector<added_token> added_tokens_overlay;
  // HF tokenizers normalizes (NFC, NFKC, ...) with Unicode 9.0 data (its unicode-normalization
  // fork); tests/normalize probes every combining mark against the reference to confirm it.
  // Empty means ICU's current Unicode version.
  std::string normalization_unicode_version = "9.0";
};

namespace detail {

using json = nlohmann::json;

struct hf_context {
  std::string label;
  error fail(errc code, const std::string& what) const { return make_error(code, label + ": " + what); }
};

inline result<std::string> json_string(const json& j, const char* key, const hf_context& ctx, bool required = true,
                                       std::string fallback = {}) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return ctx.fail(errc::vocab_corrupt, std::string("missing \"") + key + "\"");
    return fallback;
  }
  if (!j[key].is_string()) return ctx.fail(errc::vocab_corrupt, std::string("\"") + key + "\" is not a string");
  return j[key].get<std::string>();
}

inline bool json_bool(const json& j, const char* key, bool fallback) {
  return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

// {"String": s} or {"Regex": r}
struct hf_pattern {
  bool is_regex = false;
  std::string text;
};
inline result<hf_pattern> parse_pattern(const json& j, const hf_context& ctx) {
  if (j.is_object() && j.contains("String") && j["String"].is_string()) return hf_pattern{false, j["String"].get<std::string>()};
  if (j.is_object() && j.contains("Regex") && j["Regex"].is_string()) return hf_pattern{true, j["Regex"].get<std::string>()};
  return ctx.fail(errc::vocab_corrupt, "pattern must be {\"String\": ...} or {\"Regex\": ...}");
}

inline result<void> parse_normalizer(const json& j, std::vector<normalizer::step>& out, const hf_context& ctx,
                                     std::string_view unicode_version) {
  if (j.is_null()) return {};
  TOKENMETER_TRY(type, json_string(j, "type", ctx));
  using namespace normalize;
  const auto normal_form = [&](unicode_form f) -> result<void> {
    TOKENMETER_TRY(nf, unicode_normal_form::make(f, unicode_version));
    out.push_back(std::move(nf));
    return {};
  };
  if (type == "NFC") TOKENMETER_TRY_VOID(normal_form(unicode_form::nfc));
  else if (type == "NFD") TOKENMETER_TRY_VOID(normal_form(unicode_form::nfd));
  else if (type == "NFKC") TOKENMETER_TRY_VOID(normal_form(unicode_form::nfkc));
  else if (type == "NFKD") TOKENMETER_TRY_VOID(normal_form(unicode_form::nfkd));
  else if (type == "Lowercase") out.push_back(lowercase{});
  else if (type == "Strip") out.push_back(strip{json_bool(j, "strip_left", true), json_bool(j, "strip_right", true)});
  else if (type == "Prepend") {
    TOKENMETER_TRY(p, json_string(j, "prepend", ctx));
    out.push_back(prepend{std::move(p)});
  } else if (type == "Replace") {
    if (!j.contains("pattern")) return ctx.fail(errc::vocab_corrupt, "Replace normalizer without pattern");
    TOKENMETER_TRY(pat, parse_pattern(j["pattern"], ctx));
    if (pat.is_regex) return ctx.fail(errc::unsupported, "Replace normalizer with a regex pattern is not supported");
    TOKENMETER_TRY(content, json_string(j, "content", ctx));
    out.push_back(replace{std::move(pat.text), std::move(content)});
  } else if (type == "Sequence") {
    if (!j.contains("normalizers") || !j["normalizers"].is_array())
      return ctx.fail(errc::vocab_corrupt, "Sequence normalizer without a normalizers array");
    for (const auto& sub : j["normalizers"]) TOKENMETER_TRY_VOID(parse_normalizer(sub, out, ctx, unicode_version));
  } else {
    return ctx.fail(errc::unsupported, "normalizer type \"" + type + "\" is not supported");
  }
  return {};
}

inline result<pretokenize::split_behavior> parse_behavior(const std::string& s, const hf_context& ctx) {
  using pretokenize::split_behavior;
  if (s == "Removed") return split_behavior::removed;
  if (s == "Isolated") return split_behavior::isolated;
  if (s == "MergedWithPrevious") return split_behavior::merged_with_previous;
  if (s == "MergedWithNext") return split_behavior::merged_with_next;
  if (s == "Contiguous") return split_behavior::contiguous;
  return ctx.fail(errc::unsupported, "split behavior \"" + s + "\" is not supported");
}

inline result<pretokenize::prepend_scheme> parse_prepend_scheme(const json& j, const hf_context& ctx) {
  using pretokenize::prepend_scheme;
  if (j.contains("prepend_scheme") && j["prepend_scheme"].is_string()) {
    const std::string s = j["prepend_scheme"].get<std::string>();
    if (s == "always") return prepend_scheme::always;
    if (s == "first") return prepend_scheme::first;
    if (s == "never") return prepend_scheme::never;
    return ctx.fail(errc::unsupported, "Metaspace prepend_scheme \"" + s + "\" is not supported");
  }
  // Files written before prepend_scheme existed use add_prefix_space.
  return json_bool(j, "add_prefix_space", true) ? prepend_scheme::always : prepend_scheme::never;
}

inline result<void> parse_pretokenizer(const json& j, std::vector<pretokenizer::step>& out, bool& byte_level,
                                       const hf_context& ctx) {
  if (j.is_null()) return {};
  TOKENMETER_TRY(type, json_string(j, "type", ctx));
  if (type == "Sequence") {
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array())
      return ctx.fail(errc::vocab_corrupt, "Sequence pre-tokenizer without a pretokenizers array");
    for (const auto& sub : j["pretokenizers"]) TOKENMETER_TRY_VOID(parse_pretokenizer(sub, out, byte_level, ctx));
  } else if (type == "Split") {
    if (!j.contains("pattern")) return ctx.fail(errc::vocab_corrupt, "Split pre-tokenizer without pattern");
    TOKENMETER_TRY(pat, parse_pattern(j["pattern"], ctx));
    TOKENMETER_TRY(behavior_name, json_string(j, "behavior", ctx));
    TOKENMETER_TRY(behavior, parse_behavior(behavior_name, ctx));
    pretokenize::split st;
    st.behavior = behavior;
    st.invert = json_bool(j, "invert", false);
    if (pat.is_regex) {
      auto re = split_regex::compile(pat.text);
      if (!re) return ctx.fail(re.error_value().code, re.error_value().message);
      st.pattern = std::move(*re);
    } else {
      st.pattern = std::move(pat.text);
    }
    out.push_back(std::move(st));
  } else if (type == "ByteLevel") {
    byte_level = true;
    pretokenize::byte_level st;
    st.add_prefix_space = json_bool(j, "add_prefix_space", true);
    if (json_bool(j, "use_regex", true)) {
      TOKENMETER_TRY(re, split_regex::compile(pretokenize::gpt2_pattern));
      st.regex = std::move(re);
    }
    out.push_back(std::move(st));
  } else if (type == "Digits") {
    out.push_back(pretokenize::digits{json_bool(j, "individual_digits", false)});
  } else if (type == "Metaspace") {
    pretokenize::metaspace st;
    TOKENMETER_TRY(rep, json_string(j, "replacement", ctx, false, "\xE2\x96\x81"));
    st.replacement = std::move(rep);
    TOKENMETER_TRY(scheme, parse_prepend_scheme(j, ctx));
    st.scheme = scheme;
    st.split = json_bool(j, "split", true);
    out.push_back(std::move(st));
  } else {
    return ctx.fail(errc::unsupported, "pre-tokenizer type \"" + type + "\" is not supported");
  }
  return {};
}

// A decoder chain, applied per token at load time (see decode/decoder.hpp).
struct token_decoder {
  bool byte_level = false;
  std::vector<std::pair<std::string, std::string>> replacements;  // applied in order
  bool byte_fallback = false;
  std::vector<std::pair<std::size_t, std::size_t>> strips;        // (start, stop) counts of `strip_char`
  std::vector<std::string> strip_chars;
  bool metaspace_strip_first = false;

  std::string apply(std::string_view token) const {
    std::string t(token);
    if (byte_level) {
      if (auto b = byte_level_decode(t)) t = std::move(*b);
    }
    for (const auto& [from, to] : replacements) {
      if (from.empty()) continue;
      std::string r;
      std::size_t pos = 0;
      for (std::size_t hit; (hit = t.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
        r.append(t, pos, hit - pos);
        r.append(to);
      }
      r.append(t, pos, std::string::npos);
      t.swap(r);
    }
    if (byte_fallback && t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
      unsigned v = 0;
      if (std::from_chars(t.data() + 3, t.data() + 5, v, 16).ptr == t.data() + 5) t.assign(1, static_cast<char>(v));
    }
    for (std::size_t k = 0; k < strips.size(); ++k) {
      const std::string& c = strip_chars[k];
      if (c.empty()) continue;
      for (std::size_t n = 0; n < strips[k].first && t.compare(0, c.size(), c) == 0; ++n) t.erase(0, c.size());
      for (std::size_t n = 0; n < strips[k].second && t.size() >= c.size() &&
                              t.compare(t.size() - c.size(), c.size(), c) == 0;
           ++n)
        t.erase(t.size() - c.size());
    }
    return t;
  }
};

inline result<void> parse_decoder(const json& j, token_decoder& d, const hf_context& ctx) {
  if (j.is_null()) return {};
  TOKENMETER_TRY(type, json_string(j, "type", ctx));
  if (type == "Sequence") {
    if (!j.contains("decoders") || !j["decoders"].is_array())
      return ctx.fail(errc::vocab_corrupt, "Sequence decoder without a decoders array");
    for (const auto& sub : j["decoders"]) TOKENMETER_TRY_VOID(parse_decoder(sub, d, ctx));
  } else if (type == "ByteLevel") {
    d.byte_level = true;
  } else if (type == "Replace") {
    if (!j.contains("pattern")) return ctx.fail(errc::vocab_corrupt, "Replace decoder without pattern");
    TOKENMETER_TRY(pat, parse_pattern(j["pattern"], ctx));
    if (pat.is_regex) return ctx.fail(errc::unsupported, "Replace decoder with a regex pattern is not supported");
    TOKENMETER_TRY(content, json_string(j, "content", ctx));
    d.replacements.emplace_back(std::move(pat.text), std::move(content));
  } else if (type == "ByteFallback") {
    d.byte_fallback = true;
  } else if (type == "Fuse") {
    // Concatenation: what decoding to bytes does anyway.
  } else if (type == "Strip") {
    TOKENMETER_TRY(content, json_string(j, "content", ctx));
    const auto count = [&](const char* k) {
      return j.contains(k) && j[k].is_number_unsigned() ? j[k].get<std::size_t>() : std::size_t{0};
    };
    d.strips.emplace_back(count("start"), count("stop"));
    d.strip_chars.push_back(std::move(content));
  } else if (type == "Metaspace") {
    TOKENMETER_TRY(rep, json_string(j, "replacement", ctx, false, "\xE2\x96\x81"));
    TOKENMETER_TRY(scheme, parse_prepend_scheme(j, ctx));
    d.replacements.emplace_back(std::move(rep), " ");
    d.metaspace_strip_first = scheme != pretokenize::prepend_scheme::never;
  } else {
    return ctx.fail(errc::unsupported, "decoder type \"" + type + "\" is not supported");
  }
  return {};
}

}  // namespace detail

namespace detail {

// An added token and the text it decodes to (its content before normalization).
struct added_decoding {
  token_id id;
  std::string text;
  bool special;
};

// Everything but the vocabulary and the merges, from a tokenizer.json object: the whole file or
// the skeleton kept in the compiled cache. Fills the pipeline, the model's flags and the added
// tokens (their contents normalized when HF matches them on normalized text).
inline result<void> hf_build_pipeline(const json& j, const hf_load_options& opt, const hf_context& ctx,
                                      tokenizer_parts& parts, token_decoder& dec, std::vector<added_decoding>& added_text) {
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object()) return ctx.fail(errc::vocab_corrupt, "no \"model\" object");
  const json& m = j["model"];
  const std::string model_type = m.contains("type") && m["type"].is_string() ? m["type"].get<std::string>() : "BPE";
  if (model_type != "BPE") return ctx.fail(errc::unsupported, "model type \"" + model_type + "\" is not supported (BPE only)");
  if (m.contains("dropout") && !m["dropout"].is_null() && !(m["dropout"].is_number() && m["dropout"].get<double>() == 0.0))
    return ctx.fail(errc::unsupported, "BPE dropout makes encoding random; not supported");
  for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (m.contains(k) && m[k].is_string() && !m[k].get<std::string>().empty())
      return ctx.fail(errc::unsupported, std::string(k) + " is not supported");
  }
  parts.name = opt.name;
  parts.default_special = special_tokens::recognize;

  std::vector<normalizer::step> norm_steps;
  if (j.contains("normalizer")) TOKENMETER_TRY_VOID(parse_normalizer(j["normalizer"], norm_steps, ctx, opt.normalization_unicode_version));
  parts.norm = normalizer(std::move(norm_steps));

  std::vector<pretokenizer::step> pre_steps;
  bool byte_level = false;
  if (j.contains("pre_tokenizer")) TOKENMETER_TRY_VOID(parse_pretokenizer(j["pre_tokenizer"], pre_steps, byte_level, ctx));
  parts.pre = pretokenizer(std::move(pre_steps));

  if (j.contains("decoder")) TOKENMETER_TRY_VOID(parse_decoder(j["decoder"], dec, ctx));
  parts.decoder.set_strip_first_leading_space(dec.metaspace_strip_first);

  bpe_model& model = parts.model;
  // SentencePiece-style models mark word starts with the character spaces become (a Replace
  // normalizer or a Metaspace pre-tokenizer); the model may cut long pieces before it.
  if (!byte_level) {
    for (const auto& st : parts.norm.steps())
      if (const auto* r = std::get_if<normalize::replace>(&st); r != nullptr && r->pattern == " " && !r->content.empty())
        model.split_marker = r->content;
    for (const auto& st : parts.pre.steps())
      if (const auto* ms = std::get_if<pretokenize::metaspace>(&st)) model.split_marker = ms->replacement;
  }
  model.rules = merge_rules::pairs;
  model.unit = byte_level ? symbol_unit::byte : symbol_unit::code_point;
  model.ignore_merges = json_bool(m, "ignore_merges", false);
  model.byte_fallback = json_bool(m, "byte_fallback", false);
  model.fuse_unk = json_bool(m, "fuse_unk", false);

  // Added tokens, then the overlay (same id replaces, new id extends).
  if (j.contains("added_tokens")) {
    if (!j["added_tokens"].is_array()) return ctx.fail(errc::vocab_corrupt, "added_tokens is not an array");
    for (const json& a : j["added_tokens"]) {
      if (!a.is_object() || !a.contains("id") || !a["id"].is_number_unsigned() ||
          a["id"].get<std::uint64_t>() >= vocab_table::max_token_id || !a.contains("content") || !a["content"].is_string())
        return ctx.fail(errc::vocab_corrupt, "malformed added token");
      added_token t;
      t.id = a["id"].get<token_id>();
      t.content = a["content"].get<std::string>();
      t.special = json_bool(a, "special", false);
      t.normalized = json_bool(a, "normalized", !t.special);
      t.lstrip = json_bool(a, "lstrip", false);
      t.rstrip = json_bool(a, "rstrip", false);
      t.single_word = json_bool(a, "single_word", false);
      if (!is_valid_utf8(t.content)) return ctx.fail(errc::vocab_corrupt, "added token " + std::to_string(t.id) + " is not UTF-8");
      parts.added.push_back(std::move(t));
    }
  }
  for (const added_token& o : opt.added_tokens_overlay) {
    const auto it = std::find_if(parts.added.begin(), parts.added.end(), [&](const added_token& a) { return a.id == o.id; });
    if (it != parts.added.end())
      *it = o;
    else
      parts.added.push_back(o);
  }
  for (added_token& t : parts.added) {
    added_text.push_back({t.id, t.content, t.special});
    // HF matches a normalized added token against normalized text, so its content is normalized too.
    if (t.normalized && !parts.norm.empty()) {
      std::string normalized;
      TOKENMETER_TRY(changed, parts.norm.apply(t.content, normalized));
      if (changed) t.content = std::move(normalized);
    }
  }
  return {};
}

}  // namespace detail

// Builds a tokenizer from the text of a tokenizer.json.
inline result<std::shared_ptr<const tokenizer>> load_hf_tokenizer_json(std::string_view data, const hf_load_options& opt,
                                                                       const std::string& label) {
  using detail::json;
  const detail::hf_context ctx{label};
  json j = json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return ctx.fail(errc::vocab_corrupt, "not valid JSON (truncated or corrupt file?)");
  tokenizer_parts parts;
  detail::token_decoder dec;
  std::vector<detail::added_decoding> added_text;
  TOKENMETER_TRY_VOID(detail::hf_build_pipeline(j, opt, ctx, parts, dec, added_text));
  const json& m = j["model"];
  if (!m.contains("vocab") || !m["vocab"].is_object()) return ctx.fail(errc::vocab_corrupt, "model has no vocab object");
  if (!m.contains("merges") || !m["merges"].is_array()) return ctx.fail(errc::vocab_corrupt, "model has no merges array");
  bpe_model& model = parts.model;
  const bool byte_level = model.unit == symbol_unit::byte;

  // The vocabulary, keyed by what merging sees: raw bytes for byte-level models (a token
  // spelled with characters outside the GPT-2 map can never come out of merges, so it is only
  // decodable), the UTF-8 text otherwise.
  const json& vocab = m["vocab"];
  model.vocab.reserve(vocab.size(), data.size() / 4);
  std::vector<std::pair<token_id, const std::string*>> by_id;
  by_id.reserve(vocab.size());
  for (const auto& [tok, idj] : vocab.items()) {
    if (!idj.is_number_unsigned() || idj.get<std::uint64_t>() >= vocab_table::max_token_id)
      return ctx.fail(errc::vocab_corrupt, "vocab entry \"" + tok + "\" has no valid id");
    by_id.emplace_back(idj.get<token_id>(), &tok);
  }
  std::sort(by_id.begin(), by_id.end());
  for (const auto& [id, tok] : by_id) {
    if (!is_valid_utf8(*tok)) return ctx.fail(errc::vocab_corrupt, "vocab entry " + std::to_string(id) + " is not UTF-8");
    std::string_view key = *tok;
    std::optional<std::string> raw;
    if (byte_level) {
      raw = detail::byte_level_decode(*tok);
      if (raw) key = *raw;
    }
    if (!byte_level || raw) {
      if (auto r = model.vocab.add(id, key); !r) return ctx.fail(r.error_value().code, r.error_value().message);
    }
    // The decoder table keeps only tokens that decode to something else than their key.
    std::string decoded = dec.apply(*tok);
    if ((byte_level && !raw) || decoded != key) parts.decoder.set(id, decoded, false);
  }
  if (auto r = model.vocab.finalize(); !r) return ctx.fail(r.error_value().code, r.error_value().message);

  // Merge rules: priority = position in the list; the merged token must be in the vocabulary.
  const json& merges = m["merges"];
  model.pairs.reserve(merges.size());
  std::string left, right, raw_left, raw_right;
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const json& mj = merges[i];
    if (mj.is_string()) {
      const std::string& s = mj.get_ref<const std::string&>();
      const std::size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        return ctx.fail(errc::vocab_corrupt, "merge " + std::to_string(i) + " is not \"left right\"");
      left.assign(s, 0, sp);
      right.assign(s, sp + 1);
    } else if (mj.is_array() && mj.size() == 2 && mj[0].is_string() && mj[1].is_string()) {
      left = mj[0].get<std::string>();
      right = mj[1].get<std::string>();
    } else {
      return ctx.fail(errc::vocab_corrupt, "merge " + std::to_string(i) + " is malformed");
    }
    const std::string* l = &left;
    const std::string* r = &right;
    if (byte_level) {
      auto dl = detail::byte_level_decode(left);
      auto dr = detail::byte_level_decode(right);
      if (!dl || !dr) continue;  // involves a token merges can never produce; cannot fire
      raw_left = std::move(*dl);
      raw_right = std::move(*dr);
      l = &raw_left;
      r = &raw_right;
    }
    const token_id a = model.vocab.find(*l);
    const token_id b = model.vocab.find(*r);
    const token_id ab = model.vocab.find(*l + *r);
    if (a == no_token || b == no_token || ab == no_token)
      return ctx.fail(errc::vocab_corrupt, "merge " + std::to_string(i) + " (\"" + left + "\", \"" + right +
                                               "\") refers to a token missing from the vocabulary");
    model.pairs.insert(a, b, merge_rule{static_cast<std::uint32_t>(i), ab});
  }

  if (m.contains("unk_token") && m["unk_token"].is_string()) {
    const std::string unk = m["unk_token"].get<std::string>();
    const auto it = vocab.find(unk);
    if (it == vocab.end() || !it->is_number_unsigned())
      return ctx.fail(errc::vocab_corrupt, "unk_token \"" + unk + "\" is not in the vocabulary");
    model.unk = it->get<token_id>();
  }
  for (const auto& a : added_text) parts.decoder.set(a.id, dec.apply(a.text), a.special);

  // What the compiled cache keeps to rebuild the pipeline: everything but vocab and merges.
  j["model"].erase("vocab");
  j["model"].erase("merges");
  parts.skeleton = j.dump();
  return tokenizer::create(std::move(parts));
}

// Rebuilds a tokenizer.json tokenizer from its skeleton and already-built tables (the cache).
inline result<std::shared_ptr<const tokenizer>> restore_hf_tokenizer(std::string_view skeleton, const hf_load_options& opt,
                                                                     const std::string& label, vocab_table vocab,
                                                                     pair_table pairs, decoder_table decoder, token_id unk) {
  using detail::json;
  const detail::hf_context ctx{label};
  const json j = json::parse(skeleton, nullptr, false);
  if (j.is_discarded()) return ctx.fail(errc::vocab_corrupt, "damaged compiled-cache skeleton");
  tokenizer_parts parts;
  detail::token_decoder dec;
  std::vector<detail::added_decoding> added_text;
  TOKENMETER_TRY_VOID(detail::hf_build_pipeline(j, opt, ctx, parts, dec, added_text));
  parts.model.vocab = std::move(vocab);
  parts.model.pairs = std::move(pairs);
  parts.model.unk = unk;
  parts.decoder = std::move(decoder);
  parts.skeleton = std::string(skeleton);
  parts.origin = "compiled cache";
  return tokenizer::create(std::move(parts));
}

TOKENMETER_END_NAMESPACE
