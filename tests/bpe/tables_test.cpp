#include <tokenmeter/bpe/byte_level.hpp>
#include <tokenmeter/bpe/pair_table.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
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
std::string serialized(const vocab_table& v) {
  detail::binary_writer w;
  v.serialize(w);
  return w.data();
}
// `bytes` with the 8 bytes at `at` replaced by `value`.
std::string with_u64(const std::string& bytes, std::size_t at, std::uint64_t value) {
  std::string out = bytes;
  std::memcpy(out.data() + at, &value, 8);
  return out;
}
// Whether a table restores from `bytes` (its compiled-cache form, perhaps altered).
bool restores(const std::string& bytes) {
  auto keep = std::make_shared<std::string>(bytes);
  vocab_table t;
  detail::binary_reader r(*keep);
  return t.deserialize(r, keep);
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
  EXPECT_EQ(v.add(9, "later").error_value().code, errc::invalid_argument);  // finalized: the index is built
  EXPECT_FALSE(v.contains(9));

  vocab_table dup_id;
  ASSERT_TRUE(dup_id.add(5, "hello").has_value());
  EXPECT_EQ(dup_id.add(5, "other").error_value().code, errc::vocab_corrupt);  // duplicate id

  vocab_table dup;
  ASSERT_TRUE(dup.add(0, "same").has_value());
  ASSERT_TRUE(dup.add(1, "same").has_value());
  EXPECT_EQ(dup.finalize().error_value().code, errc::vocab_corrupt);  // duplicate bytes
}

// Tokens may arrive in any id order, with gaps (a rank file need not be sorted; HF ids may skip):
// finalize lays the bytes out in id order, one offset each. Every id answers the same before
// finalize, after it, and restored from the compiled-cache form; absent ids stay absent (also
// next to empty tokens, whose offsets equal their neighbour's).
TEST(VocabTable, IdsInAnyOrderWithGapsKeepTheirBytes) {
  std::mt19937 rng(611);
  std::vector<std::pair<token_id, std::string>> tokens;
  std::set<std::string> seen;
  for (token_id id = 0; id < 3000; ++id) {
    if (id != 17 && rng() % 5 == 0) continue;  // a gap (17 is the empty token)
    std::string t = id == 17 ? std::string() : std::string(1 + rng() % 12, '\0');
    for (char& c : t) c = static_cast<char>(rng() % 256);
    if (seen.insert(t).second) tokens.emplace_back(id, std::move(t));
  }
  ASSERT_TRUE(seen.count(std::string()) == 1) << "the empty token is among them";
  std::shuffle(tokens.begin(), tokens.end(), rng);
  vocab_table v;
  for (const auto& [id, t] : tokens) ASSERT_TRUE(v.add(id, t).has_value());
  const auto check = [&](const vocab_table& table, const char* which) {
    std::vector<bool> present(3000, false);
    for (const auto& [id, t] : tokens) {
      present[id] = true;
      ASSERT_TRUE(table.contains(id)) << which << " " << id;
      ASSERT_EQ(table.bytes(id), t) << which << " " << id;
    }
    for (token_id id = 0; id < 3000; ++id)
      if (!present[id]) {
        EXPECT_FALSE(table.contains(id)) << which << " " << id;
        EXPECT_TRUE(table.bytes(id).empty()) << which << " " << id;
      }
    EXPECT_FALSE(table.contains(5000)) << which;
  };
  check(v, "before finalize");
  const std::size_t bound = v.id_bound();
  ASSERT_TRUE(v.finalize().has_value());
  EXPECT_EQ(v.id_bound(), bound);
  check_built_and_restored(v, [&](const vocab_table& table, const char* which) {
    check(table, which);
    for (const auto& [id, t] : tokens) {
      if (!t.empty()) {
        ASSERT_EQ(table.find(t), id) << which;
      }
    }
  });
}

