// Hashing for tokenmeter's flat tables: xxHash (XXH3) in its inline, header-only mode.
#pragma once

#include <tokenmeter/config.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#define TOKENMETER_DEFINED_XXH_INLINE_ALL
#endif
#include <xxhash.h>
#ifdef TOKENMETER_DEFINED_XXH_INLINE_ALL
#undef XXH_INLINE_ALL
#undef TOKENMETER_DEFINED_XXH_INLINE_ALL
#endif

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

[[nodiscard]] TOKENMETER_ALWAYS_INLINE std::uint64_t hash_bytes(std::string_view s) noexcept {
  return XXH3_64bits(s.data(), s.size());
}

[[nodiscard]] TOKENMETER_ALWAYS_INLINE std::uint64_t hash_u64(std::uint64_t v) noexcept {
  return XXH3_64bits(&v, sizeof v);
}

// Smallest power of two >= max(n * 2, 16): tables stay at most half full, so probes stay short.
[[nodiscard]] inline std::size_t table_capacity_for(std::size_t n) noexcept {
  return std::bit_ceil(n * 2 < 16 ? std::size_t{16} : n * 2);
}

}  // namespace detail
TOKENMETER_END_NAMESPACE
