// Reads rate cards from TOML (the rates/ data files, and runtime overlays) into validated cards.
// Decimal prices are strings and become integers here; TOML floats are refused. Unknown keys are
// errors, so a typo never silently drops a price. See docs/pricing.md for the format.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pricing/money.hpp>
#include <tokenmeter/pricing/rate_card.hpp>
#include <tokenmeter/pricing/rate_table.hpp>
#include <tokenmeter/pricing/timestamp.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

struct rate_file {
  std::vector<rate_card> cards;
  std::optional<std::string> version;  // only the table's meta file sets it
  std::vector<not_found_entry> not_found;
};

namespace detail {

class toml_reader {
 public:
  explicit toml_reader(std::string source) : source_(std::move(source)) {}

  [[nodiscard]] error fail(std::string_view where, std::string_view msg) const {
    return make_error(errc::parse_error, source_ + ": " + std::string(where) + ": " + std::string(msg));
  }

  [[nodiscard]] result<void> only_keys(const toml::table& t, std::string_view where, std::initializer_list<std::string_view> allowed) const {
    for (auto&& [k, v] : t) {
      (void)v;
      if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end())
        return fail(where, "unknown key '" + std::string(k.str()) + "'");
    }
    return {};
  }

  [[nodiscard]] result<std::optional<std::string>> opt_string(const toml::table& t, std::string_view key, std::string_view where) const {
    const toml::node* n = t.get(key);
    if (!n) return std::optional<std::string>{};
    if (!n->is_string()) return fail(where, "'" + std::string(key) + "' must be a string");
    return std::optional<std::string>{n->as_string()->get()};
  }

  [[nodiscard]] result<std::string> req_string(const toml::table& t, std::string_view key, std::string_view where) const {
    TOKENMETER_TRY(v, opt_string(t, key, where));
    if (!v) return fail(where, "missing '" + std::string(key) + "'");
    return *v;
  }

  [[nodiscard]] result<std::optional<bool>> opt_bool(const toml::table& t, std::string_view key, std::string_view where) const {
    const toml::node* n = t.get(key);
    if (!n) return std::optional<bool>{};
    if (!n->is_boolean()) return fail(where, "'" + std::string(key) + "' must be true or false");
    return std::optional<bool>{n->as_boolean()->get()};
  }

  [[nodiscard]] result<std::vector<std::string>> string_list(const toml::table& t, std::string_view key, std::string_view where) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) return fail(where, "'" + std::string(key) + "' must be an array of strings");
    for (const auto& el : *a) {
      if (!el.is_string()) return fail(where, "'" + std::string(key) + "' must be an array of strings");
      out.push_back(el.as_string()->get());
    }
    return out;
  }

  [[nodiscard]] result<rate_set> rates(const toml::node* n, std::string_view where) const {
    rate_set rs;
    if (!n) return rs;
    const toml::table* t = n->as_table();
    if (!t) return fail(where, "rates must be a table of bucket = \"decimal\"");
    for (auto&& [k, v] : *t) {
      auto b = bucket_from_string(k.str());
      if (!b) return fail(where, "unknown bucket '" + std::string(k.str()) + "' (input, cache_read, cache_write_5m, cache_write_1h, output, reasoning, request)");
      if (!v.is_string())
        return fail(where, "rate '" + std::string(k.str()) + "' must be a decimal string such as \"0.28\" (TOML numbers are refused: they may be binary floats)");
      auto parsed = parse_decimal(v.as_string()->get(), nano_digits);
      if (!parsed) return fail(where, "rate '" + std::string(k.str()) + "': " + parsed.error_value().message);
      if (*parsed < 0 || *parsed > max_rate_nano) return fail(where, "rate '" + std::string(k.str()) + "' out of range");
      rs[*b] = static_cast<std::int64_t>(*parsed);
    }
    return rs;
  }

  [[nodiscard]] result<timestamp> instant(const toml::table& t, std::string_view key, std::string_view where) const {
    TOKENMETER_TRY(s, req_string(t, key, where));
    auto ts = parse_timestamp(s);
    if (!ts) return fail(where, std::string(key) + ": " + ts.error_value().message);
    return *ts;
  }

  [[nodiscard]] result<int> clock(const toml::table& t, std::string_view key, std::string_view where) const {
    TOKENMETER_TRY(s, req_string(t, key, where));
    unsigned hh = 0, mm = 0;
    if (s.size() != 5 || s[2] != ':' || !parse_uint(s, 0, 2, hh) || !parse_uint(s, 3, 2, mm) || mm > 59 || hh > 24 || (hh == 24 && mm != 0))
      return fail(where, std::string(key) + " must be HH:MM (00:00 .. 24:00)");
    return static_cast<int>(hh * 60 + mm);
  }

 private:
  std::string source_;
};

