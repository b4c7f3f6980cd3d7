// Chat templates and request counts. The expected prompts and token counts are produced in the
// same test run by render_reference.mjs (upstream templates rendered with @huggingface/jinja,
// counted by ../shared/reference); none is written by hand here.
#include "test_support.hpp"

#include <tokenmeter/request/request_count.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using tokenmeter_test::read_text;

std::string golden_dir() { return TOKENMETER_CHAT_GOLDEN_DIR; }
std::string request_path(const std::string& name) { return tokenmeter_test::source_dir() + "/tests/request/requests/" + name; }

tokenmeter::chat_request load_request(const std::string& name) {
  auto req = tokenmeter::parse_chat_request(read_text(request_path(name)));
  EXPECT_TRUE(req.has_value()) << name << ": " << (req ? "" : req.error_value().message);
  return req ? *req : tokenmeter::chat_request{};
}

// Where the texts first differ, for a readable failure.
std::string first_difference(const std::string& want, const std::string& got) {
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  const auto around = [&](const std::string& s) { return s.substr(i < 40 ? 0 : i - 40, 80); };
  return "at byte " + std::to_string(i) + "\n  want: ..." + around(want) + "...\n  got:  ..." + around(got) + "...";
}

class golden_prompts : public ::testing::TestWithParam<std::string> {};

TEST_P(golden_prompts, match_the_upstream_template_and_reference_count) {
  const std::string family = GetParam();
  const std::string path = golden_dir() + "/" + family + ".json";
  if (!fs::exists(path))
    GTEST_SKIP() << path << " was not produced (request.reference_render skipped: node, npm, the registry or the vocabulary missing)";
  TOKENMETER_LOAD_OR_SKIP(tok, family);
  const auto golden = nlohmann::json::parse(read_text(path));
  const tokenmeter::chat_template_info* info = tokenmeter::find_chat_template(family);
  ASSERT_NE(info, nullptr);
  // The table's digest names the template text the reference actually rendered.
  EXPECT_EQ(golden["template"]["sha256"].get<std::string>(), info->sha256) << golden["template"]["source"];
  ASSERT_FALSE(golden["cases"].empty());
  tokenmeter::encode_options recognize;
  recognize.special = tokenmeter::special_tokens::recognize;
  for (const auto& c : golden["cases"]) {
    const std::string name = c["request"].get<std::string>();
    SCOPED_TRACE(family + " / " + name);
    const auto req = load_request(name);
    const auto prompt = tokenmeter::render_chat(info->id, req);
    ASSERT_TRUE(prompt.has_value()) << prompt.error_value().message;
    const std::string want = c["prompt"].get<std::string>();
    EXPECT_EQ(*prompt, want) << first_difference(want, *prompt);
    const auto n = tok->count(*prompt, recognize);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, c["count"].get<std::size_t>());
    // The family id is a model name the template is published for: count_request is exact.
    const auto rc = tokenmeter::count_request(family, req);
    ASSERT_TRUE(rc.has_value()) << rc.error_value().message;
    EXPECT_EQ(rc->input_tokens, c["count"].get<std::size_t>());
    EXPECT_EQ(rc->exactness, tokenmeter::exactness::exact);
    EXPECT_EQ(rc->method, tokenmeter::request_count_method::chat_template);
    std::printf("%-14s %-38s %5zu tokens\n", family.c_str(), name.c_str(), *n);
  }
}

INSTANTIATE_TEST_SUITE_P(families, golden_prompts,
                         ::testing::Values("deepseek-v3", "deepseek-v3.1", "qwen3", "llama3", "glm-4.5"),
                         tokenmeter_test::family_param_name);

TEST(chat_request, anthropic_blocks_become_messages_in_order) {
  const auto req = load_request("anthropic_tool_result_then_text.json");
  ASSERT_EQ(req.shape, tokenmeter::request_shape::anthropic);
  ASSERT_EQ(req.messages.size(), 4u);
  EXPECT_EQ(req.messages[1].role, tokenmeter::chat_role::assistant);
  EXPECT_FALSE(req.messages[1].content.has_value());
  ASSERT_EQ(req.messages[1].tool_calls.size(), 1u);
  EXPECT_EQ(req.messages[1].tool_calls[0].arguments, R"({"query":"rate limits"})");
  EXPECT_EQ(req.messages[2].role, tokenmeter::chat_role::tool);
  EXPECT_EQ(req.messages[2].tool_call_id, "t1");
  EXPECT_EQ(req.messages[3].role, tokenmeter::chat_role::user);
  ASSERT_EQ(req.tools.size(), 1u);
  EXPECT_EQ(req.tools[0].openai.dump(),
            R"({"type":"function","function":{"name":"search","description":"Search the documentation.","parameters":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}}})");
}

