// `tokenmeter check` end to end: each test builds a fixture tree in the build directory, runs the
// built binary on it and checks the exit code and the parsed output. Expected token counts and
// prices are computed here with the library (load_model + count, pricing::price), never written
// by hand. Tests skip with the reason when a vocabulary is not installed.
#include "check/git_base.hpp"  // run_process

#include <test_support.hpp>

#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/request/request_count.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace tp = tokenmeter::pricing;
using json = nlohmann::json;

const std::string at_text = "2026-11-23T00:00:00Z";
const std::string at_flag = " --at " + at_text + " ";
const std::vector<std::string> three_models = {"gpt-4o", "deepseek-v4-flash", "claude-opus-4.6"};
const std::string three = "gpt-4o,deepseek-v4-flash,claude-opus-4.6";

const std::string english = "You are a careful assistant. Answer in two sentences, cite sources, and never invent numbers.\n";
const std::string chinese = "你是一个乐于助人的助手。请用简洁的中文回答用户的问题，并给出理由。\n";
const std::string code = "def total(xs):\n    return sum(x * 2 for x in xs if x > 0)  # doubled positives\n";

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct cli_result {
  int code = -1;
  std::string out, err;
};

// Runs `tokenmeter check ARGS` (a shell fragment, so globs are quoted by the caller) in `dir`.
// $GITHUB_STEP_SUMMARY and $NO_COLOR from the test's own environment never leak in.
cli_result run_check(const fs::path& dir, const std::string& args, const std::string& input = {}, const std::string& env = {}) {
  const std::string cmd = "cd " + sh_quote(dir.string()) + " && unset GITHUB_STEP_SUMMARY NO_COLOR && " + env + " exec " +
                          sh_quote(TOKENMETER_CLI_PATH) + " check " + args;
  auto r = tokenmeter_cli::check::run_process({"sh", "-c", cmd}, input);
  EXPECT_TRUE(r.has_value());
  if (!r) return {};
  return {r->status, r->out, r->err};
}

json run_json(const fs::path& dir, const std::string& args, int expected_code = 0, const std::string& input = {}) {
  const cli_result r = run_check(dir, args + " --format json", input);
  EXPECT_EQ(r.code, expected_code) << args << "\nstderr: " << r.err;
  return json::parse(r.out, nullptr, false);
}

