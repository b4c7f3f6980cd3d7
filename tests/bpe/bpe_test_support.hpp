// Shared by the tests/bpe suites: a fast merge path against the merge loop, random pieces and
// random rank vocabularies.
#pragma once

#include <tokenmeter/bpe/model.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tokenmeter_test {

using tokenmeter::bpe_model;
using tokenmeter::bpe_symbol;
using tokenmeter::bpe_workspace;
using tokenmeter::token_id;

inline std::vector<token_id> ids_of(const std::vector<bpe_symbol>& s) {
  std::vector<token_id> ids;
  for (const auto& x : s) ids.push_back(x.id);
  return ids;
}

// `fast` (the path under test) and the merge loop give the same ids, and `fast`'s symbols
// cover the piece contiguously. Returns the merge loop's symbols.
template <class Fast>
std::vector<bpe_symbol> expect_same_as_merge_loop(const bpe_model& m, const std::string& piece, const std::string& what,
                                                  Fast&& fast) {
  bpe_workspace ws;
  std::vector<bpe_symbol> loop, got;
  m.merge_loop(piece, ws, loop);
  EXPECT_TRUE(fast(piece, ws, got)) << what;
  EXPECT_EQ(ids_of(got), ids_of(loop)) << what << " (" << piece.size() << " bytes)";
  std::uint32_t at = 0;
  for (const bpe_symbol& s : got) {
    EXPECT_EQ(s.start, at) << what;
    at = s.end;
  }
  EXPECT_EQ(at, piece.size()) << what;
  return loop;
}

inline std::string random_from(std::mt19937& rng, const std::string& alphabet, std::size_t n) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += alphabet[pick(rng)];
  return s;
}

inline std::string random_cjk(std::mt19937& rng, std::size_t chars) {
  std::uniform_int_distribution<unsigned> cp(0x4E00, 0x4FFF);  // a dense block of common ideographs
  std::string s;
  for (std::size_t i = 0; i < chars; ++i) {
    const unsigned c = cp(rng);
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

inline bpe_model rank_model(std::mt19937& rng, const std::vector<std::string>& toks);

// `count` distinct random strings of 2..7 bytes over `alphabet`.
inline std::vector<std::string> random_tokens(std::mt19937& rng, const std::string& alphabet, std::size_t count) {
  std::vector<std::string> toks;
  std::set<std::string> seen;
  std::uniform_int_distribution<std::size_t> len(2, 7);
  while (toks.size() < count) {
    std::string t = random_from(rng, alphabet, len(rng));
    if (seen.insert(t).second) toks.push_back(t);
  }
  return toks;
}

// A byte-level rank vocabulary: all 256 bytes, then `extra` random tokens over `alphabet` (bytes; a
// multi-byte alphabet gives tokens that start or end inside a character) at random ranks (so
// merges need not follow BPE training order).
inline bpe_model random_model(std::mt19937& rng, const std::string& alphabet, std::size_t extra) {
  return rank_model(rng, random_tokens(rng, alphabet, extra));
}

// A byte-level rank model: the 256 single bytes and `multi_byte` (distinct tokens of two or more
// bytes), ranks shuffled.
inline bpe_model rank_model(std::mt19937& rng, const std::vector<std::string>& multi_byte) {
  std::vector<std::string> toks;
  for (int b = 0; b < 256; ++b) toks.emplace_back(1, static_cast<char>(b));
  toks.insert(toks.end(), multi_byte.begin(), multi_byte.end());
  std::vector<token_id> ranks(toks.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) ranks[i] = static_cast<token_id>(i);
  std::shuffle(ranks.begin(), ranks.end(), rng);
  bpe_model m;
  for (std::size_t i = 0; i < toks.size(); ++i) EXPECT_TRUE(m.vocab.add(ranks[i], toks[i]).has_value());
  EXPECT_TRUE(m.vocab.finalize().has_value());
  EXPECT_TRUE(m.prepare().has_value());
  return m;
}

// A byte-level rank model: the 256 bytes, then `toks` ranked in the order given.
inline bpe_model ranked_model(const std::vector<std::string>& toks) {
  bpe_model m;
  token_id id = 0;
  for (int b = 0; b < 256; ++b) EXPECT_TRUE(m.vocab.add(id++, std::string(1, static_cast<char>(b))).has_value());
  for (const std::string& t : toks) EXPECT_TRUE(m.vocab.add(id++, t).has_value());
  EXPECT_TRUE(m.vocab.finalize().has_value());
  EXPECT_TRUE(m.prepare().has_value());
  return m;
}

// A byte-level rank model over `toks` (plus the 256 bytes): in training order (shorter tokens
// first, so every token ranks after its parts) or in random order.
inline bpe_model model_of(std::mt19937& rng, std::vector<std::string> toks, bool training_order) {
  if (!training_order) return rank_model(rng, toks);
  std::shuffle(toks.begin(), toks.end(), rng);
  std::stable_sort(toks.begin(), toks.end(), [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
  return ranked_model(toks);
}

}  // namespace tokenmeter_test
