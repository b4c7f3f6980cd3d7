#include <tokenmeter/pretokenize/pretokenizer.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

std::vector<std::string> split_with(const pretokenizer& p, std::string_view text) {
  pretokenize_workspace ws;
  auto r = p.run(text, ws);
  EXPECT_TRUE(r.has_value());
  std::vector<std::string> out;
  for (auto v : **r) out.emplace_back(v);
  return out;
}

pretokenizer literal_split(pretokenize::split_behavior b, bool invert = false) {
  pretokenize::split s;
  s.pattern = std::string("-");
  s.behavior = b;
  s.invert = invert;
  return pretokenizer({std::move(s)});
}

using V = std::vector<std::string>;

}  // namespace

// The behaviours as HF documents them, on its own example "the-final--countdown".
TEST(Split, EveryBehaviour) {
  using B = pretokenize::split_behavior;
  const std::string_view t = "the-final--countdown";
  EXPECT_EQ(split_with(literal_split(B::removed), t), (V{"the", "final", "countdown"}));
  EXPECT_EQ(split_with(literal_split(B::isolated), t), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split_with(literal_split(B::merged_with_previous), t), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split_with(literal_split(B::merged_with_next), t), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split_with(literal_split(B::contiguous), t), (V{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(split_with(literal_split(B::removed, true), t), (V{"-", "-", "-"}));
}

// ICU's \s lacks U+000B and U+0085; both reference engines include them (White_Space).
TEST(Regex, WhitespaceMeansWhiteSpaceProperty) {
  auto re = split_regex::compile(R"(\s+|\S+)").value_or_throw();
  std::vector<std::string> pieces;
  const std::string text = "a\x0B\xC2\x85" "b";
  ASSERT_TRUE(re.for_each_match(text, [&](std::size_t s, std::size_t e) { pieces.push_back(text.substr(s, e - s)); }).has_value());
  EXPECT_EQ(pieces, (V{"a", "\x0B\xC2\x85", "b"}));
}

// \p{Han} is the Script property: the CJK punctuation 、 and 。 (Script_Extensions include Han)
// must not join a Han run; Kimi K2's pattern depends on it.
TEST(Regex, HanIsScriptNotScriptExtensions) {
  auto re = split_regex::compile(R"([\p{Han}]+|[^\p{Han}]+)").value_or_throw();
  std::vector<std::string> pieces;
  const std::string text = "\xE4\xB8\xAD\xE6\x96\x87\xE3\x80\x82\xE3\x80\x81\xE5\xAD\x97";  // 中文。、字
  ASSERT_TRUE(re.for_each_match(text, [&](std::size_t s, std::size_t e) { pieces.push_back(text.substr(s, e - s)); }).has_value());
  EXPECT_EQ(pieces, (V{"\xE4\xB8\xAD\xE6\x96\x87", "\xE3\x80\x82\xE3\x80\x81", "\xE5\xAD\x97"}));
}

// Class intersection: [\p{L}&&[^\p{Han}]] is letters that are not Han.
TEST(Regex, ClassIntersection) {
  auto re = split_regex::compile(R"([\p{Lu}\p{Ll}\p{Lo}&&[^\p{Han}]]+|.)").value_or_throw();
  std::vector<std::string> pieces;
  const std::string text = "ab\xE4\xB8\xAD" "c";
  ASSERT_TRUE(re.for_each_match(text, [&](std::size_t s, std::size_t e) { pieces.push_back(text.substr(s, e - s)); }).has_value());
  EXPECT_EQ(pieces, (V{"ab", "\xE4\xB8\xAD", "c"}));
}

// tiktoken's newer cl100k pattern uses possessive quantifiers; the JS package's plain form must
// split every input identically. Checked on the whole text corpus.
TEST(Regex, PossessiveCl100kSplitsLikePlainForm) {
  const std::string plain = R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const std::string possessive = R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s)";
  const pretokenizer a({pretokenize::matches_only{split_regex::compile(plain).value_or_throw()}});
  const pretokenizer b({pretokenize::matches_only{split_regex::compile(possessive).value_or_throw()}});
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text")) {
    const std::string text = tokenmeter_test::read_text(entry.path().string());
    // Merge each side's pieces back into runs split at the same places and compare lengths.
    auto pa = split_with(a, text), pb = split_with(b, text);
    std::string ja, jb;
    for (auto& p : pa) ja += p + '\x1F';
    for (auto& p : pb) jb += p + '\x1F';
    EXPECT_EQ(ja, jb) << entry.path();
    ++checked;
  }
  EXPECT_GT(checked, 10u);
}