fs::path fixture(const std::string& name) {
  const fs::path p = fs::path(CHECK_FIXTURE_DIR) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void write(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

std::uint64_t lib_count(const std::string& model, const std::string& text) {
  auto m = tokenmeter::load_model(model).value_or_throw();
  return m.tok->count(text).value_or_throw();
}

tp::int128 lib_cost_femto(const std::string& model, std::uint64_t input, std::uint64_t output = 0) {
  tp::usage u;
  u.input = input;
  u.output = output;
  return tp::price(tp::builtin_rate_table(), u, model, "", tp::parse_timestamp(at_text).value_or_throw()).value_or_throw().total_femto;
}

// What the library's request accounting counts for one chat request (the check must agree).
std::uint64_t lib_request(const std::string& model, const std::string& request_json) {
  return tokenmeter::count_request(model, std::string_view(request_json)).value_or_throw().input_tokens;
}

bool vocab_missing(const std::vector<std::string>& models, std::string& why) {
  for (const auto& m : models)
    if (auto r = tokenmeter::load_model(m); !r) {
      tokenmeter_test::skippable_load_error(r.error_value(), m, why);
      return true;
    }
  return false;
}

#define REQUIRE_MODELS(...)                                  \
  do {                                                       \
    std::string why_;                                        \
    if (vocab_missing({__VA_ARGS__}, why_)) GTEST_SKIP() << why_; \
  } while (0)

const json& model_entry(const json& report, const std::string& name) {
  for (const auto& m : report["models"])
    if (m["model"] == name) return m;
  static const json none;
  ADD_FAILURE() << "model " << name << " missing from the report";
  return none;
}

std::vector<std::string> paths_of(const json& report) {
  std::vector<std::string> out;
  for (const auto& f : report["files"]) out.push_back(f["path"]);
  return out;
}

fs::path text_tree(const std::string& name) {
  const fs::path dir = fixture(name);
  write(dir / "prompts/system.md", english);
  write(dir / "prompts/zh.txt", chinese);
  write(dir / "prompts/tools/code.py", code);
  return dir;
}

TEST(check, within_budget_counts_and_prices_match_library) {
  REQUIRE_MODELS("gpt-4o", "deepseek-v4-flash", "claude-opus-4.6");
  const fs::path dir = text_tree("within_budget");
  const json r = run_json(dir, "prompts -m " + three + " --max-tokens 1M" + at_flag);
  ASSERT_FALSE(r.is_discarded());
  EXPECT_EQ(r["verdict"], "ok");
  EXPECT_EQ(r["rate_table"]["version"], std::string(tp::builtin_rates_version()));
  EXPECT_EQ(r["rate_table"]["content_hash"], tp::builtin_rate_table().content_hash());
  EXPECT_EQ(paths_of(r), (std::vector<std::string>{"prompts/system.md", "prompts/tools/code.py", "prompts/zh.txt"}));
  const std::map<std::string, std::string> texts{{"prompts/system.md", english}, {"prompts/tools/code.py", code}, {"prompts/zh.txt", chinese}};
  for (const std::string& model : three_models) {
    std::uint64_t total = 0;
    tp::int128 cost = 0;
    for (const auto& f : r["files"]) {
      const std::uint64_t n = lib_count(model, texts.at(f["path"]));
      EXPECT_EQ(f["models"][model]["tokens"], n) << model << " " << f["path"];
      EXPECT_EQ(f["models"][model]["cost"], tp::format_amount(lib_cost_femto(model, n))) << model;
      total += n;
      cost += lib_cost_femto(model, n);
    }
    const json& m = model_entry(r, model);
    EXPECT_EQ(m["tokens"], total);
    EXPECT_EQ(m["cost"], tp::format_amount(cost));
    EXPECT_EQ(m["verdict"], "ok");
  }
  EXPECT_EQ(model_entry(r, "gpt-4o")["exactness"], "exact");
  EXPECT_EQ(model_entry(r, "deepseek-v4-flash")["exactness"], "exact");
  EXPECT_EQ(model_entry(r, "claude-opus-4.6")["exactness"], "estimate");
}

TEST(check, over_token_budget_exits_1_in_total_and_file_mode) {
  REQUIRE_MODELS("gpt-4o");
  const fs::path dir = text_tree("over_tokens");
  const std::uint64_t a = lib_count("gpt-4o", english), b = lib_count("gpt-4o", code), c = lib_count("gpt-4o", chinese);
  const std::uint64_t total = a + b + c, largest = std::max({a, b, c});
  const std::string base = "prompts -m gpt-4o" + at_flag;
  EXPECT_EQ(run_check(dir, base + "--max-tokens " + std::to_string(total)).code, 0);
  const json over = run_json(dir, base + "--max-tokens " + std::to_string(total - 1), 1);
  EXPECT_EQ(over["verdict"], "over");
  EXPECT_EQ(model_entry(over, "gpt-4o")["verdict"], "over");
  EXPECT_EQ(run_check(dir, base + "--mode file --max-tokens " + std::to_string(largest)).code, 0);
  const json per_file = run_json(dir, base + "--mode file --max-tokens " + std::to_string(largest - 1), 1);
  for (const auto& f : per_file["files"])
    EXPECT_EQ(f["models"]["gpt-4o"]["over"], f["models"]["gpt-4o"]["tokens"].get<std::uint64_t>() > largest - 1) << f["path"];
}

TEST(check, cost_budget_is_exact_to_the_femto_unit) {
  REQUIRE_MODELS("gpt-4o");
  const fs::path dir = text_tree("cost_budget");
  const std::uint64_t total = lib_count("gpt-4o", english) + lib_count("gpt-4o", code) + lib_count("gpt-4o", chinese);
  // Each file is one request with 250 assumed output tokens.
  const tp::int128 cost = lib_cost_femto("gpt-4o", lib_count("gpt-4o", english), 250) + lib_cost_femto("gpt-4o", lib_count("gpt-4o", code), 250) +
                          lib_cost_femto("gpt-4o", lib_count("gpt-4o", chinese), 250);
  const std::string base = "prompts -m gpt-4o --output-tokens 250" + at_flag;
  const json ok = run_json(dir, base + "--max-cost '$" + tp::format_amount(cost) + "'");
  EXPECT_EQ(model_entry(ok, "gpt-4o")["cost"], tp::format_amount(cost));
  EXPECT_EQ(model_entry(ok, "gpt-4o")["tokens"], total);
  EXPECT_EQ(run_check(dir, base + "--max-cost '" + tp::format_amount(cost) + " USD'").code, 0);
  EXPECT_EQ(run_check(dir, base + "--max-cost '$" + tp::format_amount(cost - 1) + "'").code, 1);
}

TEST(check, usage_and_config_errors_exit_2) {
  REQUIRE_MODELS("gpt-4o");
  const fs::path dir = text_tree("usage_errors");
  for (const char* args : {"prompts -m gpt-4o --max-tokens 10x", "prompts -m gpt-4o --max-tokens 1.5", "prompts -m gpt-4o --max-tokens -3",
                           "prompts -m gpt-4o --max-cost 'abc'", "prompts -m gpt-4o --max-cost '$0.1.2'", "prompts -m no-such-model-anywhere",
                           "prompts", "prompts -m gpt-4o --fail-on-increase", "prompts -m gpt-4o --mode sometimes", "prompts -m gpt-4o --no-such-flag",
                           "prompts -m gpt-4o --format yaml", "prompts -m gpt-4o --config missing.toml",
                           "prompts -m llama-3.1-8b --max-cost '$1'", "prompts -m gpt-4o --max-cost '2 CNY'"}) {
    const cli_result r = run_check(dir, std::string(args) + " --no-progress");
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
  }
  write(dir / "bad_key.toml", "[check]\nmodels = [\"gpt-4o\"]\nmax_tokenz = 5\n");
  EXPECT_EQ(run_check(dir, "prompts --config bad_key.toml").code, 2);
  write(dir / "float.toml", "[check]\nmodels = [\"gpt-4o\"]\nmax_cost = 0.25\n");
  EXPECT_EQ(run_check(dir, "prompts --config float.toml").code, 2);
  write(dir / "syntax.toml", "[check\n");
  EXPECT_EQ(run_check(dir, "prompts --config syntax.toml").code, 2);
}

TEST(check, input_errors_exit_3) {
  REQUIRE_MODELS("gpt-4o");
  const fs::path dir = text_tree("input_errors");
  write(dir / "latin1.txt", "caf\xE9\n");
  write(dir / "broken.json", "{\"messages\": [");
  fs::create_directories(dir / "empty_vocab");
  EXPECT_EQ(run_check(dir, "no_such_file.md -m gpt-4o").code, 3);
  EXPECT_EQ(run_check(dir, "no_such_dir/ -m gpt-4o").code, 3);
  EXPECT_EQ(run_check(dir, "'nothing/**/*.md' -m gpt-4o").code, 3);
  EXPECT_EQ(run_check(dir, "latin1.txt -m gpt-4o").code, 3);
  EXPECT_EQ(run_check(dir, "latin1.txt -m gpt-4o --invalid-utf8 replace").code, 0);
  EXPECT_EQ(run_check(dir, "broken.json -m gpt-4o --input-format chat").code, 3);
  EXPECT_EQ(run_check(dir, "broken.json -m gpt-4o").code, 0);  // auto: not a chat request, so text
  const cli_result no_vocab = run_check(dir, "prompts -m gpt-4o --vocab empty_vocab");
  EXPECT_EQ(no_vocab.code, 3);
  EXPECT_NE(no_vocab.err.find("vocab"), std::string::npos) << no_vocab.err;
}

TEST(check, globs_and_excludes_select_deterministically) {
  REQUIRE_MODELS("gpt-4o");
  const fs::path dir = fixture("globs");
  for (const char* p : {"a.md", "b.txt", "docs/x.md", "docs/legacy/y.md", "node_modules/pkg/z.md", ".github/copilot-instructions.md", "docs/deep/er/w.md"})
    write(dir / p, english);
  const std::string m = " -m gpt-4o";
  EXPECT_EQ(paths_of(run_json(dir, "'**/*.md' '!docs/legacy' --exclude node_modules" + m)),
            (std::vector<std::string>{".github/copilot-instructions.md", "a.md", "docs/deep/er/w.md", "docs/x.md"}));
  EXPECT_EQ(paths_of(run_json(dir, "'*.md'" + m)), (std::vector<std::string>{"a.md"}));
  EXPECT_EQ(paths_of(run_json(dir, "docs '!**/deep/**'" + m)), (std::vector<std::string>{"docs/legacy/y.md", "docs/x.md"}));
  EXPECT_EQ(paths_of(run_json(dir, "'docs/*/*.md' b.txt" + m)), (std::vector<std::string>{"b.txt", "docs/legacy/y.md"}));
  EXPECT_EQ(paths_of(run_json(dir, ". --exclude '*.md'" + m)), (std::vector<std::string>{"b.txt"}));
  EXPECT_EQ(paths_of(run_json(dir, "a.md b.txt --exclude '*.md'" + m)), (std::vector<std::string>{"a.md", "b.txt"}));  // named wins
  // A pattern that matches nothing beside one that does is reported, not fatal.
  const json r = run_json(dir, "a.md 'none/*.md'" + m);
  EXPECT_EQ(paths_of(r), (std::vector<std::string>{"a.md"}));
  EXPECT_NE(r["notes"].dump().find("none/*.md"), std::string::npos);
}

TEST(check, stdin_text_and_chat) {
  REQUIRE_MODELS("gpt-4o", "claude-opus-4.6");
  const fs::path dir = fixture("stdin");
  cli_result r = run_check(dir, "- -m gpt-4o -q", chinese);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::to_string(lib_count("gpt-4o", chinese)) + "\n");
  r = run_check(dir, "-m gpt-4o,claude-opus-4.6 --quiet --no-config", english);
  EXPECT_EQ(r.out, std::to_string(lib_count("gpt-4o", english)) + "\n" + std::to_string(lib_count("claude-opus-4.6", english)) + "\n");
  EXPECT_EQ(run_check(dir, "-m gpt-4o --max-tokens 1", english).code, 1);
  const json chat = run_json(dir, "-m gpt-4o", 0, R"({"messages":[{"role":"user","content":"Hello there"}]})");
  EXPECT_EQ(chat["files"][0]["path"], "-");
  EXPECT_EQ(chat["files"][0]["format"], "chat");
  EXPECT_EQ(chat["files"][0]["models"]["gpt-4o"]["tokens"], lib_request("gpt-4o", R"({"messages":[{"role":"user","content":"Hello there"}]})"));
}

TEST(check, chat_json_and_jsonl_use_the_request_accounting) {
  REQUIRE_MODELS("gpt-4o", "deepseek-v4-flash", "qwen3-8b");
  const fs::path dir = fixture("chat");
  write(dir / "chat.json", R"({"model":"gpt-4o","messages":[
    {"role":"system","content":"You are terse."},
    {"role":"user","name":"ana","content":[{"type":"text","text":"Summarise this."},{"type":"image_url","image_url":{"url":"x"}}]}]})");
  write(dir / "batch.jsonl", R"({"messages":[{"role":"user","content":"First question?"}]}

{"custom_id":"2","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"Second one."},{"role":"assistant","content":"Sure."}]}}
)");
  const json r = run_json(dir, "chat.json batch.jsonl -m gpt-4o,deepseek-v4-flash,qwen3-8b --output-tokens 100" + at_flag);
  ASSERT_EQ(r["files"].size(), 2u);
  // The same requests as the library sees them (the image part taken out, the envelope opened).
  const std::string chat = R"({"messages":[{"role":"system","content":"You are terse."},
    {"role":"user","name":"ana","content":[{"type":"text","text":"Summarise this."}]}]})";
  const std::string q1 = R"({"messages":[{"role":"user","content":"First question?"}]})";
  const std::string q2 = R"({"messages":[{"role":"user","content":"Second one."},{"role":"assistant","content":"Sure."}]})";
  for (const std::string model : {"gpt-4o", "deepseek-v4-flash", "qwen3-8b"}) {
    const json& batch = r["files"][0], &chat_file = r["files"][1];
    EXPECT_EQ(batch["format"], "jsonl");
    EXPECT_EQ(batch["requests"], 2);
    EXPECT_EQ(chat_file["format"], "chat");
    EXPECT_EQ(chat_file["models"][model]["tokens"], lib_request(model, chat)) << model;
    const std::uint64_t t1 = lib_request(model, q1), t2 = lib_request(model, q2);
    EXPECT_EQ(batch["models"][model]["tokens"], t1 + t2) << model;
    if (model != "qwen3-8b") {  // the only one without a rate card
      EXPECT_EQ(batch["models"][model]["cost"], tp::format_amount(lib_cost_femto(model, t1, 100) + lib_cost_femto(model, t2, 100))) << model;
    }
  }
  // Documented overheads are an estimate for OpenAI; a published template is exact.
  EXPECT_EQ(model_entry(r, "gpt-4o")["chat"]["method"], "openai_documented");
  EXPECT_EQ(model_entry(r, "gpt-4o")["exactness"], "estimate");
  EXPECT_EQ(model_entry(r, "gpt-4o")["tokenizer_exactness"], "exact");
  EXPECT_EQ(model_entry(r, "qwen3-8b")["chat"]["method"], "chat_template");
  EXPECT_EQ(model_entry(r, "qwen3-8b")["exactness"], "exact");
  EXPECT_NE(r["notes"].dump().find("non-text content parts"), std::string::npos);
}

