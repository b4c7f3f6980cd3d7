// tokenmeter check: token and cost budgets for CI.
//
//   tokenmeter check [PATH|DIR|GLOB|!EXCLUDE|-]... --model a,b [--max-tokens 10k] [--max-cost '$0.25']
//                    [--mode total|file] [--output-tokens N] [--base REF [--fail-on-increase[=TOL]]]
//                    [--format table|json|markdown|csv] [--quiet] [--config FILE] [--jobs N]
//
// Exit codes: 0 within budget; 1 over budget; 2 usage or configuration error (bad flag, budget or
// config, unknown model, bad --base ref); 3 input error (unreadable file, missing vocabulary,
// invalid UTF-8, malformed chat JSON). docs/check.md describes everything.
#include "check/config.hpp"
#include "check/git_base.hpp"
#include "check/report.hpp"
#include "command.hpp"
#include "common.hpp"

#include <tokenmeter/count/batch.hpp>
#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/pricing/rate_loader.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tokenmeter_cli {
namespace {

using namespace check;

[[noreturn]] void usage_error(std::string msg) {
  throw tokenmeter::exception(tokenmeter::make_error(tokenmeter::errc::invalid_argument, std::move(msg)));
}

template <class T>
T config_or_throw(tokenmeter::result<T> r) {
  if (!r) usage_error(r.error_value().message);
  return std::move(*r);
}

std::vector<std::string> split_models(const std::string& list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    const std::string_view name = trim_spaces(std::string_view(list).substr(pos, comma - pos));
    if (!name.empty()) out.emplace_back(name);
    pos = comma + 1;
  }
  return out;
}

// A model as the check uses it: its tokenizer, how chat requests are framed, and its rate card.
struct model_ctx {
  std::string name;
  tokenmeter::loaded_model lm;
  tokenmeter::request_count_plan chat;  // how its chat requests are counted
  bool priced = false;
  const tp::rate_card* rate_card = nullptr;  // resolved once; valid while the table lives
  std::string currency, card;
};

struct count_settings {
  const std::vector<model_ctx>* models = nullptr;
  tokenmeter::encode_options opt;
  input_format format = input_format::auto_detect;
  std::uint64_t output_tokens = 0;
  tp::timestamp at;
  // Set while the large inputs are counted: a text of large_input_bytes or more is then cut into
  // chunks counted on all of the pool's threads (count/batch.hpp; the same count by
  // construction), and a chat or JSONL file's requests are shared out among them.
  tokenmeter::batch_pool* pool = nullptr;
};

// Inputs at least this large are counted after the others, one at a time on every thread (a
// text cut into chunks, a chat or JSONL file request by request), instead of one per thread: one
// large file would otherwise keep a single core busy at the end.
constexpr std::uintmax_t large_input_bytes = std::uintmax_t{1} << 20;

tokenmeter::result<std::uint64_t> count_text(const model_ctx& m, const std::string& data, const count_settings& cs) {
  if (cs.pool == nullptr || data.size() < large_input_bytes) return m.lm.tok->count(data, cs.opt);
  tokenmeter::batch_options bo;
  bo.encode = cs.opt;
  bo.text_name = [](std::size_t) { return std::string(); };  // the caller names the input, as for the others
  TOKENMETER_TRY(n, tokenmeter::count_parallel(*m.lm.tok, data, bo, *cs.pool));
  return static_cast<std::uint64_t>(n);
}

// The input tokens of each request, on the pool's threads if there is one (taking blocks of
// requests in turn: a large JSONL file); each lands in its slot, and the error is the first
// failing request's.
tokenmeter::result<std::vector<std::uint64_t>> count_requests(const model_ctx& m, const std::vector<tokenmeter::chat_request>& requests,
                                                              tokenmeter::batch_pool* pool) {
  std::vector<std::uint64_t> counts(requests.size());
  std::vector<std::optional<tokenmeter::error>> errors(requests.size());
  constexpr std::size_t block = 64;
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t b; (b = next.fetch_add(block)) < requests.size();)
      for (std::size_t i = b; i < std::min(b + block, requests.size()); ++i) {
        try {
          auto rc = tokenmeter::count_request(m.lm, m.chat, requests[i]);
          if (rc)
            counts[i] = rc->input_tokens;
          else
            errors[i] = rc.error_value();
        } catch (const std::exception& e) {  // a thread must not end the process
          errors[i] = tokenmeter::error_from_exception(e);
        }
      }
  };
  if (pool != nullptr && requests.size() > block)
    pool->run(work, work);
  else
    work();
  for (auto& e : errors)
    if (e) return std::move(*e);
  return counts;
}

