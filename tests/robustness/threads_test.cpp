// Many threads, one tokenizer: the test scripts/sanitize builds with ThreadSanitizer. Threads race
// to load the same family (the per-process cache), then encode, count and decode different texts
// with it at once; every thread must see the single-threaded answers.
#include "robustness_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace tokenmeter;

namespace {

std::vector<std::string> texts() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text")) {
    std::string t = tokenmeter_test::read_text(e.path().string());
    if (t.size() > 20000) t.resize(20000);
    t = replace_invalid_utf8(t);  // a cut may split a character
    out.push_back(std::move(t));
    if (out.size() == 12) break;
  }
  return out;
}

}  // namespace

class SharedTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedTokenizer, ConcurrentLoadEncodeCountDecode) {
  TOKENMETER_LOAD_OR_SKIP(probe, GetParam());
  const auto inputs = texts();
  std::vector<std::vector<token_id>> expected;
  for (const auto& t : inputs) expected.push_back(probe->encode(t).value_or_throw());
  clear_tokenizer_cache();  // make the threads race to load it again

  constexpr int thread_count = 6;
  std::atomic<int> ready{0}, mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < thread_count; ++k) {
    threads.emplace_back([&, k] {
      ready.fetch_add(1);
      while (ready.load() < thread_count) std::this_thread::yield();
      auto tok = load_family(GetParam());
      if (!tok) {
        ++failures;
        return;
      }
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        const std::size_t j = (i + static_cast<std::size_t>(k) * 5) % inputs.size();
        auto ids = (*tok)->encode(inputs[j]);
        if (!ids || *ids != expected[j]) ++mismatches;
        auto n = (*tok)->count(inputs[j]);
        if (!n || *n != expected[j].size()) ++mismatches;
        auto back = (*tok)->decode(expected[j]);
        if (!back || back->empty() != inputs[j].empty()) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Families, SharedTokenizer, ::testing::Values("o200k_base", "qwen3", "gemma3"),
                         [](const auto& info) { return std::string(info.param); });
