#include <tokenmeter/normalize/normalizer.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {
std::string run(const normalizer& n, std::string_view in) {
  std::string out;
  auto changed = n.apply(in, out);
  EXPECT_TRUE(changed.has_value());
  return changed.has_value() && *changed ? out : std::string(in);
}
normalizer nf(normalize::unicode_form f, std::string_view version = {}) {
  return normalizer({normalize::unicode_normal_form::make(f, version).value_or_throw()});
}
}  // namespace

TEST(Normalizer, NfcComposesAndReportsNoChange) {
  const auto n = nf(normalize::unicode_form::nfc);
  EXPECT_EQ(run(n, "e\xCC\x81"), "\xC3\xA9");  // e + U+0301 -> é
  std::string out;
  EXPECT_FALSE(*n.apply("already composed \xC3\xA9", out));
}

TEST(Normalizer, NfkcFoldsCompatibilityCharacters) {
  const auto n = nf(normalize::unicode_form::nfkc);
  EXPECT_EQ(run(n, "\xEF\xBC\xA1\xEF\xAC\x81"), "Afi");  // fullwidth A, ligature fi
}

// HF tokenizers normalizes with Unicode 9.0 data: a mark added later (U+0EBA LAO SIGN PALI
// VIRAMA, Unicode 12.0, ccc 9) is not reordered before an older ccc-118 mark, while current
// Unicode reorders it. The reference-suite probe checks every mark against HF itself.
TEST(Normalizer, FrozenUnicodeVersionLeavesNewerMarksAlone) {
  const std::string text = "\xE0\xBA\xB8\xE0\xBA\xBA";  // U+0EB8 (ccc 118) then U+0EBA (ccc 9)
  EXPECT_EQ(run(nf(normalize::unicode_form::nfc), text), "\xE0\xBA\xBA\xE0\xBA\xB8");
  EXPECT_EQ(run(nf(normalize::unicode_form::nfc, "9.0"), text), text);
  EXPECT_FALSE(normalize::unicode_normal_form::make(normalize::unicode_form::nfc, "not-a-version").has_value());
}

TEST(Normalizer, ReplacePrependStripSequence) {
  const normalizer n({normalize::strip{true, true}, normalize::replace{" ", "\xE2\x96\x81"}, normalize::prepend{">"}});
  EXPECT_EQ(run(n, " \ta b\xE3\x80\x80"), ">a\xE2\x96\x81" "b");
  EXPECT_EQ(run(normalizer({normalize::prepend{">"}}), ""), "");  // nothing is prepended to empty text
  EXPECT_EQ(run(normalizer({normalize::lowercase{}}), "\xC3\x84" "BC"), "\xC3\xA4" "bc");
}

// is_normalized checks only the non-ASCII runs (with the ASCII character before each): it must
// agree with ICU's check of the whole text on text built to trip it -- marks that compose with
// the ASCII letter before them, marks at the start, Hangul jamo, singletons, compatibility
// characters, kana and dakuten, supplementary characters -- in every form, frozen at 9.0 or not;
// runs of "yes starter" characters are settled from a table, the rest by ICU.
TEST(Normalizer, RunByRunCheckAgreesWithWholeTextCheck) {
  const std::vector<std::string> pieces = {
      "a", "e", "A", " ", "\n", "1", "xyz",
      "\xCC\x81",          // U+0301 combining acute (composes with e, a, A)
      "\xCC\xA7",          // U+0327 combining cedilla
      "\xC3\xA9",          // é precomposed
      "\xE1\x84\x80",      // U+1100 Hangul choseong
      "\xE1\x85\xA1",      // U+1161 Hangul jungseong
      "\xE1\x86\xA8",      // U+11A8 Hangul jongseong
      "\xEA\xB0\x80",      // U+AC00 Hangul syllable
      "\xE2\x84\xA6",      // U+2126 OHM SIGN (singleton to U+03A9)
      "\xEF\xAC\x81",      // U+FB01 fi ligature (compatibility)
      "\xE0\xAD\x87",      // U+0B47 Oriya vowel sign E
      "\xE0\xAC\xBE",      // U+0B3E Oriya vowel sign AA (composes after U+0B47)
      "\xE0\xBA\xB8", "\xE0\xBA\xBA",  // U+0EB8 (ccc 118), U+0EBA (Unicode 12, ccc 9)
      "\xE4\xB8\xAD",      // 中
      "\xE3\x81\x8B",      // U+304B か (composes with a following dakuten)
      "\xE3\x82\x99",      // U+3099 combining dakuten (ccc 8)
      "\xE3\x81\x8C",      // U+304C が precomposed
      "\xE2\x84\xAB",      // U+212B ANGSTROM SIGN (singleton to U+00C5)
      "\xCD\x80",          // U+0340 combining grave tone mark (singleton to U+0300)
      "\xF0\x9F\x98\x80",  // U+1F600 (supplementary: always left to ICU)
      "\xF0\xAF\xA0\x80",  // U+2F800 CJK compatibility ideograph (singleton)
  };
  std::mt19937 rng(20261205);
  for (const auto form : {normalize::unicode_form::nfc, normalize::unicode_form::nfd, normalize::unicode_form::nfkc,
                          normalize::unicode_form::nfkd}) {
    for (const std::string_view version : {std::string_view{}, std::string_view{"9.0"}}) {
      const auto f = normalize::unicode_normal_form::make(form, version).value_or_throw();
      int disagreements = 0, unnormalized = 0;
      for (int round = 0; round < 3000; ++round) {
        std::string text;
        const int len = static_cast<int>(rng() % 8);
        for (int k = 0; k < len; ++k) text += pieces[rng() % pieces.size()];
        UErrorCode status = U_ZERO_ERROR;
        const bool whole = f.normalizer2().isNormalizedUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), status);
        ASSERT_TRUE(U_SUCCESS(status));
        const auto runs = f.is_normalized(text);
        ASSERT_TRUE(runs.has_value());
        if (*runs != whole) ++disagreements;
        if (!whole) ++unnormalized;
      }
      EXPECT_EQ(disagreements, 0) << "form " << static_cast<int>(form) << " version '" << version << "'";
      EXPECT_GT(unnormalized, 300);  // the text does exercise both answers
    }
  }
  // The ASCII letter before a mark belongs to its run: "xe" + U+0301 composes.
  const auto nfc = normalize::unicode_normal_form::make(normalize::unicode_form::nfc).value_or_throw();
  EXPECT_FALSE(*nfc.is_normalized("xe\xCC\x81"));
  EXPECT_TRUE(*nfc.is_normalized("x\xC3\xA9 plain ascii"));
}