// Counts one input for every model. Each text file (each JSONL line) is priced as one request
// with `output_tokens` of assumed completion, so long-context tiers apply per request.
tokenmeter::result<side_counts> count_input(const std::string& name, const std::string& data, const count_settings& cs,
                                            std::set<std::string>& notes) {
  side_counts s;
  s.present = true;
  s.bytes = data.size();
  TOKENMETER_TRY(parsed, parse_input(name, data, cs.format));
  notes.insert(parsed.notes.begin(), parsed.notes.end());
  s.format = parsed.format;
  s.requests = parsed.requests.empty() ? 1 : parsed.requests.size();
  for (const model_ctx& m : *cs.models) {
    std::vector<std::uint64_t> per_request;
    if (parsed.requests.empty()) {
      TOKENMETER_TRY(n, count_text(m, data, cs));
      per_request.push_back(n);
    }
    if (!parsed.requests.empty()) {
      TOKENMETER_TRY(counts, count_requests(m, parsed.requests, cs.pool));
      per_request = std::move(counts);
    }
    std::uint64_t total = 0;
    std::optional<tp::int128> cost;
    if (m.priced) cost = 0;
    for (std::uint64_t t : per_request) {
      total += t;
      if (!m.priced) continue;
      tp::usage u;
      u.input = t;
      u.output = cs.output_tokens;
      auto p = tp::price_with_card(*m.rate_card, u, cs.at);
      if (!p) {
        // A card that cannot price this usage (e.g. no output rate) is a configuration problem.
        auto e = std::move(p).error_value();
        if (e.code == tokenmeter::errc::unsupported || e.code == tokenmeter::errc::out_of_range) e.code = tokenmeter::errc::invalid_argument;
        return e;
      }
      *cost += p->total_femto;
    }
    s.tokens.push_back(total);
    s.cost.push_back(cost);
  }
  return s;
}

// One unit of work: a working-tree file (read by the worker) or a base blob (already in memory).
struct task {
  std::string path;
  bool is_base = false;
  const std::string* data = nullptr;  // base blobs and stdin
  fs::path file;                      // working-tree files
};

struct task_result {
  std::optional<tokenmeter::error> err;
  bool binary = false;
  side_counts counts;
  std::set<std::string> notes;
};

// The size of a task's input (0 if it cannot be read now: the worker then reports why).
std::uintmax_t task_bytes(const task& t) {
  if (t.data) return t.data->size();
  std::error_code ec;
  const std::uintmax_t n = fs::file_size(t.file, ec);
  return ec ? 0 : n;
}

