// Batch and parallel counting/encoding: for every family, any thread count and chunk size give
// exactly the ids of tokenizer::encode text by text. Expected values come from encode/count.
#include <tokenmeter/count/batch.hpp>
#include <tokenmeter/vocab/hf_tokenizer_json.hpp>

#include "pretokenize/random_text.hpp"
#include "test_support.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using tokenmeter::batch_options;
using tokenmeter::encode_options;
using tokenmeter::special_tokens;
using tokenmeter::token_id;

std::vector<std::string> batch_texts() {
  std::vector<std::string> texts;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text"))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) texts.push_back(tokenmeter_test::read_text(f.string()));
  // Special tokens in both stages, decomposed marks (normalizers change the text, so pieces are
  // copied into chunks), long pieces, an empty text, Gemma's marker.
  std::string mixed;
  for (int i = 0; i < 300; ++i)
    mixed += i % 7 == 0 ? "<|endoftext|><|im_start|>user\n<think>" : i % 5 == 0 ? " e\xCC\x81t\xC3\xA9 \xEF\xAC\x81 " : "ab  12345 \xE4\xB8\xAD\xE6\x96\x87";
  texts.push_back(mixed);
  texts.push_back(std::string(70000, 'q') + " " + std::string(3000, ' ') + "x");
  texts.emplace_back();
  texts.push_back("\xE2\x96\x81\xE2\x96\x81 a\xE2\x96\x81" "b  \xE2\x96\x81");
  return texts;
}

std::vector<std::string_view> views(const std::vector<std::string>& texts) {
  return {texts.begin(), texts.end()};
}

class batch_family : public ::testing::TestWithParam<std::string> {};

TEST_P(batch_family, any_threads_and_chunking_give_the_sequential_ids) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const auto texts = batch_texts();
  const auto in = views(texts);
  for (const special_tokens mode : {special_tokens::plain, special_tokens::recognize}) {
    encode_options eo;
    eo.special = mode;
    std::vector<std::vector<token_id>> expected;
    std::vector<std::size_t> expected_counts;
    for (const auto& t : texts) {
      auto ids = tok->encode(t, eo);
      ASSERT_TRUE(ids.has_value()) << ids.error_value().message;
      expected_counts.push_back(ids->size());
      expected.push_back(std::move(*ids));
    }
    // Chunks of one piece, of a few pieces, and larger than most texts (whole-text jobs).
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{500}, std::size_t{1} << 20}) {
      for (const unsigned threads : {1u, 2u, 5u}) {
        batch_options bo;
        bo.encode = eo;
        bo.threads = threads;
        bo.chunk_bytes = chunk;
        auto ids = tokenmeter::encode_batch(*tok, in, bo);
        ASSERT_TRUE(ids.has_value()) << ids.error_value().message;
        ASSERT_EQ(ids->size(), texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i)
          EXPECT_EQ((*ids)[i], expected[i]) << GetParam() << " text " << i << " chunk " << chunk << " threads " << threads;
        auto counts = tokenmeter::count_batch(*tok, in, bo);
        ASSERT_TRUE(counts.has_value()) << counts.error_value().message;
        EXPECT_EQ(*counts, expected_counts) << GetParam() << " chunk " << chunk << " threads " << threads;
      }
    }
  }
}

TEST_P(batch_family, one_large_text_in_parallel_equals_one_call) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  std::string all;
  for (const auto& t : batch_texts()) all += t;
  auto expected = tok->encode(all);
  ASSERT_TRUE(expected.has_value());
  batch_options bo;
  bo.threads = 4;
  bo.chunk_bytes = 4096;
  auto ids = tokenmeter::encode_parallel(*tok, all, bo);
  ASSERT_TRUE(ids.has_value()) << ids.error_value().message;
  EXPECT_EQ(*ids, *expected);
  auto n = tokenmeter::count_parallel(*tok, all, bo);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, expected->size());
}

