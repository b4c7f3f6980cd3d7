#include <tokenmeter/bpe/byte_level.hpp>
#include <tokenmeter/bpe/pair_table.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>

#include <gtest/gtest.h>

using namespace tokenmeter;

TEST(VocabTable, FindsBytesAndRejectsDuplicates) {
  vocab_table v;
  ASSERT_TRUE(v.add(5, "hello").has_value());
  ASSERT_TRUE(v.add(7, std::string_view("\0x", 2)).has_value());
  ASSERT_TRUE(v.finalize().has_value());
  EXPECT_EQ(v.find("hello"), 5u);
  EXPECT_EQ(v.find(std::string_view("\0x", 2)), 7u);
  EXPECT_EQ(v.find("hell"), no_token);
  EXPECT_EQ(v.bytes(5), "hello");
  EXPECT_FALSE(v.contains(6));
  EXPECT_EQ(v.add(5, "other").error_value().code, errc::vocab_corrupt);  // duplicate id

  vocab_table dup;
  ASSERT_TRUE(dup.add(0, "same").has_value());
  ASSERT_TRUE(dup.add(1, "same").has_value());
  EXPECT_EQ(dup.finalize().error_value().code, errc::vocab_corrupt);  // duplicate bytes
}

TEST(PairTable, GrowsAndKeepsFirstRule) {
  pair_table t;
  for (token_id i = 0; i < 10000; ++i) t.insert(i, i + 1, {i, i + 2});
  t.insert(3, 4, {999999, 0});  // a later duplicate never wins
  EXPECT_EQ(t.size(), 10000u);
  ASSERT_NE(t.find(3, 4), nullptr);
  EXPECT_EQ(t.find(3, 4)->priority, 3u);
  EXPECT_EQ(t.find(4, 3), nullptr);
}

TEST(ByteLevel, MapIsABijection) {
  for (int b = 0; b < 256; ++b) {
    const std::string raw(1, static_cast<char>(b));
    const auto back = detail::byte_level_decode(detail::byte_level_encode(raw));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, raw);
  }
  EXPECT_EQ(detail::byte_level_encode(" "), "\xC4\xA0");  // U+0120, the 'Ġ' of byte-level vocabularies
  EXPECT_FALSE(detail::byte_level_decode("\xEF\xBD\x9C").has_value());  // fullwidth '|' is outside the map
}
