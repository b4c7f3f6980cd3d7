// Streaming counter: any chunking of any text gives the one-shot count, for every family and
// both special-token modes. Expected values always come from tokenizer::count / count_up_to.
#include <tokenmeter/count/stream_counter.hpp>
#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/vocab/tiktoken_format.hpp>

#include "test_support.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using tokenmeter::encode_options;
using tokenmeter::special_tokens;
using tokenmeter::stream_counter;
using tokenmeter::stream_plan;

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text"))
    if (e.is_regular_file()) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Chunk sizes: 1-byte, small random (splits inside UTF-8 sequences and special tokens), larger random.
std::vector<std::size_t> chunking(std::size_t n, int kind, std::mt19937& rng) {
  std::vector<std::size_t> sizes;
  for (std::size_t done = 0; done < n;) {
    std::size_t k = 1;
    if (kind == 1) k = std::uniform_int_distribution<std::size_t>(1, 7)(rng);
    if (kind == 2) k = std::uniform_int_distribution<std::size_t>(1, 300)(rng);
    k = std::min(k, n - done);
    sizes.push_back(k);
    done += k;
  }
  return sizes;
}

std::size_t stream_count(const std::shared_ptr<const stream_plan>& plan, const std::string& text,
                         const std::vector<std::size_t>& sizes, std::size_t* max_buffered = nullptr) {
  stream_counter sc(plan);
  std::size_t pos = 0;
  for (const std::size_t k : sizes) {
    auto r = sc.push(std::string_view(text).substr(pos, k));
    EXPECT_TRUE(r.has_value()) << r.error_value().message;
    pos += k;
    if (max_buffered) *max_buffered = std::max(*max_buffered, sc.buffered());
  }
  auto done = sc.finish();
  EXPECT_TRUE(done.has_value());
  return done ? done->count : 0;
}

// Prose, code, Chinese and JSON, one after the other.
std::string mixed_text() {
  std::string text;
  for (const char* f : {"prose_english.txt", "code_rust.txt", "prose_chinese_simplified.txt", "data_json_pretty.txt"})
    text += tokenmeter_test::read_text(tokenmeter_test::source_dir() + "/tests/corpus/text/" + f);
  return text;
}

class stream_family : public ::testing::TestWithParam<std::string> {};

TEST_P(stream_family, random_chunkings_match_one_shot_count) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const auto files = corpus_files();
  ASSERT_FALSE(files.empty());
  std::mt19937 rng(20240601);
  for (const special_tokens mode : {special_tokens::plain, special_tokens::recognize}) {
    encode_options opt;
    opt.special = mode;
    auto plan = stream_plan::make(tok, opt);
    ASSERT_TRUE(plan.has_value()) << plan.error_value().message;
    for (const std::string& f : files) {
      const std::string text = tokenmeter_test::read_text(f);
      auto expected = tok->count(text, opt);
      ASSERT_TRUE(expected.has_value()) << f;
      for (int kind = 0; kind < 3; ++kind) {
        const auto sizes = chunking(text.size(), kind, rng);
        EXPECT_EQ(stream_count(*plan, text, sizes), *expected)
            << GetParam() << " " << f << " chunking " << kind << " special " << static_cast<int>(mode);
      }
    }
  }
}

