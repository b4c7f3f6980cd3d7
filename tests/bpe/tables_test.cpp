#include <tokenmeter/bpe/byte_level.hpp>
#include <tokenmeter/bpe/pair_table.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {
// check(table, which) on `v` as built and on its compiled-cache form restored.
template <class Check>
void check_built_and_restored(const vocab_table& v, Check&& check) {
  check(v, "built");
  detail::binary_writer w;
  v.serialize(w);
  auto bytes = std::make_shared<std::string>(std::move(w.data()));
  vocab_table restored;
  detail::binary_reader r(*bytes);
  ASSERT_TRUE(restored.deserialize(r, bytes));
  check(restored, "restored");
}
}  // namespace

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

// A slot keeps a key's length only up to 255: tokens of 255 bytes and more that share their
// first 8 bytes (and keys that are prefixes or extensions of them) are told apart by the full
// length and bytes, before and after the compiled-cache form. Ids past the slot's 24 bits are
// refused when added.
TEST(VocabTable, LongTokensSharingAPrefixAreToldApart) {
  const std::string head(8, 'x');
  std::vector<std::string> tokens = {head + std::string(247, 'b'), head};
  // Prefixes of the long tokens (same first 8 bytes, same 255 in the slot), extensions, neighbours.
  std::vector<std::string> others = {head + std::string(247, 'c'), head + std::string(248, 'b'), head.substr(1)};
  for (std::size_t n = 240; n < 1200; n += 3) {  // enough that probe runs pass tokens a key is a prefix of
    tokens.push_back(head + std::string(n, 'a'));
    others.push_back(head + std::string(n + 1, 'a'));
    others.push_back(head + std::string(n + 2, 'a'));
  }
  vocab_table v;
  for (std::size_t i = 0; i < tokens.size(); ++i) ASSERT_TRUE(v.add(static_cast<token_id>(i), tokens[i]).has_value());
  ASSERT_TRUE(v.finalize().has_value());
  const auto check = [&](const vocab_table& table, const char* which) {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      EXPECT_EQ(table.find(tokens[i]), i) << which << ", token of " << tokens[i].size() << " bytes";
      EXPECT_EQ(table.find_candidate(tokens[i]), i) << which;
    }
    for (const std::string& o : others) {
      EXPECT_EQ(table.find(o), no_token) << which << ", key of " << o.size() << " bytes";
      EXPECT_EQ(table.find_candidate(o), no_token) << which;
    }
  };
  check_built_and_restored(v, check);

  vocab_table big;
  EXPECT_EQ(big.add(vocab_table::max_token_id, "q").error_value().code, errc::out_of_range);
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

// find_candidate (the merge loop's lookup) answers like find for every key: its bit filter may
// only send a key on to find, never turn a token away. Checked on tokens, near misses (prefixes,
// extensions, concatenations: what merging asks) and random bytes, before and after the table
// goes through the compiled-cache form, where the filter is rebuilt from the slots.
TEST(VocabTable, CandidateLookupAgreesWithFind) {
  std::mt19937 rng(20261206);
  const auto random_bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 'a' + rng() % 6);  // letters repeat, as in text
    return s;
  };
  vocab_table v;
  std::vector<std::string> tokens;
  std::set<std::string> seen;
  while (tokens.size() < 6000) {
    std::string t = random_bytes(1 + rng() % 20);
    if (seen.insert(t).second) tokens.push_back(std::move(t));
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) ASSERT_TRUE(v.add(static_cast<token_id>(i), tokens[i]).has_value());
  ASSERT_TRUE(v.finalize().has_value());

  std::vector<std::string> probes;
  for (const std::string& t : tokens) {
    probes.push_back(t);
    probes.push_back(t.substr(0, t.size() - 1));
    probes.push_back(t + random_bytes(1 + rng() % 3));
    probes.push_back(t + tokens[rng() % tokens.size()]);
    probes.push_back(random_bytes(1 + rng() % 24));
  }
  const auto check = [&](const vocab_table& table, const char* which) {
    std::size_t hits = 0;
    for (const std::string& p : probes) {
      const token_id want = table.find(p);
      ASSERT_EQ(table.find_candidate(p), want) << which << ": " << p.size() << "-byte key";
      hits += want != no_token ? 1 : 0;
    }
    EXPECT_GE(hits, tokens.size()) << which;  // every token was among the probes
  };
  check_built_and_restored(v, check);
}