// The compiled-cache form's offsets are checked before use: a restored table whose offsets
// decrease, do not start at 0, or do not end at the arena's end is refused (the file's checksum
// guards against corruption; this guards against a writer bug). Each token's length is also
// checked against its slot, but a slot keeps lengths only up to 255, so a decreasing offset
// after a long token (its length would wrap to ~4 GiB) is caught by the order check alone.
TEST(VocabTable, InconsistentOffsetsAreRefused) {
  vocab_table v;
  std::uint32_t arena = 0;
  for (token_id id = 0; id < 40; ++id) {
    if (id == 2 || (id > 3 && id % 7 == 3)) continue;  // absent
    const std::string t = id == 1 ? std::string(300, 'L') : id == 3 ? std::string(300, 'M') : "tok" + std::to_string(id);
    ASSERT_TRUE(v.add(id, t).has_value());
    arena += static_cast<std::uint32_t>(t.size());
  }
  ASSERT_TRUE(v.finalize().has_value());
  const std::string good = serialized(v);
  ASSERT_TRUE(restores(good));
  // The offsets follow the arena in the stream; find them by their known first values.
  constexpr std::uint32_t absent = 0x80000000u;
  const std::uint32_t first[3] = {0, 4, 304 | absent};
  std::size_t at = std::string::npos;
  for (std::size_t i = 0; i + sizeof first <= good.size() && at == std::string::npos; ++i)
    if (std::memcmp(good.data() + i, first, sizeof first) == 0) at = i;
  ASSERT_NE(at, std::string::npos);
  const auto with_offset = [&](std::size_t index, std::uint32_t value) {
    std::string bad = good;
    std::memcpy(bad.data() + at + 4 * index, &value, 4);
    return bad;
  };
  EXPECT_FALSE(restores(with_offset(0, 1)));                // does not start at 0
  EXPECT_FALSE(restores(with_offset(2, 2 | absent)));       // decreases after the long token 1
  EXPECT_FALSE(restores(with_offset(1, 9)));                // token 0's length disagrees with its slot
  EXPECT_FALSE(restores(with_offset(4, 604 | absent)));     // token 4 marked absent: its slot disagrees
  ASSERT_TRUE(restores(with_offset(40, arena)));            // (the end as written)
  EXPECT_FALSE(restores(with_offset(40, arena + 1)));       // not the arena's end
  EXPECT_FALSE(restores(with_offset(40, absent | arena)));  // a flag on the end
}

// Lookups never wrap: a key probes from its home on into a tail that must end in an empty slot.
// A restored index is refused unless every probe ends there (homes before the last slot, that
// slot empty) and it holds as many tokens as it says (which also sizes the filter).
TEST(VocabTable, IndexWhoseProbesMightNotEndIsRefused) {
  vocab_table v;
  for (token_id id = 0; id < 50; ++id) ASSERT_TRUE(v.add(id, std::to_string(id * 7919)).has_value());
  ASSERT_TRUE(v.finalize().has_value());
  const std::string good = serialized(v);
  ASSERT_TRUE(restores(good));
  // The stream ends with the slots (12 bytes each), the token count and the number of homes.
  const std::size_t count_at = good.size() - 16, homes_at = good.size() - 8, last_slot_at = count_at - 12;
  std::uint64_t count = 0, homes = 0;
  std::memcpy(&count, good.data() + count_at, 8);
  std::memcpy(&homes, good.data() + homes_at, 8);
  ASSERT_EQ(count, 50u);
  EXPECT_FALSE(restores(with_u64(good, homes_at, 0)));
  // (White-box: 50 keys fill 100 homes and the first tail, which no run of theirs outgrows.)
  ASSERT_EQ(homes, detail::table_homes_for(50));
  const std::uint64_t slots = homes + detail::table_first_tail;
  EXPECT_TRUE(restores(with_u64(good, homes_at, slots - 1)));  // (homes may reach the last slot but one)
  EXPECT_FALSE(restores(with_u64(good, homes_at, slots)));     // a home at the last slot
  EXPECT_FALSE(restores(with_u64(good, count_at, count + 1)));  // more tokens said than held
  EXPECT_FALSE(restores(with_u64(good, count_at, count - 1)));
  // A token moved into the last slot: same tokens, same count, but a probe could run off the end.
  std::string moved = good;
  const std::size_t first_slot_at = count_at - 12 * slots;
  std::size_t used_at = std::string::npos;
  for (std::size_t i = 0; i + 1 < slots && used_at == std::string::npos; ++i) {
    std::uint32_t id_len = 0;
    std::memcpy(&id_len, good.data() + first_slot_at + 12 * i + 8, 4);
    if (id_len != 0) used_at = first_slot_at + 12 * i;
  }
  ASSERT_NE(used_at, std::string::npos);
  std::memcpy(moved.data() + last_slot_at, good.data() + used_at, 12);
  std::memset(moved.data() + used_at, 0, 12);
  EXPECT_FALSE(restores(moved));
}

