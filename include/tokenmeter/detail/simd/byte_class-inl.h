// Highway kernels over byte runs, compiled once per SIMD target (the foreach_target pattern):
// either for the static target only (<tokenmeter/detail/simd/byte_class.hpp>), or for every
// target by the one translation unit that includes <tokenmeter/simd_dispatch.hpp>.
//
// An ASCII byte set is given as 16 "rows": byte b (< 0x80) is in the set iff bit (b >> 4) of
// rows[b & 15] is set. Two byte shuffles test a whole vector against any such set, so one
// kernel serves every character class the scanners use.

// (Not noexcept: HWY_EXPORT's dispatch table needs the plain function type.)
// Per-target include guard: toggled by foreach_target.h for each target it compiles.
#if defined(TOKENMETER_DETAIL_SIMD_BYTE_CLASS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TOKENMETER_DETAIL_SIMD_BYTE_CLASS_INL_H_
#undef TOKENMETER_DETAIL_SIMD_BYTE_CLASS_INL_H_
#else
#define TOKENMETER_DETAIL_SIMD_BYTE_CLASS_INL_H_
#endif

#include <tokenmeter/config.hpp>

#include <cstddef>
#include <cstdint>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
TOKENMETER_BEGIN_NAMESPACE
namespace detail::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// 16 row bytes (any alignment) in every 128-bit block, as TableLookupBytes wants its table.
template <class D>
HWY_INLINE hn::Vec<D> row_table(D d, const std::uint8_t* HWY_RESTRICT rows) {
  alignas(16) std::uint8_t copy[16];
  for (int i = 0; i < 16; ++i) copy[i] = rows[i];
  return hn::LoadDup128(d, copy);
}

// Number of leading bytes of [p, p + n) that are in the ASCII set `rows` (16 bytes).
inline std::size_t ascii_set_prefix(const std::uint8_t* HWY_RESTRICT p, std::size_t n,
                                    const std::uint8_t* HWY_RESTRICT rows) {
  const hn::ScalableTag<std::uint8_t> d;
  const std::size_t lanes = hn::Lanes(d);
  // Bit (b >> 4) for ASCII; high nibbles 8..15 (non-ASCII) map to 0, i.e. never in the set.
  alignas(16) static constexpr std::uint8_t high_bit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0};
  const auto rows_v = row_table(d, rows);
  const auto bit_table = hn::LoadDup128(d, high_bit);
  const auto low_nibble = hn::Set(d, std::uint8_t{0x0F});
  std::size_t i = 0;
  // The 16-entry table lookups need 16-byte blocks; a narrower target (SCALAR) uses the loop below.
  for (; lanes >= 16 && i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(d, p + i);
    const auto row = hn::TableLookupBytes(rows_v, hn::And(v, low_nibble));
    const auto bit = hn::TableLookupBytes(bit_table, hn::ShiftRight<4>(v));
    const auto outside = hn::Eq(hn::And(row, bit), hn::Zero(d));
    const intptr_t first = hn::FindFirstTrue(d, outside);
    if (first >= 0) return i + static_cast<std::size_t>(first);
  }
  for (; i < n; ++i) {
    const std::uint8_t b = p[i];
    if (b >= 0x80 || !((rows[b & 15] >> (b >> 4)) & 1)) return i;
  }
  return n;
}

// Index of the first byte of [p, p + n) in a set of any bytes, n if none. The set is two row
// tables (bytes < 0x80 and bytes >= 0x80, the rows of b & 0x7F), chosen per byte by its top bit.
inline std::size_t byte_set_find(const std::uint8_t* HWY_RESTRICT p, std::size_t n,
                                 const std::uint8_t* HWY_RESTRICT rows_low, const std::uint8_t* HWY_RESTRICT rows_high) {
  const hn::ScalableTag<std::uint8_t> d;
  const hn::RebindToSigned<decltype(d)> di;
  const std::size_t lanes = hn::Lanes(d);
  alignas(16) static constexpr std::uint8_t bit_of[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const auto low_table = row_table(d, rows_low);
  const auto high_table = row_table(d, rows_high);
  const auto bit_table = hn::LoadDup128(d, bit_of);
  const auto low_nibble = hn::Set(d, std::uint8_t{0x0F});
  std::size_t i = 0;
  for (; lanes >= 16 && i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(d, p + i);
    const auto nibble = hn::And(v, low_nibble);
    const auto is_high = hn::RebindMask(d, hn::Lt(hn::BitCast(di, v), hn::Zero(di)));
    const auto row = hn::IfThenElse(is_high, hn::TableLookupBytes(high_table, nibble), hn::TableLookupBytes(low_table, nibble));
    const auto bit = hn::TableLookupBytes(bit_table, hn::ShiftRight<4>(v));
    const intptr_t first = hn::FindFirstTrue(d, hn::Ne(hn::And(row, bit), hn::Zero(d)));
    if (first >= 0) return i + static_cast<std::size_t>(first);
  }
  for (; i < n; ++i) {
    const std::uint8_t b = p[i];
    if (((b < 0x80 ? rows_low : rows_high)[b & 15] >> ((b >> 4) & 7)) & 1) return i;
  }
  return n;
}

// Number of leading ASCII bytes (< 0x80) of [p, p + n).
inline std::size_t ascii_prefix(const std::uint8_t* HWY_RESTRICT p, std::size_t n) {
  const hn::ScalableTag<std::uint8_t> d;
  const hn::RebindToSigned<decltype(d)> di;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  // Four vectors per step: text is mostly ASCII, so the common case is one test per 4 loads.
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    const auto v0 = hn::LoadU(d, p + i), v1 = hn::LoadU(d, p + i + lanes);
    const auto v2 = hn::LoadU(d, p + i + 2 * lanes), v3 = hn::LoadU(d, p + i + 3 * lanes);
    const auto any = hn::Or(hn::Or(v0, v1), hn::Or(v2, v3));
    if (!hn::AllFalse(di, hn::Lt(hn::BitCast(di, any), hn::Zero(di)))) break;
  }
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::BitCast(di, hn::LoadU(d, p + i));
    const intptr_t first = hn::FindFirstTrue(di, hn::Lt(v, hn::Zero(di)));
    if (first >= 0) return i + static_cast<std::size_t>(first);
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

}  // namespace HWY_NAMESPACE
}  // namespace detail::simd
TOKENMETER_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
