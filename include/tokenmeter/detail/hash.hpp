// Hashing for tokenmeter's flat tables: xxHash (XXH3) in its inline, header-only mode.
#pragma once

#include <tokenmeter/config.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
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

// XXH3_64bits. Most keys are tokens and pieces of at most 16 bytes, whose branch of XXH3 is a
// few multiplies; xxHash's public entry point is not inlined (5-8% of English text's time), so
// keys that short go straight to that branch, xxHash's own function with its own default
// secret and seed. The value is the same either way (tests/detail checks it), so compiled
// caches stay valid.
[[nodiscard]] TOKENMETER_ALWAYS_INLINE std::uint64_t hash_bytes(std::string_view s) noexcept {
#if XXH_VERSION_MAJOR == 0 && XXH_VERSION_MINOR == 8
  if (s.size() <= 16) return XXH3_len_0to16_64b(reinterpret_cast<const xxh_u8*>(s.data()), s.size(), XXH3_kSecret, 0);
#endif
  return XXH3_64bits(s.data(), s.size());
}

[[nodiscard]] TOKENMETER_ALWAYS_INLINE std::uint64_t hash_u64(std::uint64_t v) noexcept {
  return hash_bytes(std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
}

// Equality of two byte ranges of length n, inlined: keys are short (a few bytes) and a libc
// memcmp call costs more than the comparison itself.
[[nodiscard]] TOKENMETER_ALWAYS_INLINE bool bytes_equal(const char* a, const char* b, std::size_t n) noexcept {
  const auto load64 = [](const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  const auto load32 = [](const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (load64(a + i) != load64(b + i)) return false;
    return load64(a + n - 8) == load64(b + n - 8);
  }
  if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  if (n == 0) return true;
  return a[0] == b[0] && a[n >> 1] == b[n >> 1] && a[n - 1] == b[n - 1];
}

// The n <= 8 bytes at p as a little-endian integer, high bytes zero, built in registers: two
// overlapping fixed-size loads (or three byte loads below 4). A variable-length memcpy into a
// stack word instead stores byte by byte and stalls the wider load that reads it back.
[[nodiscard]] TOKENMETER_ALWAYS_INLINE std::uint64_t load_short(const char* p, std::size_t n) noexcept {
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return static_cast<std::uint64_t>(lo) | static_cast<std::uint64_t>(hi) << (8 * (n - 4));
  }
  if (n == 0) return 0;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i); };
  return byte(0) | byte(n >> 1) | byte(n - 1);
}

// Open-addressing tables (the vocabulary index, the merge-pair table) are exactly half full, not
// sized to a power of two (which lands anywhere from a quarter to half full: 0.25-0.38 for most
// vocabularies, up to 6 MiB more). A key's home is its hash's high bits scaled to the number of
// homes (Lemire's multiply-shift), and linear probes run on past the last home into a tail whose
// last slot stays empty, instead of wrapping: a probe needs neither a mask nor a wrap test.
[[nodiscard]] inline std::size_t table_homes_for(std::size_t n) noexcept { return n * 2 < 16 ? 16 : n * 2; }
inline constexpr std::size_t table_first_tail = 64;  // slots after the last home (longer if a run needs it)
[[nodiscard]] TOKENMETER_ALWAYS_INLINE std::size_t table_home(std::uint64_t h, std::size_t homes) noexcept {
  return static_cast<std::size_t>((static_cast<unsigned __int128>(h) * homes) >> 64);
}

}  // namespace detail
TOKENMETER_END_NAMESPACE
