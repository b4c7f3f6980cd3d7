// Google Benchmark suite: tokenizer throughput per family x corpus slice x operation, and
// vocabulary load time per family (from the source file and from the compiled cache).
//
//   build-bench/bench/tokenize_bench                                   everything (~20 min)
//   build-bench/bench/tokenize_bench --benchmark_filter='^encode/qwen3/'
//   build-bench/bench/tokenize_bench --benchmark_filter='^load/'
//
// Names: encode|count|count_up_to|stream/<family>/<slice>, load/<family>/source|compiled, and
// utf8_check/<slice> (find_invalid_utf8, the first stage every input goes through). stream is
// the stream counter (count/stream_counter.hpp) fed the slice in 4 KiB chunks, from one plan.
// SIMD kernels are dispatched at run time, as in the CLI (label: the Highway target).
// Reported: bytes_per_second (MB/s of input) and tokens/s. For count_up_to the limit is ~10% of
// the slice's tokens; its bytes_per_second is the whole slice's size over the time to answer
// "is this text within the limit", so it shows how early counting stops (label: limit=N).
//
// The corpus is built by bench/corpus/build.sh into build/bench-corpus (TOKENMETER_BENCH_CORPUS
// overrides the directory). A missing corpus file or vocabulary makes the benchmark report an
// error (SkipWithError); nothing passes silently. Timings are reported, never asserted.
// SIMD kernels are chosen at run time, as in the CLI (tokenmeter_runtime_dispatch in
// bench/CMakeLists.txt).
#include <benchmark/benchmark.h>

#include <tokenmeter/count/stream_counter.hpp>
#include <tokenmeter/tokenmeter.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

// The families the speed targets name; o200k_harmony and claude-legacy are extras.
const std::vector<std::string> kFamilies = {"o200k_base", "cl100k_base", "deepseek-v3", "qwen3",
                                            "llama3",     "kimi-k2",     "glm-5",       "minimax-m2",
                                            "gemma3",     "o200k_harmony", "claude-legacy"};

// Slice name (as it appears in benchmark names) -> file under the corpus directory.
const std::vector<std::pair<std::string, std::string>> kSlices = {
    {"en", "en.txt"},
    {"code", "code.txt"},
    {"zh", "zh.txt"},
    {"ja", "ja.txt"},
    {"multi", "multi.txt"},
    {"mixed", "mixed.txt"},
    {"a_1mb", "runs/a_1mb.txt"},
    {"letters_1mb", "runs/letters_1mb.txt"},
    {"cjk_1mb", "runs/cjk_1mb.txt"},
    {"a_10mb", "runs/a_10mb.txt"},
    {"letters_10mb", "runs/letters_10mb.txt"},
    {"cjk_10mb", "runs/cjk_10mb.txt"},
};

std::string corpus_dir() {
  if (const char* d = std::getenv("TOKENMETER_BENCH_CORPUS"); d != nullptr && *d != '\0') return d;
  return std::string(TOKENMETER_SOURCE_DIR) + "/build/bench-corpus";
}

std::string error_text(const tokenmeter::error& e) {
  return std::string(tokenmeter::to_string(e.code)) + ": " + e.message;
}

// Everything below is loaded once per process and shared by all benchmarks (single-threaded).
struct loaded_tokenizer {
  std::shared_ptr<const tokenmeter::tokenizer> tok;
  std::string error;  // non-empty: why it could not be loaded
};

const loaded_tokenizer& tokenizer_for(const std::string& family) {
  static std::map<std::string, loaded_tokenizer> cache;
  if (auto it = cache.find(family); it != cache.end()) return it->second;
  loaded_tokenizer lt;
  auto r = tokenmeter::load_family(family);
  if (r)
    lt.tok = *r;
  else
    lt.error = "cannot load " + family + " (" + error_text(r.error_value()) + ")";
  return cache.emplace(family, std::move(lt)).first->second;
}

struct loaded_text {
  std::string data;
  std::string error;
};

const loaded_text& corpus_file(const std::string& rel) {
  static std::map<std::string, loaded_text> cache;
  if (auto it = cache.find(rel); it != cache.end()) return it->second;
  loaded_text t;
  const fs::path p = fs::path(corpus_dir()) / rel;
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    t.error = "corpus file " + p.string() + " not found; build it with bench/corpus/build.sh " + corpus_dir() +
              " (or set TOKENMETER_BENCH_CORPUS)";
  } else {
    std::ostringstream ss;
    ss << in.rdbuf();
    t.data = std::move(ss).str();
    if (t.data.empty()) t.error = "corpus file " + p.string() + " is empty";
  }
  return cache.emplace(rel, std::move(t)).first->second;
}

