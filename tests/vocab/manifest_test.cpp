#include <tokenmeter/vocab/manifest.hpp>

#include <gtest/gtest.h>

using namespace tokenmeter;

TEST(Manifest, EmbeddedParsesAndNamesEveryFamily) {
  const manifest& m = manifest::embedded();
  for (const char* f : {"o200k_base", "o200k_harmony", "cl100k_base", "deepseek-v3", "deepseek-v3.1", "qwen3", "qwen3.5",
                        "llama3", "gemma3", "kimi-k2", "kimi-k2.5", "glm-4.5", "glm-5", "minimax-m2", "claude-legacy"})
    EXPECT_NE(m.family(f), nullptr) << f;
  for (const auto& [id, fam] : m.families()) {
    if (fam.file.empty()) continue;
    const vocab_file* vf = m.file(fam.file);
    ASSERT_NE(vf, nullptr) << id;
    EXPECT_EQ(vf->sha256.size(), 64u) << id;
    EXPECT_FALSE(vf->licence.empty()) << id;
    EXPECT_TRUE(!vf->npm_package.empty() || !vf->mirror.empty()) << id << " has no source";
  }
}

TEST(Manifest, ResolvesModelNames) {
  const manifest& m = manifest::embedded();
  const auto family_of = [&](std::string_view name) { return m.resolve(name).value_or_throw().family->id; };
  EXPECT_EQ(family_of("gpt-4o"), "o200k_base");
  EXPECT_EQ(family_of("GPT-4o-mini-2024-07-18"), "o200k_base");
  EXPECT_EQ(family_of("gpt-5.5"), "o200k_base");
  EXPECT_EQ(family_of("gpt-4-0613"), "cl100k_base");
  EXPECT_EQ(family_of("gpt-oss-120b"), "o200k_harmony");
  EXPECT_EQ(family_of("deepseek-v3.2"), "deepseek-v3.1");
  EXPECT_EQ(family_of("deepseek-v3"), "deepseek-v3");
  EXPECT_EQ(family_of("qwen3-235b-a22b"), "qwen3");
  EXPECT_EQ(family_of("llama-3.3-70b-instruct"), "llama3");
  EXPECT_EQ(family_of("gemini-3.1-pro-preview"), "gemma3");
  EXPECT_EQ(family_of("kimi-k2.6"), "kimi-k2.5");
  EXPECT_EQ(family_of("glm-4.7"), "glm-4.5");
  EXPECT_EQ(family_of("glm-5.1"), "glm-5");
  EXPECT_EQ(family_of("minimax-m2.5"), "minimax-m2");
  EXPECT_EQ(family_of("o200k_base"), "o200k_base");
}

TEST(Manifest, ClaudeIsExactOnlyForLegacyModels) {
  const manifest& m = manifest::embedded();
  EXPECT_EQ(m.resolve("claude-2.1")->exactness, exactness::exact);
  const auto current = m.resolve("claude-opus-4-6").value_or_throw();
  EXPECT_EQ(current.family->id, "claude-legacy");
  EXPECT_EQ(current.exactness, exactness::estimate);
  EXPECT_FALSE(current.note.empty());
  EXPECT_EQ(m.resolve("gemini-2.5-flash")->exactness, exactness::estimate);
}

TEST(Manifest, UnknownModelIsAnErrorWithASuggestion) {
  const auto r = manifest::embedded().resolve("gpt-4oo");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error_value().code, errc::unknown_model);
  EXPECT_NE(r.error_value().message.find("did you mean"), std::string::npos);
  EXPECT_FALSE(manifest::embedded().resolve("").has_value());
}

TEST(Manifest, RejectsDuplicateNamesAndBrokenReferences) {
  const std::string base = R"({"files": {"f": {"sha256": "0000000000000000000000000000000000000000000000000000000000000000"}},
    "families": {"a": {"format": "hf-tokenizer-json", "file": "f"}},)";
  EXPECT_TRUE(manifest::parse(base + R"("models": [{"family": "a", "names": ["x"]}]})").has_value());
  EXPECT_EQ(manifest::parse(base + R"("models": [{"family": "a", "names": ["x"]}, {"family": "a", "names": ["x"]}]})")
                .error_value().code, errc::parse_error);
  EXPECT_FALSE(manifest::parse(base + R"("models": [{"family": "missing", "names": ["x"]}]})").has_value());
  EXPECT_FALSE(manifest::parse("{not json").has_value());
  EXPECT_FALSE(manifest::parse(R"({"files": {"f": {"sha256": 5}}, "families": {}, "models": []})").has_value());
}

TEST(Manifest, FamiliesBorrowAndOverrideSpecialTokens) {
  const family_info* k25 = manifest::embedded().family("kimi-k2.5");
  ASSERT_NE(k25, nullptr);
  bool think = false, reserved_163606 = false;
  for (const auto& [text, id] : k25->special_list) {
    if (text == "<think>" && id == 163606) think = true;
    if (text == "<|reserved_token_163606|>") reserved_163606 = true;
  }
  EXPECT_TRUE(think);
  EXPECT_FALSE(reserved_163606);
  EXPECT_EQ(k25->pattern, manifest::embedded().family("kimi-k2")->pattern);
}