// One large part cut into chunks anywhere -- inside words, whitespace and CJK runs, and inside
// pieces longer than a chunk's window, which the chunk before must carry past the next chunk --
// gives the one-call ids: the chunks' runs join where they share a piece end (count/batch.hpp).
TEST_P(batch_family, a_large_part_cut_anywhere_joins_exactly) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  std::mt19937 rng(20261206);
  std::string text;
  while (text.size() < 40000) {
    text += tokenmeter_test::random_text(rng, 30);
    if (rng() % 8 == 0) text += std::string(rng() % 3000, "a \n7"[rng() % 4]);  // runs longer than small windows
  }
  const auto expected = tok->encode(text);
  ASSERT_TRUE(expected.has_value()) << expected.error_value().message;
  for (const std::size_t chunk : {std::size_t{3}, std::size_t{17}, std::size_t{700}, std::size_t{5000}}) {
    for (const unsigned threads : {2u, 3u}) {
      batch_options bo;
      bo.threads = threads;
      bo.chunk_bytes = chunk;
      auto ids = tokenmeter::encode_parallel(*tok, text, bo);
      ASSERT_TRUE(ids.has_value()) << ids.error_value().message;
      ASSERT_EQ(*ids, *expected) << GetParam() << " chunk " << chunk << " threads " << threads;
      auto n = tokenmeter::count_parallel(*tok, text, bo);
      ASSERT_TRUE(n.has_value()) << n.error_value().message;
      EXPECT_EQ(*n, expected->size()) << GetParam() << " chunk " << chunk << " threads " << threads;
    }
  }
}

// A pre-tokenizer of two levels resumes only at ends that no first-level match holds short of
// its end. Digits under \p{N}{1,3} then \p{N}{2}, with a token for every digit pair: a chunk cut
// inside a first-level group groups the digits differently from there, so its piece ends meet
// the one-call run's only where one of the two does not mark them; joining there would change
// the ids, and the chunks must carry on instead.
TEST(batch_two_levels, chunks_join_only_where_both_runs_resume) {
  std::string vocab, merges;
  for (int a = 0; a < 10; ++a) vocab += (a ? ", \"" : "\"") + std::to_string(a) + "\": " + std::to_string(a);
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 10; ++b) {
      vocab += ", \"" + std::to_string(a) + std::to_string(b) + "\": " + std::to_string(10 + 10 * a + b);
      merges += std::string(merges.empty() ? "" : ", ") + "\"" + std::to_string(a) + " " + std::to_string(b) + "\"";
    }
  const std::string json = R"({"model": {"type": "BPE", "vocab": {)" + vocab + R"(}, "merges": [)" + merges + R"(]},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": false},
      {"type": "Split", "pattern": {"Regex": "\\p{N}{2}"}, "behavior": "Isolated", "invert": false}]},
    "normalizer": null, "added_tokens": []})";
  auto tok = tokenmeter::load_hf_tokenizer_json(json, {}, "digits.json");
  ASSERT_TRUE(tok.has_value()) << tok.error_value().message;
  ASSERT_TRUE((*tok)->pre_tokenizer().resumes_at_piece_ends());
  std::string text;
  for (int i = 0; i < 3000; ++i) text += static_cast<char>('0' + (i * 7 + i / 13) % 10);
  const auto expected = (*tok)->encode(text);
  ASSERT_TRUE(expected.has_value());
  for (const std::size_t chunk : {std::size_t{5}, std::size_t{37}, std::size_t{500}}) {
    for (const unsigned threads : {2u, 3u}) {
      batch_options bo;
      bo.threads = threads;
      bo.chunk_bytes = chunk;
      auto ids = tokenmeter::encode_parallel(**tok, text, bo);
      ASSERT_TRUE(ids.has_value()) << ids.error_value().message;
      EXPECT_EQ(*ids, *expected) << "chunk " << chunk << " threads " << threads;
    }
  }
}

