#include <tokenmeter/pretokenize/pretokenizer.hpp>
#include <tokenmeter/vocab/load.hpp>

#include "random_text.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <utility>
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

namespace {

using spans = std::vector<std::pair<std::size_t, std::size_t>>;

// The pieces of for_each_piece on text[from..], as offsets into `text`.
spans pieces_from(const pretokenizer& p, std::string_view text, std::size_t from) {
  pretokenize_workspace ws;
  spans out;
  const std::string_view rest = text.substr(from);
  EXPECT_TRUE(p.for_each_piece(rest, ws, from == 0, [&](std::string_view piece) {
                 const auto s = static_cast<std::size_t>(piece.data() - text.data());
                 out.emplace_back(s, s + piece.size());
                 return true;
               }).has_value());
  return out;
}

// The piece ends of a run on `text` that for_each_resumable_piece marks resumable, and checks
// that the run gives for_each_piece's pieces.
std::vector<std::size_t> resumable_ends(const pretokenizer& p, std::string_view text) {
  std::vector<std::size_t> ends;
  spans seen;
  EXPECT_TRUE(p.for_each_resumable_piece(text, [&](std::string_view piece, bool resumable) {
                 const auto s = static_cast<std::size_t>(piece.data() - text.data());
                 seen.emplace_back(s, s + piece.size());
                 if (resumable) ends.push_back(s + piece.size());
                 return true;
               }).has_value());
  EXPECT_EQ(seen, pieces_from(p, text, 0));
  return ends;
}

// The first piece end b of a run on `text` (each end, or only those marked resumable) from which
// a run on text[b..] gives other pieces than those that follow b; text.size() if none.
std::size_t first_wrong_resume(const pretokenizer& p, std::string_view text, bool marked_only = true) {
  const spans all = pieces_from(p, text, 0);
  const std::vector<std::size_t> marked = marked_only ? resumable_ends(p, text) : std::vector<std::size_t>{};
  for (std::size_t i = 0; i + 1 < all.size(); ++i) {
    const std::size_t b = all[i].second;
    if (marked_only && std::find(marked.begin(), marked.end(), b) == marked.end()) continue;
    if (pieces_from(p, text, b) != spans(all.begin() + static_cast<std::ptrdiff_t>(i) + 1, all.end())) return b;
  }
  return text.size();
}

// Gemma's pre-tokenizer (Metaspace) builds piece lists: count/batch.hpp splits its large texts by
// pieces.
const std::set<std::string> not_resuming = {"gemma3"};

class resume_family : public ::testing::TestWithParam<std::string> {};

}  // namespace

// count/batch.hpp cuts a large part anywhere and joins the chunks' runs at a piece end both mark
// resumable; that is exact because a run from such an end gives the pieces that follow it.
TEST_P(resume_family, a_run_from_a_resumable_piece_end_gives_the_pieces_that_follow) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const pretokenizer& p = tok->pre_tokenizer();
  const bool resumes = not_resuming.count(GetParam()) == 0;
  ASSERT_EQ(p.resumes_at_piece_ends(), resumes) << GetParam();
  if (!resumes) return;
  std::mt19937 rng(20261206);
  std::size_t ends = 0, marked = 0;
  for (int k = 0; k < 1500; ++k) {
    const std::string text = tokenmeter_test::random_text(rng, 60);
    const std::size_t b = first_wrong_resume(p, text);
    ASSERT_EQ(b, text.size()) << GetParam() << ": a run from byte " << b << " of this text differs: " << text;
    ends += pieces_from(p, text, 0).size();
    marked += resumable_ends(p, text).size();
  }
  // Every end with one streamed level; most with DeepSeek's three, or its chunks would rarely meet.
  if (GetParam().rfind("deepseek", 0) == 0)
    EXPECT_GT(marked * 10, ends * 9) << GetParam() << ": " << marked << " of " << ends;
  else
    EXPECT_EQ(marked, ends) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(families, resume_family, ::testing::ValuesIn(tokenmeter_test::every_family()),
                         tokenmeter_test::family_param_name);

// Streamed regexes that cannot look left resume, at the ends no earlier level's match holds
// short of its end; an ICU-only pattern (\\b looks at the character before the match) does not.
TEST(Resume, StreamedRegexesWithoutLookingLeft) {
  const auto regex_split = [](const char* pattern) {
    pretokenize::split s;
    s.pattern = split_regex::compile(pattern).value_or_throw();
    return s;
  };
  EXPECT_TRUE(pretokenizer({regex_split(R"(\p{L}+|\s+|\S)")}).resumes_at_piece_ends());
  const pretokenizer two_levels({regex_split(R"(\p{N}{1,3})"), regex_split(R"(\p{N}{2})")});
  ASSERT_TRUE(two_levels.resumes_at_piece_ends());
  // "12345" is 123|45, then 12|3|45. From 2, inside the first level's match 123, a run gives
  // 345, then 34|5; so 2 is not marked, 3 (that match's end) is, and a run from 3 gives 45.
  EXPECT_EQ(first_wrong_resume(two_levels, "12345", false), 2u);
  EXPECT_EQ(resumable_ends(two_levels, "12345"), (std::vector<std::size_t>{3, 5}));
  EXPECT_EQ(first_wrong_resume(two_levels, "12345"), 5u);
  // A match of the second level inside one of the first that ends short of it: not resumable.
  const pretokenizer nested({regex_split(R"([a-z]+)"), regex_split(R"(ab)")});
  EXPECT_EQ(resumable_ends(nested, "abab c"), (std::vector<std::size_t>{4, 5, 6}));
  const pretokenizer word_start({regex_split(R"(\bab|\s+|\S)")});
  EXPECT_FALSE(word_start.resumes_at_piece_ends());
  // Why: in "xab" the run from the start gives x, a, b; a run from 1 (after "x") gives "ab".
  EXPECT_NE(first_wrong_resume(word_start, "xab", false), std::string_view("xab").size());
  EXPECT_FALSE(literal_split(pretokenize::split_behavior::isolated).resumes_at_piece_ends());
}
