// price(): usage x rate card -> an explained line-item breakdown and an exact total.
//
// Arithmetic: amount(femto-units) = tokens x rate(nano-units per 1M tokens), in checked 128-bit
// integers; a per-request fee is fee(nano-units) x requests x 10^6. Line items and the total are
// exact, so nothing is rounded while pricing. Rounding happens only on request (round_femto) or in
// an FX conversion, once, half to even. Overflow is an errc::overflow, never a wrapped number.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pricing/money.hpp>
#include <tokenmeter/pricing/rate_card.hpp>
#include <tokenmeter/pricing/rate_table.hpp>
#include <tokenmeter/pricing/timestamp.hpp>
#include <tokenmeter/pricing/usage.hpp>

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

struct line_item {
  bucket what = bucket::input;
  std::uint64_t tokens = 0;     // for bucket::request: the number of requests
  std::int64_t rate_nano = 0;   // per 1M tokens (per request for bucket::request)
  int128 amount_femto = 0;
  std::string basis;            // why this rate: "base", "long-context > 272000", "peak", "batch x 0.5", ...
};

struct price_breakdown {
  std::string model;     // the card's model id
  std::string provider;
  std::string currency;
  timestamp at;
  service_tier tier = service_tier::standard;
  std::vector<line_item> items;
  int128 total_femto = 0;
  bool provider_reported = false;         // total is the provider's own number (OpenRouter usage.cost)
  std::optional<int128> computed_femto;   // our card's total when provider_reported and a card exists
  std::string source;                     // card source URL, or "provider-reported usage.cost"
  std::optional<timestamp> effective_from;
  std::optional<timestamp> effective_to;
  std::string authority;
  std::string promotion;
  std::vector<std::string> notes;         // every choice made, in words

  [[nodiscard]] money total() const { return money{currency, total_femto}; }
};

namespace detail {

// Input-side buckets in prompt order (cached prefix first): the order excess-only tiers fill.
inline constexpr bucket prompt_order[] = {bucket::cache_read, bucket::cache_write_1h, bucket::cache_write_5m, bucket::input};

[[nodiscard]] inline result<int128> amount_for(std::uint64_t tokens, std::int64_t rate_nano, bucket b) {
  if (b == bucket::request) {
    TOKENMETER_TRY(per, checked_mul(static_cast<int128>(rate_nano), 1'000'000, "per-request fee"));
    return checked_mul(per, static_cast<int128>(tokens), "per-request fee x requests");
  }
  return checked_mul(static_cast<int128>(tokens), static_cast<int128>(rate_nano), "tokens x rate");
}

[[nodiscard]] inline std::string threshold_text(const long_context_tier& t) {
  return std::string(t.inclusive ? ">= " : "> ") + std::to_string(t.threshold);
}

}  // namespace detail