[[nodiscard]] inline result<rate_card> read_card(const toml_reader& r, const toml::table& t, const rate_card& defaults, std::string_view where) {
  TOKENMETER_TRY_VOID(r.only_keys(t, where, {"provider", "model", "aliases", "match_prefixes", "first_party", "regional", "currency",
                                             "effective_from", "effective_to", "promotion", "rates", "long_context", "schedule",
                                             "service_tiers", "source", "checked", "authority", "note", "crosscheck"}));
  rate_card c = defaults;
  TOKENMETER_TRY(model, r.req_string(t, "model", where));
  c.model = model;
  const std::string w = std::string(where) + " (" + model + ")";
  TOKENMETER_TRY(provider, r.opt_string(t, "provider", w));
  if (provider) c.provider = *provider;
  TOKENMETER_TRY(currency, r.opt_string(t, "currency", w));
  if (currency) c.currency = *currency;
  TOKENMETER_TRY(fp, r.opt_bool(t, "first_party", w));
  if (fp) c.first_party = *fp;
  TOKENMETER_TRY(regional, r.opt_bool(t, "regional", w));
  if (regional) c.regional = *regional;
  TOKENMETER_TRY(aliases, r.string_list(t, "aliases", w));
  c.aliases = aliases;
  TOKENMETER_TRY(prefixes, r.string_list(t, "match_prefixes", w));
  c.match_prefixes = prefixes;
  TOKENMETER_TRY(from, r.instant(t, "effective_from", w));
  c.effective_from = from;
  if (t.get("effective_to")) {
    TOKENMETER_TRY(to, r.instant(t, "effective_to", w));
    c.effective_to = to;
  }
  TOKENMETER_TRY(promo, r.opt_string(t, "promotion", w));
  if (promo) c.promotion = *promo;
  TOKENMETER_TRY(base, r.rates(t.get("rates"), w + " rates"));
  c.rates = base;

  if (const toml::node* lc = t.get("long_context")) {
    const toml::array* arr = lc->as_array();
    if (!arr) return r.fail(w, "long_context must be an array of tables ([[card.long_context]])");
    for (const auto& el : *arr) {
      const toml::table* tt = el.as_table();
      if (!tt) return r.fail(w, "long_context entries must be tables");
      const std::string tw = w + " long_context";
      TOKENMETER_TRY_VOID(r.only_keys(*tt, tw, {"threshold", "comparison", "counts", "applies_to", "rates"}));
      long_context_tier tier;
      const toml::node* th = tt->get("threshold");
      if (!th || !th->is_integer() || th->as_integer()->get() <= 0) return r.fail(tw, "threshold must be a positive integer number of tokens");
      tier.threshold = static_cast<std::uint64_t>(th->as_integer()->get());
      TOKENMETER_TRY(cmp, r.req_string(*tt, "comparison", tw));
      if (cmp == ">") tier.inclusive = false;
      else if (cmp == ">=") tier.inclusive = true;
      else return r.fail(tw, "comparison must be \">\" or \">=\"");
      TOKENMETER_TRY(counts, r.string_list(*tt, "counts", tw));
      if (counts.empty()) return r.fail(tw, "counts must list the buckets that count toward the threshold");
      for (const auto& cname : counts) {
        auto b = bucket_from_string(cname);
        if (!b) return r.fail(tw, "unknown bucket '" + cname + "' in counts");
        tier.counts[static_cast<std::size_t>(*b)] = true;
      }
      TOKENMETER_TRY(mode, r.req_string(*tt, "applies_to", tw));
      if (mode == "whole_request") tier.mode = tier_mode::whole_request;
      else if (mode == "excess") tier.mode = tier_mode::excess;
      else return r.fail(tw, "applies_to must be \"whole_request\" or \"excess\"");
      TOKENMETER_TRY(trates, r.rates(tt->get("rates"), tw + " rates"));
      tier.rates = trates;
      c.tiers.push_back(tier);
    }
  }

  if (const toml::node* sn = t.get("schedule")) {
    const toml::table* st = sn->as_table();
    if (!st) return r.fail(w, "schedule must be a table");
    const std::string sw = w + " schedule";
    TOKENMETER_TRY_VOID(r.only_keys(*st, sw, {"utc_offset", "base_label", "window"}));
    schedule s;
    TOKENMETER_TRY(off, r.req_string(*st, "utc_offset", sw));
    auto minutes = parse_utc_offset(off);
    if (!minutes) return r.fail(sw, minutes.error_value().message + " (named time zones are not supported: use a fixed offset)");
    s.utc_offset_minutes = *minutes;
    TOKENMETER_TRY(bl, r.opt_string(*st, "base_label", sw));
    if (bl) s.base_label = *bl;
    const toml::node* wn = st->get("window");
    const toml::array* wa = wn ? wn->as_array() : nullptr;
    if (!wa) return r.fail(sw, "needs [[card.schedule.window]] entries");
    for (const auto& el : *wa) {
      const toml::table* wt = el.as_table();
      if (!wt) return r.fail(sw, "window entries must be tables");
      TOKENMETER_TRY_VOID(r.only_keys(*wt, sw + " window", {"label", "days", "start", "end", "rates"}));
      schedule_window win;
      TOKENMETER_TRY(label, r.req_string(*wt, "label", sw + " window"));
      win.label = label;
      const std::string ww = sw + " window '" + label + "'";
      TOKENMETER_TRY(days, r.string_list(*wt, "days", ww));
      if (!days.empty()) {
        static constexpr std::string_view names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
        win.days = 0;
        for (const auto& d : days) {
          const auto* it = std::find(std::begin(names), std::end(names), d);
          if (it == std::end(names)) return r.fail(ww, "unknown day '" + d + "' (mon .. sun)");
          win.days = static_cast<std::uint8_t>(win.days | (1u << (it - std::begin(names))));
        }
      }
      TOKENMETER_TRY(start, r.clock(*wt, "start", ww));
      TOKENMETER_TRY(end, r.clock(*wt, "end", ww));
      win.start_minute = start;
      win.end_minute = end;
      TOKENMETER_TRY(wr, r.rates(wt->get("rates"), ww + " rates"));
      win.rates = wr;
      s.windows.push_back(std::move(win));
    }
    c.time_of_day = std::move(s);
  }

  if (const toml::node* sv = t.get("service_tiers")) {
    const toml::table* st = sv->as_table();
    if (!st) return r.fail(w, "service_tiers must be a table such as { batch = \"0.5\" }");
    for (auto&& [k, v] : *st) {
      auto tier = service_tier_from_string(k.str());
      if (!tier || *tier == service_tier::standard) return r.fail(w, "unknown service tier '" + std::string(k.str()) + "' (batch, flex, priority)");
      if (!v.is_string()) return r.fail(w, "service tier multiplier must be a decimal string");
      auto m = parse_decimal(v.as_string()->get(), 6);
      if (!m) return r.fail(w, "service tier '" + std::string(k.str()) + "': " + m.error_value().message);
      c.service_tiers[static_cast<std::size_t>(*tier)] = multiplier{static_cast<std::int64_t>(*m)};
    }
  }

  TOKENMETER_TRY(source, r.req_string(t, "source", w));
  TOKENMETER_TRY(checked, r.req_string(t, "checked", w));
  TOKENMETER_TRY(authority, r.req_string(t, "authority", w));
  TOKENMETER_TRY(note, r.opt_string(t, "note", w));
  TOKENMETER_TRY(cross, r.opt_string(t, "crosscheck", w));
  c.prov = provenance{source, checked, authority, note.value_or(""), cross.value_or("")};
  for (auto& s : {&c.prov.note, &c.prov.crosscheck}) *s = trim(*s);
  // An invalid card in a data file is a malformed data file: report it as a parse error with its place.
  if (auto valid = validate_card(c); !valid) return r.fail(w, valid.error_value().message);
  return c;
}

}  // namespace detail

