// Long pieces in spans (bpe/long_piece.hpp) against the merge loop, id for id: spans small
// enough that short pieces have hundreds of joins, so refused joins (a span's first token not
// compatible with the last kept one), spans of one token and the switches between the two
// encoders all happen; on random vocabularies and on every family we ship.
#include <tokenmeter/bpe/long_piece.hpp>
#include <tokenmeter/bpe/model.hpp>

#include "bpe_test_support.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

using tokenmeter_test::expect_same_as_merge_loop;
using tokenmeter_test::random_cjk;
using tokenmeter_test::random_from;
using choice = long_piece_spans::choice;

// Span settings that make short test pieces behave like long ones.
std::vector<std::pair<std::string, long_piece_spans>> small_spans() {
  std::vector<std::pair<std::string, long_piece_spans>> out;
  for (const std::size_t w : {1u, 3u, 8u, 32u}) {
    long_piece_spans s;
    s.mode = choice::windows_only;
    s.window_bytes = w;
    out.emplace_back("windows of " + std::to_string(w), s);
  }
  for (const std::size_t b : {2u, 16u, 100u}) {
    long_piece_spans s;
    s.mode = choice::search_only;
    s.search_bytes = b;
    s.max_search_bytes = b;
    out.emplace_back("searches of " + std::to_string(b), s);
  }
  long_piece_spans a;
  a.window_bytes = 4;
  a.search_bytes = 24;
  a.max_search_bytes = 96;
  a.windows_between_looks = 3;
  out.emplace_back("adaptive, small", a);
  out.emplace_back("default", long_piece_spans{});
  return out;
}

void expect_same_each_way(const bpe_model& m, const std::string& piece, const std::string& what) {
  const backtrack_tables* t = m.backtracker();
  ASSERT_NE(t, nullptr) << what;
  for (const auto& named : small_spans()) {
    const long_piece_spans& how = named.second;  // not a structured binding: clang 14 cannot capture one
    expect_same_as_merge_loop(m, piece, what + ", " + named.first, [&](const std::string& p, bpe_workspace& ws, std::vector<bpe_symbol>& out) {
      return m.encode_left_to_right(*t, p, ws, out, how);
    });
    if (::testing::Test::HasFailure()) return;
  }
}

// Text whose pairs repeat (the search's memo answers them) then do not, and back: the adaptive
// choice changes encoder inside the piece.
std::string mixed_stretches(std::mt19937& rng, std::size_t stretches, std::size_t each) {
  std::string s;
  for (std::size_t k = 0; k < stretches; ++k)
    s += k % 2 == 0 ? random_from(rng, "ab", each) : random_from(rng, "abcdefghijklmnopqrstuvwxyz", each);
  return s;
}

}  // namespace

TEST(LongPiece, AgreesWithMergeLoopOnRandomVocabularies) {
  std::mt19937 rng(2027);
  for (int round = 0; round < 40; ++round) {
    const std::string alphabet = round % 3 == 0 ? "ab" : round % 3 == 1 ? "abc" : "abcdef";
    const std::size_t extra = std::min<std::size_t>(20 + 7 * static_cast<std::size_t>(round), alphabet.size() == 2 ? 120 : 400);
    const bpe_model m = tokenmeter_test::model_of(rng, tokenmeter_test::random_tokens(rng, alphabet, extra), round % 2 == 0);
    for (int k = 0; k < 10; ++k) {
      std::uniform_int_distribution<std::size_t> len(1, 400);
      expect_same_each_way(m, random_from(rng, alphabet, len(rng)), "round " + std::to_string(round));
      if (HasFailure()) return;
    }
  }
}

class LongPieceFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(LongPieceFamily, AgreesWithMergeLoop) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  std::mt19937 rng(17);
  std::uniform_int_distribution<std::size_t> len(200, 1500);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int k = 0; k < 6; ++k) {
    // (gemma3 has no token for a raw space: its normalizer makes spaces word markers.)
    expect_same_each_way(m, std::string(len(rng), m.unit == symbol_unit::byte ? "a -0x="[k] : "aeq-0x"[k]), "one character");
    expect_same_each_way(m, random_from(rng, "abcdefghijklmnopqrstuvwxyz", len(rng)), "letters");
    expect_same_each_way(m, random_from(rng, "acgt", len(rng)), "four letters");
    expect_same_each_way(m, mixed_stretches(rng, 6, len(rng) / 4), "stretches");
    if (m.unit == symbol_unit::byte) {
      expect_same_each_way(m, random_cjk(rng, len(rng) / 3), "CJK");
      std::string bytes;
      for (std::size_t n = len(rng); n > 0; --n) bytes += static_cast<char>(byte(rng));
      expect_same_each_way(m, bytes, "random bytes");
    } else {
      // Code-point models: spans end on character boundaries (the merge loop starts from
      // characters); three-byte characters that are tokens, between letters (the model sends
      // only runs of such characters here: bpe_model::merge_between_unknown_chars).
      std::string s;
      while (s.size() < len(rng)) {
        s += random_from(rng, "etaoin", 3);
        for (int c = 0; c < 1 + k % 3; ++c)
          if (const std::string ch = random_cjk(rng, 1); m.vocab.find(ch) != no_token) s += ch;
      }
      expect_same_each_way(m, s, "letters and CJK");
    }
    if (HasFailure()) return;
  }
}

