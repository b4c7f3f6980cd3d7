// The two merge strategies (quadratic scan for short pieces, heap for long ones) against each
// other and against a direct transcription of the rule, on random vocabularies and inputs.
#include <tokenmeter/bpe/merge.hpp>

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

// Repeatedly merge the adjacent pair whose concatenation has the lowest rank, leftmost first.
std::vector<token_id> naive_rank_merge(const std::string& piece, const vocab_table& v) {
  std::vector<std::string> parts;
  for (char c : piece) parts.emplace_back(1, c);
  for (;;) {
    std::size_t best = parts.size();
    token_id best_rank = no_token;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      const token_id r = v.find(parts[i] + parts[i + 1]);
      if (r < best_rank) {
        best_rank = r;
        best = i;
      }
    }
    if (best == parts.size()) break;
    parts[best] += parts[best + 1];
    parts.erase(parts.begin() + static_cast<long>(best) + 1);
  }
  std::vector<token_id> ids;
  for (const auto& p : parts) ids.push_back(v.find(p));
  return ids;
}

vocab_table random_vocab(std::mt19937& rng, const std::string& alphabet, std::size_t extra) {
  vocab_table v;
  token_id next = 0;
  std::vector<std::string> toks;
  for (char c : alphabet) toks.emplace_back(1, c);
  std::uniform_int_distribution<std::size_t> len(2, 6);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::map<std::string, bool> seen;
  for (const auto& t : toks) seen[t] = true;
  while (toks.size() < alphabet.size() + extra) {
    std::string t;
    for (std::size_t n = len(rng); n > 0; --n) t += alphabet[pick(rng)];
    if (seen.emplace(t, true).second) toks.push_back(t);
  }
  // Random ranks: single bytes are not necessarily the lowest, as in real vocabularies.
  std::vector<token_id> ranks(toks.size());
  for (auto& r : ranks) r = next++;
  std::shuffle(ranks.begin(), ranks.end(), rng);
  for (std::size_t i = 0; i < toks.size(); ++i) EXPECT_TRUE(v.add(ranks[i], toks[i]).has_value());
  EXPECT_TRUE(v.finalize().has_value());
  return v;
}

std::vector<bpe_symbol> bytes_of(const std::string& piece, const vocab_table& v) {
  std::vector<bpe_symbol> s;
  for (std::uint32_t i = 0; i < piece.size(); ++i) s.push_back({v.find(piece.substr(i, 1)), i, i + 1});
  return s;
}

std::vector<token_id> ids_of(const std::vector<bpe_symbol>& s) {
  std::vector<token_id> ids;
  for (const auto& x : s) ids.push_back(x.id);
  return ids;
}

}  // namespace

TEST(BpeMerge, SmallLargeAndNaiveAgreeOnRandomInputs) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 20; ++round) {
    const std::string alphabet = round % 2 ? "ab" : "abcd";
    const vocab_table v = random_vocab(rng, alphabet, 60);
    bpe_workspace ws;
    std::uniform_int_distribution<std::size_t> len(1, 300);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    for (int k = 0; k < 50; ++k) {
      std::string piece;
      for (std::size_t n = len(rng); n > 0; --n) piece += alphabet[pick(rng)];
      auto a = bytes_of(piece, v), b = a;
      if (a.size() >= 2) {
        detail::bpe_merge_small(piece, a, rank_rules{&v}, ws);
        detail::bpe_merge_large(piece, b, rank_rules{&v}, ws);
      }
      const auto expected = naive_rank_merge(piece, v);
      ASSERT_EQ(ids_of(a), expected) << "small, piece " << piece;
      ASSERT_EQ(ids_of(b), expected) << "large, piece " << piece;
    }
  }
}

// Explicit pair rules (HF): a pair merges only if listed, by list position, into the listed id.
TEST(BpeMerge, PairRulesFollowListOrderNotTokenIds) {
  vocab_table v;
  ASSERT_TRUE(v.add(0, "a").has_value());
  ASSERT_TRUE(v.add(1, "b").has_value());
  ASSERT_TRUE(v.add(2, "ab").has_value());
  ASSERT_TRUE(v.add(3, "ba").has_value());
  ASSERT_TRUE(v.finalize().has_value());
  pair_table rules;
  rules.insert(1, 0, {0, 3});  // "b a" first, although its result has the higher id
  rules.insert(0, 1, {1, 2});  // "a b"
  bpe_workspace ws;
  const std::string piece = "aba";
  auto small = bytes_of(piece, v), large = small;
  detail::bpe_merge_small(piece, small, pair_rules{&rules}, ws);
  detail::bpe_merge_large(piece, large, pair_rules{&rules}, ws);
  EXPECT_EQ(ids_of(small), (std::vector<token_id>{0, 3}));
  EXPECT_EQ(ids_of(large), ids_of(small));
  // Under rank rules the lower id ("ab" = 2) wins instead.
  auto ranked = bytes_of(piece, v);
  detail::bpe_merge_small(piece, ranked, rank_rules{&v}, ws);
  EXPECT_EQ(ids_of(ranked), (std::vector<token_id>{2, 0}));
}

// Long pieces go to the heap merge (bpe_merge picks it by length): a run of one byte whose
// doublings are tokens, and long random pieces, against the naive definition.
TEST(BpeMerge, LongPiecesAgreeWithNaiveMerge) {
  vocab_table run_vocab;
  token_id id = 0;
  for (const char* t : {"a", "aa", "aaaa", "aaaaaaaa"}) ASSERT_TRUE(run_vocab.add(id++, t).has_value());
  ASSERT_TRUE(run_vocab.finalize().has_value());
  bpe_workspace ws;
  for (const std::size_t n : {1001u, 2048u, 2999u}) {
    const std::string run(n, 'a');
    auto syms = bytes_of(run, run_vocab);
    bpe_merge(run, syms, rank_rules{&run_vocab}, ws);
    EXPECT_EQ(ids_of(syms), naive_rank_merge(run, run_vocab)) << n;
  }
  std::mt19937 rng(99);
  const vocab_table v = random_vocab(rng, "ab", 60);
  std::uniform_int_distribution<int> coin(0, 9);
  for (int k = 0; k < 3; ++k) {
    std::string piece;
    while (piece.size() < 1500) piece += coin(rng) < 7 ? 'a' : 'b';
    auto syms = bytes_of(piece, v);
    bpe_merge(piece, syms, rank_rules{&v}, ws);
    EXPECT_EQ(ids_of(syms), naive_rank_merge(piece, v));
  }
}
