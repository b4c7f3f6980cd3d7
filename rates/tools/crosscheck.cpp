// crosscheck: compares tokenmeter's rate table with the LiteLLM and genai-prices snapshots.
//
//   crosscheck --rates <rates-dir> --snapshots <dir> [--at <instant>] [--quiet]
//
// Both sides are evaluated at the same instant (default 2026-11-23T00:00:00Z): our card in force then,
// and the snapshot's price for that instant (genai-prices date and time-of-day constraints are honoured;
// LiteLLM has no dates and is compared as it stands). Snapshot numbers are read from the JSON text
// exactly (no binary floats). Every difference is printed; a card that differs must explain why in its
// `crosscheck` field, otherwise the difference is UNEXPLAINED and the exit code is 1.
// Exit 77 when the snapshots are missing (ctest reports the test as skipped).
#include <tokenmeter/pricing/rate_loader.hpp>
#include <tokenmeter/pricing/rate_table.hpp>
#include <tokenmeter/pricing/usage_adapters.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace tp = tokenmeter::pricing;
using json = nlohmann::json;
using int128 = tp::int128;

namespace {

// "2.8e-07" (currency per token) -> exact integer at 10^-scale of the currency; nullopt if not exact.
std::optional<int128> parse_sci(const json& v, int scale) {
  std::string s;
  if (v.is_string()) s = v.get<std::string>();
  else if (v.is_number_integer()) s = std::to_string(v.get<long long>());
  else return std::nullopt;
  bool neg = false;
  std::size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) neg = s[0] == '-', i = 1;
  std::string digits;
  int frac = 0;
  bool dot = false;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') dot = true;
    else if (s[i] >= '0' && s[i] <= '9') digits += s[i], frac += dot ? 1 : 0;
    else return std::nullopt;
  }
  int exp = 0;
  if (i < s.size()) exp = std::stoi(s.substr(i + 1));
  int shift = exp - frac + scale;
  int128 value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  for (; shift > 0; --shift) value *= 10;
  for (; shift < 0; ++shift) {
    if (value % 10 != 0) return std::nullopt;
    value /= 10;
  }
  return neg ? -value : value;
}

std::string show(std::optional<int128> nano) { return nano ? tp::format_decimal(*nano, 9) : std::string("-"); }

struct diff_list {
  std::vector<std::string> lines;
  void add(std::string s) { lines.push_back(std::move(s)); }
};

// Compares one value in nano per 1M. Theirs 0 equals ours absent (not billed).
void compare(diff_list& d, const std::string& what, std::optional<int128> ours, std::optional<int128> theirs, const std::string& who) {
  if (!theirs) return;  // the snapshot does not say: not a difference
  if (!ours && *theirs == 0) return;
  if (ours && *ours == *theirs) return;
  d.add(what + ": ours " + show(ours) + ", " + who + " " + show(theirs));
}

std::optional<int128> ours_rate(const tp::rate_set& rs, tp::bucket b) {
  if (rs[b]) return static_cast<int128>(*rs[b]);
  if (b == tp::bucket::reasoning && rs[tp::bucket::output]) return static_cast<int128>(*rs[tp::bucket::output]);
  return std::nullopt;
}

tp::rate_set effective_base(const tp::rate_card& c, tp::timestamp at) {
  tp::rate_set rs = c.rates;
  if (c.time_of_day) {
    const auto lt = tp::to_local(at, c.time_of_day->utc_offset_minutes);
    for (const auto& w : c.time_of_day->windows)
      if ((w.days & (1u << lt.weekday)) && lt.minute_of_day >= w.start_minute && lt.minute_of_day < w.end_minute)
        for (auto b : tp::all_buckets)
          if (w.rates[b]) rs[b] = w.rates[b];
  }
  return rs;
}

