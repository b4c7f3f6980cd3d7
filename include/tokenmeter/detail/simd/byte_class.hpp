// Byte-run kernels (see byte_class-inl.h) behind one call each, whichever way they are dispatched:
//  - static (default): compiled for the best target the compile flags allow, header-only, no libhwy;
//  - runtime, with TOKENMETER_HWY_DYNAMIC_DISPATCH defined in every translation unit: the
//    program's one <tokenmeter/simd_dispatch.hpp> translation unit compiles every target and
//    picks the best one the CPU has at the first call (links libhwy).
#pragma once

#include <tokenmeter/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

#ifndef TOKENMETER_HWY_DYNAMIC_DISPATCH
#include <tokenmeter/detail/simd/byte_class-inl.h>
#include <tokenmeter/detail/simd/target_name-inl.h>
#endif

TOKENMETER_BEGIN_NAMESPACE
namespace detail::simd {

// The 16-row form of an ASCII byte set (see byte_class-inl.h).
using ascii_set_rows = std::array<std::uint8_t, 16>;

template <class Pred>
constexpr ascii_set_rows make_ascii_set(Pred&& in_set) {
  ascii_set_rows rows{};
  for (unsigned b = 0; b < 128; ++b)
    if (in_set(static_cast<unsigned char>(b))) rows[b & 15] = static_cast<std::uint8_t>(rows[b & 15] | (1u << (b >> 4)));
  return rows;
}

// A set of any bytes as two 16-row tables (see byte_set_find in byte_class-inl.h).
struct byte_set_rows {
  ascii_set_rows low{}, high{};
  void add(unsigned char b) noexcept {
    auto& rows = b < 0x80 ? low : high;
    rows[b & 15] = static_cast<std::uint8_t>(rows[b & 15] | (1u << ((b >> 4) & 7)));
  }
};

#ifdef TOKENMETER_HWY_DYNAMIC_DISPATCH
// Defined in the translation unit that includes <tokenmeter/simd_dispatch.hpp> with
// TOKENMETER_HWY_DISPATCH_IMPLEMENTATION.
std::size_t ascii_set_prefix(const std::uint8_t* p, std::size_t n, const std::uint8_t* rows) noexcept;
std::size_t ascii_prefix(const std::uint8_t* p, std::size_t n) noexcept;
std::size_t byte_set_find(const std::uint8_t* p, std::size_t n, const std::uint8_t* rows_low,
                          const std::uint8_t* rows_high) noexcept;
// The Highway target the calls run on (e.g. "AVX2"), reported by a dispatched kernel.
const char* target_name() noexcept;
#else
inline std::size_t ascii_set_prefix(const std::uint8_t* p, std::size_t n, const std::uint8_t* rows) noexcept {
  return HWY_STATIC_DISPATCH(ascii_set_prefix)(p, n, rows);
}
inline std::size_t ascii_prefix(const std::uint8_t* p, std::size_t n) noexcept {
  return HWY_STATIC_DISPATCH(ascii_prefix)(p, n);
}
inline std::size_t byte_set_find(const std::uint8_t* p, std::size_t n, const std::uint8_t* rows_low,
                                 const std::uint8_t* rows_high) noexcept {
  return HWY_STATIC_DISPATCH(byte_set_find)(p, n, rows_low, rows_high);
}
inline const char* target_name() noexcept { return HWY_STATIC_DISPATCH(kernel_target_name)(); }
#endif

}  // namespace detail::simd
TOKENMETER_END_NAMESPACE
