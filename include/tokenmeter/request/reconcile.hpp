// Reconciliation: our token counts for a request against the usage the provider reported, per
// bucket, with the cost each side implies under the same rate card.
//
// Buckets compared (docs/request-accounting.md):
//   input      every prompt token, cached or not (providers split it; we count the whole prompt)
//   cache_read / cache_write   the provider's split of the prompt (we cannot know it: theirs only)
//   output     visible output, tool calls included (not reasoning)
//   reasoning  reasoning/thinking output, when its text is visible to us
// A bucket we did not count shows no "ours"; its cost on our side then uses the provider's count,
// so the cost difference is only ever caused by buckets we did count.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/pricing/usage.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

// What we counted for one request; unset means "not counted by us".
struct our_counts {
  std::optional<std::uint64_t> input;      // whole prompt (template/framing included when known)
  std::optional<std::uint64_t> output;     // visible output
  std::optional<std::uint64_t> reasoning;  // reasoning output
  bool input_exact = false;                // false: an estimate (see input_note)
  std::string input_note;                  // how the input was counted
};

enum class reconcile_bucket : std::uint8_t { input, cache_read, cache_write, output, reasoning };
inline constexpr std::array<reconcile_bucket, 5> all_reconcile_buckets = {
    reconcile_bucket::input, reconcile_bucket::cache_read, reconcile_bucket::cache_write, reconcile_bucket::output,
    reconcile_bucket::reasoning};

[[nodiscard]] constexpr std::string_view to_string(reconcile_bucket b) noexcept {
  switch (b) {
    case reconcile_bucket::input: return "input";
    case reconcile_bucket::cache_read: return "cache_read";
    case reconcile_bucket::cache_write: return "cache_write";
    case reconcile_bucket::output: return "output";
    case reconcile_bucket::reasoning: return "reasoning";
  }
  return "input";
}

struct reconcile_row {
  reconcile_bucket what = reconcile_bucket::input;
  std::optional<std::uint64_t> ours;
  std::uint64_t theirs = 0;
  std::optional<std::int64_t> difference;  // ours - theirs, when we counted
  pricing::int128 our_cost_femto = 0;      // this bucket's cost on each side (same card, same instant)
  pricing::int128 their_cost_femto = 0;
};

struct reconciliation {
  std::vector<reconcile_row> rows;
  std::string currency;
  pricing::int128 our_total_femto = 0;    // per-request fees included on both sides
  pricing::int128 their_total_femto = 0;  // our card applied to the provider's usage
  std::optional<pricing::int128> provider_reported_femto;  // the response's own cost, when it states one
  std::string card;                       // provider/model of the card used
  std::vector<std::string> notes;
};

namespace reconcile_detail {

[[nodiscard]] inline std::uint64_t their_count(const pricing::usage& u, reconcile_bucket b) noexcept {
  switch (b) {
    case reconcile_bucket::input: return u.input + u.cache_read + u.cache_write_5m + u.cache_write_1h;
    case reconcile_bucket::cache_read: return u.cache_read;
    case reconcile_bucket::cache_write: return u.cache_write_5m + u.cache_write_1h;
    case reconcile_bucket::output: return u.output;
    case reconcile_bucket::reasoning: return u.reasoning;
  }
  return 0;
}

// Which pricing buckets a reconcile bucket's cost is made of.
[[nodiscard]] inline bool belongs(pricing::bucket p, reconcile_bucket b) noexcept {
  using pricing::bucket;
  switch (b) {
    case reconcile_bucket::input: return p == bucket::input;
    case reconcile_bucket::cache_read: return p == bucket::cache_read;
    case reconcile_bucket::cache_write: return p == bucket::cache_write_5m || p == bucket::cache_write_1h;
    case reconcile_bucket::output: return p == bucket::output;
    case reconcile_bucket::reasoning: return p == bucket::reasoning;
  }
  return false;
}

[[nodiscard]] inline pricing::int128 cost_of(const pricing::price_breakdown& pb, reconcile_bucket b) {
  pricing::int128 sum = 0;
  for (const auto& item : pb.items)
    if (belongs(item.what, b)) sum += item.amount_femto;
  return sum;
}

}  // namespace reconcile_detail

// Our usage: the provider's usage with our counts substituted where we have them. The prompt is
// split as the provider split it (cached parts are theirs; the uncached rest is ours minus those).
[[nodiscard]] inline pricing::usage our_usage(const our_counts& ours, const pricing::usage& theirs) {
  pricing::usage u = theirs;
  u.reported_cost.reset();
  u.reported_cost_text.clear();
  if (ours.input) {
    const std::uint64_t cached = theirs.cache_read + theirs.cache_write_5m + theirs.cache_write_1h;
    u.input = *ours.input > cached ? *ours.input - cached : 0;
  }
  if (ours.output) u.output = *ours.output;
  if (ours.reasoning) u.reasoning = *ours.reasoning;
  return u;
}

// Compares `ours` with the provider's `theirs` and prices both with the card for `model` at `at`.
[[nodiscard]] inline result<reconciliation> reconcile(const our_counts& ours, const pricing::usage& theirs,
                                                      const pricing::rate_table& table, std::string_view model,
                                                      pricing::timestamp at, std::string_view provider = {}) {
  pricing::usage plain_theirs = theirs;
  plain_theirs.reported_cost.reset();  // price their counts with our card, like ours
  TOKENMETER_TRY(card, table.find(model, provider, at));  // one lookup for both prices
  TOKENMETER_TRY(their_price, pricing::price_with_card(*card, plain_theirs, at));
  TOKENMETER_TRY(our_price, pricing::price_with_card(*card, our_usage(ours, theirs), at));
  reconciliation out;
  out.currency = their_price.currency;
  out.card = their_price.provider + "/" + their_price.model;
  out.their_total_femto = their_price.total_femto;
  out.our_total_femto = our_price.total_femto;
  if (theirs.reported_cost && theirs.reported_cost->currency == out.currency) out.provider_reported_femto = theirs.reported_cost->femto;
  for (const reconcile_bucket b : all_reconcile_buckets) {
    reconcile_row row;
    row.what = b;
    row.theirs = reconcile_detail::their_count(theirs, b);
    if (b == reconcile_bucket::input) row.ours = ours.input;
    if (b == reconcile_bucket::output) row.ours = ours.output;
    if (b == reconcile_bucket::reasoning) row.ours = ours.reasoning;
    if (row.ours) row.difference = static_cast<std::int64_t>(*row.ours) - static_cast<std::int64_t>(row.theirs);
    row.their_cost_femto = reconcile_detail::cost_of(their_price, b);
    row.our_cost_femto = reconcile_detail::cost_of(our_price, b);
    out.rows.push_back(row);
  }
  if (!ours.input) out.notes.push_back("input not counted by us: the provider's count is used on both sides");
  else if (!ours.input_exact) out.notes.push_back("our input count is an estimate: " + ours.input_note);
  if (!ours.reasoning && theirs.reasoning > 0)
    out.notes.push_back("reasoning text not visible: the provider's reasoning count is used on both sides");
  for (const auto& n : their_price.notes) out.notes.push_back(n);
  return out;
}

TOKENMETER_END_NAMESPACE
