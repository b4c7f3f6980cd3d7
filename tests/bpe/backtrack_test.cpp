// The long-piece encoder (bpe/backtrack.hpp) against the merge loop it replaces, id for id: on
// random vocabularies (ranks not from BPE training) and on every byte-level family we ship, with
// long pieces of the shapes that stress it (one letter repeated, random letters, random CJK,
// random bytes, a repeated unit).
#include <tokenmeter/bpe/model.hpp>

#include "bpe_test_support.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

using tokenmeter_test::expect_same_as_merge_loop;
using tokenmeter_test::ids_of;
using tokenmeter_test::random_cjk;
using tokenmeter_test::random_from;
using tokenmeter_test::random_model;

// Byte-level: backtrack_encode itself (one search span: the whole piece; spans are
// tests/bpe/long_piece_test.cpp's).
void expect_same_both_ways(const bpe_model& m, const std::string& piece, const std::string& what) {
  const backtrack_tables* t = m.backtracker();
  ASSERT_NE(t, nullptr) << what;
  long_piece_spans whole;
  whole.mode = long_piece_spans::choice::search_only;
  whole.search_bytes = piece.size();
  expect_same_as_merge_loop(m, piece, what, [&](const std::string& p, bpe_workspace& ws, std::vector<bpe_symbol>& out) {
    return m.encode_left_to_right(*t, p, ws, out, whole);
  });
}

}  // namespace

// Ranks in training order make every token monotone, so every pair is judged by the walk over
// merge trees; random ranks leave most tokens to the merge loop on the pair's bytes.
TEST(Backtrack, AgreesWithMergeLoopOnRandomVocabularies) {
  std::mt19937 rng(2026);
  std::size_t mixed_rounds = 0;
  for (int round = 0; round < 60; ++round) {
    const std::string alphabet = round % 3 == 0 ? "ab" : round % 3 == 1 ? "abc" : "abcdef";
    // "ab" has only 252 distinct tokens of 2..7 bytes: keep well below that.
    const std::size_t extra = std::min<std::size_t>(20 + 7 * static_cast<std::size_t>(round), alphabet.size() == 2 ? 120 : 400);
    const bool training_order = round % 2 == 0;
    const bpe_model m = tokenmeter_test::model_of(rng, tokenmeter_test::random_tokens(rng, alphabet, extra), training_order);
    const backtrack_tables* t = m.backtracker();
    ASSERT_NE(t, nullptr);
    if (training_order)
      EXPECT_EQ(t->monotone_tokens(), t->search_tokens()) << "round " << round;
    else if (t->monotone_tokens() < t->search_tokens())
      ++mixed_rounds;
    for (int k = 0; k < 30; ++k) {
      std::uniform_int_distribution<std::size_t> len(1, 400);
      expect_same_both_ways(m, random_from(rng, alphabet, len(rng)), "round " + std::to_string(round));
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(mixed_rounds, 20u) << "random ranks should leave some tokens to the merge loop";
}

class BacktrackFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(BacktrackFamily, AgreesWithMergeLoopOnLongPieces) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  ASSERT_EQ(m.unit, symbol_unit::byte);
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> len(256, 4096);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int k = 0; k < 16; ++k) {
    expect_same_both_ways(m, std::string(len(rng), "aeiostxyz0 .-_=*"[k]), "one character");
    expect_same_both_ways(m, random_from(rng, "abcdefghijklmnopqrstuvwxyz", len(rng)), "letters");
    expect_same_both_ways(m, random_from(rng, "etaoinshrdlu0123456789_", len(rng)), "letters and digits");
    expect_same_both_ways(m, random_cjk(rng, len(rng) / 3), "CJK");
    std::string bytes;
    for (std::size_t n = len(rng); n > 0; --n) bytes += static_cast<char>(byte(rng));
    expect_same_both_ways(m, bytes, "random bytes");
    std::string unit = random_from(rng, "xyz!?", 1 + static_cast<std::size_t>(k % 6));
    std::string rep;
    while (rep.size() < 600) rep += unit;
    expect_same_both_ways(m, rep, "repeated unit " + unit);
    if (HasFailure()) return;
  }
}

// A piece at the threshold (64 KiB) takes the fast path through bpe_model::merge, and the
// family's tables are usable.
TEST_P(BacktrackFamily, MergeUsesItAboveTheThreshold) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  const std::string piece(m.long_piece_bytes, 'q');
  bpe_workspace ws;
  std::vector<bpe_symbol> via_merge, loop;
  m.merge(piece, ws, via_merge);
  m.merge_loop(piece, ws, loop);
  EXPECT_EQ(ids_of(via_merge), ids_of(loop));
  ASSERT_NE(m.backtracker(), nullptr);
  EXPECT_GT(m.backtracker()->max_token_bytes(), 1u);
}

