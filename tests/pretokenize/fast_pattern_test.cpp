// The fast split engine against the ICU oracle, match for match, on random and adversarial text
// for every pattern our families use (plus constructs none of them use yet).
#include <tokenmeter/pretokenize/regex.hpp>
#include <tokenmeter/vocab/load.hpp>

#include "random_text.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace tokenmeter;

namespace {

using spans = std::vector<std::pair<std::size_t, std::size_t>>;

spans fast_spans(const split_regex& re, std::string_view text) {
  spans out;
  EXPECT_TRUE(re.for_each_match(text, [&](std::size_t s, std::size_t e) { out.emplace_back(s, e); }).has_value());
  return out;
}
spans generic_spans(const split_regex& re, std::string_view text) {
  spans out;
  if (auto g = re.generic_engine()) g->for_each_match(text, [&](std::size_t s, std::size_t e) { out.emplace_back(s, e); });
  return out;
}
spans oracle_spans(const split_regex& re, std::string_view text) {
  spans out;
  EXPECT_TRUE(re.for_each_match_oracle(text, [&](std::size_t s, std::size_t e) { out.emplace_back(s, e); }).has_value());
  return out;
}

std::vector<std::string> known_patterns() {
  std::vector<std::string> pats;
  for (const auto& [id, fam] : manifest::embedded().families())
    if (!fam.pattern.empty()) pats.push_back(fam.pattern);
  // Every Split regex of the fetched tokenizer.json / tiktoken JSON files.
  for (const char* family : {"o200k_base", "cl100k_base", "o200k_harmony", "deepseek-v3", "qwen3", "llama3", "claude-legacy"}) {
    auto tok = load_family(family);
    if (!tok) {
      std::string why;
      if (tokenmeter_test::skippable_load_error(tok.error_value(), family, why))
        std::printf("[   NOTE   ] %s: its split patterns are not checked\n", why.c_str());
      continue;
    }
    for (const auto& step : (*tok)->pre_tokenizer().steps()) {
      if (const auto* s = std::get_if<pretokenize::split>(&step))
        if (const auto* re = std::get_if<split_regex>(&s->pattern)) pats.push_back(re->source());
      if (const auto* m = std::get_if<pretokenize::matches_only>(&step)) pats.push_back(m->regex.source());
      if (const auto* b = std::get_if<pretokenize::byte_level>(&step))
        if (const auto* re = std::get_if<split_regex>(&b->regex)) pats.push_back(re->source());
    }
  }
  // Forms and constructs no shipped family uses yet.
  pats.push_back(R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s*[\r\n]|\s+(?!\S)|\s)");
  pats.push_back(std::string(pretokenize::gpt2_pattern));
  pats.push_back(R"([\p{L}--\p{Lu}]{2,4}|\p{Lu}?\p{Ll}*|[0-9a-f]{2}|\d+|[^\p{Han}\s&&\P{N}]+|\s)");
  pats.push_back(R"(\p{Han}+|\P{Han}{1,5}(?!\p{Han}))");
  // An alternative that reads far past the match that wins (a run of letters, then no digit).
  pats.push_back(R"(\p{L}+[0-9]|\p{L}|\s+(?!\S)|\s)");
  // A group right after a class: at the end of a stream's known text, "'" may still become "'s".
  pats.push_back(R"('(?:s|t)|'|\s)");
  // One class repeated (the engine's run path), with a minimum above one.
  pats.push_back(R"(\p{L}{2,4})");
  pats.push_back(R"([0-9a-fα-ω一-龥]{3}+)");
  return pats;
}

}  // namespace

TEST(FastPattern, EveryFamilyPatternUsesTheFastEngine) {
  for (const auto& [id, fam] : manifest::embedded().families())
    if (!fam.pattern.empty()) {
      EXPECT_TRUE(split_regex::compile(fam.pattern).value_or_throw().has_fast_engine()) << id;
    }
  EXPECT_TRUE(split_regex::compile(pretokenize::gpt2_pattern).value_or_throw().has_fast_engine());
}