// Parses one TOML document of rate cards. `source_name` appears in error messages.
[[nodiscard]] inline result<rate_file> parse_rate_toml(std::string_view text, std::string_view source_name) {
  const std::string src(source_name);
  toml::table root;
  try {
    root = toml::parse(text, src);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << src << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return make_error(errc::parse_error, os.str());
  }
  detail::toml_reader r(src);
  TOKENMETER_TRY_VOID(r.only_keys(root, "top level", {"schema", "table", "defaults", "card", "not_found"}));
  const toml::node* schema = root.get("schema");
  if (!schema || !schema->is_integer() || schema->as_integer()->get() != 1)
    return r.fail("top level", "'schema = 1' is required (the only format version this build reads)");
  rate_file out;
  if (const toml::node* tn = root.get("table")) {
    const toml::table* tt = tn->as_table();
    if (!tt) return r.fail("[table]", "must be a table");
    TOKENMETER_TRY_VOID(r.only_keys(*tt, "[table]", {"version"}));
    TOKENMETER_TRY(version, r.req_string(*tt, "version", "[table]"));
    out.version = version;
  }
  rate_card defaults;
  defaults.provider.clear();
  if (const toml::node* dn = root.get("defaults")) {
    const toml::table* dt = dn->as_table();
    if (!dt) return r.fail("[defaults]", "must be a table");
    TOKENMETER_TRY_VOID(r.only_keys(*dt, "[defaults]", {"provider", "currency", "first_party", "regional"}));
    TOKENMETER_TRY(p, r.opt_string(*dt, "provider", "[defaults]"));
    if (p) defaults.provider = *p;
    TOKENMETER_TRY(c, r.opt_string(*dt, "currency", "[defaults]"));
    if (c) defaults.currency = *c;
    TOKENMETER_TRY(fp, r.opt_bool(*dt, "first_party", "[defaults]"));
    if (fp) defaults.first_party = *fp;
    TOKENMETER_TRY(rg, r.opt_bool(*dt, "regional", "[defaults]"));
    if (rg) defaults.regional = *rg;
  }
  if (const toml::node* cn = root.get("card")) {
    const toml::array* arr = cn->as_array();
    if (!arr) return r.fail("card", "cards are written [[card]]");
    std::size_t i = 0;
    for (const auto& el : *arr) {
      ++i;
      const toml::table* ct = el.as_table();
      if (!ct) return r.fail("card", "cards are written [[card]]");
      TOKENMETER_TRY(card, detail::read_card(r, *ct, defaults, "card #" + std::to_string(i)));
      out.cards.push_back(std::move(card));
    }
  }
  if (const toml::node* nn = root.get("not_found")) {
    const toml::array* arr = nn->as_array();
    if (!arr) return r.fail("not_found", "entries are written [[not_found]]");
    for (const auto& el : *arr) {
      const toml::table* nt = el.as_table();
      if (!nt) return r.fail("not_found", "entries are written [[not_found]]");
      TOKENMETER_TRY_VOID(r.only_keys(*nt, "not_found", {"provider", "model", "searched"}));
      TOKENMETER_TRY(p, r.req_string(*nt, "provider", "not_found"));
      TOKENMETER_TRY(m, r.req_string(*nt, "model", "not_found"));
      TOKENMETER_TRY(s, r.req_string(*nt, "searched", "not_found"));
      out.not_found.push_back({p, m, detail::trim(s)});
    }
  }
  return out;
}

