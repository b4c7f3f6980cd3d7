// Loading tokenizers: by family or model name through the manifest (locate, verify sha256,
// parse), or from any tokenizer.json / tiktoken file a user supplies. Loaded tokenizers are
// cached per process and shared (they are immutable and thread-safe).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/file.hpp>
#include <tokenmeter/detail/sha256.hpp>
#include <tokenmeter/vocab/compiled_cache.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/tokenizer.hpp>
#include <tokenmeter/vocab/hf_tokenizer_json.hpp>
#include <tokenmeter/vocab/locate.hpp>
#include <tokenmeter/vocab/manifest.hpp>
#include <tokenmeter/vocab/tiktoken_format.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE

struct load_options {
  // An explicit vocabulary file, or a directory laid out like the vocabulary cache. Empty:
  // search $TOKENMETER_VOCAB_DIR, the user cache and the install prefix.
  std::string path;
  // Compare the file's sha256 with the manifest (families whose file the manifest pins).
  bool verify_checksum = true;
  // Use and write the compiled cache (vocab/compiled_cache.hpp); its directory (empty: default).
  bool compiled_cache = true;
  std::string compiled_cache_dir;
  // After a load from the file itself (not from the compiled cache), give the allocator's free
  // pages back to the system (glibc malloc_trim; elsewhere nothing): parsing a tokenizer.json
  // leaves 25-150 MiB free in the heap, which the process would otherwise keep. Costs 2-10 ms
  // and briefly holds the allocator's lock; off keeps them for the process's own later use.
  bool trim_heap = true;
};

struct loaded_model {
  std::shared_ptr<const tokenizer> tok;
  const family_info* family = nullptr;
  tokenmeter::exactness exactness = tokenmeter::exactness::exact;
  std::string note;  // why a count is an estimate, when it is
};

namespace detail {

inline hf_load_options hf_options_for(const family_info& fam) { return hf_load_options{fam.id, fam.added_tokens_overlay}; }

// Everything that shapes a family's compiled tables besides the file itself.
inline std::string family_settings_key(const family_info& fam) {
  nlohmann::json overlay = nlohmann::json::array();
  for (const auto& a : fam.added_tokens_overlay) overlay.push_back({a.id, a.content, a.special, a.normalized});
  const nlohmann::json k{{"tokenmeter", TOKENMETER_VERSION_STRING}, {"cache_format", compiled_format_version}, {"family", fam.id}, {"format", static_cast<int>(fam.format)},
                         {"pattern", fam.pattern}, {"specials", fam.special_list}, {"max_rank", fam.max_rank.value_or(0)},
                         {"overlay", overlay}, {"default", static_cast<int>(fam.default_special)},
                         {"hf_unicode", hf_options_for(fam).normalization_unicode_version}};
  return k.dump();
}

inline result<std::shared_ptr<const tokenizer>> build_family(const family_info& fam, std::string_view data,
                                                             const std::string& label) {
  switch (fam.format) {
    case vocab_format::hf_tokenizer_json:
      return load_hf_tokenizer_json(data, hf_options_for(fam), label);
    case vocab_format::tiktoken_json: {
      vocab_table vocab;
      TOKENMETER_TRY(spec, parse_tiktoken_json(data, fam.max_rank, vocab, label));
      spec.name = fam.id;
      spec.default_special = fam.default_special;
      if (!fam.pattern.empty()) spec.pattern = fam.pattern;
      if (!fam.special_list.empty()) spec.special_tokens = fam.special_list;
      return make_tiktoken_tokenizer(std::move(vocab), spec);
    }
    case vocab_format::tiktoken: {
      vocab_table vocab;
      TOKENMETER_TRY_VOID(parse_tiktoken_ranks(data, fam.max_rank, vocab, label));
      tiktoken_spec spec{fam.id, fam.pattern, fam.special_list, fam.max_rank, fam.default_special};
      return make_tiktoken_tokenizer(std::move(vocab), spec);
    }
  }
  return make_error(errc::unsupported, "unknown vocabulary format");
}

struct tokenizer_cache {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const tokenizer>> entries;
  static tokenizer_cache& instance() {
    static tokenizer_cache c;
    return c;
  }
};

}  // namespace detail

// Forgets the per-process cache of loaded tokenizers (tokenizers still in use stay alive).
inline void clear_tokenizer_cache() {
  auto& cache = detail::tokenizer_cache::instance();
  std::lock_guard<std::mutex> lock(cache.mu);
  cache.entries.clear();
}