// A long piece with characters outside ASCII is cut first (bpe/char_cuts.hpp); a part of 64 KiB
// or more between cuts still goes left to right (letters whose every pair is inside some token:
// all 26 would be cut at pairs like "qx"), and random CJK falls apart at cuts.
TEST_P(BacktrackFamily, MergeCutsLongPiecesFirst) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  std::mt19937 rng(5);
  const std::string piece = random_cjk(rng, 4000) + random_from(rng, "etaoins", m.long_piece_bytes + 999) +
                            random_cjk(rng, 25000);
  bpe_workspace ws;
  std::vector<bpe_symbol> via_merge, loop;
  m.merge(piece, ws, via_merge);
  m.merge_loop(piece, ws, loop);
  EXPECT_EQ(ids_of(via_merge), ids_of(loop));
}

INSTANTIATE_TEST_SUITE_P(Families, BacktrackFamily,
                         ::testing::ValuesIn(tokenmeter_test::byte_level_vocabularies()),
                         tokenmeter_test::family_param_name);

// Code-point models (gemma3): characters without a token split the piece into runs merged on
// their own, runs of 64 bytes or more left to right. The tables must exist for gemma3.
TEST(BacktrackCodePoints, Gemma3MergeEqualsMergeLoop) {
  TOKENMETER_LOAD_OR_SKIP(tok, "gemma3");
  const bpe_model& m = tok->model();
  ASSERT_EQ(m.unit, symbol_unit::code_point);
  ASSERT_NE(m.backtracker(), nullptr) << "gemma3 should qualify: byte fallback symbols are in no merge rule";
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::size_t> len(300, 3000);
  std::uniform_int_distribution<unsigned> pua(0xE000, 0xE0FF), pick(0, 9);
  const auto utf8 = [](unsigned c) {
    std::string s;
    if (c < 0x800) {
      s += static_cast<char>(0xC0 | (c >> 6));
    } else {
      s += static_cast<char>(0xE0 | (c >> 12));
      s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    }
    s += static_cast<char>(0x80 | (c & 0x3F));
    return s;
  };
  const backtrack_tables& tables = *m.backtracker();
  // Called directly: merge() sends only pieces of long_piece_bytes (64 KiB) here.
  std::size_t fallback_symbols = 0;  // proof that the cut-at-unknown-character path ran
  const auto same = [&](const std::string& piece, const std::string& what) {
    const auto loop = expect_same_as_merge_loop(m, piece, what, [&](const std::string& p, bpe_workspace& ws, std::vector<bpe_symbol>& out) {
      m.merge_between_unknown_chars(tables, p, ws, out);
      return true;
    });
    for (const bpe_symbol& s : loop)
      fallback_symbols += std::count(m.byte_tokens.begin(), m.byte_tokens.end(), s.id) > 0 ? 1 : 0;
  };
  for (int k = 0; k < 12; ++k) {
    same(std::string(len(rng), "aeiostxyz0.-"[k]), "one character");
    same(random_from(rng, "abcdefghijklmnopqrstuvwxyz", len(rng)), "letters");
    same(random_cjk(rng, len(rng) / 3), "CJK");
    std::string mixed;  // letters and CJK with private-use characters (mostly not tokens)
    while (mixed.size() < len(rng)) {
      const unsigned p = pick(rng);
      mixed += p < 6 ? random_from(rng, "etaoin", 1 + p) : p < 8 ? random_cjk(rng, 2) : utf8(pua(rng));
    }
    same(mixed, "mixed with private-use characters");
    if (HasFailure()) return;
  }
  EXPECT_GT(fallback_symbols, 0u) << "no private-use character fell back to bytes: the barrier path was not tested";
  // Through merge(): a long piece goes to the runs between unknown characters, not to the cuts.
  std::string piece = random_cjk(rng, 8000);
  while (piece.size() < m.long_piece_bytes + 999) piece += random_from(rng, "etaoin ", 1 + pick(rng)) + utf8(pua(rng));
  bpe_workspace ws;
  std::vector<bpe_symbol> via_merge, loop;
  m.merge(piece, ws, via_merge);
  m.merge_loop(piece, ws, loop);
  EXPECT_EQ(ids_of(via_merge), ids_of(loop));
}