TEST(check, config_file_needs_no_flags) {
  REQUIRE_MODELS("gpt-4o", "claude-opus-4.6");
  const fs::path dir = text_tree("config");
  write(dir / "prompts/legacy/old.md", english);
  write(dir / "tokenmeter.toml", "[check]\nmodels = [\"gpt-4o\", \"claude-opus-4.6\"]\ninclude = [\"prompts/**\"]\nexclude = [\"legacy\"]\n"
                                 "max_tokens = \"1k\"\nmode = \"file\"\nfail_on_increase = true\nat = \"" + at_text + "\"\n");
  const json r = run_json(dir, "");  // fail_on_increase is set, but without a base it does not apply
  EXPECT_EQ(paths_of(r), (std::vector<std::string>{"prompts/system.md", "prompts/tools/code.py", "prompts/zh.txt"}));
  EXPECT_EQ(r["budgets"]["max_tokens"], 1000);
  EXPECT_EQ(r["budgets"]["mode"], "file");
  EXPECT_EQ(r["models"].size(), 2u);
  // Found from a subdirectory too; its globs stay relative to the file's directory.
  EXPECT_EQ(paths_of(run_json(dir / "prompts/tools", "")), paths_of(r));
  // Flags win over the file.
  EXPECT_EQ(run_check(dir, "--max-tokens 1").code, 1);
  const cli_result q = run_check(dir, "-m gpt-4o -q prompts/zh.txt");
  EXPECT_EQ(q.out, std::to_string(lib_count("gpt-4o", chinese)) + "\n");
  // --config from elsewhere: its globs are relative to its own directory. --no-config ignores the
  // file (and so needs a model).
  fs::copy_file(dir / "tokenmeter.toml", dir / "ci.toml");
  fs::remove(dir / "tokenmeter.toml");
  const fs::path other = fixture("config_elsewhere");
  EXPECT_EQ(paths_of(run_json(other, "--config " + sh_quote((dir / "ci.toml").string()))), paths_of(r));
  EXPECT_EQ(run_check(dir, "--no-config prompts").code, 2);
}

