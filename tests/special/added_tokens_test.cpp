#include <tokenmeter/special/added_tokens.hpp>

#include <gtest/gtest.h>

#include <vector>

using namespace tokenmeter;

namespace {

std::vector<added_match> all_matches(const added_token_matcher& m, std::string_view text) {
  std::vector<added_match> out;
  added_match x{};
  for (std::size_t pos = 0; m.next_match(text, pos, x); pos = x.end) out.push_back(x);
  return out;
}

added_token tok(token_id id, std::string content) {
  added_token t;
  t.id = id;
  t.content = std::move(content);
  t.special = true;
  return t;
}

}  // namespace

TEST(AddedTokens, LeftmostLongest) {
  const std::vector<added_token> toks{tok(1, "<|a|>"), tok(2, "<|a|><|b|>"), tok(3, "<|b|>"), tok(4, "|")};
  const auto m = added_token_matcher::build(toks, [](const added_token&) { return true; });
  const auto got = all_matches(m, "x<|a|><|b|>y<|b|>|");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].id, 2u);  // the longer token at the leftmost position wins
  EXPECT_EQ(got[0].start, 1u);
  EXPECT_EQ(got[1].id, 3u);
  EXPECT_EQ(got[2].id, 4u);
}

TEST(AddedTokens, NoFalseMatchOnPrefixes) {
  const std::vector<added_token> toks{tok(1, "<|endoftext|>")};
  const auto m = added_token_matcher::build(toks, [](const added_token&) { return true; });
  EXPECT_TRUE(all_matches(m, "<|endoftext <|endoftext| <endoftext|>").empty());
  const auto got = all_matches(m, "<<|endoftext|>>");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].start, 1u);
  EXPECT_EQ(got[0].end, 14u);
}

TEST(AddedTokens, FilterSelectsTokens) {
  std::vector<added_token> toks{tok(1, "<s>"), tok(2, "<t>")};
  toks[1].special = false;
  const auto m = added_token_matcher::build(toks, [](const added_token& t) { return !t.special; });
  const auto got = all_matches(m, "<s><t>");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, 2u);
}

TEST(AddedTokens, StripAndSingleWord) {
  std::vector<added_token> toks{tok(1, "<mask>"), tok(2, "word")};
  toks[0].lstrip = toks[0].rstrip = true;
  toks[1].single_word = true;
  const auto m = added_token_matcher::build(toks, [](const added_token&) { return true; });
  const auto got = all_matches(m, "a  <mask> \tb swordfish word.");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].start, 1u);  // swallowed the two spaces on the left
  EXPECT_EQ(got[0].end, 11u);   // and the space and tab on the right
  EXPECT_EQ(got[1].id, 2u);     // "word" inside "swordfish" is skipped
  EXPECT_EQ(got[1].start, 23u);
}
