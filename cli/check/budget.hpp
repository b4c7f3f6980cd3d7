// Budget values for `tokenmeter check`: token counts with k/M/G suffixes ("10k", "1.5M"), money
// ("$0.25", "0.25 USD", "¥2" for CNY) and increase tolerances ("5%", "2k", "$0.01"). Everything
// is parsed into integers; a value that is not a whole number of tokens (or a representable
// amount) is an error, never rounded.
#pragma once

#include <tokenmeter/error.hpp>
#include <tokenmeter/pricing/money.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tokenmeter_cli::check {

namespace tp = tokenmeter::pricing;

inline tokenmeter::error budget_error(std::string_view what, std::string_view value, std::string_view why) {
  return tokenmeter::make_error(tokenmeter::errc::invalid_argument,
                                std::string(what) + " '" + std::string(value) + "': " + std::string(why));
}

inline std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "1200", "10k", "1.5M", "2G": a whole, non-negative number of tokens.
inline tokenmeter::result<std::uint64_t> parse_token_count(std::string_view text, std::string_view what = "token count") {
  std::string_view s = trim_spaces(text);
  tp::int128 mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'k': case 'K': mult = 1'000; break;
      case 'm': case 'M': mult = 1'000'000; break;
      case 'g': case 'G': case 'b': case 'B': mult = 1'000'000'000; break;
      default: break;
    }
    if (mult != 1) s.remove_suffix(1);
  }
  if (s.empty() || s.front() == '-') return budget_error(what, text, "expected a whole number such as 1200, 10k or 1.5M");
  // Scaled by 1e9 so "1.5" is 1'500'000'000: the fraction survives exactly until the multiplier.
  auto scaled = tp::parse_decimal(s, 9);
  if (!scaled) return budget_error(what, text, "expected a whole number such as 1200, 10k or 1.5M");
  const tp::int128 unit = 1'000'000'000;
  tp::int128 v = 0;
  if (__builtin_mul_overflow(*scaled, mult, &v)) return budget_error(what, text, "too large");
  if (v % unit != 0) return budget_error(what, text, "not a whole number of tokens");
  v /= unit;
  if (v > static_cast<tp::int128>(UINT64_MAX)) return budget_error(what, text, "too large");
  return static_cast<std::uint64_t>(v);
}

using money_budget = tp::money;  // "USD" or "CNY", exact femto-units

// "$0.25", "0.25", "0.25 USD", "USD 0.25", "¥2", "2 CNY". A bare number is US dollars.
inline tokenmeter::result<money_budget> parse_money(std::string_view text, std::string_view what = "cost") {
  std::string_view s = trim_spaces(text);
  std::string currency = "USD";
  auto strip_prefix = [&](std::string_view p) {
    if (s.substr(0, p.size()) != p) return false;
    s = trim_spaces(s.substr(p.size()));
    return true;
  };
  auto strip_suffix = [&](std::string_view p) {
    if (s.size() < p.size() || s.substr(s.size() - p.size()) != p) return false;
    s = trim_spaces(s.substr(0, s.size() - p.size()));
    return true;
  };
  if (strip_prefix("$") || strip_prefix("USD") || strip_suffix("USD")) {
    currency = "USD";
  } else if (strip_prefix("\xC2\xA5") || strip_prefix("CNY") || strip_suffix("CNY")) {  // ¥
    currency = "CNY";
  }
  if (s.empty() || s.front() == '-') return budget_error(what, text, "expected an amount such as $0.25");
  auto v = tp::parse_decimal(s, tp::femto_digits);
  if (!v) return budget_error(what, text, "expected an amount such as $0.25 (" + v.error_value().message + ")");
  return money_budget{currency, *v};
}

// --fail-on-increase tolerance: nothing (any increase fails), "5%" / "2.5%" of the base, an
// absolute number of tokens ("500", "2k"), or an amount ("$0.01").
struct tolerance {
  enum class kind { none, percent, tokens, cost } k = kind::none;
  tp::int128 percent_millionths = 0;  // 2.5% -> 2'500'000
  std::uint64_t tokens = 0;
  money_budget cost;
  std::string text;  // as written, for reports
};

inline tokenmeter::result<tolerance> parse_tolerance(std::string_view text) {
  tolerance t;
  t.text = std::string(trim_spaces(text));
  std::string_view s = t.text;
  if (s.empty() || s == "0" || s == "true") {
    t.k = tolerance::kind::none;
    return t;
  }
  if (s.back() == '%') {
    auto v = tp::parse_decimal(trim_spaces(s.substr(0, s.size() - 1)), 6);
    if (!v || *v < 0) return budget_error("--fail-on-increase tolerance", text, "expected e.g. 5%, 2k (tokens) or $0.01");
    t.k = tolerance::kind::percent;
    t.percent_millionths = *v;
    return t;
  }
  if (s.find('$') != std::string_view::npos || s.find("USD") != std::string_view::npos || s.find("CNY") != std::string_view::npos ||
      s.find("\xC2\xA5") != std::string_view::npos) {
    auto m = parse_money(s, "--fail-on-increase tolerance");
    if (!m) return std::move(m).error_value();
    t.k = tolerance::kind::cost;
    t.cost = *m;
    return t;
  }
  auto n = parse_token_count(s, "--fail-on-increase tolerance");
  if (!n) return std::move(n).error_value();
  t.k = tolerance::kind::tokens;
  t.tokens = *n;
  return t;
}

// Whether a change exceeds the tolerance. Token and percent tolerances judge tokens; a money
// tolerance judges cost (when there is none, e.g. the model has no rate card, nothing fails).
inline bool exceeds(const tolerance& t, std::uint64_t base_tokens, std::uint64_t now_tokens,
                    std::optional<tp::int128> base_cost, std::optional<tp::int128> now_cost) {
  const tp::int128 base = base_tokens, now = now_tokens;
  switch (t.k) {
    case tolerance::kind::none: return now > base;
    case tolerance::kind::percent: return now > base && (now - base) * 100'000'000 > base * t.percent_millionths;  // delta/base > pct/100
    case tolerance::kind::tokens: return now > base && now - base > static_cast<tp::int128>(t.tokens);
    case tolerance::kind::cost: return base_cost && now_cost && *now_cost - *base_cost > t.cost.femto;
  }
  return false;
}

}  // namespace tokenmeter_cli::check