bool git(const fs::path& dir, const std::string& args) {
  auto r = tokenmeter_cli::check::run_process(
      {"sh", "-c", "cd " + sh_quote(dir.string()) + " && git -c user.name=t -c user.email=t@example.com -c init.defaultBranch=main " + args});
  return r && r->status == 0;
}

TEST(check, base_ref_on_a_throwaway_git_repository) {
  REQUIRE_MODELS("gpt-4o");
  const fs::path dir = text_tree("git_base");
  if (!git(dir, "--version")) GTEST_SKIP() << "git is not installed";
  write(dir / "prompts/gone.md", code);
  ASSERT_TRUE(git(dir, "init -q . && git -c user.name=t -c user.email=t@example.com add -A && git -c user.name=t -c user.email=t@example.com commit -qm base"));
  write(dir / "prompts/system.md", english + english);  // grows
  write(dir / "prompts/new.md", chinese);               // added
  fs::remove(dir / "prompts/gone.md");                  // deleted
  auto c = [](const std::string& s) { return lib_count("gpt-4o", s); };
  const json r = run_json(dir, "prompts -m gpt-4o --base HEAD" + at_flag);
  EXPECT_EQ(r["base"], "HEAD");
  EXPECT_EQ(paths_of(r), (std::vector<std::string>{"prompts/gone.md", "prompts/new.md", "prompts/system.md", "prompts/tools/code.py", "prompts/zh.txt"}));
  std::map<std::string, json> by_path;
  for (const auto& f : r["files"]) by_path[f["path"]] = f;
  EXPECT_EQ(by_path["prompts/gone.md"]["status"], "deleted");
  EXPECT_EQ(by_path["prompts/gone.md"]["models"]["gpt-4o"]["delta_tokens"], -static_cast<std::int64_t>(c(code)));
  EXPECT_EQ(by_path["prompts/new.md"]["status"], "added");
  EXPECT_EQ(by_path["prompts/new.md"]["models"]["gpt-4o"]["delta_tokens"], c(chinese));
  EXPECT_EQ(by_path["prompts/system.md"]["models"]["gpt-4o"]["base_tokens"], c(english));
  EXPECT_EQ(by_path["prompts/system.md"]["models"]["gpt-4o"]["tokens"], c(english + english));
  const std::uint64_t base_total = c(english) + c(code) + c(chinese) + c(code);
  const std::uint64_t now_total = c(english + english) + c(code) + c(chinese) + c(chinese);
  const json& m = model_entry(r, "gpt-4o");
  EXPECT_EQ(m["base_tokens"], base_total);
  EXPECT_EQ(m["delta_tokens"], static_cast<std::int64_t>(now_total) - static_cast<std::int64_t>(base_total));
  EXPECT_EQ(m["delta_cost"], tp::format_amount(lib_cost_femto("gpt-4o", c(english + english)) + lib_cost_femto("gpt-4o", c(chinese)) -
                                               lib_cost_femto("gpt-4o", c(english)) - lib_cost_femto("gpt-4o", c(code))));
  ASSERT_GT(now_total, base_total);
  const std::uint64_t growth = now_total - base_total;
  EXPECT_EQ(run_check(dir, "prompts -m gpt-4o --base HEAD --fail-on-increase").code, 1);
  EXPECT_EQ(run_check(dir, "prompts -m gpt-4o --base HEAD --fail-on-increase=" + std::to_string(growth)).code, 0);
  EXPECT_EQ(run_check(dir, "prompts -m gpt-4o --base HEAD --fail-on-increase=" + std::to_string(growth - 1)).code, 1);
  EXPECT_EQ(run_check(dir, "prompts -m gpt-4o --base HEAD --fail-on-increase=1000%").code, 0);
  // Per file: the added file grows from nothing, so any increase fails it.
  const json per_file = run_json(dir, "prompts -m gpt-4o --base HEAD --mode file --fail-on-increase=100%", 1);
  for (const auto& f : per_file["files"]) EXPECT_EQ(f["models"]["gpt-4o"]["over"], f["path"] == "prompts/new.md") << f["path"];
  EXPECT_EQ(run_check(dir, "prompts -m gpt-4o --base no-such-ref").code, 2);
}

