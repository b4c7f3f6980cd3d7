// Cutting byte-level pieces where no token can span a character boundary (bpe/char_cuts.hpp):
// bpe_model::merge with cuts equals the merge loop on the whole piece, id for id, on random
// vocabularies whose tokens start and end inside characters, on invalid UTF-8, and on every
// byte-level family and gemma3 (code points, byte fallback) with Chinese, Japanese, Korean and
// mixed text. Merged parts go through a piece cache, which later parts read back.
#include <tokenmeter/bpe/char_cuts.hpp>
#include <tokenmeter/bpe/model.hpp>

#include "bpe_test_support.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace tokenmeter;
using tokenmeter_test::expect_same_as_merge_loop;
using tokenmeter_test::random_cjk;

namespace {

// merge() (cuts from min_cut_piece_bytes) against the merge loop, with and without the cache
// of merged parts; counts the pieces that were cut.
void expect_same(const bpe_model& m, const std::string& piece, const std::string& what, std::size_t& cut_pieces,
                 piece_cache& cache) {
  expect_same_as_merge_loop(m, piece, what, [&](const std::string& p, bpe_workspace& ws, std::vector<bpe_symbol>& out) {
    m.merge(p, ws, out);
    return true;
  });
  expect_same_as_merge_loop(m, piece, what + " (part cache)",
                            [&](const std::string& p, bpe_workspace& ws, std::vector<bpe_symbol>& out) {
                              m.merge(p, ws, out, &cache);
                              return true;
                            });
  const char_cut_table* cuts = m.cut_table();
  ASSERT_NE(cuts, nullptr);
  for (std::size_t b = 1, prev = 0; b < piece.size(); ++b) {
    if (char_cut_table::continuation(piece[b])) continue;
    if (!cuts->spanned(piece, prev, b)) {
      ++cut_pieces;
      return;
    }
    prev = b;
  }
}

const std::vector<std::string> chars = {"a", "b", " ", "\xC3\xA9", "\xE4\xB8\xAD", "\xE6\x96\x87", "\xE5\xAD\x97",
                                        "\xE3\x81\xAE", "\xF0\x9F\x98\x80", "\xEE\x80\x80" /* U+E000, private use */};

std::string random_text(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<std::size_t> pick(0, chars.size() - 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += chars[pick(rng)];
  return s;
}

}  // namespace

TEST(CharCuts, AgreeWithMergeLoopOnRandomVocabularies) {
  std::mt19937 rng(404);
  std::size_t cut_pieces = 0, pieces = 0;
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> toks;
    std::set<std::string> seen;
    // Whole-character tokens of 1-3 characters, and byte fragments that start and end inside
    // characters (what byte-level vocabularies contain); ranks random.
    std::uniform_int_distribution<std::size_t> n_chars(1, 3);
    const std::size_t extra = 20 + 15 * static_cast<std::size_t>(round);
    for (std::size_t tries = 0; toks.size() < extra && tries < 100000; ++tries) {
      std::string t = random_text(rng, n_chars(rng));
      if (tries % 4 == 0 && t.size() > 2) {
        std::uniform_int_distribution<std::size_t> from(0, t.size() - 2);
        const std::size_t a = from(rng);
        std::uniform_int_distribution<std::size_t> len(2, t.size() - a);
        t = t.substr(a, len(rng));
      }
      if (t.size() > 1 && seen.insert(t).second) toks.push_back(t);
    }
    const bpe_model m = tokenmeter_test::rank_model(rng, toks);
    const auto cache = std::make_unique<piece_cache>();  // one per model: entries are the model's ids
    std::uniform_int_distribution<std::size_t> len(3, 60);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int k = 0; k < 40; ++k) {
      expect_same(m, random_text(rng, len(rng)), "round " + std::to_string(round), cut_pieces, *cache);
      std::string bytes = random_text(rng, len(rng) / 2);  // invalid UTF-8: cut pieces of characters
      for (int i = 0; i < 4; ++i) bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(byte(rng)) % static_cast<std::ptrdiff_t>(bytes.size() + 1), static_cast<char>(0x80 | byte(rng) % 64));
      expect_same(m, bytes, "invalid UTF-8, round " + std::to_string(round), cut_pieces, *cache);
      pieces += 2;
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(cut_pieces, pieces / 10) << "too few pieces were cut for this to test the cut path";
}

class CharCutsFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(CharCutsFamily, AgreeWithMergeLoopOnCjkAndMixedText) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  ASSERT_NE(m.cut_table(), nullptr) << "every shipped family qualifies for cuts";
  std::size_t cut_pieces = 0;
  const auto cache = std::make_unique<piece_cache>();
  // The pre-tokenizer's own pieces of the corpus's CJK, Korean, emoji and mixed-script files.
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text")) {
    const std::string name = e.path().filename().string();
    if (name.find("chinese") == std::string::npos && name.find("japanese") == std::string::npos &&
        name.find("korean") == std::string::npos && name.find("emoji") == std::string::npos &&
        name.find("mixed") == std::string::npos)
      continue;
    const std::string text = tokenmeter_test::read_text(e.path().string());
    auto r = tok->split_each(
        text,
        [&](std::string_view piece) {
          expect_same(m, std::string(piece), name, cut_pieces, *cache);
          return !HasFailure();
        },
        [](token_id) { return true; });
    ASSERT_TRUE(r.has_value());
  }
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::size_t> len(3, 200);
  for (int k = 0; k < 200 && !HasFailure(); ++k) {
    expect_same(m, random_cjk(rng, len(rng)), "random CJK", cut_pieces, *cache);
    expect_same(m, random_text(rng, len(rng)), "random mixed", cut_pieces, *cache);
  }
  EXPECT_GT(cut_pieces, 100u) << "the cut path was hardly exercised";
}

INSTANTIATE_TEST_SUITE_P(Families, CharCutsFamily,
                         ::testing::ValuesIn(tokenmeter_test::every_vocabulary()),
                         tokenmeter_test::family_param_name);
