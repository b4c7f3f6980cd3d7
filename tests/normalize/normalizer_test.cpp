#include <tokenmeter/normalize/normalizer.hpp>

#include <gtest/gtest.h>

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