[[nodiscard]] inline result<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::io_error, "cannot read " + path.string());
  std::ostringstream os;
  os << in.rdbuf();
  if (in.bad()) return make_error(errc::io_error, "error reading " + path.string());
  return os.str();
}

[[nodiscard]] inline result<rate_file> load_rate_file(const std::filesystem::path& path) {
  TOKENMETER_TRY(text, read_text_file(path));
  return parse_rate_toml(text, path.filename().string());
}

// Reads every *.toml of a directory (sorted by name) into one validated table. Exactly one file
// carries [table] version.
[[nodiscard]] inline result<rate_table> load_rate_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path());
  if (ec) return make_error(errc::io_error, "cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) return make_error(errc::io_error, "no *.toml rate files in " + dir.string());
  std::vector<rate_card> cards;
  std::vector<not_found_entry> nf;
  std::optional<std::string> version;
  for (const auto& f : files) {
    TOKENMETER_TRY(rf, load_rate_file(f));
    if (rf.version) {
      if (version) return make_error(errc::parse_error, "[table] version is set in more than one file");
      version = rf.version;
    }
    cards.insert(cards.end(), rf.cards.begin(), rf.cards.end());
    nf.insert(nf.end(), rf.not_found.begin(), rf.not_found.end());
  }
  if (!version) return make_error(errc::parse_error, "no file sets [table] version");
  TOKENMETER_TRY(table, rate_table::make(std::move(cards), *version));
  table.set_not_found(std::move(nf));
  return table;
}

}  // namespace pricing
TOKENMETER_END_NAMESPACE
