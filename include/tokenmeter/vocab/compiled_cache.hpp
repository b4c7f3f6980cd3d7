// The compiled-vocabulary cache: a loaded tokenizer's tables written to disk once, so later
// loads skip parsing (a 33 MB tokenizer.json) and hashing. A cache file is used only when its
// checksum (XXH3 over the payload), format version, settings key (tokenmeter version, family
// settings) and the source file's size and modification time all match; anything else --
// absent, stale, truncated, damaged -- falls back to loading the source and rewriting the cache.
// Writing is best effort (temp file + rename); an unwritable directory just means no cache.
//
// Location: load_options::compiled_cache_dir, else $TOKENMETER_COMPILED_CACHE_DIR, else
// ${XDG_CACHE_HOME:-$HOME/.cache}/tokenmeter/compiled. TOKENMETER_COMPILED_CACHE=0 disables it.
// Pruning: every new version or format writes new files (9-40 MB per family), so writing one
// removes the same family's other cache files (and leftover temp files) not modified for
// compiled_cache_max_age. Not younger ones: two installed versions in use would otherwise
// evict each other on every load; this way each rebuilds at most once per that period.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/detail/file.hpp>
#include <tokenmeter/detail/hash.hpp>
#include <tokenmeter/detail/mapped_file.hpp>
#include <tokenmeter/tokenizer.hpp>
#include <tokenmeter/version.hpp>
#include <tokenmeter/vocab/hf_tokenizer_json.hpp>
#include <tokenmeter/vocab/tiktoken_format.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

// Bump whenever any serialized table's layout changes, or how a derived one (the character
// tables of bpe/char_cuts.hpp and bpe/char_starts.hpp) is built; the settings key also carries
// the tokenmeter version, so a cache never outlives the released code that wrote it.
inline constexpr std::uint32_t compiled_format_version = 9;
inline constexpr char compiled_magic[8] = {'T', 'M', 'C', 'O', 'M', 'P', 'L', '1'};

struct source_stamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

[[nodiscard]] inline std::optional<source_stamp> stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return source_stamp{static_cast<std::uint64_t>(st.st_size),
                      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

[[nodiscard]] inline bool compiled_cache_enabled() {
  const char* v = std::getenv("TOKENMETER_COMPILED_CACHE");
  return v == nullptr || std::string_view(v) != "0";
}

[[nodiscard]] inline std::string default_compiled_cache_dir() {
  if (const char* d = std::getenv("TOKENMETER_COMPILED_CACHE_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/tokenmeter/compiled";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return std::string(home) + "/.cache/tokenmeter/compiled";
  return {};
}

inline constexpr std::chrono::hours compiled_cache_max_age{24 * 30};

// The file-name stem of a family's cache files: the name with anything unusual replaced.
[[nodiscard]] inline std::string compiled_cache_stem(std::string_view name) {
  std::string safe(name);
  for (char& c : safe)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) c = '_';
  return safe + "-";
}

// One cache file per (name, settings, source path): <stem><16 hex digits>.tmc.
[[nodiscard]] inline std::string compiled_cache_file(const std::string& dir, std::string_view name, std::string_view settings_key,
                                                     const std::string& source_path) {
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(source_path, ec).string();
  const std::string keyed = std::string(settings_key) + '\n' + abs;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash_bytes(keyed)));
  return dir + "/" + compiled_cache_stem(name) + hex + ".tmc";
}

// Removes the other cache files (and temp files) of `file`'s family -- names of exactly the form
// compiled_cache_file() makes, so another family whose name extends this one's ("glm-4.5" and
// "glm-4.5-air") is never touched -- that were last modified before now - max_age. Best effort:
// errors (a file gone meanwhile, no permission) leave the file.
inline void prune_compiled_cache(const std::string& file, std::string_view name,
                                        std::chrono::seconds max_age = compiled_cache_max_age) {
  namespace fs = std::filesystem;
  const fs::path keep(file);
  const std::string stem = compiled_cache_stem(name);
  const auto ours = [&](const std::string& f) {
    if (f.size() < stem.size() + 20 || f.compare(0, stem.size(), stem) != 0 || f.compare(stem.size() + 16, 4, ".tmc") != 0)
      return false;
    for (std::size_t i = stem.size(); i < stem.size() + 16; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(f[i]))) return false;
    return f.size() == stem.size() + 20 || f.compare(stem.size() + 20, 5, ".tmp-") == 0;
  };
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - max_age;
  for (fs::directory_iterator it(keep.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.filename() == keep.filename() || !ours(p.filename().string())) continue;
    std::error_code e;
    const auto t = fs::last_write_time(p, e);
    if (!e && t < cutoff) fs::remove(p, e);
  }
}

