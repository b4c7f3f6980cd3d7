// tokenmeter price / prices: exact prices from the embedded rate table (plus an optional overlay).
//
//   tokenmeter price --model NAME [--provider P] [--at TIMESTAMP] --input N --output N
//                    [--cache-read N] [--cache-write-5m N] [--cache-write-1h N] [--reasoning N]
//                    [--batch | --flex | --priority] [--requests N] [--rates OVERLAY.toml] [--json]
//   tokenmeter price --usage FILE [--model NAME] [--provider P] [--at TIMESTAMP] [...] [--json]
//   tokenmeter prices [--provider P] [--model NAME] [--at TIMESTAMP | --all] [--rates OVERLAY.toml] [--json]
//
// Exit codes: 0 ok; 2 usage or configuration error (bad flags, unknown model, no card at that date,
// tier not offered, invalid overlay); 3 input error (unreadable or malformed usage file).
#include "command.hpp"
#include "common.hpp"

#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/pricing/rate_loader.hpp>
#include <tokenmeter/pricing/usage_adapters.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace tokenmeter_cli {
namespace {

namespace tp = tokenmeter::pricing;
using json = nlohmann::ordered_json;  // keys print in the documented order

int fail(const char* cmd, const tokenmeter::error& e, int code) {
  std::fprintf(stderr, "tokenmeter %s: error: %s: %s\n", cmd, std::string(tokenmeter::to_string(e.code)).c_str(), e.message.c_str());
  return code;
}

// What both commands need: the instant (--at) and the table (embedded, plus --rates when given,
// validated the same way). Prints the error and returns nullopt on failure (exit 2).
struct pricing_context {
  std::optional<tp::timestamp> at;
  tp::rate_table table;
};

std::optional<pricing_context> make_context(const std::string& when, const std::string& overlay, const char* cmd) {
  pricing_context ctx;
  if (!when.empty()) {
    auto t = tp::parse_timestamp(when);
    if (!t) {
      fail(cmd, tokenmeter::make_error(tokenmeter::errc::invalid_argument, t.error_value().message), 2);
      return std::nullopt;
    }
    ctx.at = *t;
  }
  if (overlay.empty()) {
    ctx.table = tp::builtin_rate_table();
    return ctx;
  }
  auto file = tp::load_rate_file(overlay);
  if (!file) {
    fail(cmd, file.error_value(), 2);
    return std::nullopt;
  }
  auto merged = tp::builtin_rate_table().with_overlay(file->cards, std::filesystem::path(overlay).filename().string());
  if (!merged) {
    fail(cmd, merged.error_value(), 2);
    return std::nullopt;
  }
  ctx.table = std::move(*merged);
  return ctx;
}

json price_json(const tp::price_breakdown& p) {
  json items = json::array();
  for (const auto& it : p.items) {
    if (p.provider_reported)
      items.push_back({{"bucket", "provider_reported"}, {"tokens", it.tokens}, {"rate_per_million", nullptr}, {"amount", tp::format_amount(it.amount_femto)}});
    else
      items.push_back({{"bucket", std::string(tp::to_string(it.what))},
                       {"tokens", it.tokens},
                       {"rate_per_million", tp::format_rate(it.rate_nano)},
                       {"amount", tp::format_amount(it.amount_femto)}});
  }
  return {{"model", p.model},
          {"provider", p.provider},
          {"currency", p.currency},
          {"total", tp::format_amount(p.total_femto)},
          {"items", items},
          {"rate_card",
           {{"source", p.source}, {"effective_from", p.effective_from ? json(tp::format_timestamp(*p.effective_from)) : json(nullptr)}}}};
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string price_text(const tp::price_breakdown& p) {
  std::string out = p.model + " (" + p.provider + ") at " + tp::format_timestamp(p.at) + ", " + std::string(tp::to_string(p.tier)) + ", " + p.currency + "\n";
  out += "  " + pad("bucket", 18) + pad("tokens", 14) + pad("rate/1M", 14) + pad("amount", 22) + "basis\n";
  for (const auto& it : p.items) {
    const bool fee = it.what == tp::bucket::request;
    out += "  " + pad(p.provider_reported ? "provider_reported" : std::string(tp::to_string(it.what)), 18) + pad(std::to_string(it.tokens), 14) +
           pad(p.provider_reported ? "-" : tp::format_rate(it.rate_nano) + (fee ? "/req" : ""), 14) + pad(tp::format_amount(it.amount_femto), 22) + it.basis + "\n";
  }
  out += "  " + pad("total", 46) + tp::format_amount(p.total_femto) + " " + p.currency + "\n";
  out += "  rate card: " + p.source + " (" + p.authority + ")";
  if (p.effective_from)
    out += ", in force " + tp::format_timestamp(*p.effective_from) + " .. " + (p.effective_to ? tp::format_timestamp(*p.effective_to) : std::string("open"));
  out += "\n";
  for (const auto& n : p.notes) out += "  " + n + "\n";
  out += "  amounts are exact: tokens x rate in integers, nothing rounded\n";
  return out;
}

std::optional<tp::service_tier> tier_from_flags(bool batch, bool flex, bool priority) {
  if (batch + flex + priority > 1) return std::nullopt;
  return batch ? tp::service_tier::batch : flex ? tp::service_tier::flex : priority ? tp::service_tier::priority : tp::service_tier::standard;
}

int run_price(std::vector<std::string> args) {
  CLI::App app{"Price token usage exactly, from counts on the command line or provider usage JSON"};
  std::string model, provider, when, usage_file, overlay;
  std::uint64_t input = 0, output = 0, cache_read = 0, cw5 = 0, cw1h = 0, reasoning = 0, requests = 1;
  bool batch = false, flex = false, priority = false, as_json = false;
  app.add_option("-m,--model", model, "Model id or alias, e.g. claude-opus-4.6, gpt-5.5, deepseek-v4-flash (with --usage: overrides the response's model)");
  app.add_option("--provider", provider, "Billing route: openai, anthropic, google, deepseek, moonshot, minimax, zai, zhipu, alibaba, alibaba-cn, openrouter (default: the model's first party)");
  app.add_option("--at", when, "When the request ran (ISO 8601 UTC, e.g. 2026-08-17T01:00:00Z; default: the response's time, else now)");
  auto* in_opt = app.add_option("--input", input, "Uncached input tokens");
  auto* out_opt = app.add_option("--output", output, "Output tokens, not counting --reasoning");
  app.add_option("--cache-read", cache_read, "Input tokens read from a cache");
  app.add_option("--cache-write-5m", cw5, "Input tokens written to a cache, 5-minute TTL");
  app.add_option("--cache-write-1h", cw1h, "Input tokens written to a cache, 1-hour TTL");
  app.add_option("--reasoning", reasoning, "Reasoning output tokens (billed at the output rate unless the card differs)");
  app.add_option("--requests", requests, "Number of requests (per-request fees)");
  app.add_flag("--batch", batch, "Batch API pricing");
  app.add_flag("--flex", flex, "Flex service tier");
  app.add_flag("--priority", priority, "Priority service tier");
  auto* usage_opt = app.add_option("--usage", usage_file, "Provider response(s) or usage object(s): one JSON, a JSON array, or JSONL ('-' = stdin)");
  app.add_option("--rates", overlay, "Rate overlay (TOML, same format as rates/*.toml) adding or overriding cards");
  app.add_flag("--json", as_json, "Print JSON");
  usage_opt->excludes(in_opt)->excludes(out_opt);
  if (auto rc = parse_args(app, std::move(args))) return *rc;

  const auto tier_flag = tier_from_flags(batch, flex, priority);
  if (!tier_flag) return fail("price", tokenmeter::make_error(tokenmeter::errc::invalid_argument, "choose at most one of --batch, --flex, --priority"), 2);
  auto ctx = make_context(when, overlay, "price");
  if (!ctx) return 2;
  const std::optional<tp::timestamp> at = ctx->at;
  const tp::rate_table* table = &ctx->table;

  if (usage_file.empty()) {
    if (model.empty() || in_opt->count() == 0 || out_opt->count() == 0)
      return fail("price", tokenmeter::make_error(tokenmeter::errc::invalid_argument, "--model, --input and --output are required (or use --usage FILE)"), 2);
    tp::usage u;
    u.input = input;
    u.output = output;
    u.cache_read = cache_read;
    u.cache_write_5m = cw5;
    u.cache_write_1h = cw1h;
    u.reasoning = reasoning;
    u.requests = requests;
    auto p = tp::price(*table, u, model, provider, at.value_or(tp::now_utc()), *tier_flag);
    if (!p) return fail("price", p.error_value(), exit_code_for(p.error_value().code, error_context::pricing));
    if (as_json)
      std::printf("%s\n", price_json(*p).dump(2).c_str());
    else
      std::fputs(price_text(*p).c_str(), stdout);
    return 0;
  }

  std::string text;
  if (usage_file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto t = tp::read_text_file(usage_file);
    if (!t) return fail("price", t.error_value(), 3);
    text = std::move(*t);
  }
  auto records = tp::parse_usage_document(text);
  if (!records) return fail("price", tokenmeter::make_error(records.error_value().code, usage_file + ": " + records.error_value().message), 3);

  json lines = json::array();
  std::string human;
  tp::cost_accumulator totals;
  for (const auto& rec : *records) {
    const tp::usage& u = rec.u;
    const std::string m = model.empty() ? u.model : model;
    if (m.empty())
      return fail("price", tokenmeter::make_error(tokenmeter::errc::invalid_argument, "line " + std::to_string(rec.line) + ": the response names no model; pass --model"), 2);
    const std::string prov = provider.empty() ? u.provider_hint : provider;
    const tp::timestamp t = at ? *at : u.created.value_or(tp::now_utc());
    const tp::service_tier tier = *tier_flag != tp::service_tier::standard ? *tier_flag : u.tier.value_or(tp::service_tier::standard);
    auto p = tp::price(*table, u, m, prov, t, tier);
    if (!p) {
      auto e = p.error_value();
      e.message = "line " + std::to_string(rec.line) + " (" + u.shape + "): " + e.message;
      return fail("price", e, exit_code_for(e.code, error_context::pricing));
    }
    if (auto added = totals.add(p->total()); !added) return fail("price", added.error_value(), 3);
    json j = price_json(*p);
    j["line"] = rec.line;
    lines.push_back(std::move(j));
    human += "line " + std::to_string(rec.line) + " [" + u.shape + "]: " + price_text(*p) + "\n";
  }
  json tot = json::array();
  std::string tot_text;
  for (const auto& [cur, femto] : totals.totals()) {
    tot.push_back({{"currency", cur}, {"total", tp::format_amount(femto)}});
    tot_text += "total " + cur + ": " + tp::format_amount(femto) + " (" + std::to_string(records->size()) + " record" + (records->size() == 1 ? "" : "s") + ")\n";
  }
  if (as_json)
    std::printf("%s\n", json{{"lines", lines}, {"totals", tot}}.dump(2).c_str());
  else
    std::fputs((human + tot_text).c_str(), stdout);
  return 0;
}

json rates_json(const tp::rate_set& rs) {
  json j = json::object();
  for (auto b : tp::all_buckets)
    if (rs[b]) j[std::string(tp::to_string(b))] = tp::format_rate(*rs[b]);
  return j;
}

std::string rates_text(const tp::rate_set& rs) {
  std::string s;
  for (auto b : tp::all_buckets)
    if (rs[b]) s += (s.empty() ? "" : " ") + std::string(tp::to_string(b)) + "=" + tp::format_rate(*rs[b]);
  return s;
}

std::string clock_text(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

int run_prices(std::vector<std::string> args) {
  CLI::App app{"List rate cards: model, provider, rates per 1M tokens, dates, source"};
  std::string provider, model, when, overlay;
  bool all = false, as_json = false;
  app.add_option("--provider", provider, "Only this billing route");
  app.add_option("-m,--model", model, "Only cards answering to this name");
  app.add_option("--at", when, "Cards in force at this instant (default: now)");
  app.add_flag("--all", all, "Every card, including past and future ones");
  app.add_option("--rates", overlay, "Rate overlay (TOML) adding or overriding cards");
  app.add_flag("--json", as_json, "Print JSON");
  if (auto rc = parse_args(app, std::move(args))) return *rc;
  auto ctx = make_context(when, overlay, "prices");
  if (!ctx) return 2;
  const tp::timestamp at = ctx->at.value_or(tp::now_utc());
  const tp::rate_table* table = &ctx->table;

  json cards = json::array();
  std::string text = "rate table " + table->version() + " (sha256 " + table->content_hash() + ")" +
                     (all ? std::string(", all cards") : ", cards in force at " + tp::format_timestamp(at)) + "; rates per 1M tokens\n\n";
  const std::string want = tokenmeter::pricing::detail::lower(model);
  std::size_t shown = 0;
  for (const auto& c : table->cards()) {
    if (!provider.empty() && c.provider != provider) continue;
    if (!all && !c.in_force(at)) continue;
    if (!want.empty()) {
      const auto names = tp::detail::exact_names(c);
      bool hit = std::find(names.begin(), names.end(), want) != names.end();
      for (const auto& p : c.match_prefixes) hit = hit || want.rfind(tp::detail::lower(p), 0) == 0;
      if (!hit) continue;
    }
    ++shown;
    json j = {{"model", c.model},
              {"provider", c.provider},
              {"aliases", c.aliases},
              {"currency", c.currency},
              {"first_party", c.first_party},
              {"rates", rates_json(c.rates)},
              {"effective_from", tp::format_timestamp(c.effective_from)},
              {"effective_to", c.effective_to ? json(tp::format_timestamp(*c.effective_to)) : json(nullptr)},
              {"source", c.prov.source},
              {"checked", c.prov.checked},
              {"authority", c.prov.authority}};
    text += c.provider + "/" + c.model + "  " + c.currency + "  " + rates_text(c.rates) + "\n";
    text += "    " + tp::format_timestamp(c.effective_from) + " .. " + (c.effective_to ? tp::format_timestamp(*c.effective_to) : std::string("open")) +
            "  " + c.prov.authority + "  " + c.prov.source + "\n";
    if (!c.aliases.empty()) {
      std::string a;
      for (const auto& x : c.aliases) a += " " + x;
      text += "    aliases:" + a + "\n";
    }
    if (!c.promotion.empty()) {
      j["promotion"] = c.promotion;
      text += "    promotion: " + c.promotion + "\n";
    }
    if (!c.tiers.empty()) {
      json tiers = json::array();
      for (const auto& t : c.tiers) {
        json counts = json::array();
        for (auto b : tp::all_buckets)
          if (t.counts[static_cast<std::size_t>(b)]) counts.push_back(std::string(tp::to_string(b)));
        tiers.push_back({{"threshold", t.threshold}, {"comparison", t.inclusive ? ">=" : ">"}, {"counts", counts},
                         {"applies_to", std::string(tp::to_string(t.mode))}, {"rates", rates_json(t.rates)}});
        text += "    long context " + std::string(t.inclusive ? ">= " : "> ") + std::to_string(t.threshold) + " (" + std::string(tp::to_string(t.mode)) +
                "): " + rates_text(t.rates) + "\n";
      }
      j["long_context"] = tiers;
    }
    if (c.time_of_day) {
      const auto& s = *c.time_of_day;
      json windows = json::array();
      const int off = s.utc_offset_minutes;
      const std::string offset = std::string(off < 0 ? "-" : "+") + clock_text(off < 0 ? -off : off);
      for (const auto& w : s.windows) {
        windows.push_back({{"label", w.label}, {"days_mask", w.days}, {"start", clock_text(w.start_minute)}, {"end", clock_text(w.end_minute)}, {"rates", rates_json(w.rates)}});
        text += "    " + w.label + " " + clock_text(w.start_minute) + "-" + clock_text(w.end_minute) + " UTC" + offset + ": " + rates_text(w.rates) + "\n";
      }
      j["schedule"] = {{"utc_offset", offset}, {"base_label", s.base_label}, {"windows", windows}};
      text += "    (" + s.base_label + " otherwise)\n";
    }
    json svc = json::object();
    std::string svc_text;
    for (auto t : {tp::service_tier::batch, tp::service_tier::flex, tp::service_tier::priority})
      if (const auto& m = c.service_tiers[static_cast<std::size_t>(t)]) {
        svc[std::string(tp::to_string(t))] = tp::format_decimal(m->millionths, 6);
        svc_text += " " + std::string(tp::to_string(t)) + " x" + tp::format_decimal(m->millionths, 6);
      }
    if (!svc.empty()) {
      j["service_tiers"] = svc;
      text += "    service tiers:" + svc_text + "\n";
    }
    cards.push_back(std::move(j));
  }
  if (as_json) {
    json nf = json::array();
    for (const auto& n : table->not_found()) nf.push_back({{"provider", n.provider}, {"model", n.model}, {"searched", n.searched}});
    std::printf("%s\n", json{{"version", table->version()}, {"content_hash", table->content_hash()}, {"cards", cards}, {"not_found", nf}}.dump(2).c_str());
  } else {
    std::fputs(text.c_str(), stdout);
    std::printf("\n%zu card%s\n", shown, shown == 1 ? "" : "s");
  }
  return 0;
}

const registrar price_cmd{"price", "Price token usage exactly (counts or provider usage JSON), with a line-item breakdown", run_price};
const registrar prices_cmd{"prices", "List rate cards: model, provider, rates, dates, source", run_prices};

}  // namespace
}  // namespace tokenmeter_cli