// Texts built to stress the cut rules: whitespace runs before letters/digits (\s+(?!\S)), long
// capital runs that a later lowercase letter extends, special tokens split across chunks,
// combining marks after a chunk boundary, digit runs ({1,3} groups), markers without spaces.
TEST_P(stream_family, adversarial_texts_match_one_shot_count) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  std::vector<std::string> texts = {
      std::string(3000, ' ') + "x" + std::string(2000, ' ') + "7",
      std::string(4000, 'A') + "bc " + std::string(1500, 'Q') + "'S",
      "word  \n\n  " + std::string(900, '\t') + "1234567890123 " + std::string(700, '9') + "x",
      "e\xCC\x81\xCC\x81 A\xCC\x8A \xE1\x84\x80\xE1\x85\xA1 \xEF\xAC\x81 \xE2\x84\xAB \xE3\x8C\x80 " "\xEF\xBD\xA1",
      "<|endoftext|>hi<|im_start|>user\n<think>x</think><|fim_prefix|><start_of_turn>model\n<|endoftext|",
      std::string(5000, 'z'),
      "\xE2\x96\x81\xE2\x96\x81 a\xE2\x96\x81" "b  \xE2\x96\x81",
  };
  std::string mixed;
  for (int i = 0; i < 400; ++i) mixed += (i % 7 == 0 ? "<|endoftext|>" : i % 5 == 0 ? " \xC3\xA9t\xC3\xA9 " : "ab  1 ");
  texts.push_back(mixed);
  std::string marks;
  for (int i = 0; i < 600; ++i) marks += i % 3 ? "a\xCC\x80" : "\xCC\xA3";
  texts.push_back(marks);
  std::mt19937 rng(7);
  for (const special_tokens mode : {special_tokens::plain, special_tokens::recognize}) {
    encode_options opt;
    opt.special = mode;
    auto plan = stream_plan::make(tok, opt);
    ASSERT_TRUE(plan.has_value());
    for (std::size_t t = 0; t < texts.size(); ++t) {
      auto expected = tok->count(texts[t], opt);
      ASSERT_TRUE(expected.has_value());
      for (int kind = 0; kind < 3; ++kind)
        EXPECT_EQ(stream_count(*plan, texts[t], chunking(texts[t].size(), kind, rng)), *expected)
            << GetParam() << " text " << t << " chunking " << kind;
    }
  }
}

// The first push is processed at once, so streaming a text in two chunks, [0, i) and [i, n),
// asks the cut rule about the known text [0, i) for every i: constructs whose pieces change with
// what follows, at every position (a contraction's apostrophe, a capital run before lowercase,
// whitespace before a word, digit groups, CRLF runs, CJK punctuation, combining marks).
TEST_P(stream_family, every_split_point_of_boundary_sensitive_text_matches_one_shot_count) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const std::string text =
      "He said: \"DON'T stop\" -- it's 12345 o'clock;\r\n\r\n  HTTPServer   x \t\n"
      "\xE4\xB8\xAD\xE6\x96\x87\xEF\xBC\x8C\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88\xE3\x80\x82 na\xC3\xAFve "
      "cafe\xCC\x81 ... !!!\n''' 'll 've 're WE'RE x'S ABCdef 9876543210 \xE2\x96\x81word  ";
  for (const special_tokens mode : {special_tokens::plain, special_tokens::recognize}) {
    encode_options opt;
    opt.special = mode;
    auto plan = stream_plan::make(tok, opt);
    ASSERT_TRUE(plan.has_value());
    auto expected = tok->count(text, opt);
    ASSERT_TRUE(expected.has_value());
    for (std::size_t i = 1; i < text.size(); ++i)
      ASSERT_EQ(stream_count(*plan, text, {i, text.size() - i}), *expected) << GetParam() << " split at " << i;
  }
}

TEST_P(stream_family, invalid_utf8_follows_the_one_shot_policy) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const std::string text = std::string("ok \xE2\x82 then \xF0\x9F\x98\x80 \xED\xA0\x80 \xC0\xAF end \xF4\x90") + "\xE2";
  encode_options rep;
  rep.on_invalid_utf8 = tokenmeter::invalid_utf8::replace;
  auto expected = tok->count(text, rep);
  ASSERT_TRUE(expected.has_value());
  auto plan = stream_plan::make(tok, rep);
  ASSERT_TRUE(plan.has_value());
  std::mt19937 rng(3);
  for (int kind = 0; kind < 2; ++kind) EXPECT_EQ(stream_count(*plan, text, chunking(text.size(), kind, rng)), *expected);

  auto strict = stream_counter::make(tok);
  ASSERT_TRUE(strict.has_value());
  bool failed = false;
  for (const char c : text) {
    auto r = strict->push(std::string_view(&c, 1));
    if (!r) {
      failed = true;
      EXPECT_EQ(r.error_value().code, tokenmeter::errc::invalid_utf8);
      EXPECT_NE(r.error_value().message.find("byte offset 3 "), std::string::npos) << r.error_value().message;
      break;
    }
  }
  if (!failed) {
    auto r = strict->finish();
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error_value().message.find("byte offset 3 "), std::string::npos) << r.error_value().message;
  }
}

