// tokenmeter bench: load once, then time encode or count over the files until at least a
// second has passed, so anyone can measure on their own data. --threads N times the batch API
// (count/batch.hpp) over the same files instead of one call per file; --op stream times the
// stream counter (count/stream_counter.hpp), each file pushed in --chunk-bytes pieces into a new
// stream from one plan, as a service counting a streamed reply would.
// The first pass is in mb_per_s, as the peers' first passes are in bench/compare_peers.mjs, and
// also reported alone (first_pass_ms): it builds the tables made on first use (Chinese and
// Japanese cut tables, 10-35 ms; the long-piece tables, 60-150 ms), what a service's first
// request pays after load_ms.
#include "command.hpp"
#include "common.hpp"

#include <tokenmeter/count/batch.hpp>
#include <tokenmeter/count/stream_counter.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace tokenmeter_cli {
namespace {

int run_bench(std::vector<std::string> args) {
  CLI::App app{"Time encode or count on your files (single thread unless --threads)"};
  model_flags mf;
  mf.add_to(app);
  std::string op = "encode";
  double min_seconds = 1.0;
  std::vector<std::string> files;
  unsigned threads = 1;
  std::size_t chunk_bytes = 4096;
  app.add_option("--op", op, "encode (ids materialised), count, or stream (the stream counter, fed in chunks)")
      ->check(CLI::IsMember({"encode", "count", "stream"}));
  app.add_option("--chunk-bytes", chunk_bytes, "Chunk size for --op stream (default 4096)")->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  app.add_option("--min-seconds", min_seconds, "Repeat until at least this long has passed (default 1)");
  app.add_option("--threads", threads,
                 "Threads for the batch API (count_batch/encode_batch; 0 = all cores); 1 = one call per file on this thread");
  app.add_option("files", files, "Input files")->required();
  if (auto rc = parse_args(app, std::move(args))) return *rc;
  if (op == "stream" && threads != 1)
    throw tokenmeter::exception(tokenmeter::make_error(tokenmeter::errc::invalid_argument, "--op stream is single-threaded (one stream per text); drop --threads"));

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto model = mf.load();
  const double load_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  const auto opt = mf.encode_options();
  const auto inputs = read_inputs(files);
  std::size_t bytes_per_pass = 0;
  std::vector<std::string_view> texts;
  for (const auto& f : inputs) {
    bytes_per_pass += f.data.size();
    texts.emplace_back(f.data);
  }
  tokenmeter::batch_options batch;
  batch.encode = opt;
  batch.threads = threads;
  // The threads live across passes, as in a service that keeps a pool (their piece caches too).
  tokenmeter::batch_pool pool(threads);
  // Built once, as a service builds it once per model; each text gets its own stream.
  std::shared_ptr<const tokenmeter::stream_plan> plan;
  if (op == "stream") plan = tokenmeter::stream_plan::make(model.tok, opt).value_or_throw();
  const auto stream_count = [&](std::string_view text) {
    tokenmeter::stream_counter s(plan);
    for (std::size_t at = 0; at < text.size(); at += chunk_bytes)
      s.push(text.substr(at, std::min(chunk_bytes, text.size() - at))).value_or_throw();
    return s.finish().value_or_throw().count;
  };

  std::size_t passes = 0, tokens = 0, sink = 0;
  const auto start = clock::now();
  double elapsed = 0, first_pass_ms = 0;
  do {
    tokens = 0;
    if (threads != 1) {
      if (op == "count") {
        for (const std::size_t n : tokenmeter::count_batch(*model.tok, texts, batch, pool).value_or_throw()) tokens += n;
      } else {
        for (const auto& ids : tokenmeter::encode_batch(*model.tok, texts, batch, pool).value_or_throw()) {
          tokens += ids.size();
          sink += ids.empty() ? 0 : ids.back();
        }
      }
    } else {
      for (const auto& f : inputs) {
        if (op == "count") {
          tokens += model.tok->count(f.data, opt).value_or_throw();
        } else if (op == "stream") {
          tokens += stream_count(f.data);
        } else {
          auto ids = model.tok->encode(f.data, opt).value_or_throw();
          tokens += ids.size();
          sink += ids.empty() ? 0 : ids.back();
        }
      }
    }
    ++passes;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
    if (passes == 1) first_pass_ms = elapsed * 1e3;
  } while (elapsed < min_seconds);

  const double mb_per_s = static_cast<double>(bytes_per_pass) * static_cast<double>(passes) / elapsed / 1e6;
  nlohmann::json j{{"model", mf.model},
                   {"family", model.family ? model.family->id : model.tok->name()},
                   {"op", op},
                   {"threads", pool.threads()},  // those that started
                   {"bytes", bytes_per_pass},
                   {"tokens", tokens},
                   {"passes", passes},
                   {"seconds", elapsed},
                   {"mb_per_s", mb_per_s},
                   {"tokens_per_s", static_cast<double>(tokens) * static_cast<double>(passes) / elapsed},
                   {"load_ms", load_ms},
                   {"first_pass_ms", first_pass_ms},
                   {"vocab_from", model.tok->origin()}};
  std::printf("%s\n", j.dump().c_str());
  return sink == 0xFFFFFFFFFFFFFFFFull ? 1 : 0;  // keeps the ids observable
}

const registrar bench_cmd{"bench", "Time encode/count on files: JSON {model, op, bytes, tokens, mb_per_s, load_ms, first_pass_ms}", run_bench};

}  // namespace
}  // namespace tokenmeter_cli
