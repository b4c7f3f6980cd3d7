// UTF-8 validation and repair. Decoding uses ICU's U8_NEXT, which consumes one "maximal subpart"
// per ill-formed sequence (Unicode §3.9, the same rule as WHATWG/Node's TextDecoder), so
// `replace_invalid_utf8` yields exactly what the reference tool sees after Node reads a file.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/simd/byte_class.hpp>
#include <tokenmeter/detail/simd/utf8_check.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <unicode/utf8.h>

TOKENMETER_BEGIN_NAMESPACE

inline constexpr std::size_t utf8_npos = static_cast<std::size_t>(-1);

namespace detail {

// Number of leading ASCII bytes in [p, p+n). Short runs (the spaces and punctuation between
// words of non-Latin prose) are settled by two inline 8-byte checks; only a run of 16 or more
// ASCII bytes continues in the SIMD kernel, whose call and setup would dominate short runs.
[[nodiscard]] TOKENMETER_ALWAYS_INLINE std::size_t ascii_prefix(const unsigned char* p, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i < 16 && i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ULL) break;
  }
  if (i == 16) return i + simd::ascii_prefix(p + i, n - i);
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

}  // namespace detail

// Offset of the first ill-formed byte sequence, or utf8_npos if `s` is valid UTF-8.
// The SIMD kernel vouches for a prefix a vector at a time; the bytes after it (a tail shorter
// than a vector, or from the character before the vector that holds an error) are decoded one
// sequence at a time, which also gives the error's exact offset.
[[nodiscard]] inline std::size_t find_invalid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = detail::simd::utf8_valid_prefix(p, n);
  while (i < n) {
    i += detail::ascii_prefix(p + i, n - i);
    if (i >= n) break;
    const std::size_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return start;
  }
  return utf8_npos;
}

[[nodiscard]] inline bool is_valid_utf8(std::string_view s) noexcept {
  return find_invalid_utf8(s) == utf8_npos;
}

// Replaces each maximal ill-formed subpart with U+FFFD ("\xEF\xBF\xBD").
[[nodiscard]] inline std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const std::size_t run = detail::ascii_prefix(p + i, n - i);
    out.append(s.data() + i, run);
    i += run;
    if (i >= n) break;
    const std::size_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0)
      out.append("\xEF\xBF\xBD", 3);
    else
      out.append(s.data() + start, i - start);
  }
  return out;
}

// Decodes the code point at s[i] (which must be valid UTF-8) and advances i past it.
[[nodiscard]] TOKENMETER_ALWAYS_INLINE char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  UChar32 c;
  U8_NEXT(p, i, s.size(), c);
  return c < 0 ? U'\uFFFD' : static_cast<char32_t>(c);
}

// Length in bytes of the UTF-8 sequence introduced by lead byte `b` (1 for ASCII and for bytes
// that cannot start a sequence, so callers always make progress).
[[nodiscard]] constexpr std::size_t utf8_sequence_length(unsigned char b) noexcept {
  return b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4 : 1;
}

inline void append_utf8(std::string& out, char32_t cp) {
  char buf[4];
  std::size_t len = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<std::uint8_t*>(buf), len, 4, static_cast<UChar32>(cp), error);
  if (!error) out.append(buf, len);
}

// Length of the longest prefix of `s` (at most `max_bytes`) that ends on a code point boundary.
[[nodiscard]] inline std::size_t utf8_boundary_before(std::string_view s, std::size_t max_bytes) noexcept {
  if (max_bytes >= s.size()) return s.size();
  std::size_t i = max_bytes;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

TOKENMETER_END_NAMESPACE
