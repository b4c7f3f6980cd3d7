// Behaviour of loaded tokenizers (skipped, visibly, when a vocabulary has not been fetched).
// Exactness against the upstream implementations is tests/reference's job.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

using namespace tokenmeter;
using tokenmeter_test::read_text;

namespace {

std::vector<std::string> corpus_texts() {
  std::vector<std::string> out;
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text"))
    paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) out.push_back(read_text(p.string()));
  return out;
}

const std::vector<std::string> all_families = {"o200k_base", "cl100k_base",  "o200k_harmony", "deepseek-v3", "qwen3",
                                               "llama3",     "gemma3",       "claude-legacy", "kimi-k2",     "glm-5",
                                               "glm-4.5",    "minimax-m2"};

class EachFamily : public ::testing::TestWithParam<std::string> {};

}  // namespace

// decode(encode(x)) == x, or == normalize(x) for families that normalize (Qwen3 NFC, Claude NFKC).
TEST_P(EachFamily, DecodeInvertsEncode) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  for (const std::string& text : corpus_texts()) {
    const auto ids = tok->encode(text).value_or_throw();
    std::string expected = text;
    if (!tok->normalization().empty()) {
      std::string n;
      if (tok->normalization().apply(text, n).value_or_throw()) expected = n;
    }
    if (GetParam() == "gemma3") {  // its decoder maps every U+2581 back to a space, literal ones too
      std::string spaced;  // (not replace() in place: GCC 12 warns falsely, -Wrestrict)
      for (std::size_t i = 0; i < expected.size();) {
        const bool mark = expected.compare(i, 3, "\xE2\x96\x81") == 0;
        spaced += mark ? ' ' : expected[i];
        i += mark ? 3 : 1;
      }
      expected = std::move(spaced);
    }
    ASSERT_EQ(tok->decode(ids).value_or_throw(), expected);
  }
}

TEST_P(EachFamily, CountEqualsEncodeAndCountUpToStopsEarly) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const auto texts = corpus_texts();
  const std::string& text = texts.front();
  const std::size_t n = tok->encode(text).value_or_throw().size();
  EXPECT_EQ(tok->count(text).value_or_throw(), n);
  const auto within = tok->count_up_to(text, n).value_or_throw();
  EXPECT_FALSE(within.exceeded);
  EXPECT_EQ(within.count, n);
  const auto over = tok->count_up_to(text, n / 2).value_or_throw();
  EXPECT_TRUE(over.exceeded);
  EXPECT_EQ(over.count, n / 2 + 1);
  std::size_t seen = 0;
  const bool finished = tok->encode_each(text, [&](token_id) { return ++seen < 10; }).value_or_throw();
  EXPECT_FALSE(finished);
  EXPECT_EQ(seen, 10u);
}

TEST_P(EachFamily, InvalidUtf8IsAnErrorOrReplacedOnRequest) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const std::string bad = "valid \xC3\xA9 then \xED\xA0\x80 and \xFF";
  const auto err = tok->encode(bad);
  ASSERT_FALSE(err.has_value());
  EXPECT_EQ(err.error_value().code, errc::invalid_utf8);
  EXPECT_NE(err.error_value().message.find("offset 14"), std::string::npos) << err.error_value().message;
  // What `replace` produces is compared with the reference tool (Node substitutes U+FFFD the
  // same way) by tests/reference on the generated invalid_utf8 corpus.
  EXPECT_TRUE(tok->encode(std::string_view("nul\0byte", 8)).has_value());
  EXPECT_TRUE(tok->encode("").value_or_throw().empty());
}

// One tokenizer shared by many threads gives every thread the single-threaded answer.
TEST_P(EachFamily, SharedAcrossThreads) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const auto texts = corpus_texts();
  std::vector<std::vector<token_id>> expected;
  for (const auto& t : texts) expected.push_back(tok->encode(t).value_or_throw());
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 8; ++k)
    threads.emplace_back([&, k] {
      for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::size_t j = (i + static_cast<std::size_t>(k) * 7) % texts.size();
        if (tok->encode(texts[j]).value_or_throw() != expected[j]) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Families, EachFamily, ::testing::ValuesIn(all_families),
                         tokenmeter_test::family_param_name);

// Special-token text: `plain` keeps it as text, `recognize` matches it; non-special added tokens
// (Qwen3's <tool_call>) match under both, as in HF with split_special_tokens.
TEST(SpecialTokens, PolicyControlsMatching) {
  TOKENMETER_LOAD_OR_SKIP(tok, "qwen3");
  encode_options plain, rec;
  plain.special = special_tokens::plain;
  rec.special = special_tokens::recognize;
  token_id im_start = no_token, tool_call = no_token;
  for (const auto& a : tok->added_tokens()) {
    if (a.content == "<|im_start|>") im_start = a.id;
    if (a.content == "<tool_call>") tool_call = a.id;
  }
  ASSERT_NE(im_start, no_token);
  ASSERT_NE(tool_call, no_token);
  EXPECT_EQ(tok->encode("<|im_start|>", rec).value_or_throw(), (std::vector<token_id>{im_start}));
  EXPECT_GT(tok->encode("<|im_start|>", plain).value_or_throw().size(), 1u);
  EXPECT_EQ(tok->encode("<tool_call>", plain).value_or_throw(), (std::vector<token_id>{tool_call}));
  EXPECT_EQ(tok->default_special_tokens(), special_tokens::recognize);
}

// Llama 3 has tokens its merges never produce; the whole piece is looked up first.
TEST(WholePieceLookup, Llama3TokenUnreachableByMerges) {
  TOKENMETER_LOAD_OR_SKIP(tok, "llama3");
  const std::string piece = " vi\xE1\xBB\x87" "c";  // " việc"
  const token_id whole = tok->model().vocab.find(piece);
  ASSERT_NE(whole, no_token);
  EXPECT_EQ(tok->encode(piece).value_or_throw(), (std::vector<token_id>{whole}));
}
