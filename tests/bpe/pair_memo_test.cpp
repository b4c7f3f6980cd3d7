// The merge loop's pair memo (bpe/merge.hpp, held by the piece cache): merging through it must
// give exactly the ids merging without it gives, on first use and when its entries are reused,
// and clearing the cache (as a thread's cache slot changes tokenizers) must empty it.
#include <tokenmeter/bpe/model.hpp>
#include <tokenmeter/vocab/tiktoken_format.hpp>

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

// The memo packs ids into 20 bits: a vocabulary with an id from pair_memo_id_bound on must merge
// without it (same ids), one below must use it. The same small rank vocabulary twice, its
// multi-byte tokens at ids from 1000 and from 2^20 + 10 (the bytes keep ids 0-255).
TEST(PairMemoIdBound, VocabulariesWithLargeIdsMergeWithoutTheMemo) {
  const std::vector<std::string> extra = {"\xE4\xB8", "\xE4\xB8\xAD", "\xE6\x96", "\xE6\x96\x87",
                                          "\xE4\xB8\xAD\xE4\xB8\xAD", "\xE4\xB8\xAD\xE6\x96\x87"};  // 中 文 中中 中文
  const auto build = [&](token_id base) {
    vocab_table v;
    for (int b = 0; b < 256; ++b) EXPECT_TRUE(v.add(static_cast<token_id>(b), std::string(1, static_cast<char>(b))).has_value());
    for (std::size_t i = 0; i < extra.size(); ++i) EXPECT_TRUE(v.add(base + static_cast<token_id>(i), extra[i]).has_value());
    return make_tiktoken_tokenizer(std::move(v), tiktoken_spec{"t", R"(\S+|\s+)", {}, std::nullopt, special_tokens::plain})
        .value_or_throw();
  };
  const std::string piece = "\xE4\xB8\xAD\xE4\xB8\xAD\xE6\x96\x87\xE6\x96\x87\xE4\xB8\xAD\xE4\xB8\xAD\xE4\xB8\xAD";  // 中中文文中中中
  std::vector<std::vector<token_id>> results;  // multi-byte ids as offsets from the base
  for (const token_id base : {token_id{1000}, token_id{pair_memo_id_bound + 10}}) {
    const auto tok = build(base);
    const bpe_model& m = tok->model();
    auto cache = std::make_unique<piece_cache>();
    std::vector<token_id> got = merged_ids(m, piece, cache.get());
    EXPECT_EQ(got, merged_ids(m, piece, nullptr)) << "base " << base;
    if (base < pair_memo_id_bound) {
      EXPECT_GT(filled(*cache), 0u) << "ids below the bound use the memo";
    } else {
      EXPECT_EQ(filled(*cache), 0u) << "ids from the bound on must not be packed into the memo";
    }
    for (token_id& id : got) id = id >= base ? id - base : id + 1'000'000'000;
    results.push_back(std::move(got));
  }
  EXPECT_EQ(results[0], results[1]) << "the same vocabulary must merge alike whatever its ids";
  EXPECT_GT(results[0].size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Families, PairMemo, ::testing::ValuesIn(tokenmeter_test::byte_level_vocabularies()),
                         tokenmeter_test::family_param_name);

}  // namespace