// Keys whose homes all fall on the last home make a run longer than the tail the index starts
// with; finalize lengthens the tail until the run ends in an empty slot, and every key is found.
// (White-box: the keys are chosen by the index's own hash and home rule, at most half full.)
TEST(VocabTable, ARunPastTheTailIsPlacedWhole) {
  constexpr std::size_t n = 100, colliding = 80;
  const std::size_t homes = detail::table_homes_for(n);
  std::vector<std::string> keys;
  for (std::uint64_t i = 0; keys.size() < colliding; ++i) {
    std::string k = std::to_string(i * 2654435761u);
    if (detail::table_home(detail::hash_bytes(k), homes) == homes - 1) keys.push_back(std::move(k));
  }
  for (std::size_t i = 0; keys.size() < n; ++i) keys.push_back(std::string(1, 'o').append(std::to_string(i)));
  vocab_table v;
  for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(v.add(static_cast<token_id>(i), keys[i]).has_value());
  ASSERT_TRUE(v.finalize().has_value());
  check_built_and_restored(v, [&](const vocab_table& table, const char* which) {
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(table.find(keys[i]), i) << which << " " << keys[i];
      EXPECT_EQ(table.find_candidate(keys[i]), i) << which << " " << keys[i];
    }
    EXPECT_EQ(table.find("absent"), no_token) << which;
  });
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

// As the vocabulary index: pairs whose homes all fall on the last home make a run longer than
// the first tail; the table lengthens its tail and keeps every rule, also restored. A restored
// table is refused unless every probe ends (homes before the last slot, that slot empty).
// (White-box: the pairs are chosen by the table's own hash of (left << 32 | right).)
TEST(PairTable, ARunPastTheTailIsPlacedWholeAndProbesMustEnd) {
  constexpr std::size_t n = 100, colliding = 80;
  const std::size_t homes = detail::table_homes_for(n);
  std::vector<std::pair<token_id, token_id>> pairs;
  for (token_id l = 1; pairs.size() < colliding; ++l)
    if (detail::table_home(detail::hash_u64(std::uint64_t{l} << 32 | 7), homes) == homes - 1) pairs.emplace_back(l, 7);
  for (token_id l = 1; pairs.size() < n; ++l) pairs.emplace_back(l, 9);
  pair_table t;
  t.reserve(n);
  for (std::size_t i = 0; i < n; ++i) t.insert(pairs[i].first, pairs[i].second, {static_cast<std::uint32_t>(i), 0});
  const auto check = [&](const pair_table& table, const char* which) {
    ASSERT_EQ(table.size(), n) << which;
    for (std::size_t i = 0; i < n; ++i) {
      const merge_rule* m = table.find(pairs[i].first, pairs[i].second);
      ASSERT_NE(m, nullptr) << which << " " << i;
      EXPECT_EQ(m->priority, i) << which;
    }
    EXPECT_EQ(table.find(7, 1), nullptr) << which;
  };
  check(t, "built");
  detail::binary_writer w;
  t.serialize(w);
  const std::string good = w.data();
  const auto restored = [](const std::string& bytes, pair_table& into) {
    auto keep = std::make_shared<std::string>(bytes);
    detail::binary_reader r(*keep);
    return into.deserialize(r, keep);
  };
  pair_table back;
  ASSERT_TRUE(restored(good, back));
  check(back, "restored");
  // The stream starts with the keys (their count, then 8 bytes each) and ends with the rule count
  // and the number of homes.
  std::uint64_t slots = 0;
  std::memcpy(&slots, good.data(), 8);
  ASSERT_GT(slots, homes + detail::table_first_tail) << "the tail was lengthened";
  pair_table scratch;
  EXPECT_TRUE(restored(with_u64(good, good.size() - 8, slots - 1), scratch));
  EXPECT_FALSE(restored(with_u64(good, good.size() - 8, slots), scratch));    // a home at the last slot
  EXPECT_FALSE(restored(with_u64(good, good.size() - 16, slots), scratch));   // more rules than homes
  EXPECT_FALSE(restored(with_u64(good, 8 + 8 * (slots - 1), 5), scratch));  // the last slot taken
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
