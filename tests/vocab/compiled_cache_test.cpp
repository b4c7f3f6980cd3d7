// The compiled cache is used when intact and current, and ignored (then rewritten) otherwise;
// a tokenizer restored from it encodes exactly like one built from the source file.
#include "test_support.hpp"

#include <tokenmeter/vocab/load.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace tokenmeter;

namespace {

struct scratch_dir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tm-compiled-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
  ~scratch_dir() { std::filesystem::remove_all(path); }
};

std::shared_ptr<const tokenizer> load_fresh(const std::string& family, const std::string& dir) {
  clear_tokenizer_cache();
  load_options opt;
  opt.compiled_cache_dir = dir;
  auto t = load_family(family, opt);
  return t ? *t : nullptr;
}

std::filesystem::path only_file_in(const std::filesystem::path& dir) {
  std::filesystem::path found;
  for (const auto& e : std::filesystem::directory_iterator(dir)) found = e.path();
  return found;
}

class CompiledCache : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(CompiledCache, RestoresExactlyAndRejectsDamage) {
  TOKENMETER_LOAD_OR_SKIP(probe, GetParam());
  scratch_dir dir;
  auto first = load_fresh(GetParam(), dir.path.string());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->origin(), "source");
  const auto file = only_file_in(dir.path);
  ASSERT_FALSE(file.empty()) << "no cache file written";

  auto second = load_fresh(GetParam(), dir.path.string());
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->origin(), "compiled cache");
  const std::size_t restored_bytes = second->model().memory_bytes();
  for (const auto& e : std::filesystem::directory_iterator(tokenmeter_test::source_dir() + "/tests/corpus/text")) {
    const std::string text = tokenmeter_test::read_text(e.path().string());
    ASSERT_EQ(second->encode(text).value_or_throw(), first->encode(text).value_or_throw()) << e.path();
    ASSERT_EQ(second->decode(second->encode(text).value_or_throw()).value_or_throw(),
              first->decode(first->encode(text).value_or_throw()).value_or_throw());
  }
  // The character tables (bpe/char_cuts.hpp, bpe/char_starts.hpp) came with the cache: encoding
  // the corpus (Chinese, Japanese, emoji among it) built nothing (a build would own the tables'
  // arrays, which the restored model views in the file), and they hold what the source built.
  EXPECT_EQ(second->model().memory_bytes(), restored_bytes) << "the character tables were rebuilt after the load";
  detail::binary_writer built, restored;
  first->model().serialize_char_tables(built);
  second->model().serialize_char_tables(restored);
  EXPECT_GT(built.data().size(), 1u) << "no character table was stored";
  EXPECT_TRUE(built.data() == restored.data()) << "restored character tables differ from the ones built from the source";

  {  // one flipped byte in the payload: the checksum rejects the file, the source is used
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(file) / 2));
    f.put('\x5A');
  }
  auto damaged = load_fresh(GetParam(), dir.path.string());
  ASSERT_NE(damaged, nullptr);
  EXPECT_EQ(damaged->origin(), "source");
  EXPECT_EQ(load_fresh(GetParam(), dir.path.string())->origin(), "compiled cache");  // rewritten

  std::filesystem::resize_file(file, 100);  // truncated
  EXPECT_EQ(load_fresh(GetParam(), dir.path.string())->origin(), "source");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "not a cache";
  EXPECT_EQ(load_fresh(GetParam(), dir.path.string())->origin(), "source");
  clear_tokenizer_cache();
}

// A source file that changed after the cache was written (size or modification time) makes
// the cache stale.
TEST(CompiledCacheStaleness, ChangedSourceIsReloaded) {
  TOKENMETER_LOAD_OR_SKIP(probe, "kimi-k2");
  scratch_dir dir;
  std::filesystem::create_directories(dir.path / "vocab");
  const family_info& fam = *manifest::embedded().family("kimi-k2");
  const auto copy = dir.path / "vocab" / "tiktoken.model";
  std::filesystem::copy_file(locate_family_file(fam).value_or_throw(), copy);
  load_options opt;
  opt.path = copy.string();
  opt.compiled_cache_dir = (dir.path / "compiled").string();
  const auto load = [&] {
    clear_tokenizer_cache();
    return load_family(fam, opt).value_or_throw()->origin();
  };
  EXPECT_EQ(load(), "source");
  EXPECT_EQ(load(), "compiled cache");
  std::filesystem::last_write_time(copy, std::filesystem::last_write_time(copy) + std::chrono::seconds(5));
  EXPECT_EQ(load(), "source");
  EXPECT_EQ(load(), "compiled cache");
  clear_tokenizer_cache();
}

// Writing a cache file removes the family's other cache files and temp files not modified for
// compiled_cache_max_age (an older version's, a crashed writer's); younger ones, other families'
// (even one whose name extends this one's) and files of other forms stay.
TEST(CompiledCachePruning, WritingRemovesTheFamilysOldFiles) {
  TOKENMETER_LOAD_OR_SKIP(probe, "kimi-k2");
  namespace fs = std::filesystem;
  scratch_dir dir;
  fs::create_directories(dir.path);
  const auto days = [](int n) { return std::chrono::hours(24 * n); };
  const auto make = [&](const std::string& name, std::chrono::hours age) {
    const fs::path p = dir.path / name;
    std::ofstream(p) << "stale";
    fs::last_write_time(p, fs::file_time_type::clock::now() - age);
    return p;
  };
  const auto old_version = make("kimi-k2-0123456789abcdef.tmc", days(40));
  const auto old_temp = make("kimi-k2-0123456789abcdef.tmc.tmp-4242", days(40));
  const auto recent = make("kimi-k2-fedcba9876543210.tmc", days(20));
  const auto longer_name = make("kimi-k2-base-0123456789abcdef.tmc", days(40));
  const auto other_family = make("glm-5-0123456789abcdef.tmc", days(40));
  const auto not_a_cache = make("kimi-k2-0123456789abcdef.txt", days(40));
  const auto short_hash = make("kimi-k2-0123456789.tmc", days(40));

  auto t = load_fresh("kimi-k2", dir.path.string());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->origin(), "source");
  EXPECT_FALSE(fs::exists(old_version));
  EXPECT_FALSE(fs::exists(old_temp));
  for (const auto& kept : {recent, longer_name, other_family, not_a_cache, short_hash}) EXPECT_TRUE(fs::exists(kept)) << kept;
  EXPECT_EQ(load_fresh("kimi-k2", dir.path.string())->origin(), "compiled cache");  // the new file stays
  clear_tokenizer_cache();
}

INSTANTIATE_TEST_SUITE_P(Families, CompiledCache, ::testing::Values("kimi-k2", "qwen3", "gemma3"),
                         tokenmeter_test::family_param_name);
