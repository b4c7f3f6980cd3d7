// Starting a part's merge from characters (bpe/char_starts.hpp): wherever the start table gives a
// part's character symbols and no boundary inside the part may hold a fragment token, merging
// from those symbols equals the merge loop from bytes, id for id. Checked on random vocabularies
// in training order (where most characters qualify) and in random order (where the table must
// refuse the characters whose merges would come out differently), and on every byte-level family.
#include <tokenmeter/bpe/char_cuts.hpp>
#include <tokenmeter/bpe/char_starts.hpp>
#include <tokenmeter/bpe/model.hpp>

#include "bpe_test_support.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace tokenmeter;
using tokenmeter_test::ids_of;
using tokenmeter_test::model_of;
using tokenmeter_test::ranked_model;

namespace {

const std::vector<std::string> chars = {"a", " ", "\xC3\xA9", "\xC3\xA8", "\xE4\xB8\xAD", "\xE4\xB8\x8A", "\xE6\x96\x87",
                                        "\xE5\xAD\x97", "\xE3\x81\xAE", "\xF0\x9F\x98\x80"};

std::string random_text(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<std::size_t> pick(0, chars.size() - 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += chars[pick(rng)];
  return s;
}

// Does the part qualify for character symbols? merge_between_cuts' decision, given the
// fragment flag its walk over the boundaries would have set.
bool starts_from_chars(const bpe_model& m, std::string_view part, std::vector<bpe_symbol>& syms) {
  const char_cut_table* cuts = m.cut_table();
  const char_start_table* starts = m.start_table();
  if (cuts == nullptr || starts == nullptr) return false;
  bool fragment = false;
  for (std::size_t b = 1, prev = 0; b < part.size(); ++b) {
    if (char_cut_table::continuation(part[b])) continue;
    fragment = fragment || cuts->classify(part, prev, b) == char_cut_table::boundary::fragment;
    prev = b;
  }
  return starts->start_symbols(part, fragment, syms);
}

// Every character in `usable` starts as its token; the boundary inside `allowed` passes the
// fragment test, the one inside `refused` does not.
void expect_start_decisions(const bpe_model& m, const std::vector<std::string>& usable, const std::string& allowed,
                            const std::string& refused) {
  const char_start_table* starts = m.start_table();
  ASSERT_NE(starts, nullptr);
  std::vector<bpe_symbol> syms;
  for (const std::string& c : usable) EXPECT_TRUE(starts->symbols(c, syms)) << c << " usable";
  EXPECT_TRUE(starts->no_harmful_fragments(allowed)) << allowed;
  EXPECT_FALSE(starts->no_harmful_fragments(refused)) << refused;
}

// merge() (character starts where the table allows) equals the merge loop on each text.
void expect_merge_equals_loop(const bpe_model& m, const std::vector<std::string>& texts) {
  bpe_workspace ws;
  for (const std::string& text : texts) {
    std::vector<bpe_symbol> got, loop;
    m.merge(text, ws, got);
    m.merge_loop(text, ws, loop);
    EXPECT_EQ(ids_of(got), ids_of(loop)) << text;
  }
}

// Random tokens: every character's two-byte prefix and the character (so most characters can
// form), words of 2-4 characters, and fragments that start or end inside characters.
std::vector<std::string> random_tokens(std::mt19937& rng, std::size_t words, std::size_t fragments) {
  std::set<std::string> seen;
  std::vector<std::string> toks;
  const auto add = [&](const std::string& t) {
    if (t.size() > 1 && seen.insert(t).second) toks.push_back(t);
  };
  std::bernoulli_distribution coin(0.8);
  for (const std::string& c : chars) {
    if (c.size() < 2 || !coin(rng)) continue;
    add(c.substr(0, 2));
    add(c);
    if (c.size() == 4) add(c.substr(0, 3));
  }
  std::uniform_int_distribution<std::size_t> n_chars(2, 4);
  for (std::size_t i = 0; i < words; ++i) add(random_text(rng, n_chars(rng)));
  for (std::size_t i = 0; i < fragments; ++i) {
    const std::string t = random_text(rng, 2);
    std::uniform_int_distribution<std::size_t> from(0, t.size() - 2);
    const std::size_t a = from(rng);
    std::uniform_int_distribution<std::size_t> len(2, t.size() - a);
    add(t.substr(a, len(rng)));
  }
  return toks;
}

}  // namespace

TEST(CharStarts, MergingFromCharactersEqualsMergingFromBytes) {
  std::mt19937 rng(2026);
  std::size_t started[2] = {0, 0}, refused_usable = 0;
  for (int round = 0; round < 60; ++round) {
    const bool training_order = round % 2 == 0;
    const bpe_model m = model_of(rng, random_tokens(rng, 10 + static_cast<std::size_t>(round), static_cast<std::size_t>(round % 7)),
                                 training_order);
    ASSERT_NE(m.start_table(), nullptr);
    bpe_workspace ws;
    std::vector<bpe_symbol> loop, syms;
    std::uniform_int_distribution<std::size_t> len(2, 6);
    for (int k = 0; k < 300; ++k) {
      const std::string part = random_text(rng, len(rng));
      if (!starts_from_chars(m, part, syms)) continue;
      ++started[training_order ? 0 : 1];
      m.merge_symbols(part, ws, syms);
      m.merge_loop(part, ws, loop);
      ASSERT_EQ(ids_of(syms), ids_of(loop)) << "round " << round << ", part " << part;
    }
    refused_usable += m.start_table()->usable_characters() < 6 ? 1 : 0;
  }
  // Both kinds of vocabulary exercised the path, and random order made the table refuse some.
  EXPECT_GT(started[0], 1000u);
  EXPECT_GT(started[1], 100u);
  EXPECT_GT(refused_usable, 0u);
}

// Mixed starts: where a part is refused as a whole, mixed_symbols starts some characters whole
// and the rest as bytes; merging from those symbols must equal the merge loop from bytes. Random
// vocabularies with many fragment tokens (in random order most rank below the characters they
// cut into), asked with the part's real fragment flag and with `true` (always allowed: stricter).
TEST(CharStarts, MixedStartsEqualMergingFromBytes) {
  std::mt19937 rng(2027);
  std::size_t mixed = 0;  // starts holding both a whole multi-byte character and bytes of another
  for (int round = 0; round < 200; ++round) {
    const bool training_order = round % 2 == 0;
    // Plus some characters' two-byte suffixes, so their bytes may merge from the end first.
    std::vector<std::string> toks = random_tokens(rng, 10 + static_cast<std::size_t>(round % 30), 4 + static_cast<std::size_t>(round % 40));
    for (const std::string& c : chars)
      if (c.size() == 3 && rng() % 2 == 0 && std::find(toks.begin(), toks.end(), c.substr(1)) == toks.end())
        toks.push_back(c.substr(1));
    const bpe_model m = model_of(rng, toks, training_order);
    const char_cut_table* cuts = m.cut_table();
    const char_start_table* starts = m.start_table();
    ASSERT_NE(cuts, nullptr);
    ASSERT_NE(starts, nullptr);
    bpe_workspace ws;
    std::vector<bpe_symbol> loop, syms;
    std::uniform_int_distribution<std::size_t> len(2, 10);
    for (int k = 0; k < 200; ++k) {
      const std::string part = random_text(rng, len(rng));
      bool fragment = false;
      for (std::size_t b = 1, prev = 0; b < part.size(); ++b) {
        if (char_cut_table::continuation(part[b])) continue;
        fragment = fragment || cuts->classify(part, prev, b) == char_cut_table::boundary::fragment;
        prev = b;
      }
      m.merge_loop(part, ws, loop);
      for (const bool flag : {fragment, true}) {
        if (!starts->mixed_symbols(part, flag, syms)) continue;
        bool whole = false, bytes = false;
        for (const bpe_symbol& s : syms) {
          whole = whole || s.end - s.start > 1;
          bytes = bytes || (static_cast<unsigned char>(part[s.start]) >= 0x80 && s.end - s.start == 1);
        }
        mixed += whole && bytes ? 1 : 0;
        m.merge_symbols(part, ws, syms);
        ASSERT_EQ(ids_of(syms), ids_of(loop)) << "round " << round << ", part " << part << ", fragment " << flag;
      }
    }
  }
  std::printf("mixed starts: %zu\n", mixed);
  EXPECT_GT(mixed, 2000u) << "mixed starts were hardly exercised";
}

// Condition (c'): a rule with 文 whole on one side and a piece of 中 on the other ranks below
// 文's own merges. Where 中 starts from bytes, a whole 文 would take that rule before 中's bytes
// merge as they do from bytes, so 文 may not start whole in a mixed part. Once as the suffix of
// the rule's token (中's last byte + 文, against B8 + AD), once as its prefix (文 + 中's lead
// byte, against E4 + B8).
TEST(CharStarts, MixedStartsKeepCharactersARuleWithAPieceRanksBelow) {
  const std::string zhong = "\xE4\xB8\xAD", wen = "\xE6\x96\x87";
  const bpe_model suffix = ranked_model({wen.substr(0, 2), "\xAD" + wen, zhong.substr(1), wen, zhong});
  const bpe_model prefix = ranked_model({wen.substr(0, 2), wen + "\xE4", zhong.substr(0, 2), wen, zhong});
  std::vector<bpe_symbol> syms;
  const std::vector<std::pair<const bpe_model*, std::string>> cases = {{&suffix, zhong + wen}, {&prefix, wen + zhong}};
  for (const auto& [m, part] : cases) {
    ASSERT_NE(m->start_table(), nullptr);
    EXPECT_TRUE(m->start_table()->symbols(wen, syms)) << "文 starts whole where every character does";
    // 中 must start from bytes (the rule ranks below its own merges, condition (a')), so 文 too.
    EXPECT_FALSE(m->start_table()->mixed_symbols(part, true, syms)) << part;
    // From bytes both characters complete first: a whole 文 would have given 中's byte + 文.
    bpe_workspace ws;
    std::vector<bpe_symbol> loop;
    m->merge_loop(part, ws, loop);
    EXPECT_EQ(loop.size(), 2u) << part;
    expect_merge_equals_loop(*m, {part + part, wen + part + zhong, part + wen + zhong + part});
  }
}

// A character whose token ranks below a word holding it would merge differently from bytes:
// the table must refuse it.
TEST(CharStarts, RefusesCharactersAWordRanksBelow) {
  const std::string zhong = "\xE4\xB8\xAD", wen = "\xE6\x96\x87";
  // The word ranks before its second character.
  const bpe_model m = ranked_model({zhong.substr(0, 2), wen.substr(0, 2), zhong, zhong + wen, wen});
  std::vector<bpe_symbol> syms;
  EXPECT_TRUE(m.start_table()->symbols(zhong, syms));
  EXPECT_FALSE(m.start_table()->symbols(wen, syms));
  EXPECT_FALSE(m.start_table()->symbols(zhong + wen, syms));
  // And merge() (which then keeps 文 as bytes) agrees with the merge loop.
  expect_merge_equals_loop(m, {zhong + wen + zhong + wen});
}

class CharStartsFamily : public ::testing::TestWithParam<std::string> {};

// A fragment rule (文 + the lead byte E4) ranks above 中's own merges but below 丁's: it can
// fire before 丁 completes, never before 中 does. Only the boundary 文|丁 is refused, though
// 中 and 丁 share the byte E4 (a byte-pair test alone would refuse both).
TEST(CharStarts, JudgesFragmentRulesByTheCharacterAtTheBoundary) {
  const std::string zhong = "\xE4\xB8\xAD", ding = "\xE4\xB8\x81", wen = "\xE6\x96\x87";
  const bpe_model m = ranked_model({zhong.substr(0, 2), zhong, wen.substr(0, 2), wen, wen + "\xE4", ding});
  expect_start_decisions(m, {zhong, ding, wen}, wen + zhong, wen + ding);
  expect_merge_equals_loop(m, {wen + zhong, wen + ding, wen + zhong + wen + ding, zhong + wen + wen + zhong});
}

// A fragment token (中's last byte + 文) ranks below 文's own merges. It does not make 文 start
// from bytes (condition (c) counts rules of whole characters only); where it can fire -- after
// 仭, which also ends in that byte and completes after it -- condition (a) refuses the boundary.
TEST(CharStarts, FragmentTokensHoldingACharacterAreLeftToTheBoundaryTest) {
  const std::string zhong = "\xE4\xB8\xAD", wen = "\xE6\x96\x87", ren = "\xE4\xBB\xAD";
  const bpe_model m = ranked_model({zhong.substr(0, 2), zhong, wen.substr(0, 2), "\xAD" + wen, wen, ren.substr(0, 2), ren});
  expect_start_decisions(m, {zhong, wen, ren}, zhong + wen, ren + wen);
  bpe_workspace ws;
  std::vector<bpe_symbol> loop;
  m.merge_loop(ren + wen, ws, loop);
  EXPECT_EQ(loop.size(), 2u);
  EXPECT_EQ(loop.size() == 2 ? m.vocab.bytes(loop[1].id) : "", "\xAD" + wen) << "the fragment fires after 仭";
  expect_merge_equals_loop(m, {zhong + wen, ren + wen, wen + ren + wen + zhong + wen, zhong + wen + ren + wen});
}

TEST_P(CharStartsFamily, CjkPartsFromCharactersEqualTheMergeLoop) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  ASSERT_NE(m.start_table(), nullptr);
  EXPECT_GT(m.start_table()->usable_characters(), 1000u);
  bpe_workspace ws;
  std::vector<bpe_symbol> loop, syms;
  // Parts of ideographs the table accepts, with a random ideograph (often refused) mixed in.
  std::vector<std::string> usable;
  for (char32_t cp = 0x4E00; cp <= 0x9FFF; ++cp) {
    std::string c;
    append_utf8(c, cp);
    if (m.start_table()->symbols(c, syms)) usable.push_back(c);
  }
  ASSERT_GT(usable.size(), 100u);
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> len(2, 8), pick(0, usable.size() - 1);
  std::bernoulli_distribution other(0.05);
  std::size_t started = 0;
  for (int k = 0; k < 3000; ++k) {
    std::string part;
    for (std::size_t n = len(rng); n > 0; --n) part += other(rng) ? tokenmeter_test::random_cjk(rng, 1) : usable[pick(rng)];
    if (!starts_from_chars(m, part, syms)) continue;
    ++started;
    m.merge_symbols(part, ws, syms);
    m.merge_loop(part, ws, loop);
    ASSERT_EQ(ids_of(syms), ids_of(loop)) << part;
  }
  EXPECT_GT(started, 300u) << "the character start was hardly exercised";
}