// ---- LiteLLM ---------------------------------------------------------------------------------------
std::vector<std::string> litellm_keys(const tp::rate_card& c) {
  static const std::map<std::string, std::string> prefix = {
      {"openai", ""}, {"anthropic", ""}, {"google", "gemini/"}, {"deepseek", "deepseek/"}, {"moonshot", "moonshot/"},
      {"minimax", "minimax/"}, {"zai", "zai/"}, {"alibaba", "dashscope/"}, {"openrouter", "openrouter/"}};
  auto it = prefix.find(c.provider);
  if (it == prefix.end()) return {};
  std::vector<std::string> keys{tp::detail::lower(it->second + c.model)};
  for (const auto& a : c.aliases) keys.push_back(tp::detail::lower(it->second + a));
  return keys;
}

void compare_litellm(diff_list& d, const tp::rate_card& c, const tp::rate_set& base, const json& e, const std::string& key) {
  const std::string who = "litellm:" + key;
  auto per_token = [&](const char* f) -> std::optional<int128> {
    const json* v = tp::detail::member(e, f);
    return v ? parse_sci(*v, 15) : std::nullopt;  // currency per token -> nano per 1M = x 10^15
  };
  std::optional<int128> in = per_token("input_cost_per_token"), out = per_token("output_cost_per_token");
  std::optional<int128> cr = per_token("cache_read_input_token_cost");
  if (!cr) cr = per_token("input_cost_per_token_cache_hit");
  if (const json* tiers = tp::detail::member(e, "tiered_pricing"); tiers && tiers->is_array() && !tiers->empty()) {
    const json& t0 = (*tiers)[0];
    in = parse_sci(t0.value("input_cost_per_token", json()), 15);
    out = parse_sci(t0.value("output_cost_per_token", json()), 15);
    for (std::size_t k = 1; k < tiers->size(); ++k) {
      const json& tk = (*tiers)[k];
      const auto start = tk.contains("range") && tk["range"].is_array() ? parse_sci(tk["range"][0], 0) : std::nullopt;
      const tp::long_context_tier* ours = k - 1 < c.tiers.size() ? &c.tiers[k - 1] : nullptr;
      if (!ours) {
        d.add("tier from " + show(start ? std::optional<int128>(*start * 1'000'000'000) : std::nullopt) + " tokens: we have no such tier (" + who + ")");
        continue;
      }
      if (!start || static_cast<std::uint64_t>(*start) != ours->threshold || ours->inclusive)
        d.add("tier " + std::to_string(k) + " threshold: ours " + std::string(ours->inclusive ? ">=" : ">") + std::to_string(ours->threshold) + ", " + who +
              " range starts " + (start ? tp::format_decimal(*start, 0) : std::string("?")));
      compare(d, "tier " + std::to_string(k) + " input", ours_rate(ours->rates[tp::bucket::input] ? ours->rates : base, tp::bucket::input),
              parse_sci(tk.value("input_cost_per_token", json()), 15), who);
      compare(d, "tier " + std::to_string(k) + " output", ours_rate(ours->rates[tp::bucket::output] ? ours->rates : base, tp::bucket::output),
              parse_sci(tk.value("output_cost_per_token", json()), 15), who);
    }
  }
  compare(d, "input", ours_rate(base, tp::bucket::input), in, who);
  compare(d, "output", ours_rate(base, tp::bucket::output), out, who);
  compare(d, "cache_read", ours_rate(base, tp::bucket::cache_read), cr, who);
  compare(d, "cache_write_5m", ours_rate(base, tp::bucket::cache_write_5m), per_token("cache_creation_input_token_cost"), who);
  compare(d, "cache_write_1h", ours_rate(base, tp::bucket::cache_write_1h), per_token("cache_creation_input_token_cost_above_1hr"), who);
  compare(d, "reasoning", ours_rate(base, tp::bucket::reasoning), per_token("output_cost_per_reasoning_token"), who);
  // Long-context: *_above_<N>k_tokens
  for (auto it = e.begin(); it != e.end(); ++it) {
    static const std::regex re("^input_cost_per_token_above_([0-9]+)k_tokens$");
    std::smatch m;
    const std::string k = it.key();
    if (!std::regex_match(k, m, re)) continue;
    const std::uint64_t thr = std::stoull(m[1]) * 1000;
    const tp::long_context_tier* ours = nullptr;
    for (const auto& t : c.tiers)
      if (t.threshold == thr || t.threshold + 1 == thr) ours = &t;
    const std::string sfx = "_above_" + std::string(m[1]) + "k_tokens";
    if (!ours) {
      d.add("long context above " + std::to_string(thr) + ": we have no such tier (" + who + ")");
      continue;
    }
    tp::rate_set tr = base;
    for (auto b : tp::all_buckets)
      if (ours->rates[b]) tr[b] = ours->rates[b];
    compare(d, "long-context input", ours_rate(tr, tp::bucket::input), per_token(("input_cost_per_token" + sfx).c_str()), who);
    compare(d, "long-context output", ours_rate(tr, tp::bucket::output), per_token(("output_cost_per_token" + sfx).c_str()), who);
    compare(d, "long-context cache_read", ours_rate(tr, tp::bucket::cache_read), per_token(("cache_read_input_token_cost" + sfx).c_str()), who);
    compare(d, "long-context cache_write_5m", ours_rate(tr, tp::bucket::cache_write_5m), per_token(("cache_creation_input_token_cost" + sfx).c_str()), who);
  }
  // Service tiers.
  const std::pair<const char*, tp::service_tier> svc[] = {{"_batches", tp::service_tier::batch}, {"_flex", tp::service_tier::flex}, {"_priority", tp::service_tier::priority}};
  for (const auto& [sfx, tier] : svc) {
    const auto& m = c.service_tiers[static_cast<std::size_t>(tier)];
    const std::string name(tp::to_string(tier));
    for (auto [field, b] : {std::pair{"input_cost_per_token", tp::bucket::input}, std::pair{"output_cost_per_token", tp::bucket::output},
                            std::pair{"cache_read_input_token_cost", tp::bucket::cache_read}}) {
      auto theirs = per_token((std::string(field) + sfx).c_str());
      if (!theirs) continue;
      std::optional<int128> ours;
      if (m && base[b]) ours = static_cast<int128>(*base[b]) * m->millionths / 1'000'000;
      compare(d, name + "." + std::string(tp::to_string(b)), ours, theirs, who);
    }
  }
}

// ---- genai-prices ------------------------------------------------------------------------------------
bool genai_match(const json& m, const std::string& name) {
  if (!m.is_object()) return false;
  auto str = [&](const char* k) { return tp::detail::lower(m[k].get<std::string>()); };
  if (m.contains("equals")) return name == str("equals");
  if (m.contains("starts_with")) return name.rfind(str("starts_with"), 0) == 0;
  if (m.contains("ends_with")) {
    const auto s = str("ends_with");
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  }
  if (m.contains("contains")) return name.find(str("contains")) != std::string::npos;
  if (m.contains("regex")) return std::regex_search(name, std::regex(m["regex"].get<std::string>()));
  if (m.contains("or")) {
    for (const auto& x : m["or"])
      if (genai_match(x, name)) return true;
    return false;
  }
  if (m.contains("and")) {
    for (const auto& x : m["and"])
      if (!genai_match(x, name)) return false;
    return true;
  }
  return false;
}

// The genai price object in force at `at`: later entries win when their constraint holds.
const json* genai_prices_at(const json& model, tp::timestamp at) {
  const json& p = model["prices"];
  if (p.is_object()) return &p;
  const json* chosen = nullptr;
  const std::string day = tp::format_timestamp(at).substr(0, 10);
  const auto lt = tp::to_local(at, 0);
  for (const auto& entry : p) {
    const json* c = tp::detail::member(entry, "constraint");
    bool ok = true;
    if (c) {
      if (c->contains("start_date")) ok = day >= (*c)["start_date"].get<std::string>();
      if (c->contains("start_time")) {
        auto mins = [](const std::string& t) { return std::stoi(t.substr(0, 2)) * 60 + std::stoi(t.substr(3, 2)); };
        const int s = mins((*c)["start_time"].get<std::string>()), e = mins((*c)["end_time"].get<std::string>());
        ok = s <= e ? (lt.minute_of_day >= s && lt.minute_of_day < e) : (lt.minute_of_day >= s || lt.minute_of_day < e);
      }
    }
    if (ok) chosen = &entry["prices"];
  }
  return chosen;
}

void compare_genai(diff_list& d, const tp::rate_card& c, const tp::rate_set& base, const json& prices, const std::string& who) {
  const std::pair<const char*, tp::bucket> fields[] = {{"input_mtok", tp::bucket::input}, {"cache_read_mtok", tp::bucket::cache_read},
                                                       {"cache_write_mtok", tp::bucket::cache_write_5m}, {"cache_write_1h_mtok", tp::bucket::cache_write_1h},
                                                       {"output_mtok", tp::bucket::output}};
  for (const auto& [f, b] : fields) {
    const json* v = tp::detail::member(prices, f);
    if (!v) continue;
    const std::string what(tp::to_string(b));
    if (v->is_object()) {
      compare(d, what, ours_rate(base, b), parse_sci(v->value("base", json()), 9), who);
      for (const auto& t : v->value("tiers", json::array())) {
        const auto start = parse_sci(t.value("start", json()), 0);
        const tp::long_context_tier* ours = nullptr;
        for (const auto& ot : c.tiers)
          if (start && (ot.inclusive ? static_cast<int128>(ot.threshold) - 1 : static_cast<int128>(ot.threshold)) == *start) ours = &ot;
        if (!ours) {
          std::string mine;
          for (const auto& ot : c.tiers) mine += std::string(ot.inclusive ? " >=" : " >") + std::to_string(ot.threshold);
          d.add(what + " tier starting above " + (start ? tp::format_decimal(*start, 0) : std::string("?")) + " tokens (" + who +
                "): ours" + (mine.empty() ? std::string(" none") : mine));
          continue;
        }
        tp::rate_set tr = base;
        for (auto x : tp::all_buckets)
          if (ours->rates[x]) tr[x] = ours->rates[x];
        compare(d, what + " (long context)", ours_rate(tr, b), parse_sci(t.value("price", json()), 9), who);
      }
    } else {
      compare(d, what, ours_rate(base, b), parse_sci(*v, 9), who);
      for (const auto& t : c.tiers)
        if (t.rates[b]) d.add(what + ": we have a long-context tier " + std::string(t.inclusive ? ">=" : ">") + std::to_string(t.threshold) + ", " + who + " has none");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string rates_dir, snap_dir, at_text = "2026-11-23T00:00:00Z";
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rates" && i + 1 < argc) rates_dir = argv[++i];
    else if (a == "--snapshots" && i + 1 < argc) snap_dir = argv[++i];
    else if (a == "--at" && i + 1 < argc) at_text = argv[++i];
    else if (a == "--quiet") quiet = true;
    else {
      std::fprintf(stderr, "usage: crosscheck --rates <dir> --snapshots <dir> [--at <instant>] [--quiet]\n");
      return 2;
    }
  }
  const std::filesystem::path litellm_path = std::filesystem::path(snap_dir) / "litellm-model_prices-2026-07-24.json";
  const std::filesystem::path genai_path = std::filesystem::path(snap_dir) / "genai-prices-0.1.8.json";
  if (!std::filesystem::exists(litellm_path) || !std::filesystem::exists(genai_path)) {
    std::printf("crosscheck: SKIPPED: snapshots not found in %s\n", snap_dir.c_str());
    return 77;
  }
  auto at = tp::parse_timestamp(at_text);
  auto table = tp::load_rate_directory(rates_dir);
  auto lt = tp::read_text_file(litellm_path);
  auto gt = tp::read_text_file(genai_path);
  if (!at || !table || !lt || !gt) {
    std::fprintf(stderr, "crosscheck: %s\n", !at ? at.error_value().message.c_str() : !table ? table.error_value().message.c_str() : "cannot read snapshots");
    return 2;
  }
  auto litellm = tp::detail::parse_json_exact(*lt, litellm_path.string());
  auto genai = tp::detail::parse_json_exact(*gt, genai_path.string());
  if (!litellm || !genai) {
    std::fprintf(stderr, "crosscheck: malformed snapshot JSON\n");
    return 2;
  }
  std::map<std::string, std::string> litellm_index;  // lower-case key -> key
  for (auto it = litellm->begin(); it != litellm->end(); ++it) litellm_index.emplace(tp::detail::lower(it.key()), it.key());
  static const std::map<std::string, std::string> genai_provider = {
      {"openai", "openai"}, {"anthropic", "anthropic"}, {"google", "google"}, {"deepseek", "deepseek"}, {"moonshot", "moonshotai"},
      {"minimax", "minimax"}, {"zai", "zai"}, {"zhipu", "zhipuai"}, {"openrouter", "openrouter"}};

  int compared = 0, differing = 0, unexplained = 0;
  std::printf("tokenmeter rate table %s (sha256 %s) vs LiteLLM 2026-07-24 and genai-prices 0.1.8, at %s\n\n", table->version().c_str(),
              table->content_hash().c_str(), tp::format_timestamp(*at).c_str());
  for (const auto& c : table->cards()) {
    if (!c.in_force(*at)) continue;
    ++compared;
    const tp::rate_set base = effective_base(c, *at);
    diff_list d;
    std::vector<std::string> info;
    // LiteLLM
    std::string lkey;
    for (const auto& k : litellm_keys(c))
      if (auto it = litellm_index.find(k); it != litellm_index.end()) {
        lkey = it->second;
        break;
      }
    if (lkey.empty()) info.push_back("not in LiteLLM");
    else compare_litellm(d, c, base, (*litellm)[lkey], lkey);
    // genai-prices
    std::string gname;
    if (auto gp = genai_provider.find(c.provider); gp != genai_provider.end()) {
      for (const auto& prov : *genai) {
        if (prov.value("id", "") != gp->second) continue;
        // The model id first, then each alias: the first name some genai entry matches decides.
        for (const auto& n : tp::detail::exact_names(c)) {
          for (const auto& m : prov["models"]) {
            if (!genai_match(m["match"], n)) continue;
            gname = gp->second + ":" + m.value("id", "");
            if (const json* p = genai_prices_at(m, *at)) compare_genai(d, c, base, *p, "genai:" + gname);
            break;
          }
          if (!gname.empty()) break;
        }
      }
    }
    if (gname.empty()) info.push_back("not in genai-prices");
    const std::string label = c.provider + "/" + c.model + " (" + c.currency + ", from " + tp::format_timestamp(c.effective_from).substr(0, 10) + ")";
    if (d.lines.empty()) {
      if (!quiet) std::printf("same  %s%s\n", label.c_str(), info.empty() ? "" : ("  [" + info[0] + (info.size() > 1 ? "; " + info[1] : "") + "]").c_str());
      continue;
    }
    ++differing;
    const bool explained = !c.prov.crosscheck.empty();
    if (!explained) ++unexplained;
    std::printf("%s %s\n", explained ? "DIFF " : "UNEXPLAINED DIFF", label.c_str());
    for (const auto& l : d.lines) std::printf("        %s\n", l.c_str());
    if (explained) std::printf("      why: %s\n", c.prov.crosscheck.c_str());
  }
  std::printf("\n%d cards in force compared, %d differ from a snapshot, %d unexplained\n", compared, differing, unexplained);
  if (!table->not_found().empty()) {
    std::printf("\nnot priced (recorded in rates/table.toml):\n");
    for (const auto& n : table->not_found()) std::printf("  %s %s\n", n.provider.c_str(), n.model.c_str());
  }
  return unexplained == 0 ? 0 : 1;
}