TEST_P(stream_family, token_limit_agrees_with_count_up_to) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const std::string text = tokenmeter_test::read_text(tokenmeter_test::source_dir() + "/tests/corpus/text/mixed_agent_transcript.txt");
  auto plan = stream_plan::make(tok);
  ASSERT_TRUE(plan.has_value());
  auto total = tok->count(text);
  ASSERT_TRUE(total.has_value());
  for (const std::size_t limit : {std::size_t{0}, std::size_t{1}, *total / 3, *total - 1, *total, *total + 5}) {
    stream_counter sc(*plan, limit);
    std::size_t pos = 0;
    bool within = true;
    while (pos < text.size() && within) {
      const std::size_t k = std::min<std::size_t>(5, text.size() - pos);
      auto r = sc.push(std::string_view(text).substr(pos, k));
      ASSERT_TRUE(r.has_value()) << r.error_value().message;
      pos += k;
      within = *r;
      // the decision after each push is the one-shot decision for the text so far (a trailing
      // incomplete UTF-8 sequence has not arrived yet)
      const std::string_view so_far = std::string_view(text).substr(0, pos);
      auto ref = tok->count_up_to(so_far.substr(0, pos - tokenmeter::stream_detail::incomplete_utf8_tail(so_far)), limit);
      ASSERT_TRUE(ref.has_value());
      ASSERT_EQ(!within, ref->exceeded) << "limit " << limit << " at byte " << pos;
    }
    auto done = sc.finish();
    ASSERT_TRUE(done.has_value()) << done.error_value().message;
    const std::string_view so_far = std::string_view(text).substr(0, pos);
    auto ref = tok->count_up_to(so_far.substr(0, pos - tokenmeter::stream_detail::incomplete_utf8_tail(so_far)), limit);
    ASSERT_TRUE(ref.has_value()) << ref.error_value().message;
    EXPECT_EQ(done->count, ref->count);
    EXPECT_EQ(done->exceeded, ref->exceeded);
  }
}

TEST_P(stream_family, count_so_far_is_exact_after_every_chunk) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const std::string text = tokenmeter_test::read_text(tokenmeter_test::source_dir() + "/tests/corpus/text/code_python.txt").substr(0, 3000);
  auto sc = stream_counter::make(tok);
  ASSERT_TRUE(sc.has_value());
  for (std::size_t pos = 0; pos < text.size(); pos += 97) {
    ASSERT_TRUE(sc->push(std::string_view(text).substr(pos, 97)).has_value());
    auto now = sc->count();
    ASSERT_TRUE(now.has_value());
    EXPECT_EQ(now->count, *tok->count(std::string_view(text).substr(0, std::min(text.size(), pos + 97))));
  }
}

// The tail stays small on ordinary text for families whose pipeline has certified cuts.
TEST_P(stream_family, tail_stays_bounded_on_prose) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  auto plan = stream_plan::make(tok);
  ASSERT_TRUE(plan.has_value());
  if (!(*plan)->cuts_inside_sections()) GTEST_SKIP() << GetParam() << " buffers sections: " << (*plan)->limitation();
  const std::string text = mixed_text();
  std::mt19937 rng(11);
  std::size_t max_buffered = 0;
  EXPECT_EQ(stream_count(*plan, text, chunking(text.size(), 1, rng), &max_buffered), *tok->count(text));
  EXPECT_LT(max_buffered, 8192u) << "text of " << text.size() << " bytes";
}

