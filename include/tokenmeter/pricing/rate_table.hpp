// The rate table: validated rate cards, name resolution (id, alias, match prefix; provider; date)
// and the table's version and content hash.
//
// The same validate_card()/validate_table() run in the generator (over rates/*.toml) and on every
// runtime overlay, so the embedded data and an overlay can never disagree about what is valid.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/detail/sha256.hpp>
#include <tokenmeter/pricing/rate_card.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

namespace detail {

[[nodiscard]] inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

[[nodiscard]] inline std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

[[nodiscard]] inline bool is_id(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

[[nodiscard]] inline bool valid_date(std::string_view s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-';
}

// Every exact name a card answers to, lower-cased: its id and its aliases.
[[nodiscard]] inline std::vector<std::string> exact_names(const rate_card& c) {
  std::vector<std::string> names{lower(c.model)};
  for (const auto& a : c.aliases) names.push_back(lower(a));
  return names;
}

[[nodiscard]] inline bool periods_overlap(const rate_card& a, const rate_card& b) {
  const bool a_before_b_ends = !b.effective_to || a.effective_from < *b.effective_to;
  const bool b_before_a_ends = !a.effective_to || b.effective_from < *a.effective_to;
  return a_before_b_ends && b_before_a_ends;
}

[[nodiscard]] inline bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

[[nodiscard]] inline std::string card_label(const rate_card& c) {
  return c.provider + "/" + c.model + " from " + format_timestamp(c.effective_from);
}

[[nodiscard]] inline result<std::int64_t> apply_multiplier(std::int64_t nano, multiplier m, std::string_view what) {
  const int128 scaled = static_cast<int128>(nano) * m.millionths;
  if (scaled % 1'000'000 != 0)
    return make_error(errc::out_of_range, std::string(what) + ": rate " + format_rate(nano) + " x " +
                                              format_decimal(m.millionths, 6) + " is not a whole nano-unit");
  return static_cast<std::int64_t>(scaled / 1'000'000);
}

}  // namespace detail

inline constexpr std::int64_t max_rate_nano = 1'000'000'000'000'000LL;  // 1,000,000 currency units per 1M tokens

// Checks one card on its own. Errors name the card.
[[nodiscard]] inline result<void> validate_card(const rate_card& c) {
  const std::string who = c.provider + "/" + c.model;
  auto fail = [&](errc code, const std::string& msg) -> result<void> { return make_error(code, "rate card " + who + ": " + msg); };
  if (!detail::is_id(c.provider)) return fail(errc::invalid_argument, "provider must be a lower-case id [a-z0-9-]");
  if (c.model.empty() || c.model.find_first_of(" \t\n") != std::string::npos) return fail(errc::invalid_argument, "model id must be non-empty without spaces");
  for (const auto& a : c.aliases)
    if (a.empty() || a.find_first_of(" \t\n") != std::string::npos) return fail(errc::invalid_argument, "alias '" + a + "' is empty or has spaces");
  for (const auto& p : c.match_prefixes)
    if (p.size() < 3) return fail(errc::invalid_argument, "match prefix '" + p + "' is too short to be safe");
  if (c.currency.size() != 3 || !std::all_of(c.currency.begin(), c.currency.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
    return fail(errc::invalid_argument, "currency must be an ISO 4217 code such as USD or CNY");
  if (c.effective_to && *c.effective_to <= c.effective_from) return fail(errc::out_of_range, "effective_to must be after effective_from");
  if (!c.promotion.empty() && !c.effective_to) return fail(errc::invalid_argument, "a promotion needs an end (effective_to)");
  if (!c.rates[bucket::input] || !c.rates[bucket::output]) return fail(errc::invalid_argument, "input and output rates are required");
  auto check_set = [&](const rate_set& rs, const std::string& where) -> result<void> {
    for (bucket b : all_buckets)
      if (rs[b] && (*rs[b] < 0 || *rs[b] > max_rate_nano)) return fail(errc::out_of_range, where + " rate for " + std::string(to_string(b)) + " is out of range");
    return {};
  };
  TOKENMETER_TRY_VOID(check_set(c.rates, "base"));
  for (std::size_t i = 0; i < c.tiers.size(); ++i) {
    const auto& t = c.tiers[i];
    const std::string where = "long-context tier " + std::to_string(i + 1);
    TOKENMETER_TRY_VOID(check_set(t.rates, where));
    if (t.rates.empty()) return fail(errc::invalid_argument, where + " has no rates");
    if (i > 0 && t.threshold <= c.tiers[i - 1].threshold) return fail(errc::invalid_argument, "long-context thresholds must ascend strictly");
    if (i > 0 && (t.counts != c.tiers[0].counts || t.mode != c.tiers[0].mode || t.inclusive != c.tiers[0].inclusive))
      return fail(errc::invalid_argument, "all long-context tiers of a card must count the same buckets the same way");
    bool any = false;
    for (bucket b : all_buckets) {
      if (!t.counts[static_cast<std::size_t>(b)]) continue;
      any = true;
      if (b == bucket::output || b == bucket::reasoning || b == bucket::request)
        return fail(errc::invalid_argument, where + ": only input-side buckets can count toward a threshold");
    }
    if (!any) return fail(errc::invalid_argument, where + " counts no bucket");
    if (t.mode == tier_mode::excess)
      for (bucket b : all_buckets)
        if (t.rates[b] && !t.counts[static_cast<std::size_t>(b)])
          return fail(errc::invalid_argument, where + ": an excess-only tier can only reprice the buckets it counts");
  }
  if (c.time_of_day) {
    if (!c.tiers.empty()) return fail(errc::unsupported, "a card with a time-of-day schedule cannot also have long-context tiers");
    const auto& s = *c.time_of_day;
    if (s.windows.empty()) return fail(errc::invalid_argument, "a schedule needs at least one window");
    for (std::size_t i = 0; i < s.windows.size(); ++i) {
      const auto& w = s.windows[i];
      const std::string where = "schedule window '" + w.label + "'";
      TOKENMETER_TRY_VOID(check_set(w.rates, where));
      if (w.label.empty()) return fail(errc::invalid_argument, "schedule windows need a label");
      if (w.rates.empty()) return fail(errc::invalid_argument, where + " has no rates");
      if (w.days == 0 || w.days > 0x7f) return fail(errc::invalid_argument, where + " has no days");
      if (w.start_minute < 0 || w.end_minute > 1440 || w.start_minute >= w.end_minute)
        return fail(errc::invalid_argument, where + " must satisfy 00:00 <= start < end <= 24:00 (split windows that cross midnight)");
      for (std::size_t j = 0; j < i; ++j) {
        const auto& o = s.windows[j];
        if ((o.days & w.days) && w.start_minute < o.end_minute && o.start_minute < w.end_minute)
          return fail(errc::ambiguous_model, where + " overlaps window '" + o.label + "'");
      }
    }
  }
  for (std::size_t k = 1; k < c.service_tiers.size(); ++k) {
    const auto& m = c.service_tiers[k];
    if (!m) continue;
    const std::string tier_name(to_string(static_cast<service_tier>(k)));
    if (m->millionths <= 0 || m->millionths > 100'000'000) return fail(errc::out_of_range, tier_name + " multiplier out of range");
    auto check_mult = [&](const rate_set& rs) -> result<void> {
      for (bucket b : all_buckets)
        if (rs[b]) TOKENMETER_TRY_VOID(detail::apply_multiplier(*rs[b], *m, "rate card " + who + " " + tier_name));
      return {};
    };
    TOKENMETER_TRY_VOID(check_mult(c.rates));
    for (const auto& t : c.tiers) TOKENMETER_TRY_VOID(check_mult(t.rates));
    if (c.time_of_day)
      for (const auto& w : c.time_of_day->windows) TOKENMETER_TRY_VOID(check_mult(w.rates));
  }
  if (c.prov.source.empty()) return fail(errc::invalid_argument, "provenance: source is required");
  if (!detail::valid_date(c.prov.checked)) return fail(errc::invalid_argument, "provenance: checked must be YYYY-MM-DD");
  if (c.prov.authority != "official" && c.prov.authority != "aggregator" && c.prov.authority != "negotiated" && c.prov.authority != "custom")
    return fail(errc::invalid_argument, "provenance: authority must be official, aggregator, negotiated or custom");
  return {};
}

// Two cards of one provider whose periods overlap must not answer to the same name: an exact name
// in common, or match prefixes where one is a prefix of the other, is an ambiguity.
[[nodiscard]] inline result<void> check_unambiguous(const std::vector<rate_card>& cards) {
  for (std::size_t i = 0; i < cards.size(); ++i) {
    const auto ni = detail::exact_names(cards[i]);
    {
      std::set<std::string> seen;
      for (const auto& n : ni)
        if (!seen.insert(n).second)
          return make_error(errc::ambiguous_model, "rate card " + detail::card_label(cards[i]) + " lists name '" + n + "' twice");
    }
    for (std::size_t j = i + 1; j < cards.size(); ++j) {
      if (cards[i].provider != cards[j].provider || !detail::periods_overlap(cards[i], cards[j])) continue;
      const auto nj = detail::exact_names(cards[j]);
      const std::string both = detail::card_label(cards[i]) + " and " + detail::card_label(cards[j]);
      for (const auto& a : ni)
        if (std::find(nj.begin(), nj.end(), a) != nj.end())
          return make_error(errc::ambiguous_model, "ambiguous name '" + a + "': " + both + " are both in force at once");
      for (const auto& p : cards[i].match_prefixes)
        for (const auto& q : cards[j].match_prefixes) {
          const auto lp = detail::lower(p), lq = detail::lower(q);
          if (detail::starts_with(lp, lq) || detail::starts_with(lq, lp))
            return make_error(errc::ambiguous_model, "ambiguous match prefixes '" + p + "' and '" + q + "': " + both);
        }
    }
  }
  return {};
}

// Canonical text of a card: the input of the content hash. Every field that changes a price or its
// provenance appears, in a fixed order.
[[nodiscard]] inline std::string canonical_text(const rate_card& c) {
  std::string s;
  auto field = [&](std::string_view k, std::string_view v) {
    s += k;
    s += '=';
    s += v;
    s += '\n';
  };
  auto rates = [&](std::string_view prefix, const rate_set& rs) {
    for (bucket b : all_buckets)
      if (rs[b]) field(std::string(prefix) + "." + std::string(to_string(b)), std::to_string(*rs[b]));
  };
  field("card", c.provider + "/" + c.model);
  for (const auto& a : c.aliases) field("alias", a);
  for (const auto& p : c.match_prefixes) field("prefix", p);
  field("first_party", c.first_party ? "1" : "0");
  field("regional", c.regional ? "1" : "0");
  field("currency", c.currency);
  field("from", std::to_string(c.effective_from.seconds));
  if (c.effective_to) field("to", std::to_string(c.effective_to->seconds));
  if (!c.promotion.empty()) field("promotion", c.promotion);
  rates("rate", c.rates);
  for (const auto& t : c.tiers) {
    std::string counts;
    for (bucket b : all_buckets)
      if (t.counts[static_cast<std::size_t>(b)]) counts += std::string(to_string(b)) + ",";
    field("tier", std::string(t.inclusive ? ">=" : ">") + std::to_string(t.threshold) + ";" + counts + ";" + std::string(to_string(t.mode)));
    rates("tier", t.rates);
  }
  if (c.time_of_day) {
    field("schedule", std::to_string(c.time_of_day->utc_offset_minutes) + ";" + c.time_of_day->base_label);
    for (const auto& w : c.time_of_day->windows) {
      field("window", w.label + ";" + std::to_string(w.days) + ";" + std::to_string(w.start_minute) + ";" + std::to_string(w.end_minute));
      rates("window", w.rates);
    }
  }
  for (std::size_t k = 1; k < c.service_tiers.size(); ++k)
    if (c.service_tiers[k]) field(std::string("service.") + std::string(to_string(static_cast<service_tier>(k))), std::to_string(c.service_tiers[k]->millionths));
  field("source", c.prov.source);
  field("checked", c.prov.checked);
  field("authority", c.prov.authority);
  field("note", c.prov.note);
  field("crosscheck", c.prov.crosscheck);
  return s;
}

[[nodiscard]] inline bool card_order(const rate_card& a, const rate_card& b) {
  if (a.provider != b.provider) return a.provider < b.provider;
  if (a.model != b.model) return a.model < b.model;
  return a.effective_from < b.effective_from;
}

// A model with no card at all, kept in the data so a gap is a recorded fact, never a silent $0.
struct not_found_entry {
  std::string provider;
  std::string model;
  std::string searched;
};

class rate_table {
 public:
  rate_table() = default;

  // Validates every card and the whole set; sorts cards canonically.
  [[nodiscard]] static result<rate_table> make(std::vector<rate_card> cards, std::string version) {
    for (const auto& c : cards) TOKENMETER_TRY_VOID(validate_card(c));
    std::sort(cards.begin(), cards.end(), card_order);
    TOKENMETER_TRY_VOID(check_unambiguous(cards));
    rate_table t;
    t.cards_ = std::move(cards);
    t.version_ = std::move(version);
    return t;
  }

  // Adds or overrides cards. An overlay card for a (provider, model) that the table already has
  // replaces every card of that pair (the overlay states that pair's whole history); other pairs
  // are added. The merged table is validated like the embedded one.
  [[nodiscard]] result<rate_table> with_overlay(const std::vector<rate_card>& overlay, std::string_view overlay_name) const {
    std::vector<rate_card> merged;
    std::set<std::pair<std::string, std::string>> replaced;
    for (const auto& c : overlay) replaced.emplace(c.provider, detail::lower(c.model));
    for (const auto& c : cards_)
      if (!replaced.count({c.provider, detail::lower(c.model)})) merged.push_back(c);
    merged.insert(merged.end(), overlay.begin(), overlay.end());
    auto made = make(std::move(merged), version_ + "+" + std::string(overlay_name));
    if (!made) return std::move(made).error_value();
    made->not_found_ = not_found_;
    return made;
  }

  [[nodiscard]] const std::vector<rate_card>& cards() const noexcept { return cards_; }
  [[nodiscard]] const std::string& version() const noexcept { return version_; }
  [[nodiscard]] const std::vector<not_found_entry>& not_found() const noexcept { return not_found_; }
  void set_not_found(std::vector<not_found_entry> nf) { not_found_ = std::move(nf); }

  // SHA-256 of the canonical text of every card, in canonical order.
  [[nodiscard]] std::string content_hash() const {
    std::string all;
    for (const auto& c : cards_) all += canonical_text(c) + "\n";
    return tokenmeter::detail::sha256_hex(all);
  }

  // Resolves a name (model id, alias or match prefix, case-insensitive) to the one card in force at
  // `at`. Without a provider the model's first party is used; a model that only a reseller prices
  // resolves when exactly one provider prices it. Errors: unknown_model (no card answers to the
  // name), out_of_range (cards exist but none is in force at `at`), ambiguous_model.
  [[nodiscard]] result<const rate_card*> find(std::string_view name, std::string_view provider, timestamp at) const {
    const std::string n = detail::lower(detail::trim(name));
    const std::string p = detail::lower(detail::trim(provider));
    if (n.empty()) return make_error(errc::invalid_argument, "empty model name");
    std::vector<const rate_card*> exact, prefixed;
    for (const auto& c : cards_) {
      if (!p.empty() && c.provider != p) continue;
      const auto names = detail::exact_names(c);
      if (std::find(names.begin(), names.end(), n) != names.end()) {
        exact.push_back(&c);
        continue;
      }
      for (const auto& pre : c.match_prefixes)
        if (detail::starts_with(n, detail::lower(pre))) {
          prefixed.push_back(&c);
          break;
        }
    }
    std::vector<const rate_card*> cands = exact.empty() ? prefixed : exact;
    if (cands.empty()) {
      std::string msg = "no rate card for model '" + std::string(name) + "'";
      if (!p.empty()) msg += " from provider '" + p + "'";
      for (const auto& nf : not_found_)
        if (detail::lower(nf.model) == n) msg += " (recorded as not found: " + nf.searched + ")";
      return make_error(errc::unknown_model, msg);
    }
    if (p.empty()) {
      std::vector<const rate_card*> first;
      for (auto* c : cands)
        if (c->first_party && !c->regional) first.push_back(c);
      if (first.empty())
        for (auto* c : cands)
          if (c->first_party) first.push_back(c);
      if (!first.empty()) cands = first;
      {
        std::set<std::string> providers;
        for (auto* c : cands) providers.insert(c->provider);
        if (providers.size() > 1) {
          std::string list;
          for (const auto& pr : providers) list += (list.empty() ? "" : ", ") + pr;
          return make_error(errc::ambiguous_model, "model '" + std::string(name) + "' has no first-party card and is priced by " + list + "; choose one with a provider");
        }
      }
    }
    std::vector<const rate_card*> live;
    for (auto* c : cands)
      if (c->in_force(at)) live.push_back(c);
    if (live.empty()) {
      std::string spans;
      for (auto* c : cands)
        spans += (spans.empty() ? "" : "; ") + c->provider + "/" + c->model + " " + format_timestamp(c->effective_from) + " .. " +
                 (c->effective_to ? format_timestamp(*c->effective_to) : std::string("open"));
      return make_error(errc::out_of_range, "no rate card for '" + std::string(name) + "' is in force at " + format_timestamp(at) + " (cards: " + spans + ")");
    }
    if (live.size() > 1) {
      std::string list;
      for (auto* c : live) list += (list.empty() ? "" : ", ") + c->provider + "/" + c->model;
      return make_error(errc::ambiguous_model, "name '" + std::string(name) + "' matches " + list + " at " + format_timestamp(at));
    }
    return live.front();
  }

 private:
  std::vector<rate_card> cards_;
  std::string version_;
  std::vector<not_found_entry> not_found_;
};

}  // namespace pricing
TOKENMETER_END_NAMESPACE