TEST(chat_request, openai_shape_and_errors) {
  const auto req = load_request("openai_parallel_tools.json");
  EXPECT_EQ(req.shape, tokenmeter::request_shape::openai);
  ASSERT_EQ(req.messages[1].tool_calls.size(), 2u);
  EXPECT_FALSE(req.messages[1].content.has_value());
  EXPECT_EQ(tokenmeter::parse_chat_request("{").error_value().code, tokenmeter::errc::parse_error);
  EXPECT_EQ(tokenmeter::parse_chat_request(R"({"messages": [{"role": "narrator", "content": "x"}]})").error_value().code,
            tokenmeter::errc::parse_error);
  const auto image = tokenmeter::parse_chat_request(
      R"({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]})");
  EXPECT_EQ(image.error_value().code, tokenmeter::errc::unsupported);
}

TEST(chat_template, llama3_refuses_what_it_cannot_express) {
  const auto req = load_request("openai_tool_call.json");
  const auto r = tokenmeter::render_chat(tokenmeter::chat_template_id::llama3, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error_value().code, tokenmeter::errc::unsupported);
  EXPECT_EQ(tokenmeter::render_chat(tokenmeter::chat_template_id::qwen3, tokenmeter::chat_request{}).error_value().code,
            tokenmeter::errc::invalid_argument);
}

TEST(chat_template, python_strip_semantics) {
  using tokenmeter::detail::py_strip;
  EXPECT_EQ(py_strip(" \t\n x y \r\n"), "x y");
  EXPECT_EQ(py_strip("\u3000\u00a0x\u2029\u0085"), "x");
  EXPECT_EQ(py_strip("\u200bx"), "\u200bx");  // ZERO WIDTH SPACE is not whitespace in Python
  EXPECT_EQ(tokenmeter::detail::tojson(tokenmeter::ordered_json::parse(R"({"b":[1,true,null],"a":"\u0001é\n"})")),
            R"({"b": [1, true, null], "a": "\u0001é\n"})");
}

TEST(request_count, models_without_the_template_are_estimates) {
  TOKENMETER_LOAD_OR_SKIP(tok, "qwen3");
  const auto req = load_request("openai_system_user.json");
  const auto exact = tokenmeter::count_request("qwen3-8b", req);
  const auto other = tokenmeter::count_request("qwen3-coder-480b", req);
  ASSERT_TRUE(exact && other);
  EXPECT_EQ(exact->exactness, tokenmeter::exactness::exact);
  EXPECT_EQ(other->exactness, tokenmeter::exactness::estimate);
  EXPECT_EQ(other->input_tokens, exact->input_tokens);
  EXPECT_FALSE(other->note.empty());
}

TEST(request_count, openai_documented_overheads) {
  TOKENMETER_LOAD_OR_SKIP(tok, "o200k_base");
  // The cookbook's arithmetic: 3 per message + the role's and content's tokens + 3 for the reply.
  const auto one = tokenmeter::count_request("gpt-4o", std::string_view(R"({"messages": [{"role": "user", "content": "hi"}]})"));
  ASSERT_TRUE(one.has_value()) << one.error_value().message;
  EXPECT_EQ(one->input_tokens, 3 + *tok->count("user") + *tok->count("hi") + 3);
  EXPECT_EQ(one->exactness, tokenmeter::exactness::estimate);
  EXPECT_EQ(one->method, tokenmeter::request_count_method::openai_documented);
  // Tools: 7 per function + "name:description" + 3 for properties + 3 per property + its line
  // (+ enum items) + 12 at the end.
  const auto with_tools = tokenmeter::count_request("gpt-4o", load_request("openai_tool_call.json"));
  const auto without = tokenmeter::count_request("gpt-4o", [] {
    auto r = load_request("openai_tool_call.json");
    r.tools.clear();
    return r;
  }());
  ASSERT_TRUE(with_tools && without);
  const std::size_t tools = 7 + *tok->count("get_weather:Current weather for a city") + 3 +          // function, properties
                            3 + *tok->count("city:string:City name, e.g. Zürich") +                   // city
                            3 - 3 + 3 + *tok->count("celsius") + 3 + *tok->count("fahrenheit") +     // unit's enum
                            *tok->count("unit:string:") + 12;
  EXPECT_EQ(with_tools->input_tokens - without->input_tokens, tools);
}

