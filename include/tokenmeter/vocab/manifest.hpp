// The vocabulary manifest (vocab/manifest.json, embedded at build time): every family's file,
// checksum, licence, format and settings, and the model names that select each family.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/special/added_tokens.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/vocab/manifest_data.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

TOKENMETER_BEGIN_NAMESPACE

enum class exactness : std::uint8_t {
  exact,     // the same ids as the upstream tokenizer, proven by the test suite
  estimate,  // no public tokenizer for this model: a related vocabulary stands in
};

[[nodiscard]] constexpr std::string_view to_string(exactness e) noexcept {
  return e == exactness::exact ? "exact" : "estimate";
}

enum class vocab_format : std::uint8_t { tiktoken, tiktoken_json, hf_tokenizer_json };

struct vocab_file {
  std::string path;  // relative to a vocabulary directory
  std::string sha256;
  std::uint64_t size = 0;
  std::string licence;
  std::string npm_package, npm_version, npm_path;  // npm source, if any
  std::string mirror;                              // path inside a --mirror directory, if any
  std::string hf_repo, hf_revision, hf_path;       // upstream HuggingFace file, if fetchable
};

struct family_info {
  std::string id;
  std::string description;
  vocab_format format = vocab_format::tiktoken;
  std::string file;  // key into manifest::files; empty if the user must supply it
  special_tokens default_special = special_tokens::plain;
  std::string pattern;                                         // tiktoken formats
  std::vector<std::pair<std::string, token_id>> special_list;  // tiktoken formats
  std::optional<token_id> max_rank;
  std::vector<added_token> added_tokens_overlay;  // tokenizer.json formats
  std::string reference;                          // how the test suite runs the reference encoder
};

struct model_rule {
  std::string family;
  tokenmeter::exactness exactness = tokenmeter::exactness::exact;
  std::vector<std::string> names, prefixes;
  std::string note;
};

struct model_resolution {
  const family_info* family = nullptr;
  tokenmeter::exactness exactness = tokenmeter::exactness::exact;
  std::string note;
};

class manifest {
 public:
  static result<manifest> parse(std::string_view text) {
    try {
      return parse_impl(text);
    } catch (const nlohmann::json::exception& e) {  // a value of the wrong type somewhere
      return fail(e.what());
    }
  }

  // The manifest compiled into this build.
  static const manifest& embedded() {
    static const manifest m = parse(detail::embedded_manifest_json).value_or_throw();
    return m;
  }

 private:
  static result<manifest> parse_impl(std::string_view text) {
    using json = nlohmann::json;
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("not valid JSON");
    manifest mf;
    if (!j.contains("files") || !j["files"].is_object() || !j.contains("families") || !j["families"].is_object() ||
        !j.contains("models") || !j["models"].is_array())
      return fail("needs \"files\", \"families\" and \"models\"");
    for (const auto& [path, f] : j["files"].items()) {
      vocab_file vf;
      vf.path = path;
      vf.sha256 = str(f, "sha256");
      vf.size = f.value("size", std::uint64_t{0});
      vf.licence = str(f, "licence");
      if (f.contains("npm")) {
        vf.npm_package = str(f["npm"], "package");
        vf.npm_version = str(f["npm"], "version");
        vf.npm_path = str(f["npm"], "path");
      }
      vf.mirror = str(f, "mirror");
      if (f.contains("huggingface")) {
        vf.hf_repo = str(f["huggingface"], "repo");
        vf.hf_revision = str(f["huggingface"], "revision");
        vf.hf_path = str(f["huggingface"], "path");
      }
      if (vf.sha256.size() != 64) return fail("file " + path + " has no sha256");
      mf.files_.emplace(path, std::move(vf));
    }
    const json& fams = j["families"];
    for (const auto& [id, fj] : fams.items()) {
      family_info fi;
      fi.id = id;
      fi.description = str(fj, "description");
      fi.reference = str(fj, "reference");
      const std::string fmt = str(fj, "format");
      if (fmt == "tiktoken") fi.format = vocab_format::tiktoken;
      else if (fmt == "tiktoken-json") fi.format = vocab_format::tiktoken_json;
      else if (fmt == "hf-tokenizer-json") fi.format = vocab_format::hf_tokenizer_json;
      else return fail("family " + id + " has unknown format \"" + fmt + "\"");
      fi.file = str(fj, "file");
      if (!fi.file.empty() && !mf.files_.count(fi.file)) return fail("family " + id + " names unknown file " + fi.file);
      const std::string dflt = str(fj, "special_tokens_default");
      fi.default_special = dflt == "recognize" ? special_tokens::recognize : special_tokens::plain;
      if (fj.contains("max_rank")) fi.max_rank = fj["max_rank"].get<token_id>();
      // A family may borrow another's pattern and special tokens, then override some ids.
      const json* pattern_src = &fj;
      if (fj.contains("pattern_from")) {
        const std::string from = fj["pattern_from"].get<std::string>();
        if (!fams.contains(from)) return fail("family " + id + " borrows the pattern of unknown " + from);
        pattern_src = &fams[from];
      }
      fi.pattern = str(*pattern_src, "pattern");
      std::map<token_id, std::string> specials;
      if (fj.contains("special_tokens_from")) {
        const std::string from = fj["special_tokens_from"].get<std::string>();
        if (!fams.contains(from)) return fail("family " + id + " borrows the special tokens of unknown " + from);
        add_specials(fams[from], specials);
      }
      add_specials(fj, specials);
      for (auto& [tid, text] : specials) fi.special_list.emplace_back(std::move(text), tid);
      if (fj.contains("added_tokens_overlay")) {
        for (const json& a : fj["added_tokens_overlay"]) {
          added_token t;
          t.id = a.at("id").get<token_id>();
          t.content = a.at("content").get<std::string>();
          t.special = a.value("special", false);
          t.normalized = a.value("normalized", !t.special);
          fi.added_tokens_overlay.push_back(std::move(t));
        }
      }
      if (fi.format != vocab_format::hf_tokenizer_json && fi.format != vocab_format::tiktoken_json && fi.pattern.empty())
        return fail("tiktoken family " + id + " has no pattern");
      mf.families_.emplace(id, std::move(fi));
    }
    for (const json& r : j["models"]) {
      model_rule rule;
      rule.family = str(r, "family");
      if (!mf.families_.count(rule.family)) return fail("model rule names unknown family " + rule.family);
      rule.exactness = str(r, "exactness") == "estimate" ? exactness::estimate : exactness::exact;
      rule.note = str(r, "note");
      if (r.contains("names")) rule.names = r["names"].get<std::vector<std::string>>();
      if (r.contains("prefixes")) rule.prefixes = r["prefixes"].get<std::vector<std::string>>();
      mf.rules_.push_back(std::move(rule));
    }
    TOKENMETER_TRY_VOID(mf.check_unambiguous());
    return mf;
  }