TEST(FastPattern, RejectsWhatItCannotDoExactly) {
  for (const char* p : {R"(^\s+)", R"(\w+)", R"(a+?)", R"((?<=a)b)", R"(\bword)", R"((ab)+)", R"(a*)", R"(.)"}) {
    EXPECT_FALSE(pretokenize::fast_pattern::compile(p).has_value()) << p;
    EXPECT_FALSE(split_regex::compile(p).value_or_throw().has_fast_engine()) << p;  // ICU serves these
  }
}

TEST(FastPattern, MatchesOracleOnRandomText) {
  std::mt19937 rng(20261123);
  const auto pats = known_patterns();
  ASSERT_GE(pats.size(), 6u);
  for (const std::string& p : pats) {
    const auto re = split_regex::compile(p).value_or_throw();
    if (!re.has_fast_engine()) continue;
    for (int k = 0; k < 3000; ++k) {
      const std::string text = tokenmeter_test::random_text(rng, 40);
      const auto want = oracle_spans(re, text);
      ASSERT_EQ(fast_spans(re, text), want) << "pattern " << p << "\ntext " << text;
      if (re.has_shape_scanner()) {
        ASSERT_EQ(generic_spans(re, text), want) << "generic engine, pattern " << p << "\ntext " << text;
      }
    }
  }
}

TEST(FastPattern, MatchesOracleOnLongRuns) {
  const auto pats = known_patterns();
  std::vector<std::string> texts;
  for (char32_t c : {U'a', U'A', U' ', U'\n', U'9', U'!', U'\'', U'\x4E2D', U'\x0301', U'\x02B0', U'\x3000'}) {
    std::string run;
    for (int i = 0; i < 5000; ++i) append_utf8(run, c);
    texts.push_back(run);
    texts.push_back(run + "x");
    texts.push_back("x" + run + "\n");
  }
  std::string mixed;
  for (int i = 0; i < 2000; ++i) mixed += (i % 7 ? " " : "\t");
  texts.push_back(mixed + "word");
  for (const std::string& p : pats) {
    const auto re = split_regex::compile(p).value_or_throw();
    if (!re.has_fast_engine()) continue;
    for (const auto& t : texts) {
      const auto want = oracle_spans(re, t);
      ASSERT_EQ(fast_spans(re, t), want) << "pattern " << p;
      if (re.has_shape_scanner()) {
        ASSERT_EQ(generic_spans(re, t), want) << "generic engine, pattern " << p;
      }
    }
  }
}

// Classes that hold part of a Unicode kind are resolved per 64-code-point block where they
// hold all or none of it: texts drawn from windows around blocks the classes hold in part
// (U+9FA5 ends DeepSeek's CJK range mid-block) and in whole.
TEST(FastPattern, MatchesOracleAroundPartlyHeldBlocks) {
  std::mt19937 rng(1205);
  const std::vector<std::pair<char32_t, char32_t>> windows = {
      {0x9F70, 0x9FD0}, {0x4DF0, 0x4E10}, {0x3030, 0x3110}, {0x0370, 0x0400}, {0xFF00, 0xFF70}};
  for (const char* p : {R"([一-龥぀-ゟ゠-ヿ]+)", R"(\p{N}{1,3})", R"([一-龥]{2,3}|[α-ω]+|\p{L})", R"([ͱ-ϻ぀-ゖ]+|\s)"}) {
    const auto re = split_regex::compile(p).value_or_throw();
    ASSERT_TRUE(re.has_fast_engine()) << p;
    for (int k = 0; k < 2000; ++k) {
      const auto& [lo, hi] = windows[static_cast<std::size_t>(k) % windows.size()];
      std::uniform_int_distribution<std::uint32_t> cp(lo, hi), len(1, 30);
      std::string text;
      for (std::uint32_t i = len(rng); i > 0; --i) append_utf8(text, rng() % 5 == 0 ? U' ' : static_cast<char32_t>(cp(rng)));
      ASSERT_EQ(fast_spans(re, text), oracle_spans(re, text)) << "pattern " << p << "\ntext " << text;
    }
  }
}

