// Fuzzes the rate-table overlay loader: TOML text -> validated cards -> overlay on the embedded
// table -> price() with every overlay card, with token counts near the 64-bit edges. Anything
// the overlay gets wrong must be a typed error; an amount that does not fit is errc::overflow.
#include <tokenmeter/pricing/pricing.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace tokenmeter;
using namespace tokenmeter::pricing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = parse_rate_toml(text, "fuzz.toml");
  tm_fuzz::expect_typed_failure(file, {errc::parse_error, errc::invalid_argument, errc::out_of_range, errc::overflow}, "parse_rate_toml");
  if (!file) return 0;
  auto table = builtin_rate_table().with_overlay(file->cards, "fuzz");
  tm_fuzz::expect_typed_failure(table, {errc::parse_error, errc::invalid_argument, errc::ambiguous_model, errc::out_of_range},
                                "with_overlay");
  if (!table) return 0;
  // Counts derived from the input's length: small, mid and the largest a usage can hold.
  const std::uint64_t counts[] = {size, 272001 + size, UINT64_MAX - size};
  for (const rate_card& card : file->cards) {
    for (const std::uint64_t n : counts) {
      usage u;
      u.input = n;
      u.output = n / 3;
      u.cache_read = n / 7;
      u.requests = n;
      const timestamp at = card.effective_from;
      for (int tier = 0; tier < 4; ++tier) {
        auto p = price(*table, u, card.model, card.provider, at, static_cast<service_tier>(tier));
        tm_fuzz::expect_typed_failure(p, {errc::unknown_model, errc::ambiguous_model, errc::out_of_range, errc::overflow,
                                          errc::unsupported, errc::invalid_argument},
                                      "price");
        if (p) tm_fuzz::check_breakdown(*p);
      }
    }
  }
  return 0;
}