// Prices `u` with `card` at instant `at`. Exposed so callers that resolved a card can reuse it.
[[nodiscard]] inline result<price_breakdown> price_with_card(const rate_card& card, const usage& u, timestamp at,
                                                             service_tier tier = service_tier::standard) {
  price_breakdown out;
  out.model = card.model;
  out.provider = card.provider;
  out.currency = card.currency;
  out.at = at;
  out.tier = tier;
  out.source = card.prov.source;
  out.effective_from = card.effective_from;
  out.effective_to = card.effective_to;
  out.authority = card.prov.authority;
  out.promotion = card.promotion;
  const std::string who = card.provider + "/" + card.model;
  if (!card.in_force(at))
    return make_error(errc::out_of_range, "rate card " + who + " is not in force at " + format_timestamp(at));

  rate_set eff = card.rates;
  std::string basis = "base";
  // Time-of-day schedule: the window containing the local time overrides the base rates.
  if (card.time_of_day) {
    const auto lt = to_local(at, card.time_of_day->utc_offset_minutes);
    basis = card.time_of_day->base_label;
    for (const auto& w : card.time_of_day->windows) {
      if (!(w.days & (1u << lt.weekday)) || lt.minute_of_day < w.start_minute || lt.minute_of_day >= w.end_minute) continue;
      for (bucket b : all_buckets)
        if (w.rates[b]) eff[b] = w.rates[b];
      basis = w.label;
    }
    const int off = card.time_of_day->utc_offset_minutes;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
    char clock[32];
    std::snprintf(clock, sizeof clock, "%02d:%02d", lt.minute_of_day / 60, lt.minute_of_day % 60);
    out.notes.push_back("time of day: " + std::string(clock) + " at UTC" + buf + " -> " + basis + " rates");
  }

  // Long-context tiers: the highest tier whose threshold the counted tokens pass.
  std::optional<std::size_t> tier_ix;
  std::uint64_t counted = 0;
  if (!card.tiers.empty()) {
    int128 sum = 0;
    for (bucket b : all_buckets)
      if (card.tiers[0].counts[static_cast<std::size_t>(b)]) sum += u.tokens(b);
    if (sum > static_cast<int128>(UINT64_MAX)) return make_error(errc::overflow, "counted tokens exceed 2^64");
    counted = static_cast<std::uint64_t>(sum);
    for (std::size_t i = 0; i < card.tiers.size(); ++i) {
      const auto& t = card.tiers[i];
      if (t.inclusive ? counted >= t.threshold : counted > t.threshold) tier_ix = i;
    }
    std::string counts;
    for (bucket b : all_buckets)
      if (card.tiers[0].counts[static_cast<std::size_t>(b)]) counts += (counts.empty() ? "" : "+") + std::string(to_string(b));
    out.notes.push_back("long context: " + counts + " = " + std::to_string(counted) + " tokens; " +
                        (tier_ix ? "tier " + detail::threshold_text(card.tiers[*tier_ix]) + " applies to the " +
                                       std::string(card.tiers[*tier_ix].mode == tier_mode::whole_request ? "whole request" : "tokens beyond the threshold")
                                 : "below every threshold (" + detail::threshold_text(card.tiers[0]) + ")"));
  }

  std::optional<multiplier> mult;
  if (tier != service_tier::standard) {
    mult = card.service_tiers[static_cast<std::size_t>(tier)];
    if (!mult) return make_error(errc::unsupported, "rate card " + who + " has no " + std::string(to_string(tier)) + " pricing");
    out.notes.push_back(std::string(to_string(tier)) + ": every rate x " + format_decimal(mult->millionths, 6));
  }
  auto finish_rate = [&](std::int64_t nano) -> result<std::int64_t> {
    if (!mult) return nano;
    return detail::apply_multiplier(nano, *mult, "rate card " + who);
  };
  const std::string tier_suffix = mult ? ", " + std::string(to_string(tier)) + " x " + format_decimal(mult->millionths, 6) : "";

  auto add_item = [&](bucket b, bucket rate_bucket, std::uint64_t tokens, const rate_set& rs, std::string why) -> result<void> {
    if (tokens == 0) return {};
    std::optional<std::int64_t> r = rs[rate_bucket];
    if (!r && rate_bucket == bucket::reasoning) {
      r = rs[bucket::output];
      why += ", reasoning at the output rate";
    }
    if (!r)
      return make_error(errc::unsupported, "rate card " + who + " has no rate for " + std::string(to_string(b)) + " (" +
                                               std::to_string(tokens) + " tokens): refusing to price them at zero");
    TOKENMETER_TRY(rate, finish_rate(*r));
    TOKENMETER_TRY(amount, detail::amount_for(tokens, rate, b));
    out.items.push_back(line_item{b, tokens, rate, amount, why + tier_suffix});
    return {};
  };

  rate_set tier_rates = eff;
  std::string tier_basis = basis;
  if (tier_ix) {
    for (bucket b : all_buckets)
      if (card.tiers[*tier_ix].rates[b]) tier_rates[b] = card.tiers[*tier_ix].rates[b];
    tier_basis = "long context " + detail::threshold_text(card.tiers[*tier_ix]);
  }

  if (!tier_ix || card.tiers[*tier_ix].mode == tier_mode::whole_request) {
    const rate_set& rs = tier_ix ? tier_rates : eff;
    for (bucket b : all_buckets) {
      if (b == bucket::request) continue;
      TOKENMETER_TRY_VOID(add_item(b, b, u.tokens(b), rs, tier_ix ? tier_basis : basis));
    }
  } else {
    // Excess only: counted tokens fill the bands in prompt order; each band pays its tier's rate.
    const auto& tiers = card.tiers;
    auto band_start = [&](std::size_t i) -> std::uint64_t { return tiers[i].inclusive ? tiers[i].threshold - 1 : tiers[i].threshold; };
    std::uint64_t pos = 0;
    for (bucket b : detail::prompt_order) {
      if (!tiers[0].counts[static_cast<std::size_t>(b)]) continue;
      std::uint64_t left = u.tokens(b);
      while (left > 0) {
        // Which band is `pos` in, and where does it end?
        std::optional<std::size_t> band;
        for (std::size_t i = 0; i < tiers.size(); ++i)
          if (pos >= band_start(i)) band = i;
        std::uint64_t band_end = UINT64_MAX;
        const std::size_t next = band ? *band + 1 : 0;
        if (next < tiers.size()) band_end = band_start(next);
        const std::uint64_t take = std::min<std::uint64_t>(left, band_end - pos);
        rate_set rs = eff;
        std::string why = basis;
        if (band) {
          for (bucket x : all_buckets)
            if (tiers[*band].rates[x]) rs[x] = tiers[*band].rates[x];
          why = "long context, tokens beyond " + std::to_string(tiers[*band].threshold);
        }
        TOKENMETER_TRY_VOID(add_item(b, b, take, rs, why));
        pos += take;
        left -= take;
      }
    }
    for (bucket b : {bucket::output, bucket::reasoning}) TOKENMETER_TRY_VOID(add_item(b, b, u.tokens(b), eff, basis));
  }
  if (eff[bucket::request] && u.requests > 0) TOKENMETER_TRY_VOID(add_item(bucket::request, bucket::request, u.requests, eff, "per-request fee"));

  int128 total = 0;
  for (const auto& it : out.items) {
    TOKENMETER_TRY(sum, detail::checked_add(total, it.amount_femto, "total"));
    total = sum;
  }
  out.total_femto = total;
  if (!card.promotion.empty()) out.notes.push_back("promotion: " + card.promotion + " (ends " + format_timestamp(*card.effective_to) + ")");
  return out;
}

