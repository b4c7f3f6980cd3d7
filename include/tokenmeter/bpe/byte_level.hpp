// GPT-2's byte <-> character map. Byte-level vocabularies spell every byte as a printable code
// point (e.g. space as U+0120 'Ġ'); tokenmeter inverts the map once, at load, and keeps text as
// raw bytes from then on.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

// byte -> code point, as GPT-2's bytes_to_unicode().
[[nodiscard]] constexpr std::array<char32_t, 256> make_byte_to_char() {
  std::array<char32_t, 256> map{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    map[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
  }
  return map;
}
inline constexpr std::array<char32_t, 256> byte_to_char = make_byte_to_char();

// code point -> byte (-1 if unmapped); every mapped code point is below 0x144.
struct char_to_byte_table {
  std::array<std::int16_t, 0x144> map{};
  constexpr char_to_byte_table() {
    for (auto& m : map) m = -1;
    for (int b = 0; b < 256; ++b) map[byte_to_char[static_cast<std::size_t>(b)]] = static_cast<std::int16_t>(b);
  }
};
inline constexpr char_to_byte_table char_to_byte_map{};

// The raw bytes a byte-level token string stands for, or nullopt if it contains a character
// outside the map (such tokens, e.g. "<｜begin▁of▁sentence｜>", can never come out of merges).
[[nodiscard]] inline std::optional<std::string> byte_level_decode(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size();) {
    const char32_t cp = next_code_point(token, i);
    if (cp >= 0x144 || char_to_byte_map.map[cp] < 0) return std::nullopt;
    out.push_back(static_cast<char>(char_to_byte_map.map[cp]));
  }
  return out;
}

// The byte-level spelling of raw bytes (used when writing vocabularies back out).
[[nodiscard]] inline std::string byte_level_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) append_utf8(out, byte_to_char[static_cast<unsigned char>(c)]);
  return out;
}

}  // namespace detail
TOKENMETER_END_NAMESPACE
