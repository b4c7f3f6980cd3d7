// SentencePiece-style models (Gemma 3) cut a normalized text before word markers (U+2581) where
// no token spans (bpe_model::encode_piece). Cutting must equal encoding the whole piece, and
// the per-ASCII-character tables prepare() fills must give the answers they stand for.
#include <tokenmeter/bpe/model.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

class SplitMarker : public ::testing::TestWithParam<std::string> {};

std::vector<token_id> ids_of(const bpe_model& m, std::string_view piece, bool cut) {
  bpe_workspace ws;
  std::vector<bpe_symbol> syms;
  std::vector<token_id> out;
  const auto sink = [&](token_id id) {
    out.push_back(id);
    return true;
  };
  if (cut)
    m.encode_piece(piece, ws, syms, nullptr, sink);
  else
    m.encode_part(piece, ws, syms, nullptr, sink);
  return out;
}

TEST_P(SplitMarker, AsciiTablesAnswerAsTheVocabularyDoes) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  if (m.split_marker.empty()) GTEST_SKIP() << GetParam() << " has no word marker";
  std::size_t safe = 0;
  for (std::size_t b = 0; b < 128; ++b) {
    const char c = static_cast<char>(b);
    const std::string_view one(&c, 1);
    EXPECT_EQ(m.ascii_chars[b], m.vocab.find(one)) << "byte " << b;
    EXPECT_EQ(m.ascii_cut_safe[b], m.cut_safe_after(one)) << "byte " << b;
    const std::string piece = std::string("ab") + c + m.split_marker + "x";
    EXPECT_EQ(m.safe_cut_before(piece, 3), m.cut_safe_after(one)) << "byte " << b;
    safe += m.ascii_cut_safe[b] ? 1 : 0;
  }
  // Letters end words without joining the marker; '▁▁' runs are tokens, so some are unsafe.
  EXPECT_GT(safe, 40u);
  EXPECT_LT(safe, 128u);
}

TEST_P(SplitMarker, CuttingBeforeMarkersEqualsEncodingTheWholePiece) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  if (m.split_marker.empty()) GTEST_SKIP() << GetParam() << " has no word marker";
  std::size_t pieces = 0, with_markers = 0;
  const auto check = [&](std::string_view piece, const std::string& what) {
    ++pieces;
    with_markers += piece.find(m.split_marker, 1) != std::string_view::npos ? 1 : 0;
    EXPECT_EQ(ids_of(m, piece, true), ids_of(m, piece, false)) << what << ": " << piece.substr(0, 200);
    return !::testing::Test::HasFailure();
  };
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text")) {
    const std::string text = tokenmeter_test::read_text(e.path().string());
    // Pieces as the pipeline hands them to the model: normalized, markers in place.
    auto r = tok->split_each(text, [&](std::string_view p) { return check(p, e.path().filename().string()); },
                             [](token_id) { return true; });
    ASSERT_TRUE(r.has_value());
  }
  // Markers after every ASCII character, in runs, and at both ends.
  std::mt19937 rng(9);
  for (int k = 0; k < 300 && !HasFailure(); ++k) {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      if (rng() % 3 == 0)
        s += m.split_marker;
      else
        s += static_cast<char>(rng() % 128);
    }
    check(s, "random ASCII and markers");
  }
  EXPECT_GT(with_markers, 100u) << "the marker path was hardly exercised (" << pieces << " pieces)";
}

// The code-point vocabularies: the ones with a word marker.
std::vector<std::string> code_point_vocabularies() {
  std::vector<std::string> out;
  const auto& byte_level = tokenmeter_test::byte_level_vocabularies();
  for (const std::string& id : tokenmeter_test::every_vocabulary())
    if (std::find(byte_level.begin(), byte_level.end(), id) == byte_level.end()) out.push_back(id);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Families, SplitMarker, ::testing::ValuesIn(code_point_vocabularies()),
                         tokenmeter_test::family_param_name);

}  // namespace