// A pool serves many calls, for several tokenizers (its threads keep a piece cache for each), and
// calls from several threads at once take turns on it: every answer is the one-call answer.
TEST(batch_pool, serves_many_calls_and_callers) {
  TOKENMETER_LOAD_OR_SKIP(a, "o200k_base");
  TOKENMETER_LOAD_OR_SKIP(b, "qwen3");
  const std::shared_ptr<const tokenmeter::tokenizer> toks[2] = {a, b};
  const auto texts = batch_texts();
  const auto in = views(texts);
  std::string all;
  for (const auto& t : texts) all += t;
  std::vector<std::size_t> counts[2];
  std::vector<token_id> ids_all[2];
  for (int k = 0; k < 2; ++k) {
    for (const auto& t : texts) counts[k].push_back(*toks[k]->count(t));
    ids_all[k] = *toks[k]->encode(all);
  }
  tokenmeter::batch_pool pool(3);
  EXPECT_EQ(pool.threads(), 3u);
  batch_options bo;
  bo.chunk_bytes = 4096;
  for (int round = 0; round < 3; ++round)
    for (int k = 0; k < 2; ++k) {
      auto n = tokenmeter::count_batch(*toks[k], in, bo, pool);
      ASSERT_TRUE(n.has_value()) << n.error_value().message;
      EXPECT_EQ(*n, counts[k]) << "round " << round << " tokenizer " << k;
      auto ids = tokenmeter::encode_parallel(*toks[k], all, bo, pool);
      ASSERT_TRUE(ids.has_value()) << ids.error_value().message;
      EXPECT_EQ(*ids, ids_all[k]) << "round " << round << " tokenizer " << k;
    }
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&, c] {
      for (int r = 0; r < 3; ++r) {
        auto n = tokenmeter::count_parallel(*toks[c % 2], all, bo, pool);
        if (!n || *n != ids_all[c % 2].size()) ++wrong;
      }
    });
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  // One thread: the caller alone.
  tokenmeter::batch_pool alone(1);
  EXPECT_EQ(alone.threads(), 1u);
  auto n = tokenmeter::count_batch(*a, in, bo, alone);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, counts[0]);
}

// A pool whose threads cannot all start keeps those that did, and its batches give the one-call
// counts (it used to throw). The child process caps its address space so that only a few more
// thread stacks fit, builds a pool of 1000 threads, lifts the cap again and counts.
TEST(batch_pool, keeps_the_threads_that_start) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's runtime reserves address space no cap can leave room for";
#else
  TOKENMETER_LOAD_OR_SKIP(tok, "o200k_base");
  const auto texts = batch_texts();
  std::vector<std::size_t> expected;
  for (const auto& t : texts) expected.push_back(*tok->count(t));
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        std::ifstream statm("/proc/self/statm");
        std::size_t pages = 0;
        statm >> pages;
        rlimit old{};
        getrlimit(RLIMIT_AS, &old);
        rlimit cap = old;
        cap.rlim_cur = pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) + (64u << 20);
        setrlimit(RLIMIT_AS, &cap);
        tokenmeter::batch_pool pool(1000);
        setrlimit(RLIMIT_AS, &old);
        if (pool.threads() < 2 || pool.threads() >= 1000) std::_Exit(2);
        batch_options bo;
        bo.chunk_bytes = 4096;
        const auto n = tokenmeter::count_batch(*tok, views(texts), bo, pool);
        std::_Exit(n && *n == expected ? 0 : 3);
      },
      ::testing::ExitedWithCode(0), "");
#endif
}

INSTANTIATE_TEST_SUITE_P(families, batch_family, ::testing::ValuesIn(tokenmeter_test::every_family()),
                         tokenmeter_test::family_param_name);

// The error both count_batch and encode_batch fail with (they must agree); code {} if either succeeds.
tokenmeter::error batch_failure(const tokenmeter::tokenizer& tok, const std::vector<std::string>& texts,
                                const batch_options& bo) {
  auto counted = tokenmeter::count_batch(tok, views(texts), bo);
  auto encoded = tokenmeter::encode_batch(tok, views(texts), bo);
  if (counted.has_value() || encoded.has_value()) return {};
  EXPECT_EQ(counted.error_value().message, encoded.error_value().message);
  return counted.error_value();
}

