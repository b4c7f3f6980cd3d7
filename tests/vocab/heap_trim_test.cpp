// load_options::trim_heap: a load from the vocabulary file hands the free heap its parse leaves
// back to the system, so the process keeps about what the tokenizer holds (the bound:
// 3x the file) rather than the parse's leftovers (deepseek-v3: ~40 MiB kept for a 7.5 MiB file).
// RSS is measured in child processes, each loading with one setting into a heap of its own.
#include <tokenmeter/tokenmeter.hpp>

#include "robustness/proc_status.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace tokenmeter;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

using tokenmeter_robustness::status_kib;

// RSS growth (KiB) of loading `family` from its file, in a child process; -1 if that failed.
long rss_growth_of_load(const std::string& family, bool trim) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::close(fds[0]);
    long growth = -1;
    load_options opt;
    opt.compiled_cache = false;
    // A first load puts the library's one-time setup (ICU, Unicode tables) out of the way.
    if (load_family(family, opt)) {
      clear_tokenizer_cache();
#if defined(__GLIBC__)
      ::malloc_trim(0);
#endif
      const long before = status_kib("VmRSS:");
      opt.trim_heap = trim;
      if (auto t = load_family(family, opt)) growth = status_kib("VmRSS:") - before;
    }
    const bool sent = ::write(fds[1], &growth, sizeof growth) == static_cast<ssize_t>(sizeof growth);
    ::_exit(sent ? 0 : 1);
  }
  ::close(fds[1]);
  long growth = -1;
  if (::read(fds[0], &growth, sizeof growth) != static_cast<ssize_t>(sizeof growth)) growth = -1;
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return growth;
}

}  // namespace

TEST(HeapTrim, ALoadFromTheFileKeepsLittleMoreThanTheTokenizer) {
#if !defined(__GLIBC__)
  GTEST_SKIP() << "trim_heap acts on glibc's allocator only";
#endif
  if (sanitized) GTEST_SKIP() << "a sanitizer's allocator replaces glibc's: nothing for trim_heap to trim";
  const family_info* fam = manifest::embedded().family("deepseek-v3");
  ASSERT_NE(fam, nullptr);
  const auto path = locate_family_file(*fam);
  if (!path) GTEST_SKIP() << "deepseek-v3 vocabulary not available: " << path.error_value().message;
  const auto file_kib = static_cast<long>(std::filesystem::file_size(*path) / 1024);
  const long kept = rss_growth_of_load("deepseek-v3", true);
  const long untrimmed = rss_growth_of_load("deepseek-v3", false);
  ASSERT_GT(kept, 0);
  ASSERT_GT(untrimmed, 0);
  std::printf("deepseek-v3 (%ld KiB file) from its file: RSS +%ld KiB trimmed, +%ld KiB untrimmed\n", file_kib, kept, untrimmed);
  EXPECT_LT(kept, 3 * file_kib) << "the issue's bound: memory at most 3x the vocabulary file";
  EXPECT_LT(2 * kept, untrimmed) << "trimming should give back most of what the parse left";
}