// Runs every task on `jobs` threads: inputs of large_input_bytes or more last, each on all of
// them. Results land in their task's slot, so the order (and every total) is the same for any
// number of threads.
std::vector<task_result> run_tasks(const std::vector<task>& tasks, const count_settings& cs, unsigned jobs, bool progress) {
  std::vector<task_result> results(tasks.size());
  // No more threads than the inputs make jobs (a small input, or a batch chunk of a large one), so
  // a small check on a many-core machine starts no idle threads, as count and encode do.
  std::vector<std::size_t> small, large;
  std::size_t work = 0;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const std::uintmax_t bytes = jobs > 1 ? task_bytes(tasks[i]) : 0;
    if (bytes >= large_input_bytes) {
      large.push_back(i);
      work = std::max<std::uintmax_t>(work, bytes / tokenmeter::batch_options{}.chunk_bytes + 1);
    } else {
      small.push_back(i);
    }
  }
  work = std::max(work, small.size());
  std::atomic<std::size_t> next{0}, done{0};
  // An input's error, named as the report names the input (unnamed if there is no memory left to).
  const auto named = [&](const task& t, tokenmeter::error e) {
    try {
      e.message = (t.is_base ? "(base) " : "") + t.path + ": " + e.message;
    } catch (const std::bad_alloc&) {
    }
    return e;
  };
  const auto count_one = [&](std::size_t i, const count_settings& settings) {
    const task& t = tasks[i];
    task_result& r = results[i];
    std::string owned;
    if (!t.data) {
      auto d = tokenmeter::detail::read_file(t.file.string());
      if (!d) {
        r.err = d.error_value();
        return;
      }
      owned = std::move(*d);
    }
    const std::string& data = t.data ? *t.data : owned;
    if (looks_binary(data)) {
      r.binary = true;
      return;
    }
    auto c = count_input(t.path, data, settings, r.notes);
    if (!c) {
      r.err = named(t, c.error_value());
      return;
    }
    r.counts = std::move(*c);
  };
  const auto run_one = [&](std::size_t i, const count_settings& settings) {
    try {
      count_one(i, settings);
    } catch (const std::exception& e) {  // a thread must not end the process
      results[i].err = named(tasks[i], tokenmeter::error_from_exception(e));
    }
  };
  // One pool for both stages: the small inputs shared out among its threads, then the large
  // ones, each on all of them.
  tokenmeter::batch_pool pool(static_cast<unsigned>(std::clamp<std::size_t>(work, 1, jobs)));
  const auto report = [&] { std::fprintf(stderr, "\rcounting %zu/%zu files", done.load(), tasks.size()); };
  // Takes small inputs until none is left; the calling thread's share also reports progress.
  const auto take_small = [&](bool reports) {
    auto last = std::chrono::steady_clock::now();
    for (std::size_t k; (k = next.fetch_add(1)) < small.size();) {
      run_one(small[k], cs);
      done.fetch_add(1);
      if (reports && std::chrono::steady_clock::now() - last >= std::chrono::milliseconds(100)) {
        report();
        last = std::chrono::steady_clock::now();
      }
    }
  };
  pool.run([&] { take_small(false); }, [&] { take_small(progress); });
  count_settings on_all = cs;
  on_all.pool = &pool;
  for (const std::size_t i : large) {
    if (progress) report();
    run_one(i, on_all);
    done.fetch_add(1);
  }
  if (progress) std::fprintf(stderr, "\r\x1b[K");
  return results;
}

std::string join(const std::vector<std::string>& v, std::size_t max, const char* sep = ", ") {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) s += (i ? sep : "") + v[i];
  if (v.size() > max) s += sep + std::string("and ") + std::to_string(v.size() - max) + " more";
  return s;
}

