// The UTF-8 validation kernel (and find_invalid_utf8, which finishes what it leaves) against
// a byte-at-a-time decoder, on every Highway target this build compiled (runtime dispatch,
// each target forced in turn) and through the static path.
#include <tokenmeter/detail/simd/utf8_check.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <gtest/gtest.h>
#include <unicode/utf8.h>

#include "each_target.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {
namespace tm = tokenmeter;
using tm::detail::simd::utf8_valid_prefix;

// ICU's decoder, one sequence at a time: the definition.
std::size_t scalar_first_invalid(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<std::int32_t>(s.size());
  for (std::int32_t i = 0; i < n;) {
    const std::int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return static_cast<std::size_t>(start);
  }
  return tm::utf8_npos;
}

// The kernel's promise (a valid prefix ending at a character start) and the full answer.
void check(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const std::size_t expect = scalar_first_invalid(s);
  const std::size_t prefix = utf8_valid_prefix(p, s.size());
  ASSERT_LE(prefix, s.size());
  ASSERT_TRUE(expect == tm::utf8_npos || prefix <= expect) << "the kernel vouched past the error at " << expect;
  ASSERT_TRUE(prefix == 0 || prefix == s.size() || (p[prefix] & 0xC0) != 0x80) << "prefix " << prefix << " ends inside a character";
  ASSERT_EQ(tm::find_invalid_utf8(s), expect);
}

// Filler of one kind: ASCII, Chinese (3-byte), or a mix with 2- and 4-byte characters.
std::string filler(std::size_t bytes, int kind, std::mt19937& rng) {
  static constexpr std::array<std::string_view, 6> chars{"a", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", " ", "\xE3\x81\x82"};
  std::string out;
  while (out.size() < bytes) {
    std::string_view c = kind == 0 ? chars[0] : kind == 1 ? chars[2] : chars[rng() % chars.size()];
    if (out.size() + c.size() > bytes) c = chars[0];
    out += c;
  }
  return out;
}

void check_kernel() {
  std::mt19937 rng(11);
  // Every pair of bytes, at positions on both sides of the 16/32/64-byte vector boundaries,
  // after ASCII and after multi-byte text (which is what sends a vector to the full check).
  for (const std::size_t at : {0, 1, 15, 16, 31, 32, 63, 64}) {
    for (int kind = 0; kind < 3; ++kind) {
      const std::string before = filler(at, kind, rng), after = filler(70, kind, rng);
      std::string s = before + "xx" + after;
      for (int a = 0; a < 256; ++a)
        for (int b = 0; b < 256; ++b) {
          s[at] = static_cast<char>(a);
          s[at + 1] = static_cast<char>(b);
          check(s);
          if (::testing::Test::HasFatalFailure()) return;
        }
    }
  }
  // Every four-byte string over the bytes where the rules change (Unicode Table 3-7's edges),
  // at a vector boundary and across one, followed by ASCII and by the end of the buffer.
  static constexpr std::array<std::uint8_t, 27> edges{0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                                      0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
                                                      0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF};
  for (const std::size_t at : {13, 30, 62}) {
    std::string s = filler(at, 2, rng) + "xxxx" + filler(40, 0, rng);
    for (const std::uint8_t a : edges)
      for (const std::uint8_t b : edges)
        for (const std::uint8_t c : edges)
          for (const std::uint8_t d : edges) {
            s[at] = static_cast<char>(a);
            s[at + 1] = static_cast<char>(b);
            s[at + 2] = static_cast<char>(c);
            s[at + 3] = static_cast<char>(d);
            check(s);
            check(std::string_view(s).substr(0, at + 4));
            if (::testing::Test::HasFatalFailure()) return;
          }
  }
  // Random text with a few random bytes changed, at every length to 300 and some long ones.
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t len = 0; len < 300; ++len)
    for (int round = 0; round < 20; ++round) {
      std::string s = filler(len, round % 3, rng);
      for (int k = round % 4; k > 0 && !s.empty(); --k) s[rng() % s.size()] = static_cast<char>(byte(rng));
      check(s);
      if (::testing::Test::HasFatalFailure()) return;
    }
  for (int round = 0; round < 50; ++round) {
    std::string s = filler(5000 + rng() % 3000, 2, rng);
    if (round % 2) s[rng() % s.size()] = static_cast<char>(0x80 | byte(rng));
    check(s);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace

#ifdef TOKENMETER_HWY_DYNAMIC_DISPATCH
#define TOKENMETER_UTF8_CHECK_SUITE Utf8CheckDynamicDispatch
#else
#define TOKENMETER_UTF8_CHECK_SUITE Utf8CheckStaticDispatch
#endif
TEST(TOKENMETER_UTF8_CHECK_SUITE, KernelAndFindInvalidEqualDecoder) { check_on_each_target("UTF-8 kernel", check_kernel); }