// The full token count of a slice (for the count_up_to limit), computed once.
std::optional<std::size_t> total_tokens(const std::string& family, const std::string& rel,
                                        const tokenmeter::tokenizer& tok, const std::string& text, std::string& err) {
  static std::map<std::pair<std::string, std::string>, std::size_t> cache;
  const auto key = std::make_pair(family, rel);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto n = tok.count(text);
  if (!n) {
    err = error_text(n.error_value());
    return std::nullopt;
  }
  return cache.emplace(key, *n).first->second;
}

enum class op { encode, count, count_up_to, stream };

constexpr std::size_t kStreamChunk = 4096;

// A stream plan per family, built once outside the timing, as a service builds it once.
std::shared_ptr<const tokenmeter::stream_plan> stream_plan_for(const std::string& family, std::string& err) {
  static std::map<std::string, std::shared_ptr<const tokenmeter::stream_plan>> cache;
  if (auto it = cache.find(family); it != cache.end()) return it->second;
  auto p = tokenmeter::stream_plan::make(tokenizer_for(family).tok);
  if (!p) {
    err = error_text(p.error_value());
    return nullptr;
  }
  return cache.emplace(family, *p).first->second;
}

// The stream counter over `text` in kStreamChunk pieces; nullopt (and err) on failure.
std::optional<std::size_t> stream_count(const std::shared_ptr<const tokenmeter::stream_plan>& plan, std::string_view text,
                                        std::string& err) {
  tokenmeter::stream_counter sc(plan);
  for (std::size_t at = 0; at < text.size(); at += kStreamChunk) {
    if (auto r = sc.push(text.substr(at, std::min(kStreamChunk, text.size() - at))); !r) {
      err = error_text(r.error_value());
      return std::nullopt;
    }
  }
  auto done = sc.finish();
  if (!done) {
    err = error_text(done.error_value());
    return std::nullopt;
  }
  return done->count;
}

// Returns the tokenizer and text, or reports why not (and returns false).
bool prepare(benchmark::State& state, const std::string& family, const std::string& rel,
             const tokenmeter::tokenizer*& tok, const std::string*& text) {
  const auto& lt = tokenizer_for(family);
  if (!lt.tok) {
    state.SkipWithError(lt.error.c_str());
    return false;
  }
  const auto& t = corpus_file(rel);
  if (!t.error.empty()) {
    state.SkipWithError(t.error.c_str());
    return false;
  }
  tok = lt.tok.get();
  text = &t.data;
  return true;
}

void run_text_benchmark(benchmark::State& state, const std::string& family, const std::string& rel, op which) {
  const tokenmeter::tokenizer* tok = nullptr;
  const std::string* text = nullptr;
  if (!prepare(state, family, rel, tok, text)) return;

  std::size_t limit = 0;
  if (which == op::count_up_to) {
    std::string err;
    const auto total = total_tokens(family, rel, *tok, *text, err);
    if (!total) {
      state.SkipWithError(("count failed: " + err).c_str());
      return;
    }
    limit = std::max<std::size_t>(1, *total / 10);
    state.SetLabel("limit=" + std::to_string(limit) + " of " + std::to_string(*total));
  }
  std::shared_ptr<const tokenmeter::stream_plan> plan;
  if (which == op::stream) {
    std::string err;
    plan = stream_plan_for(family, err);
    if (!plan) {
      state.SkipWithError(("stream plan failed: " + err).c_str());
      return;
    }
    state.SetLabel(std::to_string(kStreamChunk) + "-byte chunks");
  }

  std::int64_t tokens = 0;
  for (auto _ : state) {
    std::size_t n = 0;
    switch (which) {
      case op::encode: {
        auto ids = tok->encode(*text);
        if (!ids) {
          state.SkipWithError(("encode failed: " + error_text(ids.error_value())).c_str());
          return;
        }
        n = ids->size();
        benchmark::DoNotOptimize(ids->data());
        break;
      }
      case op::count: {
        auto c = tok->count(*text);
        if (!c) {
          state.SkipWithError(("count failed: " + error_text(c.error_value())).c_str());
          return;
        }
        n = *c;
        break;
      }
      case op::count_up_to: {
        auto c = tok->count_up_to(*text, limit);
        if (!c) {
          state.SkipWithError(("count_up_to failed: " + error_text(c.error_value())).c_str());
          return;
        }
        n = c->count;
        break;
      }
      case op::stream: {
        std::string err;
        auto c = stream_count(plan, *text, err);
        if (!c) {
          state.SkipWithError(("stream failed: " + err).c_str());
          return;
        }
        n = *c;
        break;
      }
    }
    benchmark::DoNotOptimize(n);
    tokens += static_cast<std::int64_t>(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text->size()));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.counters["tokens"] =
      benchmark::Counter(state.iterations() == 0 ? 0.0 : static_cast<double>(tokens) / static_cast<double>(state.iterations()));
}