// Runs of one character class, 1..70 long, so the scanners' SIMD continuation (after 16 ASCII
// characters) starts and stops at every offset within and across vector blocks.
TEST(FastPattern, MatchesOracleAcrossSimdRuns) {
  std::mt19937 rng(1123);
  const std::vector<std::vector<char32_t>> classes = {
      {U'a', U'q', U'z'}, {U'A', U'Q', U'Z'}, {U'0', U'7'}, {U' '}, {U'\n', U'\r'}, {U'.', U'-', U'\''},
      {0x00E9, 0x0301}, {0x4E2D, 0x3042}, {U'\t', 0x00A0}};
  std::uniform_int_distribution<std::size_t> pick_class(0, classes.size() - 1), run_len(1, 70);
  std::vector<std::string> texts;
  for (int k = 0; k < 300; ++k) {
    std::string t;
    for (int r = 0; r < 6; ++r) {
      const auto& cls = classes[pick_class(rng)];
      std::uniform_int_distribution<std::size_t> pick(0, cls.size() - 1);
      for (std::size_t i = run_len(rng); i > 0; --i) append_utf8(t, cls[pick(rng)]);
    }
    texts.push_back(t);
  }
  for (const std::string& p : known_patterns()) {
    const auto re = split_regex::compile(p).value_or_throw();
    if (!re.has_fast_engine()) continue;
    for (const auto& t : texts) ASSERT_EQ(fast_spans(re, t), oracle_spans(re, t)) << "pattern " << p << "\ntext " << t;
  }
}

TEST(FastPattern, ShippedPatternsGetHandWrittenScanners) {
  for (const char* f : {"kimi-k2", "glm-5", "minimax-m2"})
    EXPECT_TRUE(split_regex::compile(manifest::embedded().family(f)->pattern).value_or_throw().has_shape_scanner()) << f;
  EXPECT_TRUE(split_regex::compile(pretokenize::gpt2_pattern).value_or_throw().has_shape_scanner());
  // DeepSeek's word step (its last Split) comes from the fetched tokenizer.json.
  auto deepseek = load_family("deepseek-v3");
  std::string why;
  if (!deepseek && tokenmeter_test::skippable_load_error(deepseek.error_value(), "deepseek-v3", why)) GTEST_SKIP() << why;
  ASSERT_TRUE(deepseek.has_value()) << deepseek.error_value().message;
  const split_regex* last = nullptr;
  for (const auto& step : (*deepseek)->pre_tokenizer().steps())
    if (const auto* s = std::get_if<pretokenize::split>(&step)) last = std::get_if<split_regex>(&s->pattern);
  ASSERT_NE(last, nullptr);
  EXPECT_TRUE(last->has_shape_scanner()) << last->source();
}

TEST(FastPattern, MatchesOracleOnCorpus) {
  const auto pats = known_patterns();
  std::vector<std::string> texts;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text"))
    texts.push_back(tokenmeter_test::read_text(e.path().string()));
  for (const std::string& p : pats) {
    const auto re = split_regex::compile(p).value_or_throw();
    if (!re.has_fast_engine()) continue;
    for (const auto& t : texts) ASSERT_EQ(fast_spans(re, t), oracle_spans(re, t)) << "pattern " << p;
  }
}

// A search over a text's known start (the stream counter's cut rule): the fast engine's settled
// and open positions equal ICU's hitEnd answer, and they hold: whatever follows, the matches
// that end by `settled` stay, and no match starts in [settled, open).
TEST(FastPattern, SettledMatchesAgreeWithOracleAndHoldForAnyContinuation) {
  std::mt19937 rng(20261207);
  std::size_t settled_inside = 0, open_inside = 0;
  for (const std::string& p : known_patterns()) {
    const auto re = split_regex::compile(p).value_or_throw();
    const auto g = re.generic_engine();
    if (!g) continue;
    for (int k = 0; k < 1500; ++k) {
      std::string text = tokenmeter_test::random_text(rng, 30);
      if (k % 10 == 0) text += std::string(1 + k % 7, k % 20 == 0 ? 'a' : ' ');  // ends in a run
      const auto fast = g->settled_matches(text);
      const auto want = re.settled_matches_oracle(text).value_or_throw();
      ASSERT_EQ(fast.settled, want.settled) << "pattern " << p << "\ntext " << text;
      ASSERT_EQ(fast.open, want.open) << "pattern " << p << "\ntext " << text;
      ASSERT_LE(fast.settled, fast.open);
      settled_inside += fast.settled > 0 && fast.settled < text.size();
      open_inside += fast.open < text.size();
      spans kept;
      for (const auto& sp : oracle_spans(re, text))
        if (sp.second <= fast.settled) kept.push_back(sp);
      for (int c = 0; c < 3; ++c) {
        const std::string whole = text + tokenmeter_test::random_text(rng, 8);
        spans prefix;
        for (const auto& sp : oracle_spans(re, whole)) {
          if (sp.second <= fast.settled) prefix.push_back(sp);
          ASSERT_FALSE(sp.first >= fast.settled && sp.first < fast.open && sp.first < text.size())
              << "a match starts in the settled gap; pattern " << p << "\ntext " << whole;
        }
        ASSERT_EQ(prefix, kept) << "a settled match changed; pattern " << p << "\ntext " << whole;
      }
    }
  }
  // Not vacuous: texts whose settled part and open part are both proper.
  EXPECT_GT(settled_inside, 1000u);
  EXPECT_GT(open_inside, 1000u);
}

