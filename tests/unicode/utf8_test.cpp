#include <tokenmeter/unicode/utf8.hpp>

#include <gtest/gtest.h>

using namespace tokenmeter;

TEST(Utf8, ValidTextIsValid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x8A"));
  EXPECT_TRUE(is_valid_utf8(std::string_view("nul\0inside", 10)));
}

TEST(Utf8, FindsFirstIllFormedOffset) {
  EXPECT_EQ(find_invalid_utf8("abc\x80"), 3u);
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);          // overlong
  EXPECT_EQ(find_invalid_utf8("ok \xED\xA0\x80"), 3u);   // encoded surrogate (CESU-8)
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("12345678\xE4\xB8"), 8u);  // truncated at the end
  EXPECT_EQ(find_invalid_utf8("\xF8\x88\x80\x80\x80"), 0u);
}

// One U+FFFD per maximal subpart (Unicode 3.9, as WHATWG / Node): the reference tool reads files
// this way, so --invalid-utf8 replace reproduces what it tokenizes.
TEST(Utf8, ReplacesMaximalSubparts) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(replace_invalid_utf8("a\xE4\xB8" "b"), "a" + fffd + "b");          // truncated 3-byte: one
  EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80"), fffd + fffd + fffd);           // surrogate: three
  EXPECT_EQ(replace_invalid_utf8("\xC0\xAF"), fffd + fffd);                      // overlong: two
  EXPECT_EQ(replace_invalid_utf8("\xF0\x9F\x98"), fffd);                         // truncated 4-byte: one
  EXPECT_EQ(replace_invalid_utf8("x\x80\x81y"), "x" + fffd + fffd + "y");        // lone continuations
  EXPECT_EQ(replace_invalid_utf8("\xE0\x0A"), fffd + "\n");                      // never swallows a newline
  const std::string valid = "already valid \xE2\x82\xAC";
  EXPECT_EQ(replace_invalid_utf8(valid), valid);
}

TEST(Utf8, BoundaryBefore) {
  const std::string s = "a\xE4\xB8\xAD" "b";
  EXPECT_EQ(utf8_boundary_before(s, 2), 1u);
  EXPECT_EQ(utf8_boundary_before(s, 4), 4u);
  EXPECT_EQ(utf8_boundary_before(s, 100), s.size());
}
