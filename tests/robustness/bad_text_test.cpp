// Malformed UTF-8, lone surrogates, NUL bytes and other bad text, on every fetched family and on
// every entry point (encode, count, count_up_to, encode_each). Expected ids come from the
// library's own paths or from the reference tool, never from this file.
#include "robustness_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace tokenmeter;
using tokenmeter_robustness::all_families;

namespace {

struct bad_case {
  const char* what;
  std::string text;
  std::size_t offset;  // of the first ill-formed byte
};

std::vector<bad_case> bad_cases() {
  using namespace std::string_literals;
  return {
      {"overlong 2-byte '/'", "ab\xC0\xAF", 2},
      {"overlong 3-byte '/'", "x\xE0\x80\xAF", 1},
      {"overlong 4-byte '/'", "\xF0\x80\x80\xAFz", 0},
      {"overlong NUL (modified UTF-8)", "nul\xC0\x80", 3},
      {"lone high surrogate U+D800", "caf\xC3\xA9 \xED\xA0\x80", 6},
      {"lone low surrogate U+DFFF", "\xED\xBF\xBF", 0},
      {"surrogate pair as CESU-8", "\xED\xA0\xBD\xED\xB8\x80", 0},
      {"truncated 3-byte sequence", "end \xE2\x82", 4},
      {"truncated 4-byte sequence then ASCII", "\xF0\x9F\x8E a", 0},
      {"lone continuation byte", "a\x80" "b", 1},
      {"byte F5 (beyond U+10FFFF)", "\xF5\x80\x80\x80", 0},
      {"byte FF", "\xFF", 0},
      {"code point above U+10FFFF", "\xF4\x90\x80\x80", 0},
      {"invalid after NUL", "a\0\xFE"s, 2},
  };
}

class EachFamily : public ::testing::TestWithParam<std::string> {};


}  // namespace

// Every entry point reports errc::invalid_utf8 with the offset of the first bad byte; with
// invalid_utf8::replace the ids are exactly those of the U+FFFD-repaired text.
TEST_P(EachFamily, IllFormedUtf8IsATypedErrorOnEveryPath) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  encode_options rep;
  rep.on_invalid_utf8 = invalid_utf8::replace;
  for (const bad_case& c : bad_cases()) {
    SCOPED_TRACE(c.what);
    const std::string where = "offset " + std::to_string(c.offset);
    auto e = tok->encode(c.text);
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error_value().code, errc::invalid_utf8);
    EXPECT_NE(e.error_value().message.find(where), std::string::npos) << e.error_value().message;
    auto n = tok->count(c.text);
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error_value().code, errc::invalid_utf8);
    auto capped = tok->count_up_to(c.text, 1);
    ASSERT_FALSE(capped.has_value());
    EXPECT_EQ(capped.error_value().code, errc::invalid_utf8);
    bool called = false;
    auto each = tok->encode_each(c.text, [&](token_id) { return called = true; });
    EXPECT_FALSE(each.has_value());
    EXPECT_FALSE(called) << "a sink saw tokens of text that is then rejected";

    const std::string repaired = replace_invalid_utf8(c.text);
    const auto replaced = tok->encode(c.text, rep).value_or_throw();  // ids: checked by tests/reference
    EXPECT_EQ(tok->count(c.text, rep).value_or_throw(), replaced.size());
    EXPECT_EQ(tok->decode(replaced).value_or_throw(), tokenmeter_robustness::round_trip_expectation(*tok, GetParam(), repaired));
  }
}

// NUL is an ordinary character: it neither ends the text nor disappears.
TEST_P(EachFamily, NulBytesAreOrdinaryCharacters) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  using namespace std::string_literals;
  for (const std::string& text : {"\0"s, "a\0b"s, std::string(1000, '\0'), "line\0\n\0\0 word\0"s, "\0\xC3\xA9\0"s}) {
    const auto ids = tok->encode(text).value_or_throw();
    EXPECT_EQ(tok->count(text).value_or_throw(), ids.size());
    EXPECT_EQ(tok->decode(ids).value_or_throw(), tokenmeter_robustness::round_trip_expectation(*tok, GetParam(), text));
  }
}

// Unknown ids in decode are refused, never read out of bounds; id_bound() is the first unknown.
TEST_P(EachFamily, DecodeRefusesUnknownIds) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  for (const token_id id : {static_cast<token_id>(tok->id_bound()), static_cast<token_id>(tok->id_bound() + 1000), no_token - 1, no_token}) {
    auto r = tok->decode(std::vector<token_id>{0, id});
    ASSERT_FALSE(r.has_value()) << id;
    EXPECT_EQ(r.error_value().code, errc::out_of_range);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, EachFamily, ::testing::ValuesIn(all_families()), tokenmeter_test::family_param_name);

// The same adversarial text through tokenmeter and the upstream implementations: NUL runs, a
// long word, whitespace runs, and ill-formed bytes that Node (hence the reference) replaces by
// U+FFFD exactly as invalid_utf8::replace does.
TEST(ReferenceTool, AdversarialTextMatchesUpstream) {
  using namespace std::string_literals;
  std::string text = "NUL\0\0\0 inside\0words\n"s + "overlong \xC0\xAF surrogate \xED\xA0\x80 truncated \xE2\x82 bytes \xF5\xFF\n";
  text += std::string(20000, ' ') + "\n";
  for (int i = 0; i < 8000; ++i) text += static_cast<char>('a' + (i * 7 + i / 13) % 26);  // one 8 KB word
  text += "\n\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E" + std::string(3000, '9') + "\n";
  encode_options rep;
  rep.on_invalid_utf8 = invalid_utf8::replace;
  int compared = 0;
  for (const std::string family : {"o200k_base", "qwen3", "gemma3"}) {
    std::string why;
    auto tok = tokenmeter_test::try_load(family, why);
    if (!tok) continue;
    const family_info* fam = manifest::embedded().family(family);
    std::string spec;
    if (fam->reference.rfind("tiktoken", 0) == 0) {
      spec = fam->reference;
    } else {
      auto path = locate_family_file(*fam);
      ASSERT_TRUE(path.has_value());
      spec = "hf:" + *path;
    }
    auto expected = tokenmeter_robustness::reference_ids(spec, text, why);
    if (!expected) {
      if (::testing::Test::HasFailure()) return;
      GTEST_SKIP() << why;
    }
    EXPECT_EQ(tok->encode(text, rep).value_or_throw(), *expected) << family;
    ++compared;
  }
  if (compared == 0) GTEST_SKIP() << "no vocabulary for o200k_base, qwen3 or gemma3 (run vocab/fetch)";
}