// Japanese, where fragment tokens sit between kana (minimax-m2 starts a quarter of its Japanese
// parts mixed): random runs of kana and kanji, and the mixed start where a run is refused whole.
TEST_P(CharStartsFamily, KanaPartsStartMixedAndEqualTheMergeLoop) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const bpe_model& m = tok->model();
  ASSERT_NE(m.start_table(), nullptr);
  std::vector<std::string> alphabet;
  for (char32_t cp = 0x3041; cp <= 0x30FA; ++cp) {  // hiragana and katakana
    std::string c;
    append_utf8(c, cp);
    alphabet.push_back(c);
  }
  for (const char* k : {"日", "本", "語", "文", "字", "東", "京", "私", "行", "見"}) alphabet.emplace_back(k);
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::size_t> len(2, 12), pick(0, alphabet.size() - 1);
  bpe_workspace ws;
  std::vector<bpe_symbol> loop, syms;
  std::size_t started = 0, mixed = 0;
  for (int k = 0; k < 4000; ++k) {
    std::string part;
    for (std::size_t n = len(rng); n > 0; --n) part += alphabet[pick(rng)];
    if (!starts_from_chars(m, part, syms)) continue;
    ++started;
    bool bytes = false;
    for (const bpe_symbol& s : syms) bytes = bytes || s.end - s.start == 1;
    mixed += bytes ? 1 : 0;
    m.merge_symbols(part, ws, syms);
    m.merge_loop(part, ws, loop);
    ASSERT_EQ(ids_of(syms), ids_of(loop)) << part;
  }
  std::printf("%s: %zu of 4000 kana parts start from characters, %zu of them mixed\n", GetParam().c_str(), started, mixed);
  EXPECT_GT(started, 1000u) << "the character start was hardly exercised";
  EXPECT_GT(mixed, 500u) << "the mixed start was hardly exercised";
}

