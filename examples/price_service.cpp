// A service-style embedding of the C API: prices a stream of JSONL requests on N threads.
//
//   price_service [--threads N] [--repeat R] [--model M] [FILE.jsonl]
//
// Each line: {"model": "gpt-4o", "input": "<prompt text>", "output": "<response text>"}; the
// output is fed to a streaming counter in 16-byte chunks, as a proxy sees it arrive. Per request:
// count the input (tm_count), stream-count the output (tm_stream_*), price both (tm_price). Without
// a file, a typical agent request is synthesised from tests/corpus/text: ~1,800 input tokens of
// transcript, code and JSON plus ~200 output tokens. Prints requests/s in total and per thread
// (per core when threads <= cores) and the total cost in integer nano-units.
#include "tokenmeter.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct request {
  std::string model, input, output;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct tokenizer_deleter {
  void operator()(tm_tokenizer* t) const { tm_tokenizer_free(t); }
};
using tokenizer_ptr = std::unique_ptr<tm_tokenizer, tokenizer_deleter>;

// Cuts `text` to about `tokens` tokens (whole lines), using the tokenizer itself.
std::string about_tokens(const tm_tokenizer* tok, const std::string& text, std::size_t tokens) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const std::string next = out + line + "\n";
    std::size_t n = 0;
    if (tm_count(tok, next.data(), next.size(), TM_INVALID_UTF8_REPLACE, &n, nullptr) != TM_OK || n > tokens) break;
    out = next;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t repeat = 0;
  std::string model = "gpt-4o", file;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--repeat" && i + 1 < argc) repeat = static_cast<std::size_t>(std::atoll(argv[++i]));
    else if (a == "--model" && i + 1 < argc) model = argv[++i];
    else file = a;
  }
  std::vector<request> reqs;
  if (!file.empty()) {
    std::istringstream in(slurp(file));
    std::size_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        std::fprintf(stderr, "line %zu: not a JSON object\n", line_no);
        return 3;
      }
      reqs.push_back({j.value("model", model), j.value("input", std::string()), j.value("output", std::string())});
    }
    if (repeat == 0) repeat = 1;
  } else {
    tm_error err;
    tokenizer_ptr tok(tm_tokenizer_load(model.c_str(), nullptr, &err));
    if (!tok) {
      std::fprintf(stderr, "%s\n", err.message);
      return 3;
    }
    const std::string corpus = std::string(TOKENMETER_SOURCE_DIR) + "/tests/corpus/text/";
    const std::string input = about_tokens(tok.get(), slurp(corpus + "mixed_agent_transcript.txt") + slurp(corpus + "code_python.txt") +
                                                          slurp(corpus + "data_json_pretty.txt"), 1800);
    const std::string output = about_tokens(tok.get(), slurp(corpus + "prose_english.txt"), 200);
    reqs.push_back({model, input, output});
    if (repeat == 0) repeat = 4000;
  }
  if (reqs.empty()) {
    std::fprintf(stderr, "no requests\n");
    return 3;
  }

  // One immutable tokenizer per model, shared by every thread.
  std::map<std::string, tokenizer_ptr> toks;
  for (const request& r : reqs) {
    if (toks.count(r.model)) continue;
    tm_error err;
    tokenizer_ptr t(tm_tokenizer_load(r.model.c_str(), nullptr, &err));
    if (!t) {
      std::fprintf(stderr, "%s: %s\n", r.model.c_str(), err.message);
      return 3;
    }
    toks.emplace(r.model, std::move(t));
  }

  const std::size_t total = reqs.size() * repeat;
  std::atomic<std::size_t> next{0};
  std::atomic<long long> errors{0};
  std::mutex mu;
  std::map<std::string, std::int64_t> cost;  // currency -> nano-units
  std::size_t in_tokens = 0, out_tokens = 0;
  const auto worker = [&] {
    std::map<std::string, std::int64_t> my_cost;
    std::size_t my_in = 0, my_out = 0;
    for (std::size_t k; (k = next.fetch_add(1)) < total;) {
      const request& r = reqs[k % reqs.size()];
      const tm_tokenizer* tok = toks.at(r.model).get();
      tm_error err;
      std::size_t in_n = 0, out_n = 0;
      int reached = 0;
      tm_stream* s = tm_stream_new(tok, TM_INVALID_UTF8_REPLACE, TM_NO_LIMIT, &err);
      bool ok = s != nullptr && tm_count(tok, r.input.data(), r.input.size(), TM_INVALID_UTF8_REPLACE, &in_n, &err) == TM_OK;
      for (std::size_t p = 0; ok && p < r.output.size(); p += 16)
        ok = tm_stream_push(s, r.output.data() + p, std::min<std::size_t>(16, r.output.size() - p), &reached, &err) == TM_OK;
      ok = ok && tm_stream_finish(s, &out_n, &reached, &err) == TM_OK;
      tm_stream_free(s);
      tm_usage u{};
      u.input = in_n;
      u.output = out_n;
      u.requests = 1;
      tm_price_result p{};
      ok = ok && tm_price(r.model.c_str(), &u, &p, &err) == TM_OK;
      if (!ok) {
        errors.fetch_add(1);
        continue;
      }
      my_cost[p.currency] += p.nano;
      my_in += in_n;
      my_out += out_n;
    }
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [c, v] : my_cost) cost[c] += v;
    in_tokens += my_in;
    out_tokens += my_out;
  };
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rps = static_cast<double>(total) / secs;
  std::printf("requests %zu (%zu distinct), threads %u, errors %lld\n", total, reqs.size(), threads, errors.load());
  std::printf("tokens: input %zu, output %zu (mean %.0f + %.0f per request)\n", in_tokens, out_tokens,
              static_cast<double>(in_tokens) / static_cast<double>(total), static_cast<double>(out_tokens) / static_cast<double>(total));
  for (const auto& [c, v] : cost) std::printf("total cost: %lld nano-%s\n", static_cast<long long>(v), c.c_str());
  std::printf("%.0f requests/s, %.0f requests/s per thread (%.1f s)\n", rps, rps / threads, secs);
  return errors.load() == 0 ? 0 : 1;
}