 public:
  [[nodiscard]] const std::map<std::string, family_info, std::less<>>& families() const noexcept { return families_; }
  [[nodiscard]] const std::map<std::string, vocab_file, std::less<>>& files() const noexcept { return files_; }
  [[nodiscard]] const std::vector<model_rule>& model_rules() const noexcept { return rules_; }

  [[nodiscard]] const family_info* family(std::string_view id) const noexcept {
    const auto it = families_.find(id);
    return it == families_.end() ? nullptr : &it->second;
  }
  [[nodiscard]] const vocab_file* file(std::string_view path) const noexcept {
    const auto it = files_.find(path);
    return it == files_.end() ? nullptr : &it->second;
  }

  // Model name or alias (case-insensitive) -> family. A family id is itself a valid name.
  // Exact names win over prefixes; the longest matching prefix wins; unknown names are errors.
  [[nodiscard]] result<model_resolution> resolve(std::string_view model) const {
    const std::string name = lower(model);
    if (const family_info* f = family(name)) return model_resolution{f, exactness::exact, {}};
    for (const model_rule& r : rules_)
      for (const std::string& n : r.names)
        if (n == name) return model_resolution{family(r.family), r.exactness, r.note};
    const model_rule* best = nullptr;
    std::size_t best_len = 0;
    for (const model_rule& r : rules_)
      for (const std::string& p : r.prefixes)
        if (name.size() > p.size() && name.compare(0, p.size(), p) == 0 && p.size() >= best_len) {
          if (p.size() == best_len && best != nullptr && best != &r)
            return make_error(errc::ambiguous_model, "model \"" + std::string(model) + "\" matches two prefixes of equal length");
          best = &r;
          best_len = p.size();
        }
    if (best != nullptr) return model_resolution{family(best->family), best->exactness, best->note};
    return make_error(errc::unknown_model, "unknown model \"" + std::string(model) + "\"" + suggestion(name) +
                                               " (run 'tokenmeter models' for the list)");
  }

 private:
  static error fail(const std::string& what) { return make_error(errc::parse_error, "vocabulary manifest: " + what); }
  static std::string str(const nlohmann::json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string{};
  }
  static void add_specials(const nlohmann::json& fj, std::map<token_id, std::string>& specials) {
    if (fj.contains("reserved_special_tokens")) {
      const auto& r = fj["reserved_special_tokens"];
      const std::string fmt = str(r, "format");
      for (token_id id = r.at("from").get<token_id>(); id <= r.at("to").get<token_id>(); ++id) {
        std::string text = fmt;
        if (const auto p = text.find("{id}"); p != std::string::npos) text.replace(p, 4, std::to_string(id));
        specials[id] = text;
      }
    }
    if (fj.contains("special_tokens"))
      for (const auto& [text, id] : fj["special_tokens"].items()) specials[id.get<token_id>()] = text;
  }
  static std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  }

  // A name listed twice, or a prefix listed by two rules, would make resolution depend on order.
  result<void> check_unambiguous() const {
    std::map<std::string, const model_rule*> seen_names, seen_prefixes;
    for (const model_rule& r : rules_) {
      for (const std::string& n : r.names)
        if (!seen_names.emplace(n, &r).second) return fail("model name \"" + n + "\" is listed twice");
      for (const std::string& p : r.prefixes)
        if (!seen_prefixes.emplace(p, &r).second) return fail("model prefix \"" + p + "\" is listed twice");
    }
    return {};
  }

  std::string suggestion(const std::string& name) const {
    std::string best;
    std::size_t best_d = 4;
    const auto consider = [&](const std::string& cand) {
      const std::size_t d = edit_distance(name, cand);
      if (d < best_d) {
        best_d = d;
        best = cand;
      }
    };
    for (const auto& [id, f] : families_) consider(id);
    for (const model_rule& r : rules_)
      for (const std::string& n : r.names) consider(n);
    return best.empty() ? std::string{} : "; did you mean \"" + best + "\"?";
  }
  static std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    return row[b.size()];
  }

  std::map<std::string, vocab_file, std::less<>> files_;
  std::map<std::string, family_info, std::less<>> families_;
  std::vector<model_rule> rules_;
};

TOKENMETER_END_NAMESPACE