// A held-bytes limit near what prose holds leaves the count alone: the cut stage runs again
// before a chunk would pass the limit (the tail stays below 8 KiB above, at whatever size the
// doubling rule left it). A chunk larger than the limit is taken in slices, each cut before the
// next, so the whole text in one push is counted, and the same.
TEST_P(stream_family, held_limit_above_the_tail_keeps_the_count) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  auto plan = stream_plan::make(tok);
  ASSERT_TRUE(plan.has_value());
  if (!(*plan)->cuts_inside_sections()) GTEST_SKIP() << GetParam() << " buffers sections: " << (*plan)->limitation();
  const std::string text = mixed_text();
  stream_counter sc(*plan);
  sc.set_max_held_bytes(12 * 1024);
  for (std::size_t pos = 0; pos < text.size(); pos += 3000) {
    auto r = sc.push(std::string_view(text).substr(pos, 3000));
    ASSERT_TRUE(r.has_value()) << "at byte " << pos << ": " << r.error_value().message;
  }
  auto done = sc.finish();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->count, *tok->count(text));
  stream_counter at_once(*plan);
  at_once.set_max_held_bytes(12 * 1024);
  auto r = at_once.push(text);
  ASSERT_TRUE(r.has_value()) << r.error_value().message;
  auto whole = at_once.finish();
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(whole->count, done->count);
}

// Text with no cut point (one unbroken run) stays held; past the limit the stream fails with
// limit_exceeded, and keeps failing, rather than holding more or guessing a cut.
TEST_P(stream_family, held_limit_stops_an_unbroken_run) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  auto sc = stream_counter::make(tok);
  ASSERT_TRUE(sc.has_value());
  sc->set_max_held_bytes(64 * 1024);
  EXPECT_EQ(sc->max_held_bytes(), 64u * 1024);
  ASSERT_TRUE(sc->push("A few words, then one long run: ").has_value());
  const std::string run(1000, 'x');
  std::optional<tokenmeter::error> failed;
  std::size_t pushed = 0;
  for (int i = 0; i < 200 && !failed; ++i) {
    auto r = sc->push(run);
    if (!r) failed = r.error_value();
    else pushed += run.size();
  }
  ASSERT_TRUE(failed.has_value()) << "200 KB of one run were held under a 64 KiB limit";
  EXPECT_EQ(failed->code, tokenmeter::errc::limit_exceeded);
  EXPECT_NE(failed->message.find("cannot be counted yet"), std::string::npos) << failed->message;
  EXPECT_LE(pushed, 64u * 1024);
  EXPECT_GT(pushed, 32u * 1024);  // a run is held up to the limit, not refused at half of it
  EXPECT_EQ(sc->push("more").error_value().code, tokenmeter::errc::limit_exceeded);
  EXPECT_EQ(sc->finish().error_value().code, tokenmeter::errc::limit_exceeded);
  // The same run in one push: its slices are taken up to the limit, then it is refused.
  auto one = stream_counter::make(tok);
  ASSERT_TRUE(one.has_value());
  one->set_max_held_bytes(64 * 1024);
  auto refused = one->push("A few words, then one long run: " + std::string(200000, 'x'));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error_value().code, tokenmeter::errc::limit_exceeded);
  EXPECT_GT(one->bytes_pushed(), 32u * 1024);  // slices were taken until the limit
  EXPECT_LE(one->bytes_pushed(), 64u * 1024);
  // Above the per-call limit the setting is clamped: the held section is merged in one call.
  sc->set_max_held_bytes(std::size_t{1} << 40);
  EXPECT_EQ(sc->max_held_bytes(), tokenmeter::tokenizer::max_input_bytes);
}