INSTANTIATE_TEST_SUITE_P(Families, CharStartsFamily,
                         ::testing::ValuesIn(tokenmeter_test::byte_level_vocabularies()),
                         tokenmeter_test::family_param_name);

// The compiled cache stores both character tables (bpe_model::serialize_char_tables) and a model
// restored from it uses them instead of building its own: read back, they are the same bytes;
// data that does not fit the model (an id out of range, a count that disagrees, other byte
// tokens, a cut map of the wrong size, a missing table, a short read) is refused, and so is a
// restore once the model has built its tables.
TEST(CharTablesCompiled, ReadBackAsWrittenAndRefuseWhatDoesNotFit) {
  const std::string zhong = "\xE4\xB8\xAD", wen = "\xE6\x96\x87", ren = "\xE4\xBB\xAD";
  const std::vector<std::string> toks = {zhong.substr(0, 2), zhong, wen.substr(0, 2), "\xAD" + wen, wen, ren.substr(0, 2), ren, zhong + wen};
  const bpe_model m = ranked_model(toks);
  detail::binary_writer w;
  m.serialize_char_tables(w);
  const std::string data = w.data();
  ASSERT_EQ(data[0], 3) << "a byte-level model stores both tables";

  // Restores `bytes` into a new model of the same vocabulary; its tables re-serialized, or "refused".
  const auto restore = [&](std::string bytes, bool build_first = false) -> std::string {
    const auto held = std::make_shared<std::string>(std::move(bytes));
    const bpe_model fresh = ranked_model(toks);
    if (build_first) static_cast<void>(fresh.cut_table());
    detail::binary_reader r(*held);
    if (!fresh.restore_char_tables(r, held) || !r.at_end()) return "refused";
    detail::binary_writer again;
    fresh.serialize_char_tables(again);
    bpe_workspace ws;
    std::vector<bpe_symbol> a, b;
    const std::string part = zhong + wen + ren + wen + zhong;
    fresh.merge(part, ws, a);
    m.merge(part, ws, b);
    EXPECT_EQ(ids_of(a), ids_of(b));
    return again.data();
  };
  EXPECT_TRUE(restore(data) == data);
  EXPECT_EQ(restore(data, true), "refused") << "tables already built";
  EXPECT_EQ(restore(data.substr(0, data.size() - 8)), "refused") << "truncated";
  EXPECT_EQ(restore(data + std::string(8, '\0')), "refused") << "trailing bytes";

  const auto with_u32 = [&](std::size_t at, std::uint32_t v) {
    std::string d = data;
    std::memcpy(d.data() + at, &v, 4);
    return d;
  };
  // The layout's tail: the start table's ids by code point, then the count of usable ones.
  const std::size_t last_id = data.size() - 8 - 4;  // U+FFFF, not a token here
  std::uint32_t id = 0;
  std::memcpy(&id, data.data() + last_id, 4);
  ASSERT_EQ(id, no_token);
  EXPECT_EQ(restore(with_u32(last_id, static_cast<std::uint32_t>(m.vocab.id_bound()))), "refused") << "id out of range";
  EXPECT_EQ(restore(with_u32(last_id, 65)), "refused") << "more ids than the usable count";
  std::uint32_t shift = 0;
  std::memcpy(&shift, data.data() + 1, 4);
  EXPECT_EQ(restore(with_u32(1, shift - 1)), "refused") << "a cut map smaller than its shift says";
  std::string cut_only = data;
  cut_only[0] = 1;
  EXPECT_EQ(restore(cut_only), "refused") << "a byte-level model without its start table";
  // The start table's byte tokens (ids 0..255 here), found by their bytes.
  std::string byte_ids(256 * 4, '\0');
  for (std::uint32_t b = 0; b < 256; ++b) std::memcpy(byte_ids.data() + 4 * b, &b, 4);
  const std::size_t at = data.find(byte_ids);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(restore(with_u32(at + 4 * 'A', 'B')), "refused") << "other byte tokens";
}
