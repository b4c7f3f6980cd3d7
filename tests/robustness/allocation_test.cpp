// No allocation per token on the hot path: once a thread has counted a text and its first half
// (workspaces grown, long-piece tables and pair memo built), counting them again makes
// no allocation at all in families without a normalizer, and a fixed handful per call (a
// normalized copy's buffer, ICU's blocks, counted through u_setMemoryFunctions) in Qwen3 and
// Claude. A per-token or per-piece
// allocation anywhere (pre-tokenizer, normalizer, merge, long-piece encoder) fails this. Its own
// executable, because it replaces the global operator new.
#include <tokenmeter/tokenmeter.hpp>

#include "long_word.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <unicode/uclean.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // the replacement pairs malloc with free
#endif

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>

namespace {

std::atomic<long> cxx_allocations{0}, icu_allocations{0};

const void* icu_alloc_counter(const void*, size_t n) {
  icu_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* icu_realloc_counter(const void*, void* p, size_t n) {
  icu_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n == 0 ? 1 : n);
}
void icu_free(const void*, void* p) { std::free(p); }

// ICU's allocator must be set before ICU is first used: at static initialisation.
const bool icu_counted = [] {
  UErrorCode status = U_ZERO_ERROR;
  u_setMemoryFunctions(nullptr, reinterpret_cast<UMemAllocFn*>(icu_alloc_counter), icu_realloc_counter, icu_free,
                       &status);
  return U_SUCCESS(status);
}();

}  // namespace

void* operator new(std::size_t n) {
  cxx_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

// Every prose and code file of the test corpus, then a 300 KB word (the long-piece path).
std::string corpus_text() {
  std::string text;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text"))
    if (e.path().extension() == ".txt") text += tokenmeter_test::read_text(e.path().string()) + "\n";
  return text + tokenmeter_robustness::long_word(300u << 10);
}

class NoAllocation : public ::testing::TestWithParam<std::string> {};

TEST_P(NoAllocation, CountingAgainAllocatesNothing) {
  ASSERT_TRUE(icu_counted) << "could not install ICU's counting allocator";
  TOKENMETER_LOAD_OR_SKIP(tok, GetParam());
  const std::string text = corpus_text();
  const std::string_view first_half = std::string_view(text).substr(0, text.size() / 2);
  // The same three calls once to grow this thread's workspaces (the halves differ in which
  // merge path the cut word takes, so each sizes its own buffers).
  const std::size_t warm = tok->count(text).value_or_throw();
  ASSERT_GT(warm, 1000u);
  ASSERT_TRUE(tok->count(first_half).has_value());
  ASSERT_TRUE(tok->count_up_to(text, warm / 2).has_value());

  // Allocations per call: a normalizing family (Qwen3's NFC, Claude's NFKC) may grow its output
  // buffer and ICU may take a few blocks, a fixed handful per call; anything per token or per
  // piece would be hundreds of thousands here.
  const long icu_before = icu_allocations.load(), cxx_before = cxx_allocations.load();
  const auto again = tok->count(text);
  const long icu_full = icu_allocations.load() - icu_before, cxx_full = cxx_allocations.load() - cxx_before;
  const auto half = tok->count(first_half);
  const auto capped = tok->count_up_to(text, warm / 2);
  const long icu_all = icu_allocations.load() - icu_before, cxx_all = cxx_allocations.load() - cxx_before;

  ASSERT_TRUE(again.has_value() && half.has_value() && capped.has_value());
  EXPECT_EQ(*again, warm);
  EXPECT_GT(*half, 0u);
  EXPECT_TRUE(capped->exceeded);
  EXPECT_LE(cxx_full, 2) << "operator new calls in one count() of " << warm << " tokens";
  EXPECT_LE(icu_full, 4) << "ICU allocations in one count() of " << warm << " tokens";
  EXPECT_LE(cxx_all, 6) << "operator new calls in three calls";
  EXPECT_LE(icu_all, 12) << "ICU allocations in three calls";
  if (tok->normalization().empty()) {
    EXPECT_EQ(cxx_all + icu_all, 0) << "a family without a normalizer should allocate nothing";
  }
}

INSTANTIATE_TEST_SUITE_P(Families, NoAllocation,
                         ::testing::ValuesIn(tokenmeter_test::every_family()),
                         tokenmeter_test::family_param_name);

}  // namespace
