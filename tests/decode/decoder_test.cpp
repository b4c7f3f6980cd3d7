// decoder_table: overrides found by rank (a bit per id, counts per 64 ids), the last setting of
// an id winning, and the compiled-cache form restored only when consistent.
#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/decode/decoder.hpp>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

// The table's answers for ids [0, bound + 70) against a plain map of what was set.
void expect_matches(const decoder_table& d, const std::map<token_id, std::pair<std::string, bool>>& want, token_id bound) {
  for (token_id id = 0; id < bound + 70; ++id) {
    const auto it = want.find(id);
    ASSERT_EQ(d.contains(id), it != want.end()) << id;
    EXPECT_EQ(d.bytes(id), it != want.end() ? it->second.first : std::string{}) << id;
    EXPECT_EQ(d.is_special(id), it != want.end() && it->second.second) << id;
  }
  EXPECT_EQ(d.id_bound(), want.empty() ? 0u : want.rbegin()->first + 1);
}

decoder_table round_trip(const decoder_table& d, std::shared_ptr<std::string>& keep, bool& ok) {
  detail::binary_writer w;
  d.serialize(w);
  keep = std::make_shared<std::string>(w.data());
  decoder_table back;
  detail::binary_reader r(*keep);
  ok = back.deserialize(r, keep) && r.at_end();
  return back;
}

}  // namespace

TEST(DecoderTable, OverridesAreFoundByRankAndTheLastSettingWins) {
  std::mt19937 rng(6);
  for (const token_id bound : {1u, 63u, 64u, 65u, 200019u}) {
    decoder_table d;
    std::map<token_id, std::pair<std::string, bool>> want;
    // Sparse ids (as special tokens at the top of a vocabulary), then dense ones, some set twice.
    for (int k = 0; k < 300; ++k) {
      const token_id id = k % 3 == 0 ? bound - 1 - static_cast<token_id>(rng() % std::min<token_id>(bound, 40))
                                     : static_cast<token_id>(rng() % bound);
      std::string bytes(1, 't');  // (not "t" + ...: GCC 12 warns falsely, -Wrestrict)
      bytes += std::to_string(k);
      const bool special = rng() % 2 == 0;
      d.set(id, bytes, special);
      want[id] = {bytes, special};
    }
    d.set(bound - 1, "top", true);
    want[bound - 1] = {"top", true};
    d.finish();
    expect_matches(d, want, bound);
    // More settings after finish() override and add, as before it.
    d.set(0, "zero", false);
    want[0] = {"zero", false};
    d.finish();
    expect_matches(d, want, bound);
    std::shared_ptr<std::string> keep;
    bool ok = false;
    const decoder_table back = round_trip(d, keep, ok);
    ASSERT_TRUE(ok);
    expect_matches(back, want, bound);
  }
}

TEST(DecoderTable, AnEmptyTableHoldsNothing) {
  decoder_table d;
  d.finish();
  EXPECT_FALSE(d.contains(0));
  EXPECT_EQ(d.bytes(5), "");
  EXPECT_EQ(d.id_bound(), 0u);
  std::shared_ptr<std::string> keep;
  bool ok = false;
  const decoder_table back = round_trip(d, keep, ok);
  EXPECT_TRUE(ok);
  EXPECT_FALSE(back.contains(0));
}

// Decoding: overrides first, then the vocabulary; specials skipped on request; unknown ids fail.
TEST(DecoderTable, DecodeUsesOverridesThenTheVocabulary) {
  vocab_table v;
  ASSERT_TRUE(v.add(0, "a").has_value());
  ASSERT_TRUE(v.add(1, "b").has_value());
  ASSERT_TRUE(v.finalize().has_value());
  decoder_table d;
  d.set(1, "B", false);
  d.set(100, "<|end|>", true);
  d.finish();
  const std::vector<token_id> ids = {0, 1, 100, 0};
  EXPECT_EQ(d.decode(ids, v, false).value_or_throw(), "aB<|end|>a");
  EXPECT_EQ(d.decode(ids, v, true).value_or_throw(), "aBa");
  const std::vector<token_id> unknown = {0, 50};
  EXPECT_EQ(d.decode(unknown, v, false).error_value().code, errc::out_of_range);
}

// A cache file's table is checked before use: each kind of inconsistency is refused.
namespace {
std::shared_ptr<std::string> compiled_form(std::uint64_t bound, const std::vector<std::uint64_t>& has,
                                           const std::vector<std::uint64_t>& special, const std::vector<std::uint32_t>& ends,
                                           const std::string& arena) {
  detail::binary_writer w;
  w.put(bound);
  w.put_array(has.data(), has.size());
  w.put_array(special.data(), special.size());
  w.put_array(ends.data(), ends.size());
  w.put_array(arena.data(), arena.size());
  w.put<std::uint8_t>(0);
  return std::make_shared<std::string>(w.data());
}
bool accepted(const std::shared_ptr<std::string>& bytes) {
  decoder_table d;
  detail::binary_reader r(*bytes);
  return d.deserialize(r, bytes);
}
}  // namespace

TEST(DecoderTable, InconsistentCompiledFormsAreRefused) {
  // Id 3 -> "x" (special), id 70 -> "yy".
  decoder_table d;
  d.set(3, "x", true);
  d.set(70, "yy", false);
  d.finish();
  detail::binary_writer w;
  d.serialize(w);
  const std::vector<std::uint64_t> has = {1u << 3, 1u << 6}, special = {1u << 3, 0};
  const auto good = compiled_form(71, has, special, {1, 3}, "xyy");
  ASSERT_EQ(w.data(), *good) << "the test writes the layout serialize() writes";
  EXPECT_TRUE(accepted(good));
  EXPECT_FALSE(accepted(compiled_form(200, has, special, {1, 3}, "xyy")));                   // bound past the words
  EXPECT_FALSE(accepted(compiled_form(72, has, special, {1, 3}, "xyy")));                    // bound past the last override
  EXPECT_FALSE(accepted(compiled_form(std::uint64_t{1} << 40, has, special, {1, 3}, "xyy")));  // bound past any id
  EXPECT_FALSE(accepted(compiled_form(71, {1u << 3 | 1u, 1u << 6}, special, {1, 3}, "xyy")));  // a bit without an end
  EXPECT_FALSE(accepted(compiled_form(71, has, {1u << 3 | 1u << 5, 0}, {1, 3}, "xyy")));      // special, not overridden
  EXPECT_FALSE(accepted(compiled_form(71, {1u << 3, 1u << 6 | 1u << 7}, special, {1, 3, 3}, "xyy")));  // id 71 >= bound
  EXPECT_FALSE(accepted(compiled_form(71, has, special, {3, 1}, "xyy")));                     // ends going back
  EXPECT_FALSE(accepted(compiled_form(71, has, special, {1, 2}, "xyy")));                     // arena not all used
  EXPECT_FALSE(accepted(compiled_form(71, has, special, {1, 9}, "xyy")));                     // an end past the arena
}