// Writes `tok` to `file` atomically. Returns false if it could not.
inline bool store_compiled(const std::string& file, const tokenizer& tok, std::string_view settings_key,
                           const source_stamp& st, std::string_view source_sha256) {
  const tokenizer_parts& p = tok.parts();
  if (p.skeleton.empty()) return false;
  binary_writer w;
  w.put_string(settings_key);
  w.put(st.size);
  w.put(st.mtime_ns);
  w.put_string(source_sha256);
  w.put_string(p.skeleton);
  w.put(p.model.unk);
  p.model.vocab.serialize(w);
  p.model.pairs.serialize(w);
  p.decoder.serialize(w);
  p.model.serialize_char_tables(w);
  const std::string& payload = w.data();
  binary_writer head;
  head.put(compiled_magic);
  head.put(compiled_format_version);
  head.put<std::uint32_t>(0);  // keeps the payload 8-byte aligned
  head.put<std::uint64_t>(payload.size());
  head.put<std::uint64_t>(hash_bytes(payload));

  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
  const std::string tmp = file + ".tmp-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(head.data().data(), 1, head.data().size(), f) == head.data().size() &&
            std::fwrite(payload.data(), 1, payload.size(), f) == payload.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), file.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

// The tokenizer in `file`, if the file is intact and matches settings and source; nullptr
// otherwise. `expected_sha256` (if not empty) must equal the sha256 recorded at write time.
// `hf` carries the loader options for tokenizer.json families (nullptr: tiktoken-style).
[[nodiscard]] inline std::shared_ptr<const tokenizer> load_compiled(const std::string& file, std::string_view settings_key,
                                                                    const source_stamp& st, std::string_view expected_sha256,
                                                                    const hf_load_options* hf) {
  const auto map = mapped_file::open(file);
  if (!map) return nullptr;
  const std::string_view data = map->bytes();
  binary_reader head(data);
  char magic[8];
  std::uint32_t version = 0, pad = 0;
  std::uint64_t size = 0, checksum = 0;
  if (!head.get(magic) || std::string_view(magic, 8) != std::string_view(compiled_magic, 8) || !head.get(version) ||
      version != compiled_format_version || !head.get(pad) || !head.get(size) || !head.get(checksum))
    return nullptr;
  constexpr std::size_t header_bytes = 8 + 4 + 4 + 8 + 8;
  if (data.size() != header_bytes + size) return nullptr;
  const std::string_view payload = data.substr(header_bytes);
  if (hash_bytes(payload) != checksum) return nullptr;
  binary_reader r(payload);
  std::string key, sha, skeleton;
  source_stamp recorded;
  token_id unk = no_token;
  if (!r.get_string(key) || key != settings_key || !r.get(recorded.size) || !r.get(recorded.mtime_ns) ||
      recorded.size != st.size || recorded.mtime_ns != st.mtime_ns || !r.get_string(sha) ||
      (!expected_sha256.empty() && sha != expected_sha256) || !r.get_string(skeleton) || !r.get(unk))
    return nullptr;
  vocab_table vocab;
  pair_table pairs;
  decoder_table decoder;
  const std::shared_ptr<const void> keep = map;
  if (!vocab.deserialize(r, keep) || !pairs.deserialize(r, keep) || !decoder.deserialize(r, keep)) return nullptr;
  auto t = hf != nullptr ? restore_hf_tokenizer(skeleton, *hf, file, std::move(vocab), std::move(pairs), std::move(decoder), unk)
                         : restore_tiktoken_tokenizer(skeleton, std::move(vocab), std::move(decoder));
  // The character tables last: checking them needs the restored model (its byte tokens).
  if (!t || !(*t)->model().restore_char_tables(r, keep) || !r.at_end()) return nullptr;
  return *t;
}

}  // namespace detail
TOKENMETER_END_NAMESPACE
