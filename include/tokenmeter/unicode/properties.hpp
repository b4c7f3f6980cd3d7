// Unicode properties from tokenmeter's own copy of the UCD (unicode/ucd_data.hpp, Unicode 16.0,
// the version both reference regex engines use), independent of the system ICU's version.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/unicode/ucd_data.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE
namespace unicode {

// Numeric values follow the generated table (0 = Cn ... 29 = Co).
enum class general_category : std::uint8_t {
  Cn, Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po, Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs, Co
};
inline constexpr std::size_t general_category_count = 30;

using range = detail::ucd::range;

namespace detail_props {

// UAX #44 loose matching: case, spaces, hyphens and underscores are ignored.
inline std::string loose(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '-' || c == '_') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// Bit set of general categories a name denotes (groups included), or 0 if it is not one.
inline std::uint32_t category_mask(const std::string& key) {
  using detail::ucd::gc_long_names;
  using detail::ucd::gc_short_names;
  for (std::size_t i = 0; i < general_category_count; ++i)
    if (key == loose(gc_short_names[i]) || key == loose(gc_long_names[i])) return 1u << i;
  const auto bits = [](std::initializer_list<general_category> cs) {
    std::uint32_t m = 0;
    for (auto c : cs) m |= 1u << static_cast<unsigned>(c);
    return m;
  };
  using gc = general_category;
  if (key == "l" || key == "letter") return bits({gc::Lu, gc::Ll, gc::Lt, gc::Lm, gc::Lo});
  if (key == "lc" || key == "l&" || key == "casedletter") return bits({gc::Lu, gc::Ll, gc::Lt});
  if (key == "m" || key == "mark" || key == "combiningmark") return bits({gc::Mn, gc::Mc, gc::Me});
  if (key == "n" || key == "number") return bits({gc::Nd, gc::Nl, gc::No});
  if (key == "p" || key == "punctuation" || key == "punct")
    return bits({gc::Pc, gc::Pd, gc::Ps, gc::Pe, gc::Pi, gc::Pf, gc::Po});
  if (key == "s" || key == "symbol") return bits({gc::Sm, gc::Sc, gc::Sk, gc::So});
  if (key == "z" || key == "separator") return bits({gc::Zs, gc::Zl, gc::Zp});
  if (key == "c" || key == "other") return bits({gc::Cc, gc::Cf, gc::Cs, gc::Co, gc::Cn});
  return 0;
}

}  // namespace detail_props

// The code points of a property named as in a regex \p{...}: a general category or group
// (L, Lu, Letter, gc=L, General_Category=Letter, ...), a script (Han, Script=Han, sc=Han) or
// White_Space. nullopt for anything else.
[[nodiscard]] inline std::optional<std::vector<range>> property_ranges(std::string_view name) {
  std::string key = detail_props::loose(name);
  bool script_only = false;
  for (std::string_view prefix : {"generalcategory=", "gc="})
    if (key.rfind(prefix, 0) == 0) key = key.substr(prefix.size());
  for (std::string_view prefix : {"script=", "sc="})
    if (key.rfind(prefix, 0) == 0) {
      key = key.substr(prefix.size());
      script_only = true;
    }
  std::vector<range> out;
  if (!script_only) {
    if (key == "whitespace" || key == "space" || key == "wspace") {
      out.assign(std::begin(detail::ucd::white_space), std::end(detail::ucd::white_space));
      return out;
    }
    if (const std::uint32_t mask = detail_props::category_mask(key); mask != 0) {
      for (std::uint32_t k = 0; k < detail::ucd::gc_run_count; ++k) {
        if (!(mask & (1u << detail::ucd::gc_run_value[k]))) continue;
        const char32_t first = detail::ucd::gc_run_start[k];
        const char32_t last = k + 1 < detail::ucd::gc_run_count ? detail::ucd::gc_run_start[k + 1] - 1 : 0x10FFFF;
        if (!out.empty() && out.back().last + 1 == first)
          out.back().last = last;
        else
          out.push_back({first, last});
      }
      return out;
    }
  }
  for (const auto& s : detail::ucd::scripts)
    if (key == detail_props::loose(s.name)) return std::vector<range>(s.ranges, s.ranges + s.size);
  return std::nullopt;
}

// ICU set syntax for ranges, e.g. "[a-z\x{4E00}-\x{9FFF}]" (or "[^...]").
[[nodiscard]] inline std::string icu_set(const std::vector<range>& rs, bool negate) {
  if (rs.empty()) return negate ? "[\\x{0}-\\x{10FFFF}]" : "[^\\x{0}-\\x{10FFFF}]";
  std::string out = negate ? "[^" : "[";
  char buf[32];
  for (const range& r : rs) {
    std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(r.first));
    out += buf;
    if (r.last != r.first) {
      std::snprintf(buf, sizeof buf, "-\\x{%X}", static_cast<unsigned>(r.last));
      out += buf;
    }
  }
  out += ']';
  return out;
}

}  // namespace unicode
TOKENMETER_END_NAMESPACE