// The error of the lowest-indexed failing text, whatever the thread timing; whole-text and split
// jobs alike.
TEST(batch_errors, the_first_failing_text_is_reported) {
  TOKENMETER_LOAD_OR_SKIP(tok, "o200k_base");
  std::vector<std::string> texts(40, "fine text, fine text. ");
  texts[3] = std::string(200000, 'a') + " tail \xC0\xAF";  // split path (larger than the chunk)
  texts[17] = "bad \xFF";                                  // whole-text path
  texts[30] = "also bad \xE2\x82";
  for (int round = 0; round < 20; ++round) {
    batch_options bo;
    bo.threads = 4;
    bo.chunk_bytes = 1024;
    const auto e = batch_failure(*tok, texts, bo);
    EXPECT_EQ(e.code, tokenmeter::errc::invalid_utf8);
    EXPECT_EQ(e.message.rfind("text 3: ", 0), 0u) << e.message;
  }
  texts[3] = "now fine";
  batch_options bo;
  bo.threads = 3;
  EXPECT_EQ(batch_failure(*tok, texts, bo).message.rfind("text 17: ", 0), 0u);
  // Named as the caller names its texts.
  bo.text_name = [](std::size_t i) { return "request #" + std::to_string(i); };
  EXPECT_EQ(batch_failure(*tok, texts, bo).message.rfind("request #17: input is not valid UTF-8", 0), 0u);
  // An empty name: the text's own error, as tokenizer::count gives it (for a caller that names it).
  bo.text_name = [](std::size_t) { return std::string(); };
  EXPECT_EQ(batch_failure(*tok, texts, bo).message, tok->count(texts[17], bo.encode).error_value().message);
  bo.text_name = nullptr;

  // With replacement the same texts count as one by one.
  bo.encode.on_invalid_utf8 = tokenmeter::invalid_utf8::replace;
  bo.chunk_bytes = 16;
  auto counts = tokenmeter::count_batch(*tok, views(texts), bo);
  ASSERT_TRUE(counts.has_value()) << counts.error_value().message;
  for (std::size_t i = 0; i < texts.size(); ++i) EXPECT_EQ((*counts)[i], *tok->count(texts[i], bo.encode)) << i;
}

// Many short texts share jobs (up to ~16 KiB or 256 texts each): every text keeps its own count,
// and an error in a later job is still the one reported when it is the lowest-indexed.
TEST(batch_errors, many_short_texts_share_jobs) {
  TOKENMETER_LOAD_OR_SKIP(tok, "o200k_base");
  std::mt19937 rng(7);
  std::vector<std::string> texts(3000);
  for (auto& t : texts) t = tokenmeter_test::random_text(rng, rng() % 300);
  const auto in = views(texts);
  std::vector<std::size_t> expected;
  for (const auto& t : texts) expected.push_back(*tok->count(t));
  for (const unsigned threads : {1u, 2u, 3u}) {
    batch_options bo;
    bo.threads = threads;
    auto counts = tokenmeter::count_batch(*tok, in, bo);
    ASSERT_TRUE(counts.has_value()) << counts.error_value().message;
    EXPECT_EQ(*counts, expected) << threads << " threads";
  }
  texts[2999] = "bad \xFF";
  texts[1700] = "bad \xC0\xAF";
  batch_options bo;
  bo.threads = 3;
  EXPECT_EQ(batch_failure(*tok, texts, bo).message.rfind("text 1700: ", 0), 0u);
}

TEST(batch_errors, empty_batch_is_empty) {
  TOKENMETER_LOAD_OR_SKIP(tok, "cl100k_base");
  auto r = tokenmeter::count_batch(*tok, {}, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

}  // namespace
