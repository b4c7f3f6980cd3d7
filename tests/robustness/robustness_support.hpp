// Helpers shared by the robustness tests: the family list and the reference encoder.
#pragma once

#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace tokenmeter_robustness {

inline const std::vector<std::string>& all_families() {
  static const std::vector<std::string> f = {"o200k_base", "cl100k_base", "o200k_harmony", "deepseek-v3", "qwen3", "llama3",
                                             "gemma3",     "claude-legacy", "kimi-k2",     "glm-5",       "minimax-m2"};
  return f;
}

// What decode(encode(text)) gives for a family without added tokens in the text: the text after
// the family's normalizer (Gemma's decoder also turns every U+2581 into a space).
inline std::string round_trip_expectation(const tokenmeter::tokenizer& tok, const std::string& family, const std::string& text) {
  std::string expected = text;
  if (!tok.normalization().empty()) {
    std::string n;
    if (tok.normalization().apply(text, n).value_or_throw()) expected = n;
  }
  if (family != "gemma3") return expected;
  // Rebuilt rather than replaced in place: GCC 12 warns falsely (-Wrestrict) on string::replace.
  std::string spaced;
  for (std::size_t pos = 0;;) {
    const std::size_t hit = expected.find("\xE2\x96\x81", pos);
    spaced.append(expected, pos, hit == std::string::npos ? std::string::npos : hit - pos);
    if (hit == std::string::npos) return spaced;
    spaced += ' ';
    pos = hit + 3;
  }
}

// Runs ../shared/reference/encode.mjs on `text` (written to a temporary file) and returns its
// ids, or nullopt with `why` set when node or the reference tool is not available.
inline std::optional<std::vector<tokenmeter::token_id>> reference_ids(const std::string& spec, const std::string& text,
                                                                      std::string& why) {
  const std::string tool = tokenmeter_test::shared_dir() + "/reference/encode.mjs";
  if (!std::filesystem::exists(tool)) {
    why = "reference tool not found at " + tool;
    return std::nullopt;
  }
  if (!std::filesystem::exists(tokenmeter_test::shared_dir() + "/reference/node_modules/tokenizers")) {
    why = "reference tool's node modules are not installed (scripts/install-deps)";
    return std::nullopt;
  }
  if (std::system("node --version > /dev/null 2>&1") != 0) {
    why = "node is not installed";
    return std::nullopt;
  }
  const auto path = std::filesystem::temp_directory_path() / ("tm-robust-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path, std::ios::binary) << text;
  const std::string cmd = "node '" + tool + "' --tokenizer '" + spec + "' '" + path.string() + "'";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    if (::pclose(p) != 0) out.clear();
  }
  std::filesystem::remove(path);
  const auto j = nlohmann::json::parse(out, nullptr, false);
  // With its prerequisites present, a tool that fails is a broken comparison, not a skip.
  if (j.is_discarded() || !j.contains("ids")) {
    ADD_FAILURE() << "reference tool failed: " << cmd;
    why = "reference tool failed";
    return std::nullopt;
  }
  return j["ids"].get<std::vector<tokenmeter::token_id>>();
}

}  // namespace tokenmeter_robustness
