// Shared helpers for the GoogleTest suites: paths, and loading a family or skipping visibly.
#pragma once

#include <tokenmeter/tokenmeter.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tokenmeter_test {

inline std::string source_dir() { return TOKENMETER_SOURCE_DIR; }
inline std::string shared_dir() { return TOKENMETER_SHARED_DIR; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Whether a failed load may skip a test: only an absent vocabulary (not fetched) may. A present
// file that fails to load -- corrupt, wrong checksum, a loader bug -- is recorded as a failure, so
// a broken loader cannot turn the suite into a row of skips.
inline bool skippable_load_error(const tokenmeter::error& e, const std::string& what, std::string& why) {
  why = "vocabulary for " + what + " unavailable: " + e.message;
  if (e.code == tokenmeter::errc::vocab_not_found) return true;
  ADD_FAILURE() << "loading " << what << " failed: " << e.message;
  return false;
}

// Loads a family, or returns nullptr after recording why (callers GTEST_SKIP with it; a load
// error other than a missing vocabulary has already been recorded as a failure).
inline std::shared_ptr<const tokenmeter::tokenizer> try_load(const std::string& family, std::string& why) {
  auto t = tokenmeter::load_family(family);
  if (t) return *t;
  skippable_load_error(t.error_value(), family, why);
  return nullptr;
}

// Every family whose vocabulary vocab/fetch obtains (qwen3.5 is user-supplied), for suites that
// must hold for all of them: INSTANTIATE_TEST_SUITE_P(..., ::testing::ValuesIn(every_family()), ...).
inline const std::vector<std::string>& every_family() {
  static const std::vector<std::string> f = {"o200k_base", "o200k_harmony", "cl100k_base", "deepseek-v3", "deepseek-v3.1",
                                             "qwen3",      "llama3",        "gemma3",      "claude-legacy", "kimi-k2",
                                             "kimi-k2.5",  "glm-4.5",       "glm-5",       "minimax-m2",  "minimax-m3"};
  return f;
}

// One family per distinct vocabulary file, for suites about the BPE model alone (families that
// share a file differ only in pattern, special tokens, templates or prices).
inline const std::vector<std::string>& every_vocabulary() {
  static const std::vector<std::string> f = [] {
    std::vector<std::string> out;
    std::set<std::string> files;
    for (const std::string& id : every_family())
      if (files.insert(tokenmeter::manifest::embedded().family(id)->file).second) out.push_back(id);
    return out;
  }();
  return f;
}

// every_vocabulary() less the code-point (SentencePiece-style) one, Gemma 3.
inline const std::vector<std::string>& byte_level_vocabularies() {
  static const std::vector<std::string> f = [] {
    std::vector<std::string> out;
    for (const std::string& id : every_vocabulary())
      if (id != "gemma3") out.push_back(id);
    return out;
  }();
  return f;
}

// A family id as a GoogleTest parameter name ("deepseek-v3.1" -> "deepseek_v3_1"):
// INSTANTIATE_TEST_SUITE_P(..., ::testing::Values(...), tokenmeter_test::family_param_name).
inline std::string family_param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

}  // namespace tokenmeter_test

// Loads `family` into `var`, or skips the test with the reason (e.g. vocabulary not fetched).
#define TOKENMETER_LOAD_OR_SKIP(var, family)                                  \
  std::string var##_why;                                                     \
  auto var = ::tokenmeter_test::try_load(family, var##_why);                 \
  if (!var) GTEST_SKIP() << var##_why

#define TOKENMETER_REQUIRE_SHARED(path)                                                      \
  if (!std::filesystem::exists(path))                                                        \
  GTEST_SKIP() << "shared material not found at " << (path) << " (../shared beside the checkout)"