// A long run, then prose: the cut stage would next run when the tail has doubled, past the
// limit; near the limit it runs first, finds the cut after the run, and the stream goes on.
TEST_P(stream_family, held_limit_cuts_again_before_refusing) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  auto plan = stream_plan::make(tok);
  ASSERT_TRUE(plan.has_value());
  if (!(*plan)->cuts_inside_sections()) GTEST_SKIP() << GetParam() << " buffers sections: " << (*plan)->limitation();
  std::string text = "Before the run. " + std::string(50000, 'x') + " ";
  while (text.size() < 120000) text += tokenmeter_test::read_text(tokenmeter_test::source_dir() + "/tests/corpus/text/prose_english.txt");
  stream_counter sc(*plan);
  sc.set_max_held_bytes(64 * 1024);
  for (std::size_t pos = 0; pos < text.size(); pos += 3000) {
    auto r = sc.push(std::string_view(text).substr(pos, 3000));
    ASSERT_TRUE(r.has_value()) << "at byte " << pos << ": " << r.error_value().message;
  }
  auto done = sc.finish();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->count, *tok->count(text));
}

// A split pattern that looks left of where it starts (\B) would match differently in a tail
// restarted at a cut: "abcdef" is "ab" then "cdef" (\B holds at c), but restarted at c it is
// "cd", "ef" (one token against two). Such patterns are outside the fast engine's shape; the
// plan does not cut their sections, and every chunking gives the one-shot count.
TEST(stream_plan_rules, pattern_that_looks_left_is_not_cut_inside_sections) {
  using namespace tokenmeter;
  vocab_table v;
  for (int b = 0; b < 256; ++b) ASSERT_TRUE(v.add(static_cast<token_id>(b), std::string(1, static_cast<char>(b))).has_value());
  ASSERT_TRUE(v.add(256, "cd").has_value());
  ASSERT_TRUE(v.add(257, "ef").has_value());
  ASSERT_TRUE(v.add(258, "cdef").has_value());
  const auto tok = make_tiktoken_tokenizer(std::move(v), tiktoken_spec{"looks-left", R"(\B\p{L}+|\p{L}{1,2}|\s+|[^\s\p{L}]+)", {},
                                                                       std::nullopt, special_tokens::plain})
                       .value_or_throw();
  auto plan = stream_plan::make(tok);
  ASSERT_TRUE(plan.has_value()) << plan.error_value().message;
  EXPECT_FALSE((*plan)->cuts_inside_sections());
  EXPECT_NE((*plan)->limitation().find("look left"), std::string::npos) << (*plan)->limitation();
  std::string text;
  for (int i = 0; i < 400; ++i) text += i % 5 ? "abcdef " : "abcdefcdef, ";
  // The left context matters: "cdef" after "ab" does not count as "cdef" alone.
  ASSERT_NE(*tok->count("abcdef"), *tok->count("ab") + *tok->count("cdef"));
  const std::size_t want = *tok->count(text);
  std::mt19937 rng(7);
  for (int kind = 0; kind < 3; ++kind) EXPECT_EQ(stream_count(*plan, text, chunking(text.size(), kind, rng)), want) << "chunking " << kind;
}

INSTANTIATE_TEST_SUITE_P(families, stream_family, ::testing::ValuesIn(tokenmeter_test::every_family()),
                         tokenmeter_test::family_param_name);

TEST(stream_budget, cost_limit_is_the_largest_affordable_count) {
  const auto& table = tokenmeter::pricing::builtin_rate_table();
  namespace tp = tokenmeter::pricing;
  tp::usage base;
  base.requests = 0;
  const tp::money budget{"USD", tp::int128{1000000} * 1000000000};  // $0.001 in femto-dollars
  auto n = tokenmeter::tokens_within_budget(table, "gpt-4o", tp::bucket::output, budget, base);
  ASSERT_TRUE(n.has_value()) << n.error_value().message;
  const auto cost = [&](std::uint64_t k) {
    tp::usage u = base;
    u.output = k;
    return tp::price(table, u, "gpt-4o", "", tp::now_utc())->total_femto;
  };
  EXPECT_LE(cost(*n), budget.femto);
  EXPECT_GT(cost(*n + 1), budget.femto);
}

}  // namespace
