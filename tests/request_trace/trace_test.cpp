// Reconciliation and trace pricing. "Theirs" is the provider usage in the trace file; "ours" is
// always recomputed here with the library (tokenizer counts, the request counter), never typed in.
#include <tokenmeter/request/reconcile.hpp>
#include <tokenmeter/request/trace.hpp>

#include "test_support.hpp"

namespace {

namespace tp = tokenmeter::pricing;

const std::string trace_path = tokenmeter_test::source_dir() + "/tests/request_trace/data/agent_run.jsonl";

TEST(reconcile, differences_and_costs_per_bucket) {
  tp::usage theirs;
  theirs.input = 900;
  theirs.cache_read = 100;
  theirs.output = 200;
  theirs.reasoning = 50;
  tokenmeter::our_counts ours;
  ours.input = 1010;
  ours.output = 195;
  auto at = tp::parse_timestamp("2025-06-01T00:00:00Z");
  ASSERT_TRUE(at.has_value());
  auto rec = tokenmeter::reconcile(ours, theirs, tp::builtin_rate_table(), "gpt-4o", *at);
  ASSERT_TRUE(rec.has_value()) << rec.error_value().message;
  ASSERT_EQ(rec->rows.size(), 5u);
  EXPECT_EQ(rec->rows[0].theirs, 1000u);  // input = uncached + cached
  EXPECT_EQ(*rec->rows[0].difference, 10);
  EXPECT_FALSE(rec->rows[1].ours.has_value());  // the cache split is the provider's
  EXPECT_EQ(*rec->rows[3].difference, -5);
  EXPECT_FALSE(rec->rows[4].ours.has_value());
  // Costs, by hand from the gpt-4o card ($2.50 input, $1.25 cached input, $10 output and
  // reasoning per 1M tokens). Ours keeps the provider's cache split: 910 uncached + 100 cached.
  //   theirs: 900*2.5 + 100*1.25 + 200*10 + 50*10 = 4875 per 1M = $0.004875
  //   ours:   910*2.5 + 100*1.25 + 195*10 + 50*10 = 4850 per 1M = $0.00485
  EXPECT_EQ(tp::format_amount(rec->their_total_femto), "0.004875");
  EXPECT_EQ(tp::format_amount(rec->our_total_femto), "0.00485");
  tp::int128 sum = 0;
  for (const auto& row : rec->rows) sum += row.their_cost_femto;
  EXPECT_EQ(sum, rec->their_total_femto);  // gpt-4o has no per-request fee: the buckets are the total
}

TEST(trace, prices_each_step_and_the_total) {
  ASSERT_TRUE(std::filesystem::exists(trace_path)) << trace_path << " is part of the repository";
  std::string why;
  if (!tokenmeter_test::try_load("o200k_base", why) || !tokenmeter_test::try_load("deepseek-v3.1", why) ||
      !tokenmeter_test::try_load("claude-legacy", why))
    GTEST_SKIP() << why;
  auto rep = tokenmeter::analyze_trace(tokenmeter_test::read_text(trace_path));
  ASSERT_TRUE(rep.has_value()) << rep.error_value().message;
  ASSERT_EQ(rep->steps.size(), 3u);
  EXPECT_EQ(rep->steps[0].label, "plan");
  EXPECT_EQ(rep->steps[1].label, "2");
  EXPECT_EQ(rep->steps[1].line, 3u);  // blank line skipped, numbering kept

  // Output and reasoning are the model's tokenizer over the response text.
  auto ds = tokenmeter::load_model("deepseek-chat");
  ASSERT_TRUE(ds.has_value());
  EXPECT_EQ(*rep->steps[1].ours.output, *ds->tok->count("A tokenizer splits text into the units (tokens) a language model reads and writes."));
  EXPECT_EQ(*rep->steps[1].ours.reasoning, *ds->tok->count("The user wants one sentence. Keep it short."));
  EXPECT_EQ(rep->steps[1].theirs.reasoning, 11u);
  EXPECT_EQ(rep->steps[1].theirs.output, 19u);
  // Anthropic thinking block is reasoning; the tool call's name and arguments are output.
  EXPECT_TRUE(rep->steps[2].ours.reasoning.has_value());
  auto gpt = tokenmeter::load_model("gpt-4o");
  EXPECT_EQ(*rep->steps[0].ours.output, *gpt->tok->count("list_files{\"path\":\"src/\"}"));
  // Input comes from the request counter when it can render the request, else the provider's.
  for (const auto& st : rep->steps) EXPECT_EQ(st.ours.input.has_value(), st.input_method != "provider-reported") << st.label;
  // Totals are the sums of the steps.
  std::uint64_t their_out = 0;
  tp::int128 their_cost = 0;
  for (const auto& st : rep->steps) {
    their_out += st.rec.rows[3].theirs;
    their_cost += st.rec.their_total_femto;
  }
  EXPECT_EQ(rep->theirs[3], their_out);
  EXPECT_EQ(rep->their_cost.at("USD"), their_cost);
}

TEST(trace, malformed_lines_name_the_line) {
  auto r = tokenmeter::analyze_trace("{\"request\": {}, \"response\": {}}\nnot json\n", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error_value().message.find("line 1"), std::string::npos) << r.error_value().message;
  auto r2 = tokenmeter::analyze_trace("{\"request\": {\"model\": \"gpt-4o\"}}\n", {});
  ASSERT_FALSE(r2.has_value());
  EXPECT_NE(r2.error_value().message.find("line 1"), std::string::npos);
}

}  // namespace
