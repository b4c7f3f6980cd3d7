// The ways a byte can be wrong in UTF-8 given the byte before it, as three 16-entry nibble
// tables (after Keiser and Lemire, "Validating UTF-8 in less than one instruction per byte",
// 2021). Each class is a product of nibble sets -- the previous byte's high nibble, its low
// nibble, the current byte's high nibble -- so each gets its own bit and a table entry is the
// union of the bits of the classes that admit that nibble: ANDing the three lookups leaves
// exactly the classes the byte pair is in. Derived here from the class list rather than
// written out, so a class can be read and checked against Unicode's Table 3-7.
#pragma once

#include <tokenmeter/config.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>

TOKENMETER_BEGIN_NAMESPACE
namespace detail::simd::utf8_rules {

struct error_class {
  std::uint8_t bit;
  std::uint16_t prev_high, prev_low, cur_high;  // nibble sets: bit k = nibble k
};

constexpr std::uint16_t nibbles(std::initializer_list<int> ns) {
  std::uint16_t m = 0;
  for (const int n : ns) m = static_cast<std::uint16_t>(m | (1u << n));
  return m;
}
constexpr std::uint16_t nibble_range(int lo, int hi) {
  std::uint16_t m = 0;
  for (int n = lo; n <= hi; ++n) m = static_cast<std::uint16_t>(m | (1u << n));
  return m;
}
inline constexpr std::uint16_t any = 0xFFFF;
inline constexpr std::uint16_t ascii = nibble_range(0x0, 0x7);
inline constexpr std::uint16_t continuation = nibble_range(0x8, 0xB);
inline constexpr std::uint16_t lead = nibble_range(0xC, 0xF);

// Bit 0x80 is special: a continuation byte after a byte that is not a lead. That is right
// exactly when the byte two or three back began a three- or four-byte sequence, which the
// kernel works out separately and XORs in.
inline constexpr std::uint8_t continuation_after_non_lead = 0x80;
inline constexpr std::array<error_class, 8> classes{{
    {0x01, lead, any, ascii | lead},                        // a lead byte, then no continuation
    {0x02, nibbles({0xC}), nibbles({0x0, 0x1}), continuation},  // C0, C1: overlong two-byte forms
    {0x04, nibbles({0xE}), nibbles({0x0}), nibbles({0x8, 0x9})},  // E0 80..9F: overlong three-byte
    {0x08, nibbles({0xE}), nibbles({0xD}), nibbles({0xA, 0xB})},  // ED A0..BF: surrogates
    {0x10, nibbles({0xF}), nibbles({0x0}), nibbles({0x8})},       // F0 80..8F: overlong four-byte
    {0x20, nibbles({0xF}), nibbles({0x4}), nibbles({0x9, 0xA, 0xB})},  // F4 90..BF: above U+10FFFF
    {0x40, nibbles({0xF}), nibble_range(0x5, 0xF), continuation},  // F5..FF: never a lead byte
    {continuation_after_non_lead, ascii | continuation, any, continuation},
}};

enum class table { prev_high, prev_low, cur_high };
// (alignas: LoadDup128 wants its 16 bytes aligned.)
constexpr std::array<std::uint8_t, 16> make(table t) {
  std::array<std::uint8_t, 16> out{};
  for (const error_class& c : classes) {
    const std::uint16_t set = t == table::prev_high ? c.prev_high : t == table::prev_low ? c.prev_low : c.cur_high;
    for (int n = 0; n < 16; ++n)
      if ((set >> n) & 1) out[static_cast<std::size_t>(n)] = static_cast<std::uint8_t>(out[static_cast<std::size_t>(n)] | c.bit);
  }
  return out;
}
alignas(16) inline constexpr std::array<std::uint8_t, 16> prev_high = make(table::prev_high);
alignas(16) inline constexpr std::array<std::uint8_t, 16> prev_low = make(table::prev_low);
alignas(16) inline constexpr std::array<std::uint8_t, 16> cur_high = make(table::cur_high);

}  // namespace detail::simd::utf8_rules
TOKENMETER_END_NAMESPACE
