// Extreme sizes: a 100 MB text, a 10 MB word with no split point, and the 4 GiB per-call limit.
// Correctness only (no timing assertions); bench/robustness reports the times and memory.
#include "long_word.hpp"
#include "robustness_support.hpp"

#include <tokenmeter/count/batch.hpp>

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

// A unit of varied text ending in a newline, followed in the big text by its own first letter:
// every family splits there, so the big text's count is exactly N times the unit's.
std::string corpus_unit() {
  std::string unit;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text")) {
    std::string t = tokenmeter_test::read_text(e.path().string());
    if (!is_valid_utf8(t)) continue;
    unit += t;
    if (unit.size() > 200'000) break;
  }
  unit = "Unit start. " + unit;
  if (unit.back() != '\n') unit += '\n';
  return unit;
}

}  // namespace

// 100 MB in one call: completes, count() equals encode().size(), and both equal N x the unit's
// count (the unit boundary is a split point), for a tiktoken family and a normalizing HF family.
TEST(LargeInput, HundredMegabytes) {
  const std::string unit = corpus_unit();
  const std::size_t reps = (100u << 20) / unit.size() + 1;
  std::string big;
  big.reserve(unit.size() * reps);
  for (std::size_t i = 0; i < reps; ++i) big += unit;
  ASSERT_GE(big.size(), 100u << 20);
  int ran = 0;
  for (const std::string family : {"o200k_base", "qwen3"}) {
    std::string why;
    auto tok = tokenmeter_test::try_load(family, why);
    if (!tok) continue;
    SCOPED_TRACE(family);
    const std::size_t per_unit = tok->count(unit).value_or_throw();
    const std::size_t n = tok->count(big).value_or_throw();
    EXPECT_EQ(n, per_unit * reps);
    const auto ids = tok->encode(big).value_or_throw();
    EXPECT_EQ(ids.size(), n);
    const auto capped = tok->count_up_to(big, n - 1).value_or_throw();
    EXPECT_TRUE(capped.exceeded);
    EXPECT_EQ(capped.count, n);
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "neither o200k_base nor qwen3 is fetched (run vocab/fetch)";
}

class LongWord : public ::testing::TestWithParam<std::string> {};

// A single 10 MB word goes through the long-piece merge; the result is self-consistent and
// round-trips. Two merge paths: byte-level ranks (o200k_base), SentencePiece code points (gemma3).
TEST_P(LongWord, TenMegabyteWordRoundTrips) {
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const std::string word = tokenmeter_robustness::long_word(10u << 20);
  const auto ids = tok->encode(word).value_or_throw();
  EXPECT_EQ(tok->count(word).value_or_throw(), ids.size());
  EXPECT_EQ(tok->decode(ids).value_or_throw(), tokenmeter_robustness::round_trip_expectation(*tok, GetParam(), word));
  // Fewer tokens than bytes: the merge really ran over the whole word.
  EXPECT_LT(ids.size(), word.size());
}

INSTANTIATE_TEST_SUITE_P(Families, LongWord, ::testing::Values("o200k_base", "gemma3"),
                         tokenmeter_test::family_param_name);

// More than 4 GiB in one call is refused before a byte is read: the view covers reserved,
// inaccessible address space, so reading any of it would crash the test.
TEST(LargeInput, OverFourGibibytesIsLimitExceeded) {
  std::string why;
  auto tok = tokenmeter_test::try_load("o200k_base", why);
  if (!tok) GTEST_SKIP() << why;
  const std::size_t size = tokenizer::max_input_bytes + 1;
  void* p = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) GTEST_SKIP() << "cannot reserve 4 GiB of address space here";
  const std::string_view huge(static_cast<const char*>(p), size);
  for (auto code : {tok->encode(huge).error_value().code, tok->count(huge).error_value().code,
                    tok->count_up_to(huge, 10).error_value().code})
    EXPECT_EQ(code, errc::limit_exceeded);
  // The same per text on several threads. (A stream takes any length, slice by slice:
  // tests/count/stream_counter_test.cpp.)
  tokenmeter::batch_options two;
  two.threads = 2;
  EXPECT_EQ(tokenmeter::count_parallel(*tok, huge, two).error_value().code, errc::limit_exceeded);
  EXPECT_EQ(tokenmeter::encode_parallel(*tok, huge, two).error_value().code, errc::limit_exceeded);
  ::munmap(p, size);
}