namespace detail {

// Reads, checks (sha256 into `digest` when `expected_sha` is given) and builds a family's file;
// the file's bytes are freed on return.
inline result<std::shared_ptr<const tokenizer>> build_family_file(const family_info& fam, const std::string& path,
                                                                  const std::string& expected_sha, std::string& digest) {
  TOKENMETER_TRY(data, read_file(path));
  // Hash only when checking: a cache written without a digest just misses a later verified load.
  if (!expected_sha.empty()) digest = sha256_hex(data);
  if (!expected_sha.empty() && digest != expected_sha)
    return make_error(errc::checksum_mismatch, path + " has sha256 " + digest + ", expected " + expected_sha +
                                                   " (corrupt or a different version); re-run vocab/fetch " + fam.id);
  return build_family(fam, data, path);
}

// Gives the allocator's free pages back to the system, where it can be asked (glibc).
inline void release_free_heap() noexcept {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace detail

// Resolves where a family's file is (without loading it).
[[nodiscard]] inline result<std::string> locate_family_file(const family_info& fam, const load_options& opt = {}) {
  if (!opt.path.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(opt.path, ec)) {
      if (fam.file.empty())
        return make_error(errc::vocab_not_found, fam.id + " has no standard file name; pass the file itself, not a directory");
      const auto p = std::filesystem::path(opt.path) / fam.file;
      if (!std::filesystem::is_regular_file(p, ec))
        return make_error(errc::vocab_not_found, "vocabulary for " + fam.id + " not found at " + p.string() +
                                                     "\nfetch it with: vocab/fetch --dest " + opt.path + " " + fam.id);
      return p.string();
    }
    if (!std::filesystem::is_regular_file(opt.path, ec))
      return make_error(errc::vocab_not_found, "vocabulary file " + opt.path + " does not exist");
    return opt.path;
  }
  if (fam.file.empty())
    return make_error(errc::vocab_not_found, "the " + fam.id + " vocabulary is not distributed with tokenmeter's fetch script: " +
                                                 fam.description + "; pass its file explicitly");
  return locate_vocab_file(fam.file, fam.id);
}

// Loads a family's tokenizer (cached: later calls with the same file return the same object).
[[nodiscard]] inline result<std::shared_ptr<const tokenizer>> load_family(const family_info& fam, const load_options& opt = {}) {
  TOKENMETER_TRY(path, locate_family_file(fam, opt));
  auto& cache = detail::tokenizer_cache::instance();
  const std::string key = fam.id + '\n' + path + (opt.verify_checksum ? "\nv" : "\nn");
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    if (const auto it = cache.entries.find(key); it != cache.entries.end()) return it->second;
  }
  const vocab_file* vf = fam.file.empty() ? nullptr : manifest::embedded().file(fam.file);
  const std::string expected_sha = vf != nullptr && opt.verify_checksum ? vf->sha256 : std::string{};
  // The compiled cache first: same file (size, mtime) and settings, intact payload.
  const auto stamp = detail::stamp_of(path);
  std::string compiled, settings;
  if (opt.compiled_cache && detail::compiled_cache_enabled() && stamp) {
    const std::string dir = opt.compiled_cache_dir.empty() ? detail::default_compiled_cache_dir() : opt.compiled_cache_dir;
    if (!dir.empty()) {
      settings = detail::family_settings_key(fam);
      compiled = detail::compiled_cache_file(dir, fam.id, settings, path);
      const hf_load_options hf = detail::hf_options_for(fam);
      if (auto t = detail::load_compiled(compiled, settings, *stamp, expected_sha,
                                         fam.format == vocab_format::hf_tokenizer_json ? &hf : nullptr)) {
        std::lock_guard<std::mutex> lock(cache.mu);
        return cache.entries.emplace(key, std::move(t)).first->second;
      }
    }
  }
  if (vf != nullptr && vf->size != 0) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size != vf->size && opt.verify_checksum)
      return make_error(errc::checksum_mismatch, path + " is " + std::to_string(size) + " bytes, expected " +
                                                     std::to_string(vf->size) + " (truncated or a different version); re-run vocab/fetch " + fam.id);
  }
  std::string got;  // the file's sha256, when checked
  TOKENMETER_TRY(tok, detail::build_family_file(fam, path, expected_sha, got));
  if (!compiled.empty() && detail::store_compiled(compiled, *tok, settings, *stamp, got))
    detail::prune_compiled_cache(compiled, fam.id);
  if (opt.trim_heap) detail::release_free_heap();
  std::lock_guard<std::mutex> lock(cache.mu);
  return cache.entries.emplace(key, std::move(tok)).first->second;
}

[[nodiscard]] inline result<std::shared_ptr<const tokenizer>> load_family(std::string_view family_id, const load_options& opt = {}) {
  const family_info* fam = manifest::embedded().family(family_id);
  if (fam == nullptr) return make_error(errc::unknown_model, "unknown tokenizer family \"" + std::string(family_id) + "\"");
  return load_family(*fam, opt);
}

// Model name or alias -> its family's tokenizer, with whether counts are exact or an estimate.
[[nodiscard]] inline result<loaded_model> load_model(std::string_view model, const load_options& opt = {}) {
  TOKENMETER_TRY(res, manifest::embedded().resolve(model));
  TOKENMETER_TRY(tok, load_family(*res.family, opt));
  return loaded_model{std::move(tok), res.family, res.exactness, std::move(res.note)};
}

namespace detail {
inline result<std::shared_ptr<const tokenizer>> parse_tokenizer_file(const std::string& path, std::string name) {
  TOKENMETER_TRY(data, read_file(path));
  if (name.empty()) name = std::filesystem::path(path).filename().string();
  const std::size_t first = data.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || data[first] != '{')
    return make_error(errc::unsupported, path + " is not a tokenizer.json; tiktoken rank files load through a family (--model)");
  if (data.find("\"bpe_ranks\"") != std::string::npos && data.find("\"model\"") == std::string::npos) {
    vocab_table vocab;
    TOKENMETER_TRY(spec, parse_tiktoken_json(data, std::nullopt, vocab, path));
    spec.name = name;
    return make_tiktoken_tokenizer(std::move(vocab), spec);
  }
  return load_hf_tokenizer_json(data, hf_load_options{name, {}}, path);
}
}  // namespace detail

// Any tokenizer.json or tiktoken encoding JSON a user supplies (e.g. Qwen 3.5's). The format is
// detected from the content; rank files need a pattern, so load them through a family.
// `trim_heap` as in load_options.
[[nodiscard]] inline result<std::shared_ptr<const tokenizer>> load_tokenizer_file(const std::string& path,
                                                                                   std::string name = {},
                                                                                   bool trim_heap = true) {
  auto tok = detail::parse_tokenizer_file(path, std::move(name));
  if (trim_heap) detail::release_free_heap();
  return tok;
}

TOKENMETER_END_NAMESPACE