// The stream's search: the matches of the final region come from the pattern's fastest matcher
// (the shape scanner where there is one), searching the region's prefix alone; the tracked
// engine runs from the last of them. If the bound let through an attempt that reads the end (of
// the text or of the prefix), the whole tracked search would differ from the resumed one, so
// equality with it checks the bound.
TEST(FastPattern, SettledMatchesResumedAtTheReachBoundEqualTheWholeSearch) {
  std::mt19937 rng(20261208);
  std::vector<std::string> corpus;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text"))
    corpus.push_back(tokenmeter_test::read_text(e.path().string()));
  std::size_t resumed = 0, texts = 0;
  for (const std::string& p : known_patterns()) {
    const auto re = split_regex::compile(p).value_or_throw();
    const auto g = re.generic_engine();
    if (!g) continue;
    const auto search = [&](std::string_view t, auto&& f) { ASSERT_TRUE(re.for_each_match(t, f).has_value()); };
    for (int k = 0; k < 1500; ++k) {
      std::string text;
      if (k % 3 == 2 && !corpus.empty()) {
        // a prefix of a real text, cut anywhere on a character boundary
        const std::string& c = corpus[static_cast<std::size_t>(k) % corpus.size()];
        std::size_t cut = std::uniform_int_distribution<std::size_t>(0, c.size())(rng);
        while (cut < c.size() && (static_cast<unsigned char>(c[cut]) & 0xC0) == 0x80) ++cut;
        text = c.substr(0, cut);
      } else {
        text = tokenmeter_test::random_text(rng, k % 3 == 0 ? 30 : 300);
        if (k % 10 == 0) text += std::string(1 + k % 7, k % 20 == 0 ? 'a' : ' ');
      }
      const auto whole = g->settled_matches(text);
      const auto resumed_search = g->settled_matches_with(text, search);
      ASSERT_EQ(resumed_search.settled, whole.settled) << "pattern " << p << "\ntext " << text;
      ASSERT_EQ(resumed_search.open, whole.open) << "pattern " << p << "\ntext " << text;
      ++texts;
      // The region itself: the matches of its prefix searched alone that end before its bound
      // are the matches of the text, and of the text followed by anything, that end there (the
      // stream merges them as pieces, so comparing settled/open alone would not see a change).
      const auto region = g->final_region_of(text);
      resumed += region.bound > 0;
      const auto before_bound = [&](const spans& all) {
        spans out;
        for (const auto& sp : all)
          if (sp.second < region.bound) out.push_back(sp);
        return out;
      };
      const spans alone = before_bound(fast_spans(re, std::string_view(text).substr(0, region.searched)));
      ASSERT_EQ(alone, before_bound(fast_spans(re, text))) << "pattern " << p << "\ntext " << text;
      ASSERT_EQ(alone, before_bound(fast_spans(re, text + tokenmeter_test::random_text(rng, 8))))
          << "pattern " << p << "\ntext " << text;
    }
  }
  // Not vacuous: most searches skipped a proper prefix.
  EXPECT_GT(resumed, texts / 2);
}