// Splits "| a | b |" into trimmed cells.
std::vector<std::string> md_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cur;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      cur += line[++i];
    } else if (line[i] == '|') {
      const auto b = cur.find_first_not_of(' '), e = cur.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cur.substr(b, e - b + 1));
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  return cells;
}

TEST(check, markdown_output_and_github_step_summary) {
  REQUIRE_MODELS("gpt-4o", "claude-opus-4.6");
  const fs::path dir = text_tree("markdown");
  const fs::path summary = dir / "summary.md";
  write(summary, "previous step\n");
  const cli_result r = run_check(dir, "prompts -m gpt-4o,claude-opus-4.6 --max-tokens 5 --format markdown" + at_flag, {},
                                 "GITHUB_STEP_SUMMARY=" + sh_quote(summary.string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(tokenmeter_test::read_text(summary.string()), "previous step\n" + r.out + "\n");  // appended, not replaced
  EXPECT_NE(r.out.find("over budget"), std::string::npos);
  std::map<std::string, std::vector<std::string>> rows;  // model table: model -> cells
  std::map<std::string, std::vector<std::string>> files;
  std::istringstream in(r.out);
  bool in_files = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("<details>") != std::string::npos) in_files = true;
    if (line.rfind("| ", 0) != 0) continue;
    const auto cells = md_cells(line);
    (in_files ? files : rows)[cells[0]] = cells;
  }
  ASSERT_TRUE(rows.count("gpt-4o") && rows.count("claude-opus-4.6")) << r.out;
  const std::uint64_t gpt_total = lib_count("gpt-4o", english) + lib_count("gpt-4o", code) + lib_count("gpt-4o", chinese);
  EXPECT_EQ(rows["gpt-4o"][1], "exact");
  EXPECT_EQ(rows["gpt-4o"][2], std::to_string(gpt_total));
  EXPECT_EQ(rows["claude-opus-4.6"][1], "estimate");
  EXPECT_EQ(rows["gpt-4o"].back().rfind("over", 0), 0u);
  ASSERT_TRUE(files.count("prompts/zh.txt")) << r.out;
  EXPECT_EQ(files["prompts/zh.txt"][1], std::to_string(lib_count("gpt-4o", chinese)));
  EXPECT_EQ(files["prompts/zh.txt"][2], std::to_string(lib_count("claude-opus-4.6", chinese)));
}

