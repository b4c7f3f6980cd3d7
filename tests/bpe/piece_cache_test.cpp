// The per-thread piece cache (bpe/piece_cache.hpp) and its short-token table: encoding pieces
// through a cache gives exactly the ids encoding without one gives, on first use (filling it)
// and on later uses (hits), for whole pieces and for the parts cut pieces are merged in; and a
// token the whole-piece rule accepts but that does not merge to itself is never served to a part.
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

std::vector<token_id> piece_ids(const bpe_model& m, std::string_view piece, piece_cache* cache) {
  bpe_workspace ws;
  std::vector<bpe_symbol> syms;
  std::vector<token_id> out;
  m.encode_piece(piece, ws, syms, cache, [&](token_id id) { return out.push_back(id), true; });
  return out;
}

class PieceCache : public ::testing::TestWithParam<std::string> {};

TEST_P(PieceCache, EncodingThroughTheCacheEqualsEncodingWithout) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  std::vector<std::string> pieces;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text")) {
    const std::string text = tokenmeter_test::read_text(e.path().string());
    ASSERT_TRUE(tok->split_each(text, [&](std::string_view p) { return pieces.emplace_back(p), true; },
                                [](token_id) { return true; }, {.on_invalid_utf8 = invalid_utf8::replace})
                    .has_value());
  }
  // Runs of one to four CJK or Latin characters, alone and repeated: parts of 1-8 bytes that
  // are tokens, met first as whole pieces or first as parts.
  std::mt19937 rng(9);
  for (int k = 0; k < 3000; ++k) {
    std::string s;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 4); i < n; ++i)
      append_utf8(s, rng() % 2 == 0 ? U'a' + rng() % 26 : 0x4E00 + rng() % 0x800);
    pieces.push_back(s);
    pieces.push_back(s + s + s);
  }
  std::shuffle(pieces.begin(), pieces.end(), rng);
  auto cache = std::make_unique<piece_cache>();
  std::size_t short_whole = 0;
  for (int pass = 0; pass < 2; ++pass)
    for (const std::string& p : pieces) {
      const std::vector<token_id> want = piece_ids(m, p, nullptr);
      ASSERT_EQ(piece_ids(m, p, cache.get()), want) << "pass " << pass << ": " << p.substr(0, 200);
      short_whole += pass == 1 && p.size() <= piece_cache::short_max_bytes && want.size() == 1 ? 1 : 0;
    }
  EXPECT_GT(short_whole, 1000u) << "few short pieces were whole tokens: the table was hardly asked";
}

INSTANTIATE_TEST_SUITE_P(Families, PieceCache, ::testing::ValuesIn(tokenmeter_test::every_family()),
                         tokenmeter_test::family_param_name);

// tiktoken takes a piece that is a token whole even when its bytes do not merge to it: 中 is a
// token here, but no pair of its bytes is, so "中" alone is [中] while the parts of "中中中" (cut
// between the characters; pieces from 7 bytes are cut) merge to bytes. A cache that saw "中"
// first must not serve it to them.
TEST(PieceCacheShortTable, TokenThatDoesNotMergeToItselfIsNotGivenToParts) {
  vocab_table v;
  for (int b = 0; b < 256; ++b) ASSERT_TRUE(v.add(static_cast<token_id>(b), std::string(1, static_cast<char>(b))).has_value());
  const std::string zhong = "\xE4\xB8\xAD";  // 中
  ASSERT_TRUE(v.add(256, zhong).has_value());
  const auto tok =
      make_tiktoken_tokenizer(std::move(v), tiktoken_spec{"t", R"(\S+|\s+)", {}, std::nullopt, special_tokens::plain}).value_or_throw();
  const bpe_model& m = tok->model();
  auto cache = std::make_unique<piece_cache>();
  EXPECT_EQ(piece_ids(m, zhong, cache.get()), std::vector<token_id>{256});
  const std::string three = zhong + zhong + zhong;
  ASSERT_GE(three.size(), bpe_model::min_cut_piece_bytes);
  const std::vector<token_id> want = piece_ids(m, three, nullptr);
  EXPECT_EQ(want.size(), 9u);
  EXPECT_EQ(piece_ids(m, three, cache.get()), want);
  EXPECT_EQ(piece_ids(m, zhong, cache.get()), std::vector<token_id>{256});
}

}  // namespace
