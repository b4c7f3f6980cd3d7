// Where vocabulary files are found, in order: an explicit path; $TOKENMETER_VOCAB_DIR; the user
// cache (${XDG_CACHE_HOME:-$HOME/.cache}/tokenmeter/vocab, where vocab/fetch installs); the
// install prefix's share/tokenmeter/vocab.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

// The default directory vocab/fetch installs into.
[[nodiscard]] inline std::string default_vocab_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return std::string(xdg) + "/tokenmeter/vocab";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/.cache/tokenmeter/vocab";
  return {};
}

// The directories searched, in order (empty entries removed).
[[nodiscard]] inline std::vector<std::string> vocab_search_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("TOKENMETER_VOCAB_DIR"); env != nullptr && *env != '\0') dirs.emplace_back(env);
  if (std::string cache = default_vocab_cache_dir(); !cache.empty()) dirs.push_back(std::move(cache));
  if (const std::string installed = TOKENMETER_INSTALL_VOCAB_DIR; !installed.empty()) dirs.push_back(installed);
  return dirs;
}

// Finds `relative` (e.g. "qwen3/tokenizer.json") in the search directories.
[[nodiscard]] inline result<std::string> locate_vocab_file(const std::string& relative, const std::string& family) {
  std::string searched;
  for (const std::string& dir : vocab_search_dirs()) {
    std::filesystem::path p = std::filesystem::path(dir) / relative;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
    searched += "\n  " + p.string();
  }
  return make_error(errc::vocab_not_found,
                    "vocabulary for " + family + " not found; searched:" + searched +
                        "\nfetch it with: vocab/fetch " + family + "  (or set TOKENMETER_VOCAB_DIR, or pass an explicit path)");
}

TOKENMETER_END_NAMESPACE