int run_check(std::vector<std::string> args) {
  CLI::App app{"Check token and cost budgets of prompt files (exit 0 within budget, 1 over, 2 usage/config error, 3 input error)"};
  model_flags mf;
  mf.add_to(app);
  app.get_option("--model")->required(false)->description("Models to check, comma-separated (e.g. deepseek-v3.2,gpt-5,claude-opus-4.6)");
  std::vector<std::string> inputs, excludes;
  std::string max_tokens_s, max_cost_s, mode = "total", output_tokens_s = "0", base, foi, format = "table", config_path, provider, when, overlay,
                                        input_format_s = "auto";
  bool quiet = false, no_config = false, no_progress = false;
  unsigned jobs = 0;
  app.add_option("inputs", inputs, "Files, directories, globs ('**' spans directories), !PATTERN to exclude; '-' or nothing: stdin (or the config's include)");
  auto* o_max_tokens = app.add_option("--max-tokens", max_tokens_s, "Token budget: 1200, 10k, 1.5M");
  auto* o_max_cost = app.add_option("--max-cost", max_cost_s, "Cost budget: '$0.25', '0.25 USD', '2 CNY'");
  auto* o_mode = app.add_option("--mode", mode, "total: budgets apply to the sum; file: to each file")->check(CLI::IsMember({"total", "file"}));
  auto* o_output = app.add_option("--output-tokens", output_tokens_s, "Assumed completion length per request, priced as output (default 0)");
  auto* o_base = app.add_option("--base", base, "Git ref to compare with: reports the change per file and in total");
  auto* o_foi = app.add_option("--fail-on-increase", foi, "With --base: fail when tokens grow (optionally beyond a tolerance: 5%, 2k tokens, '$0.01')")
                    ->expected(0, 1);
  auto* o_format = app.add_option("--format", format, "table (default), json, markdown or csv")->check(CLI::IsMember({"table", "json", "markdown", "csv"}));
  app.add_flag("-q,--quiet", quiet, "Print only the total token count (one line per model)");
  app.add_option("--config", config_path, "Config file (default: tokenmeter.toml here or up to the repository root)");
  app.add_flag("--no-config", no_config, "Ignore tokenmeter.toml");
  app.add_option("--exclude", excludes, "Exclude a glob (repeatable; same as a !PATTERN argument)");
  auto* o_input_format = app.add_option("--input-format", input_format_s, "auto (by extension), text, chat (messages JSON) or jsonl")
                             ->check(CLI::IsMember({"auto", "text", "chat", "jsonl"}));
  app.add_option("-j,--jobs", jobs, "Counting threads (default: all cores)");
  auto* o_provider = app.add_option("--provider", provider, "Billing route for prices (default: each model's first party)");
  auto* o_at = app.add_option("--at", when, "Price at this instant (ISO 8601 UTC; default: now)");
  auto* o_rates = app.add_option("--rates", overlay, "Rate overlay (TOML) adding or overriding cards");
  app.add_flag("--no-progress", no_progress, "No progress indicator on large trees");
  if (auto rc = parse_args(app, std::move(args))) return *rc;

  // ---- configuration: tokenmeter.toml, then flags over it ----------------------------------------
  const fs::path cwd = fs::current_path();
  config_file cfg;
  if (!config_path.empty()) {
    cfg = config_or_throw(load_config(config_path));
  } else if (!no_config) {
    if (auto found = find_config(cwd)) cfg = config_or_throw(load_config(*found));
  }
  auto setting = [&](CLI::Option* opt, std::string& value, const char* key) {
    if (opt->count() == 0)
      if (const auto it = cfg.values.find(key); it != cfg.values.end()) value = it->second;
  };
  setting(o_max_tokens, max_tokens_s, "max_tokens");
  setting(o_max_cost, max_cost_s, "max_cost");
  setting(o_mode, mode, "mode");
  setting(o_output, output_tokens_s, "output_tokens");
  setting(o_base, base, "base");
  setting(o_format, format, "format");
  setting(o_input_format, input_format_s, "input_format");
  setting(o_provider, provider, "provider");
  setting(o_at, when, "at");
  setting(o_rates, overlay, "rates");
  setting(app.get_option("--special-tokens"), mf.special, "special_tokens");
  setting(app.get_option("--invalid-utf8"), mf.invalid, "invalid_utf8");
  setting(app.get_option("--vocab"), mf.vocab, "vocab");
  // From the config, fail_on_increase only applies to runs that have a base (PR jobs); on the
  // command line without --base it is a usage error.
  const bool foi_set = o_foi->count() > 0 || (cfg.values.count("fail_on_increase") > 0 && !base.empty());
  if (o_foi->count() == 0 && foi_set) foi = cfg.values["fail_on_increase"];
  if (mode != "total" && mode != "file") usage_error("mode must be total or file, not '" + mode + "'");
  if (format != "table" && format != "json" && format != "markdown" && format != "csv") usage_error("format must be table, json, markdown or csv");
  const std::map<std::string, input_format> formats{
      {"auto", input_format::auto_detect}, {"text", input_format::text}, {"chat", input_format::chat}, {"jsonl", input_format::jsonl}};
  if (!formats.count(input_format_s)) usage_error("input_format must be auto, text, chat or jsonl");
  if (mf.special != "default" && mf.special != "plain" && mf.special != "recognize") usage_error("special_tokens must be default, plain or recognize");
  if (mf.invalid != "error" && mf.invalid != "replace") usage_error("invalid_utf8 must be error or replace");

  check_report rep;
  rep.version = tokenmeter::version_string;
  rep.mode = mode;
  rep.base = base;
  if (!max_tokens_s.empty()) rep.max_tokens = config_or_throw(parse_token_count(max_tokens_s, "--max-tokens"));
  if (!max_cost_s.empty()) rep.max_cost = config_or_throw(parse_money(max_cost_s, "--max-cost"));
  rep.output_tokens = config_or_throw(parse_token_count(output_tokens_s, "--output-tokens"));
  if (foi_set) {
    if (base.empty()) usage_error("--fail-on-increase needs --base REF");
    rep.fail_on_increase = config_or_throw(parse_tolerance(foi));
  }

  // ---- prices and models ---------------------------------------------------------------------------
  tp::rate_table table = tp::builtin_rate_table();
  if (!overlay.empty()) {
    auto file = tp::load_rate_file(overlay);
    if (!file) usage_error(file.error_value().message);
    table = config_or_throw(tp::builtin_rate_table().with_overlay(file->cards, fs::path(overlay).filename().string()));
  }
  const tp::timestamp at = when.empty() ? tp::now_utc() : config_or_throw(tp::parse_timestamp(when));
  rep.rate_table_version = table.version();
  rep.rate_table_hash = table.content_hash();
  rep.at = tp::format_timestamp(at);

  std::vector<std::string> names = split_models(mf.model);
  if (names.empty()) names = cfg.models;
  if (names.empty()) usage_error("no model: pass --model (comma-separated) or set models in tokenmeter.toml");
  std::vector<model_ctx> models;
  for (const std::string& n : names) {
    model_flags one = mf;
    one.model = n;
    model_ctx m{n, one.load(), {}, false, nullptr, {}, {}};
    m.chat = tokenmeter::plan_request_count(m.lm, n);
    if (auto card = table.find(n, provider, at)) {
      m.priced = true;
      m.rate_card = *card;
      m.currency = (*card)->currency;
      m.card = (*card)->provider + "/" + (*card)->model;
    } else {
      m.card = "no rate card: " + card.error_value().message;
      if (rep.max_cost) usage_error("--max-cost: " + card.error_value().message);
    }
    if (rep.max_cost && m.currency != rep.max_cost->currency)
      usage_error("--max-cost is in " + rep.max_cost->currency + " but " + n + " is priced in " + m.currency + " (" + m.card + ")");
    models.push_back(std::move(m));
  }

  // ---- inputs ----------------------------------------------------------------------------------------
  selector sel;
  fs::path root = cwd;
  bool use_stdin = false;
  std::vector<std::string> positional;
  for (const std::string& a : inputs) {
    if (a == "-") {
      use_stdin = true;
    } else if (a.size() > 1 && a[0] == '!') {
      sel.add_exclude(a.substr(1));
    } else {
      positional.push_back(fs::path(a).is_absolute() ? fs::path(a).lexically_relative(cwd).generic_string() : a);
    }
  }
  if (positional.empty() && !use_stdin) {
    if (!cfg.include.empty()) {
      root = cfg.dir;
      positional = cfg.include;
    } else {
      use_stdin = true;
    }
  }
  for (const std::string& p : positional) {
    std::error_code ec;
    const auto k = has_glob_chars(p) ? selector::kind::glob : fs::is_directory(root / p, ec) ? selector::kind::dir : selector::kind::file;
    sel.add_include(k, p);
  }
  for (const std::string& e : cfg.exclude) sel.add_exclude(e);
  for (const std::string& e : excludes) sel.add_exclude(e);
  if (use_stdin && !base.empty()) usage_error("--base compares files, not stdin");

  std::vector<std::string> unmatched;
  std::vector<std::string> paths = sel.list(root, unmatched).value_or_throw();
  for (const auto& u : unmatched) rep.notes.push_back("pattern " + u + " matched no files");
  std::vector<base_file> base_files;
  if (!base.empty()) {
    auto b = read_base(root, base, sel);
    if (!b) throw tokenmeter::exception(b.error_value());
    base_files = std::move(*b);
  }
  std::string stdin_data;
  if (use_stdin) stdin_data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  if (paths.empty() && base_files.empty() && !use_stdin)
    throw tokenmeter::exception(tokenmeter::make_error(tokenmeter::errc::io_error, "no input files matched " + join(positional, 5)));

  // Rows: the union of working-tree and base paths, bytewise sorted; stdin last.
  std::map<std::string, std::pair<int, int>> slots;  // path -> task index now / base (-1: absent)
  std::vector<task> tasks;
  for (const auto& p : paths) {
    slots[p] = {static_cast<int>(tasks.size()), -1};
    tasks.push_back({p, false, nullptr, root / p});
  }
  for (const auto& b : base_files) {
    auto [it, fresh] = slots.try_emplace(b.path, -1, -1);
    it->second.second = static_cast<int>(tasks.size());
    tasks.push_back({b.path, true, &b.data, {}});
  }
  std::vector<std::string> order;
  for (const auto& [p, s] : slots) order.push_back(p);
  if (use_stdin) {
    slots["-"] = {static_cast<int>(tasks.size()), -1};
    tasks.push_back({"-", false, &stdin_data, {}});
    order.push_back("-");
  }

  count_settings cs;
  cs.models = &models;
  cs.opt = mf.encode_options();
  cs.format = formats.at(input_format_s);
  cs.output_tokens = rep.output_tokens;
  cs.at = at;
  const unsigned threads = tokenmeter::batch_thread_count(jobs);
  const bool progress = !no_progress && !quiet && tasks.size() >= 1000 && ::isatty(2);
  std::vector<task_result> results = run_tasks(tasks, cs, threads, progress);
  std::set<std::string> notes;
  for (const auto& r : results) {
    if (r.err) throw tokenmeter::exception(*r.err);  // the first failing input, in listing order
    notes.insert(r.notes.begin(), r.notes.end());
  }

  // ---- totals and verdicts -----------------------------------------------------------------------------
  const std::size_t nm = models.size();
  for (const auto& p : order) {
    const auto [now_i, base_i] = slots[p];
    file_row row;
    row.path = p;
    row.over.assign(nm, false);
    if (now_i >= 0 && results[static_cast<std::size_t>(now_i)].binary) {
      rep.skipped_binary.push_back(p);
      continue;
    }
    if (now_i >= 0) row.now = results[static_cast<std::size_t>(now_i)].counts;
    if (base_i >= 0 && !results[static_cast<std::size_t>(base_i)].binary) row.base = results[static_cast<std::size_t>(base_i)].counts;
    if (!row.now.present && !row.base.present) continue;
    rep.files.push_back(std::move(row));
  }
  bool chat_seen = false;
  for (const auto& f : rep.files)
    for (const side_counts* s : {&f.now, &f.base})
      chat_seen = chat_seen || (s->present && s->format != input_format::text);
  for (std::size_t i = 0; i < nm; ++i) {
    const model_ctx& m = models[i];
    model_summary s;
    s.name = m.name;
    s.family = m.lm.family ? m.lm.family->id : m.lm.tok->name();
    s.tokenizer_exactness = std::string(tokenmeter::to_string(m.lm.exactness));
    const bool exact = m.lm.exactness == tokenmeter::exactness::exact &&
                       (!chat_seen || m.chat.exactness == tokenmeter::exactness::exact);
    s.exactness = exact ? "exact" : "estimate";
    s.note = m.lm.note;
    if (chat_seen) s.chat = m.chat;
    s.currency = m.currency;
    s.card = m.card;
    if (m.priced) s.cost = s.base_cost = 0;
    std::vector<std::string> over_files;
    for (auto& f : rep.files) {
      if (f.now.present) {
        s.tokens += f.now.tokens[i];
        if (s.cost) *s.cost += *f.now.cost[i];
      }
      if (f.base.present) {
        s.base_tokens += f.base.tokens[i];
        if (s.base_cost) *s.base_cost += *f.base.cost[i];
      }
      if (mode != "file" || !f.now.present) continue;
      std::vector<std::string> why;
      if (rep.max_tokens && f.now.tokens[i] > *rep.max_tokens) why.push_back(std::to_string(f.now.tokens[i]) + " tokens");
      if (rep.max_cost && *f.now.cost[i] > rep.max_cost->femto) why.push_back(tp::format_amount(*f.now.cost[i]) + " " + m.currency);
      if (rep.fail_on_increase &&
          exceeds(*rep.fail_on_increase, f.base.present ? f.base.tokens[i] : 0, f.now.tokens[i],
                  f.base.present ? f.base.cost[i] : std::optional<tp::int128>(0), f.now.cost[i]))
        why.push_back("increase " + signed_int(static_cast<tp::int128>(f.now.tokens[i]) - (f.base.present ? f.base.tokens[i] : 0)) + " tokens");
      if (!why.empty()) {
        f.over[i] = true;
        over_files.push_back(f.path + " (" + join(why, 3) + ")");
      }
    }
    if (!over_files.empty())
      s.reasons.push_back(std::to_string(over_files.size()) + " file" + (over_files.size() == 1 ? "" : "s") + " over the per-file budget: " + join(over_files, 5, "; "));
    if (mode == "total") {
      if (rep.max_tokens && s.tokens > *rep.max_tokens)
        s.reasons.push_back("total " + std::to_string(s.tokens) + " tokens > " + std::to_string(*rep.max_tokens));
      if (rep.max_cost && *s.cost > rep.max_cost->femto)
        s.reasons.push_back("total cost " + tp::format_amount(*s.cost) + " " + m.currency + " > " + tp::format_amount(rep.max_cost->femto));
      if (rep.fail_on_increase && exceeds(*rep.fail_on_increase, s.base_tokens, s.tokens, s.base_cost, s.cost))
        s.reasons.push_back("total grew by " + signed_int(static_cast<tp::int128>(s.tokens) - s.base_tokens) + " tokens (" +
                            (s.cost && s.base_cost ? signed_amount(*s.cost - *s.base_cost) + " " + m.currency + ", " : std::string()) + "base " +
                            std::to_string(s.base_tokens) + ")" +
                            (rep.fail_on_increase->text.empty() ? std::string() : ", tolerance " + rep.fail_on_increase->text));
    }
    s.over = !s.reasons.empty();
    rep.models.push_back(std::move(s));
  }
  rep.notes.insert(rep.notes.end(), notes.begin(), notes.end());

  // ---- output --------------------------------------------------------------------------------------------
  if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary && *summary) {
    std::ofstream out(summary, std::ios::app);
    out << to_markdown(rep) << "\n";
    if (!out) std::fprintf(stderr, "tokenmeter check: warning: cannot append to $GITHUB_STEP_SUMMARY (%s)\n", summary);
  }
  std::string text;
  if (quiet) {
    for (const auto& m : rep.models) text += std::to_string(m.tokens) + "\n";
  } else if (format == "json") {
    text = to_json(rep).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else if (format == "markdown") {
    text = to_markdown(rep);
  } else if (format == "csv") {
    text = to_csv(rep);
  } else {
    const char* no_color = std::getenv("NO_COLOR");
    text = to_table(rep, ::isatty(1) && !(no_color && *no_color));
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (quiet || format != "table")
    for (const auto& u : unmatched) std::fprintf(stderr, "tokenmeter check: warning: pattern %s matched no files\n", u.c_str());
  return rep.over() ? 1 : 0;
}

const registrar check_cmd{"check", "Check token and cost budgets of prompt files for CI (exit 1 when over budget)", run_check};

}  // namespace
}  // namespace tokenmeter_cli