// The API: price(usage, model, provider, timestamp). An empty provider means the model's
// first party. When the usage carries a provider-reported cost (OpenRouter usage.cost), that cost
// wins and is labelled provider-reported; our card's total is kept beside it for comparison.
[[nodiscard]] inline result<price_breakdown> price(const rate_table& table, const usage& u, std::string_view model,
                                                   std::string_view provider, timestamp at,
                                                   service_tier tier = service_tier::standard) {
  if (u.reported_cost) {
    price_breakdown out;
    out.model = std::string(model);
    out.provider = provider.empty() ? (u.provider_hint.empty() ? std::string("unknown") : u.provider_hint) : std::string(provider);
    out.currency = u.reported_cost->currency;
    out.at = at;
    out.tier = tier;
    out.provider_reported = true;
    out.source = "provider-reported usage.cost";
    out.authority = "provider-reported";
    std::uint64_t all = 0;
    for (bucket b : all_buckets)
      if (b != bucket::request) all += u.tokens(b);
    out.items.push_back(line_item{bucket::request, all, 0, u.reported_cost->femto, "provider-reported usage.cost " + u.reported_cost_text});
    out.total_femto = u.reported_cost->femto;
    out.notes.push_back("the response reports its own cost (" + u.reported_cost_text + " " + out.currency + "); it wins over our rate card");
    auto card = table.find(model, provider, at);
    if (card) {
      auto ours = price_with_card(**card, u, at, tier);
      if (ours) {
        out.computed_femto = ours->total_femto;
        out.model = (*card)->model;
        out.provider = (*card)->provider;
        out.notes.push_back("our rate card " + (*card)->provider + "/" + (*card)->model + " would give " + format_amount(ours->total_femto) + " " + ours->currency);
      }
    }
    return out;
  }
  TOKENMETER_TRY(card, table.find(model, provider, at));
  return price_with_card(*card, u, at, tier);
}

// Sums exact totals per currency; never mixes currencies, never rounds, checks overflow.
class cost_accumulator {
 public:
  [[nodiscard]] result<void> add(const money& m) {
    TOKENMETER_TRY(sum, detail::checked_add(totals_[m.currency], m.femto, "accumulated total"));
    totals_[m.currency] = sum;
    return {};
  }
  [[nodiscard]] const std::map<std::string, int128>& totals() const noexcept { return totals_; }

 private:
  std::map<std::string, int128> totals_;
};

// An explicit, dated FX table the caller supplies: "1 <from> = <rate> <to> on <date>".
struct fx_entry {
  std::string date;  // YYYY-MM-DD
  std::string from;  // ISO 4217
  std::string to;
  int128 rate_e12 = 0;  // rate x 10^12
};

class fx_table {
 public:
  [[nodiscard]] result<void> add(std::string date, std::string from, std::string to, std::string_view rate) {
    if (!detail::valid_date(date) || !parse_timestamp(date)) return make_error(errc::parse_error, "FX date must be YYYY-MM-DD: '" + date + "'");
    TOKENMETER_TRY(r, parse_decimal(rate, 12));
    if (r <= 0) return make_error(errc::out_of_range, "FX rate must be positive");
    entries_.push_back(fx_entry{std::move(date), std::move(from), std::move(to), r});
    return {};
  }

  // Converts with the latest entry for the pair dated on or before `at` (UTC date); the product is
  // rounded once, half to even, to femto-units of the target currency.
  [[nodiscard]] result<money> convert(const money& m, std::string_view to, timestamp at) const {
    if (m.currency == to) return m;
    const std::string day = format_timestamp(at).substr(0, 10);
    const fx_entry* best = nullptr;
    for (const auto& e : entries_)
      if (e.from == m.currency && e.to == to && e.date <= day && (!best || e.date > best->date)) best = &e;
    if (!best)
      return make_error(errc::out_of_range, "no FX rate " + m.currency + "->" + std::string(to) + " dated on or before " + day);
    TOKENMETER_TRY(prod, detail::checked_mul(m.femto, best->rate_e12, "FX conversion"));
    return money{std::string(to), detail::div_round_half_even(prod, detail::pow10(12))};
  }

  [[nodiscard]] const std::vector<fx_entry>& entries() const noexcept { return entries_; }

 private:
  std::vector<fx_entry> entries_;
};

}  // namespace pricing
TOKENMETER_END_NAMESPACE