// The probe texts and the live API counts (../shared/peer-vectors/provenance-probe).
struct probe {
  std::string name, text;
  std::size_t claude = 0, gemini = 0;
};
std::vector<probe> load_probes() {
  const std::string dir = tokenmeter_test::shared_dir() + "/peer-vectors/provenance-probe";
  std::vector<probe> out;
  if (!fs::exists(dir + "/probes.json")) return out;
  const auto texts = nlohmann::json::parse(read_text(dir + "/probes.json"));
  const auto ref = nlohmann::json::parse(read_text(dir + "/ref.json"));
  for (const auto& [name, text] : texts.items())
    out.push_back({name, text.get<std::string>(), ref["models"]["Claude"]["vector"][name].get<std::size_t>(),
                   ref["models"]["Gemini"]["vector"][name].get<std::size_t>()});
  return out;
}
tokenmeter::chat_request single_user(const std::string& text) {
  tokenmeter::chat_request r;
  r.messages.push_back({tokenmeter::chat_role::user, text, {}, {}});
  return r;
}

TEST(request_count, gemini_matches_the_live_api_on_every_probe) {
  const auto probes = load_probes();
  if (probes.empty()) GTEST_SKIP() << "provenance probes not found under " << tokenmeter_test::shared_dir();
  TOKENMETER_LOAD_OR_SKIP(tok, "gemma3");
  for (const auto& p : probes) {
    const auto n = tokenmeter::count_request("gemini-2.5-flash", single_user(p.text));
    ASSERT_TRUE(n.has_value()) << n.error_value().message;
    EXPECT_EQ(n->input_tokens, p.gemini) << p.name;
    EXPECT_EQ(n->exactness, tokenmeter::exactness::estimate);
  }
}

// Reports the Claude estimate's error against the live API (the figures docs/chat-templates.md
// quotes) and guards them: the calibration keeps the total unbiased.
TEST(request_count, claude_estimate_error_against_the_live_api) {
  const auto probes = load_probes();
  if (probes.empty()) GTEST_SKIP() << "provenance probes not found under " << tokenmeter_test::shared_dir();
  TOKENMETER_LOAD_OR_SKIP(tok, "claude-legacy");
  double sum_abs = 0, max_abs = 0;
  std::size_t total_est = 0, total_api = 0, within_10 = 0;
  for (const auto& p : probes) {
    const auto n = tokenmeter::count_request("claude-sonnet-4-5", single_user(p.text));
    ASSERT_TRUE(n.has_value()) << n.error_value().message;
    EXPECT_EQ(n->exactness, tokenmeter::exactness::estimate);
    const double err = (static_cast<double>(n->input_tokens) - static_cast<double>(p.claude)) / static_cast<double>(p.claude);
    std::printf("claude %-22s api %4zu estimate %4zu error %+6.1f%%\n", p.name.c_str(), p.claude, n->input_tokens, 100 * err);
    sum_abs += std::fabs(err);
    max_abs = std::max(max_abs, std::fabs(err));
    within_10 += std::fabs(err) <= 0.10;
    total_est += n->input_tokens;
    total_api += p.claude;
  }
  const double total_err = (static_cast<double>(total_est) - static_cast<double>(total_api)) / static_cast<double>(total_api);
  std::printf("claude: mean |error| %.1f%%, max |error| %.1f%%, %zu/%zu within 10%%, total %+.2f%%\n",
              100 * sum_abs / static_cast<double>(probes.size()), 100 * max_abs, within_10, probes.size(), 100 * total_err);
  EXPECT_LT(std::fabs(total_err), 0.01);
  EXPECT_LT(sum_abs / static_cast<double>(probes.size()), 0.30);
}

TEST(request_count, families_without_a_template_are_labelled) {
  TOKENMETER_LOAD_OR_SKIP(tok, "kimi-k2");
  const auto n = tokenmeter::count_request("kimi-k2", load_request("openai_tool_call.json"));
  ASSERT_TRUE(n.has_value()) << n.error_value().message;
  EXPECT_EQ(n->exactness, tokenmeter::exactness::estimate);
  EXPECT_EQ(n->method, tokenmeter::request_count_method::generic_framing);
  EXPECT_NE(n->note.find("kimi-k2"), std::string::npos);
  EXPECT_EQ(tokenmeter::render_request("kimi-k2", load_request("openai_tool_call.json")).error_value().code,
            tokenmeter::errc::unsupported);
}

}  // namespace
