// Resource bounds per family (docs/robustness.md): load time and memory of one loaded tokenizer
// (from the compiled cache and from the source file), and the time of one word with no split
// point at 1 MB and 10 MB (CPU seconds; long pieces are encoded left to right in linear time,
// so ~10x; a model the encoder cannot serve falls back to the O(n log n) heap merge). The long-piece
// encoder's tables are built on first use; their build time is reported apart from the words.
// Each family is measured in a child process of its own, so one family's memory does not
// colour the next. Usage: robustness_bench [FAMILY...]   (default: every fetched family)
#include <tokenmeter/tokenmeter.hpp>

#include "long_word.hpp"  // tests/robustness: the same word the tests encode
#include "proc_status.hpp"

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace tokenmeter;
using clock_type = std::chrono::steady_clock;

namespace {

using tokenmeter_robustness::status_kib;

// Resets VmHWM to the current RSS (Linux clear_refs "5"), so the next peak is this step's.
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

struct load_figures {
  double seconds = 0;
  long peak_kib = 0, retained_kib = 0;
  long own_kib = 0;  // of retained_kib, the anonymous part (RssAnon): not library code or mapped files
};

load_figures measure_load(const std::string& family, bool compiled_cache, std::shared_ptr<const tokenizer>& out) {
  clear_tokenizer_cache();
  load_options opt;
  opt.compiled_cache = compiled_cache;
  reset_peak();
  const long before = status_kib("VmRSS:"), anon_before = status_kib("RssAnon:");
  const auto t0 = clock_type::now();
  auto t = load_family(family, opt);
  load_figures f;
  f.seconds = seconds_since(t0);
  if (!t) {
    std::fprintf(stderr, "%s: %s\n", family.c_str(), t.error_value().message.c_str());
    std::exit(3);
  }
  f.peak_kib = status_kib("VmHWM:") - before;
  f.retained_kib = status_kib("VmRSS:") - before;
  f.own_kib = status_kib("RssAnon:") - anon_before;
  out = *t;
  return f;
}

// CPU time of this process: on a shared machine, wall time mostly measures the neighbours.
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double best_count_seconds(const tokenizer& tok, const std::string& text, int runs, std::size_t& n) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    const double t0 = cpu_seconds();
    n = tok.count(text).value_or_throw();
    best = std::min(best, cpu_seconds() - t0);
  }
  return best;
}

// One family, in the child: prints one table row.
void measure(const std::string& family) {
  std::shared_ptr<const tokenizer> tok;
  const load_figures source = measure_load(family, false, tok);
  tok.reset();
  measure_load(family, true, tok);  // writes the compiled cache if it was missing
  tok.reset();
  const load_figures cached = measure_load(family, true, tok);
  const auto tables_start = clock_type::now();
  const bool has_tables = tok->model().backtracker() != nullptr;
  const double tables_ms = seconds_since(tables_start) * 1e3;
  const std::string w1 = tokenmeter_robustness::long_word(1u << 20), w10 = tokenmeter_robustness::long_word(10u << 20);
  std::size_t n1 = 0, n10 = 0;
  const double t1 = best_count_seconds(*tok, w1, 2, n1);
  const double t10 = best_count_seconds(*tok, w10, 1, n10);
  char tables[32] = "n/a (heap)";
  if (has_tables) std::snprintf(tables, sizeof tables, "%.1f", tables_ms);
  std::printf("| %-13s | %8.1f | %8.1f | %8.1f | %8.1f | %9.1f | %9.1f | %8.1f | %10s | %7.3f | %7.3f | %5.1f |\n", family.c_str(),
              source.seconds * 1e3, source.peak_kib / 1024.0, source.retained_kib / 1024.0, source.own_kib / 1024.0, cached.seconds * 1e3,
              cached.retained_kib / 1024.0, tok->memory_bytes() / 1048576.0, tables, t1, t10, t10 / t1);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> families(argv + 1, argv + argc);
  if (families.empty())
    for (const auto& [id, fam] : manifest::embedded().families())
      if (locate_family_file(fam)) families.push_back(id);
  std::printf("| family        | src load | src peak | src kept | src own | cache load | cache kept | tables | long-piece tables | 1 MB word | 10 MB word | ratio |\n");
  std::printf("|               |   ms     |   MiB    |   MiB    |   MiB   |    ms     |    MiB    |  MiB   |    ms    |    s    |    s    |       |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  int failed = 0;
  for (const std::string& f : families) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      measure(f);
      std::_Exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  return failed == 0 ? 0 : 1;
}
