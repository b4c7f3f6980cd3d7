// The embedded rate table (generated from rates/*.toml into rate_table_data.hpp) as a rate_table.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/pricing/rate_table.hpp>
#include <tokenmeter/pricing/rate_table_data.hpp>

#include <string>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace pricing {

namespace detail {

[[nodiscard]] inline rate_set from_embedded(const e_rates& e) {
  rate_set rs;
  for (std::size_t i = 0; i < bucket_count; ++i)
    if (e.present & (1u << i)) rs.nano[i] = e.nano[i];
  return rs;
}

[[nodiscard]] inline rate_card from_embedded(const e_card& e) {
  namespace data = embedded_rates;
  rate_card c;
  c.provider = std::string(e.provider);
  c.model = std::string(e.model);
  c.currency = std::string(e.currency);
  for (std::size_t k = 0; k < e.alias_count; ++k) c.aliases.emplace_back(data::names[e.name_begin + k]);
  for (std::size_t k = 0; k < e.prefix_count; ++k) c.match_prefixes.emplace_back(data::names[e.name_begin + e.alias_count + k]);
  c.first_party = e.first_party;
  c.regional = e.regional;
  c.effective_from = timestamp{e.from};
  if (e.has_to) c.effective_to = timestamp{e.to};
  c.promotion = std::string(e.promotion);
  c.rates = from_embedded(e.rates);
  for (std::size_t k = 0; k < e.tier_count; ++k) {
    const e_tier& t = data::tiers[e.tier_begin + k];
    long_context_tier lt;
    lt.threshold = t.threshold;
    lt.inclusive = t.inclusive;
    for (std::size_t i = 0; i < bucket_count; ++i) lt.counts[i] = (t.counts >> i) & 1u;
    lt.mode = t.excess ? tier_mode::excess : tier_mode::whole_request;
    lt.rates = from_embedded(t.rates);
    c.tiers.push_back(lt);
  }
  if (e.has_schedule) {
    schedule s;
    s.utc_offset_minutes = e.utc_offset_minutes;
    s.base_label = std::string(e.base_label);
    for (std::size_t k = 0; k < e.window_count; ++k) {
      const e_window& w = data::windows[e.window_begin + k];
      s.windows.push_back(schedule_window{std::string(w.label), w.days, w.start_minute, w.end_minute, from_embedded(w.rates)});
    }
    c.time_of_day = std::move(s);
  }
  for (std::size_t k = 1; k < 4; ++k)
    if (e.service_millionths[k] != 0) c.service_tiers[k] = multiplier{e.service_millionths[k]};
  c.prov = provenance{std::string(e.source), std::string(e.checked), std::string(e.authority), std::string(e.note), std::string(e.crosscheck)};
  return c;
}

}  // namespace detail

// The embedded table, built once. The generator already validated it; make() validates again so a
// hand-edited header cannot smuggle an invalid card in.
[[nodiscard]] inline const rate_table& builtin_rate_table() {
  static const rate_table table = [] {
    std::vector<rate_card> cards;
    for (const auto& e : embedded_rates::cards) cards.push_back(detail::from_embedded(e));
    auto t = rate_table::make(std::move(cards), std::string(embedded_rates::version));
    rate_table out = t ? std::move(*t) : rate_table{};
    std::vector<not_found_entry> nf;
    for (const auto& n : embedded_rates::not_found) nf.push_back({std::string(n.provider), std::string(n.model), std::string(n.searched)});
    out.set_not_found(std::move(nf));
    return out;
  }();
  return table;
}

// Version and content hash of the embedded table, as recorded by the generator.
[[nodiscard]] constexpr std::string_view builtin_rates_version() noexcept { return embedded_rates::version; }
[[nodiscard]] constexpr std::string_view builtin_rates_hash() noexcept { return embedded_rates::content_hash; }

}  // namespace pricing
TOKENMETER_END_NAMESPACE