TEST(check, csv_output) {
  REQUIRE_MODELS("gpt-4o");
  const fs::path dir = text_tree("csv");
  const cli_result r = run_check(dir, "prompts -m gpt-4o --format csv" + at_flag);
  ASSERT_EQ(r.code, 0);
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "file,model,exactness,format,requests,tokens,cost,currency,base_tokens,delta_tokens,over");
  std::map<std::string, std::string> tokens;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    ASSERT_GE(f.size(), 7u) << line;
    tokens[f[0]] = f[5];
  }
  EXPECT_EQ(tokens["prompts/zh.txt"], std::to_string(lib_count("gpt-4o", chinese)));
  EXPECT_EQ(tokens["(total)"], std::to_string(lib_count("gpt-4o", english) + lib_count("gpt-4o", code) + lib_count("gpt-4o", chinese)));
}

TEST(check, binary_skipped_and_no_colour_off_a_terminal) {
  REQUIRE_MODELS("gpt-4o");
  const fs::path dir = text_tree("binary");
  write(dir / "prompts/logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  const json r = run_json(dir, "prompts -m gpt-4o");
  EXPECT_EQ(r["skipped"], json::array({"prompts/logo.png"}));
  EXPECT_EQ(r["files"].size(), 3u);
  const cli_result table = run_check(dir, "prompts -m gpt-4o");
  EXPECT_EQ(table.code, 0);
  EXPECT_NE(table.out.find("skipped 1 binary file: prompts/logo.png"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find('\x1b'), std::string::npos);
}

TEST(check, one_thread_and_all_threads_give_identical_reports) {
  REQUIRE_MODELS("gpt-4o", "claude-opus-4.6");
  const fs::path dir = fixture("threads");
  const std::string pieces[] = {english, chinese, code, "{\"k\": [1, 2, 3]}\n", "emoji 👩‍💻 and combining é\n"};
  for (int i = 0; i < 400; ++i) {
    std::string text;
    for (int k = 0; k <= i % 7; ++k) text += pieces[(i + k) % 5];
    // Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string temporaries.
    std::string sub = "d", name = "f";
    sub.append(std::to_string(i % 13));
    name.append(std::to_string(i)).append(".md");
    write(dir / sub / name, text);
  }
  write(dir / "d3/blob.bin", std::string("\0\1\2", 3));
  const std::string args = ". -m gpt-4o,claude-opus-4.6 --format json --no-progress" + at_flag;
  const cli_result one = run_check(dir, args + " --jobs 1");
  const cli_result all = run_check(dir, args);
  const cli_result three_jobs = run_check(dir, args + " --jobs 3");
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(one.out, all.out);
  EXPECT_EQ(one.out, three_jobs.out);
  const json r = json::parse(one.out);
  EXPECT_EQ(r["files"].size(), 400u);
  EXPECT_EQ(r["skipped"], json::array({"d3/blob.bin"}));
}

// Inputs of 1 MiB or more are counted last, on every thread: a text cut into chunks
// (count/batch.hpp), a JSONL file's requests in blocks. The same counts and report as one thread,
// and an error names the file as for a small one.
TEST(check, large_inputs_on_all_threads_give_the_one_thread_report) {
  REQUIRE_MODELS("gpt-4o", "deepseek-v4-flash");
  const fs::path dir = fixture("large");
  std::string big;
  for (int i = 0; big.size() < (3u << 20); ++i) big += (i % 3 == 0 ? english : i % 3 == 1 ? chinese : code);
  write(dir / "big.md", big);
  write(dir / "also_big.txt", big.substr(0, (1u << 20) + 17));
  write(dir / "small.md", english);
  std::string jsonl;  // a large chat file: its requests are spread over the threads
  for (int i = 0; jsonl.size() < (3u << 19); ++i) {
    const json line = {{"messages", {{{"role", "user"}, {"content", big.substr(static_cast<std::size_t>(i) * 97 % 4096, 40 + i % 300)}}}}};
    jsonl += line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";  // cuts may split a character
  }
  write(dir / "requests.jsonl", jsonl);
  const std::string args = ". -m gpt-4o,deepseek-v4-flash --format json --no-progress" + at_flag;
  const cli_result one = run_check(dir, args + " --jobs 1");
  const cli_result two = run_check(dir, args + " --jobs 2");
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(one.out, run_check(dir, args).out);
  const json r = json::parse(two.out);
  ASSERT_EQ(r["files"].size(), 4u);
  for (const std::string model : {"gpt-4o", "deepseek-v4-flash"})
    for (const auto& f : r["files"]) {
      if (f["path"] == "big.md") {
        EXPECT_EQ(f["models"][model]["tokens"], lib_count(model, big)) << model;
      }
    }

  write(dir / "bad/big_latin1.txt", big + "caf\xE9\n");
  write(dir / "bad/small_latin1.txt", "caf\xE9\n");
  const cli_result big_bad = run_check(dir, "bad/big_latin1.txt -m gpt-4o --jobs 2");
  const cli_result small_bad = run_check(dir, "bad/small_latin1.txt -m gpt-4o --jobs 2");
  EXPECT_EQ(big_bad.code, 3);
  EXPECT_EQ(small_bad.code, 3);
  const auto after_path = [](const std::string& err, const std::string& path) {
    const std::size_t at = err.find(path + ": ");
    return at == std::string::npos ? std::string("(no \"" + path + ": \")") : err.substr(at + path.size(), 40);
  };
  EXPECT_EQ(after_path(big_bad.err, "big_latin1.txt").substr(0, 24), after_path(small_bad.err, "small_latin1.txt").substr(0, 24))
      << big_bad.err << "\n" << small_bad.err;
}

}  // namespace