// The spans are many and some joins are refused (the guard the exactness rests on is used), and
// a refused join changes nothing in the result. One-byte windows of random letters: a window is
// one token, so each is widened; three-byte ones end inside tokens most of the time.
TEST_P(LongPieceFamily, RefusedJoinsAreTakenAgain) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  const backtrack_tables* t = m.backtracker();
  ASSERT_NE(t, nullptr);
  std::mt19937 rng(23);
  const std::string piece = random_from(rng, "abcdefghijklmnopqrstuvwxyz", 3000);
  long_piece_spans how;
  how.mode = choice::windows_only;
  how.window_bytes = 3;
  bpe_workspace ws;
  std::vector<bpe_symbol> got, loop;
  const std::uint64_t before = ws.pair_questions;
  ASSERT_TRUE(m.encode_left_to_right(*t, piece, ws, got, how));
  EXPECT_GT(ws.pair_questions - before, 500u) << "joins were not asked: the piece was not cut into spans";
  m.merge_loop(piece, ws, loop);
  EXPECT_EQ(tokenmeter_test::ids_of(got), tokenmeter_test::ids_of(loop));
  // Without the join check, the spans' own tokens differ from the piece's.
  std::vector<bpe_symbol> unchecked;
  for (std::size_t pos = 0; pos < piece.size();) {
    std::vector<bpe_symbol> span;
    const std::size_t end = std::min(piece.size(), pos + 3);
    m.merge_loop(piece.substr(pos, end - pos), ws, span);
    const std::size_t keep = end == piece.size() || span.size() == 1 ? span.size() : span.size() - 1;
    for (std::size_t i = 0; i < keep; ++i) unchecked.push_back(span[i]);
    pos += span[keep - 1].end;
  }
  EXPECT_NE(tokenmeter_test::ids_of(unchecked), tokenmeter_test::ids_of(loop)) << "the test text needs no join check";
}

// The adaptive choice, seen in the questions asked (not in time): on random letters the search's
// memo answers few, so windows take over (one question per join, ~1 per 30 bytes, against ~1
// per byte searching); on two letters it answers most, so the search stays, or comes back.
TEST_P(LongPieceFamily, AdaptiveChoiceFollowsTheMemo) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  const backtrack_tables* t = m.backtracker();
  ASSERT_NE(t, nullptr);
  std::mt19937 rng(31);
  const auto questions = [&](const std::string& piece, const long_piece_spans& how) {
    bpe_workspace ws;
    std::vector<bpe_symbol> out;
    EXPECT_TRUE(m.encode_left_to_right(*t, piece, ws, out, how));
    return static_cast<double>(ws.pair_questions) / static_cast<double>(piece.size());
  };
  long_piece_spans search;
  search.mode = choice::search_only;
  const std::string letters = random_from(rng, "abcdefghijklmnopqrstuvwxyz", 200000);
  const std::string two = random_from(rng, "ab", 200000);
  const double letters_searched = questions(letters, search), letters_adaptive = questions(letters, {});
  EXPECT_GT(letters_searched, 0.4);
  EXPECT_LT(letters_adaptive, 0.3 * letters_searched) << "windows were not chosen on random letters";
  const double two_searched = questions(two, search), two_adaptive = questions(two, {});
  EXPECT_GT(two_adaptive, 0.8 * two_searched) << "the search was not kept on two letters";
  // Random letters, then two: the windows' own pairs (not a look every ~30 KiB, turned off
  // here) bring the search back for the second half.
  long_piece_spans no_looks;
  no_looks.windows_between_looks = std::size_t{1} << 40;
  const double then_two = questions(letters.substr(0, 100000) + two.substr(0, 100000), no_looks);
  EXPECT_GT(then_two, 0.3 * two_searched) << "windows went on over two letters";
}

// Through merge(): a 64 KiB piece that changes character goes through spans of both kinds.
TEST_P(LongPieceFamily, MergeOfALongPiece) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  std::mt19937 rng(29);
  const std::string piece = mixed_stretches(rng, 8, m.long_piece_bytes / 6);
  ASSERT_GE(piece.size(), m.long_piece_bytes);
  bpe_workspace ws;
  std::vector<bpe_symbol> via_merge, loop;
  m.merge(piece, ws, via_merge);
  m.merge_loop(piece, ws, loop);
  EXPECT_EQ(tokenmeter_test::ids_of(via_merge), tokenmeter_test::ids_of(loop));
}

namespace {
std::vector<std::string> long_piece_families() {
  std::vector<std::string> f = tokenmeter_test::byte_level_vocabularies();
  f.push_back("gemma3");
  return f;
}
}  // namespace

INSTANTIATE_TEST_SUITE_P(Families, LongPieceFamily, ::testing::ValuesIn(long_piece_families()),
                         tokenmeter_test::family_param_name);