void run_utf8_check_benchmark(benchmark::State& state, const std::string& rel) {
  const auto& t = corpus_file(rel);
  if (!t.error.empty()) {
    state.SkipWithError(t.error.c_str());
    return;
  }
  const std::string* text = &t.data;
  for (auto _ : state) {
    benchmark::DoNotOptimize(text);  // an opaque pointer: the call cannot be hoisted out of the loop
    benchmark::DoNotOptimize(tokenmeter::find_invalid_utf8(*text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(t.data.size()));
  state.SetLabel(tokenmeter::detail::simd::target_name());
}

// Drops every tokenizer the library's per-process cache holds, so the next load_family really
// loads. (Tokenizers the text benchmarks use stay alive through tokenizer_for's own map.)
void clear_library_cache() {
  auto& c = tokenmeter::detail::tokenizer_cache::instance();
  std::lock_guard<std::mutex> lock(c.mu);
  c.entries.clear();
}

void run_load_benchmark(benchmark::State& state, const std::string& family, bool compiled) {
  tokenmeter::load_options opt;
  opt.compiled_cache = compiled;
  const std::string expected_origin = compiled ? "compiled cache" : "source";

  std::uintmax_t file_bytes = 0;
  if (const auto* fam = tokenmeter::manifest::embedded().family(family)) {
    if (auto path = tokenmeter::locate_family_file(*fam, opt)) {
      std::error_code ec;
      file_bytes = fs::file_size(*path, ec);
      if (ec) file_bytes = 0;
    }
  }

  // Warm-up outside the timing: reports a missing vocabulary, and writes the compiled cache if
  // it is not there yet.
  clear_library_cache();
  {
    tokenmeter::load_options warm;
    auto r = tokenmeter::load_family(family, warm);
    if (!r) {
      state.SkipWithError(("cannot load " + family + " (" + error_text(r.error_value()) + ")").c_str());
      return;
    }
  }
  clear_library_cache();

  std::size_t memory = 0;
  for (auto _ : state) {
    std::shared_ptr<const tokenmeter::tokenizer> tok;
    {
      auto r = tokenmeter::load_family(family, opt);
      state.PauseTiming();
      if (!r) {
        state.SkipWithError(("load failed: " + error_text(r.error_value())).c_str());
        break;  // (no ResumeTiming after SkipWithError: the library checks against it)
      }
      tok = std::move(*r);
    }
    if (tok->origin() != expected_origin) {
      state.SkipWithError(("expected a load from the " + expected_origin + ", got one from the " + tok->origin() +
                           (compiled ? " (is TOKENMETER_COMPILED_CACHE=0 set, or the cache directory not writable?)" : ""))
                              .c_str());
      break;
    }
    memory = tok->memory_bytes();
    tok.reset();           // release our reference before the cache's,
    clear_library_cache();  // so the tokenizer is destroyed here, outside the timing
    state.ResumeTiming();
  }
  state.counters["memory_MB"] = benchmark::Counter(static_cast<double>(memory) / 1e6);
  state.counters["file_MB"] = benchmark::Counter(static_cast<double>(file_bytes) / 1e6);
  if (file_bytes != 0) state.counters["memory/file"] = benchmark::Counter(static_cast<double>(memory) / static_cast<double>(file_bytes));
}

// Registered before main() (benchmark_main provides main).
[[maybe_unused]] const bool registered = [] {
  const std::pair<const char*, op> ops[] = {
      {"encode", op::encode}, {"count", op::count}, {"count_up_to", op::count_up_to}, {"stream", op::stream}};
  for (const auto& [op_name, which] : ops) {
    for (const auto& family : kFamilies) {
      for (const auto& [slice, rel] : kSlices) {
        benchmark::RegisterBenchmark((std::string(op_name) + "/" + family + "/" + slice).c_str(),
                                     [family, rel = rel, which = which](benchmark::State& s) {
                                       run_text_benchmark(s, family, rel, which);
                                     })
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  for (const auto& [slice, rel] : kSlices)
    benchmark::RegisterBenchmark(("utf8_check/" + slice).c_str(),
                                 [rel = rel](benchmark::State& s) { run_utf8_check_benchmark(s, rel); })
        ->Unit(benchmark::kMicrosecond);
  for (const auto& family : kFamilies) {
    for (const bool compiled : {false, true}) {
      benchmark::RegisterBenchmark(("load/" + family + (compiled ? "/compiled" : "/source")).c_str(),
                                   [family, compiled](benchmark::State& s) { run_load_benchmark(s, family, compiled); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
