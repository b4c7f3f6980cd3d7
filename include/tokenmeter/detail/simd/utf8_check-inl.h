// Highway kernel: how much of a buffer is valid UTF-8, a vector at a time, with the nibble
// tables of utf8_rules.hpp. Compiled per target like byte_class-inl.h.

// Per-target include guard: toggled by foreach_target.h for each target it compiles.
#if defined(TOKENMETER_DETAIL_SIMD_UTF8_CHECK_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TOKENMETER_DETAIL_SIMD_UTF8_CHECK_INL_H_
#undef TOKENMETER_DETAIL_SIMD_UTF8_CHECK_INL_H_
#else
#define TOKENMETER_DETAIL_SIMD_UTF8_CHECK_INL_H_
#endif

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/simd/utf8_rules.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
TOKENMETER_BEGIN_NAMESPACE
namespace detail::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// A length s <= n such that [p, p + s) is valid UTF-8 and s is 0 or starts a character, as far
// as whole vectors reach; the caller checks [s, n) byte by byte, which also finds the offset of
// an error (the kernel only knows which vector holds it). ASCII is skipped four vectors at a
// time; a vector with other bytes is checked whole: each byte against the three before it,
// loaded at offsets -1..-3, so a sequence spanning two vectors needs no carried state.
inline std::size_t utf8_valid_prefix(const std::uint8_t* HWY_RESTRICT p, std::size_t n) {
  const hn::ScalableTag<std::uint8_t> d;
  const hn::RebindToSigned<decltype(d)> di;
  const std::size_t lanes = hn::Lanes(d);
  if (lanes < 16 || n < lanes) return 0;  // 16-entry lookups need 16-byte blocks
  namespace r = utf8_rules;
  const auto t_prev_high = hn::LoadDup128(d, r::prev_high.data());
  const auto t_prev_low = hn::LoadDup128(d, r::prev_low.data());
  const auto t_cur_high = hn::LoadDup128(d, r::cur_high.data());
  const auto low_nibble = hn::Set(d, std::uint8_t{0x0F});
  const auto zero = hn::Zero(d);
  const auto non_ascii = [&](auto v) { return hn::Lt(hn::BitCast(di, v), hn::Zero(di)); };
  // Error bits of the vector `cur` whose three preceding vectors-shifted-by-one are given.
  const auto errors = [&](auto prev3, auto prev2, auto prev1, auto cur) {
    const auto special = hn::And(hn::And(hn::TableLookupBytes(t_prev_high, hn::ShiftRight<4>(prev1)),
                                         hn::TableLookupBytes(t_prev_low, hn::And(prev1, low_nibble))),
                                 hn::TableLookupBytes(t_cur_high, hn::ShiftRight<4>(cur)));
    const auto must = hn::Or(hn::SaturatedSub(prev2, hn::Set(d, std::uint8_t{0xDF})),
                             hn::SaturatedSub(prev3, hn::Set(d, std::uint8_t{0xEF})));
    const auto must_bit = hn::And(hn::VecFromMask(d, hn::Ne(must, zero)), hn::Set(d, r::continuation_after_non_lead));
    return hn::Xor(special, must_bit);
  };
  // The start of the character holding byte i - 1 (i itself at 0): everything before it was
  // checked clean, and the scalar pass re-reads from there.
  const auto char_start_before = [&](std::size_t i) -> std::size_t {
    for (std::size_t k = i; k > 0 && k + 4 > i;) {
      --k;
      if ((p[k] & 0xC0) != 0x80) return k;
    }
    return i >= 4 ? i - 4 : 0;
  };
  // The first vector has no bytes before it: check it from a copy behind three ASCII zeros.
  bool after_ascii = hn::AllFalse(di, non_ascii(hn::LoadU(d, p)));
  if (!after_ascii) {
    // (At least 16 bytes even on targets that returned above: GCC warns otherwise.)
    HWY_ALIGN std::uint8_t head[3 + (HWY_MAX_BYTES < 16 ? 16 : HWY_MAX_BYTES)] = {};
    std::memcpy(head + 3, p, lanes);
    const auto e = errors(hn::LoadU(d, head), hn::LoadU(d, head + 1), hn::LoadU(d, head + 2), hn::LoadU(d, head + 3));
    if (!hn::AllTrue(d, hn::Eq(e, zero))) return 0;
  }
  std::size_t i = lanes;
  while (i + lanes <= n) {
    // ASCII after ASCII: four vectors per test. (After a checked vector a sequence may still
    // be open, so the next vector is checked even if it is ASCII.)
    if (after_ascii)
      for (; i + 4 * lanes <= n; i += 4 * lanes) {
        const auto any = hn::Or(hn::Or(hn::LoadU(d, p + i), hn::LoadU(d, p + i + lanes)),
                                hn::Or(hn::LoadU(d, p + i + 2 * lanes), hn::LoadU(d, p + i + 3 * lanes)));
        if (!hn::AllFalse(di, non_ascii(any))) break;
      }
    // Checked vectors, until one is all ASCII (which closes every sequence before it) or the
    // tail. The bytes before p + i were checked or are ASCII after checked bytes.
    after_ascii = true;
    for (; i + lanes <= n; i += lanes) {
      const auto cur = hn::LoadU(d, p + i);
      const auto e = errors(hn::LoadU(d, p + i - 3), hn::LoadU(d, p + i - 2), hn::LoadU(d, p + i - 1), cur);
      if (!hn::AllTrue(d, hn::Eq(e, zero))) return char_start_before(i);
      if (hn::AllFalse(di, non_ascii(cur))) {
        i += lanes;
        break;
      }
    }
  }
  return char_start_before(i);
}

}  // namespace HWY_NAMESPACE
}  // namespace detail::simd
TOKENMETER_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
