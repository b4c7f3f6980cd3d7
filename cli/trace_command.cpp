// tokenmeter trace: prices an agent run's trace (JSONL of {request, response}) per step and in
// total, reconciling our counts with the provider's usage (docs/request-accounting.md).
//
//   tokenmeter trace FILE [--model M] [--at TIMESTAMP] [--json]
//
// Exit codes: 0 ok; 2 usage error (bad flags, unknown model, no card); 3 input error.
#include "command.hpp"
#include "common.hpp"

#include <tokenmeter/request/trace.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace tokenmeter_cli {
namespace {

namespace tp = tokenmeter::pricing;
using ojson = nlohmann::ordered_json;

std::string amount(tp::int128 femto) { return tp::format_amount(femto); }

std::string signed_count(std::int64_t d) { return (d > 0 ? "+" : "") + std::to_string(d); }

int run_trace(std::vector<std::string> args) {
  CLI::App app{"Price an agent trace (JSONL of {request, response}) per step and in total, reconciled with provider usage"};
  std::string file, model, when;
  bool as_json = false;
  app.add_option("file", file, "Trace file, JSON Lines ('-' = stdin)")->required();
  app.add_option("-m,--model", model, "Model to count and price with (default: each line's model, else request.model)");
  app.add_option("--at", when, "Instant for rate cards (ISO 8601 UTC; default: the response's time, else now)");
  app.add_flag("--json", as_json, "Print JSON");
  if (auto rc = parse_args(app, std::move(args))) return *rc;

  tokenmeter::trace_options opt;
  opt.model = model;
  if (!when.empty()) {
    auto t = tp::parse_timestamp(when);
    if (!t) {
      std::fprintf(stderr, "tokenmeter trace: error: %s\n", t.error_value().message.c_str());
      return 2;
    }
    opt.at = *t;
  }
  std::string text;
  if (file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto data = tokenmeter::detail::read_file(file);
    if (!data) {
      std::fprintf(stderr, "tokenmeter trace: error: %s\n", data.error_value().message.c_str());
      return 3;
    }
    text = std::move(*data);
  }
  auto rep = tokenmeter::analyze_trace(text, opt);
  if (!rep) {
    std::fprintf(stderr, "tokenmeter trace: error: %s\n", rep.error_value().message.c_str());
    return exit_code_for(rep.error_value().code, error_context::pricing);
  }
  if (as_json) {
    ojson out;
    out["steps"] = ojson::array();
    for (const auto& st : rep->steps) {
      ojson s;
      s["step"] = st.label;
      s["line"] = st.line;
      s["model"] = st.model;
      s["card"] = st.rec.card;
      s["input_method"] = st.input_method;
      s["input_exact"] = st.ours.input.has_value() && st.ours.input_exact;
      s["output_exact"] = st.output_exact;
      s["currency"] = st.rec.currency;
      ojson buckets = ojson::object();
      for (const auto& row : st.rec.rows) {
        ojson b;
        b["ours"] = row.ours ? ojson(*row.ours) : ojson(nullptr);
        b["theirs"] = row.theirs;
        b["difference"] = row.difference ? ojson(*row.difference) : ojson(nullptr);
        b["our_cost"] = amount(row.our_cost_femto);
        b["their_cost"] = amount(row.their_cost_femto);
        buckets[std::string(tokenmeter::to_string(row.what))] = b;
      }
      s["buckets"] = buckets;
      s["our_cost"] = amount(st.rec.our_total_femto);
      s["their_cost"] = amount(st.rec.their_total_femto);
      if (st.rec.provider_reported_femto) s["provider_reported_cost"] = amount(*st.rec.provider_reported_femto);
      s["notes"] = st.rec.notes;
      out["steps"].push_back(s);
    }
    ojson totals = ojson::object();
    for (std::size_t b = 0; b < tokenmeter::all_reconcile_buckets.size(); ++b) {
      ojson t;
      t["theirs"] = rep->theirs[b];
      t["ours"] = rep->steps_counted[b] ? ojson(rep->ours[b]) : ojson(nullptr);
      t["theirs_where_counted"] = rep->theirs_where_counted[b];
      t["steps_counted"] = rep->steps_counted[b];
      totals[std::string(tokenmeter::to_string(tokenmeter::all_reconcile_buckets[b]))] = t;
    }
    out["totals"] = totals;
    ojson cost = ojson::object();
    for (const auto& [cur, v] : rep->their_cost) cost[cur] = {{"ours", amount(rep->our_cost[cur])}, {"theirs", amount(v)}};
    out["cost"] = cost;
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%-8s %-22s %9s %9s %8s %9s %9s %8s  %-14s %s\n", "step", "model", "in.ours", "in.theirs", "in.diff",
              "out.ours", "out.their", "out.diff", "cost.theirs", "cost.ours");
  for (const auto& st : rep->steps) {
    const auto& in = st.rec.rows[0];
    const auto& out = st.rec.rows[3];
    std::printf("%-8s %-22s %9s %9llu %8s %9s %9llu %8s  %-14s %s %s\n", st.label.c_str(), st.model.c_str(),
                in.ours ? std::to_string(*in.ours).c_str() : "-", static_cast<unsigned long long>(in.theirs),
                in.difference ? signed_count(*in.difference).c_str() : "-", out.ours ? std::to_string(*out.ours).c_str() : "-",
                static_cast<unsigned long long>(out.theirs), out.difference ? signed_count(*out.difference).c_str() : "-",
                amount(st.rec.their_total_femto).c_str(), amount(st.rec.our_total_femto).c_str(), st.rec.currency.c_str());
    std::printf("         input: %s%s\n", st.input_method.c_str(),
                st.ours.input ? (st.ours.input_exact ? " (exact)" : " (estimate)") : " (provider usage used)");
  }
  std::printf("totals:\n");
  for (std::size_t b = 0; b < tokenmeter::all_reconcile_buckets.size(); ++b) {
    std::printf("  %-12s theirs %llu", std::string(tokenmeter::to_string(tokenmeter::all_reconcile_buckets[b])).c_str(),
                static_cast<unsigned long long>(rep->theirs[b]));
    if (rep->steps_counted[b])
      std::printf("  ours %llu over %zu step(s) (theirs there %llu, diff %s)", static_cast<unsigned long long>(rep->ours[b]),
                  rep->steps_counted[b], static_cast<unsigned long long>(rep->theirs_where_counted[b]),
                  signed_count(static_cast<std::int64_t>(rep->ours[b]) - static_cast<std::int64_t>(rep->theirs_where_counted[b])).c_str());
    std::printf("\n");
  }
  for (const auto& [cur, v] : rep->their_cost)
    std::printf("  cost         theirs %s %s  ours %s %s\n", amount(v).c_str(), cur.c_str(), amount(rep->our_cost[cur]).c_str(), cur.c_str());
  return 0;
}

const registrar trace_cmd{"trace", "Price an agent trace per step and in total, reconciled with provider usage", run_trace};

}  // namespace
}  // namespace tokenmeter_cli
