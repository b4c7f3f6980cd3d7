// The merge loop's pair memo (bpe/merge.hpp, held by the piece cache): merging through it must
// give exactly the ids merging without it gives, on first use and when its entries are reused,
// and clearing the cache (as a thread's cache slot changes tokenizers) must empty it.
#include <tokenmeter/bpe/model.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

class PairMemo : public ::testing::TestWithParam<std::string> {};

std::vector<token_id> merged_ids(const bpe_model& m, std::string_view piece, piece_cache* cache) {
  bpe_workspace ws;
  std::vector<bpe_symbol> syms;
  m.merge(piece, ws, syms, cache);
  std::vector<token_id> out;
  for (const bpe_symbol& s : syms) out.push_back(s.id);
  return out;
}

std::size_t filled(piece_cache& c) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < (std::size_t{1} << pair_memo_bits); ++i) n += c.pair_memo()[i] != 0 ? 1 : 0;
  return n;
}

TEST_P(PairMemo, MergingThroughTheMemoEqualsMergingWithout) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  auto cache = std::make_unique<piece_cache>();
  std::vector<std::string> pieces;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text")) {
    const std::string text = tokenmeter_test::read_text(e.path().string());
    ASSERT_TRUE(tok->split_each(text, [&](std::string_view p) { return pieces.emplace_back(p), true; },
                                [](token_id) { return true; })
                    .has_value());
  }
  // Random CJK and Latin runs: long parts, many distinct pairs (slots get overwritten).
  std::mt19937 rng(5);
  for (int k = 0; k < 400; ++k) {
    std::string s;
    for (int i = 0, n = 2 + static_cast<int>(rng() % 30); i < n; ++i) {
      const char32_t cp = rng() % 3 == 0 ? U'a' + rng() % 26 : 0x4E00 + rng() % 0x5000;
      append_utf8(s, cp);
    }
    pieces.push_back(s);
  }
  for (int pass = 0; pass < 2; ++pass)
    for (const std::string& p : pieces) {
      ASSERT_EQ(merged_ids(m, p, cache.get()), merged_ids(m, p, nullptr)) << "pass " << pass << ": " << p.substr(0, 200);
    }
  if (m.rules == merge_rules::ranks) {
    EXPECT_GT(filled(*cache), 1000u) << "the memo was hardly used";
  } else {
    EXPECT_EQ(filled(*cache), 0u) << "pair rules do not use the memo";
  }
  cache->clear();
  EXPECT_EQ(filled(*cache), 0u);
}

INSTANTIATE_TEST_SUITE_P(Families, PairMemo, ::testing::ValuesIn(tokenmeter_test::byte_level_vocabularies()),
                         tokenmeter_test::family_param_name);

}  // namespace
