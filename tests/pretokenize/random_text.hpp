// Random text over characters chosen to hit every class boundary the split patterns draw, for
// the pre-tokenizer tests (the fast engines against ICU; runs resumed at piece ends).
#pragma once

#include <tokenmeter/unicode/utf8.hpp>

#include <random>
#include <string>
#include <vector>

namespace tokenmeter_test {

// Characters chosen to hit every class boundary the patterns draw.
inline const std::vector<char32_t> alphabet = {
    U'a', U'b', U's', U't', U'd', U'l', U'm', U'r', U'e', U'v', U'S', U'T', U'L', U'D', U'A', U'Z', U'0', U'7', U'9',
    U' ', U' ', U' ', U'\t', U'\n', U'\r', U'\v', U'\f', U'\'', U'\'', U'/', U'.', U',', U'!', U'-', U'_', U'"',
    U'(', U'[', U'{', U'#', U'$', U'@', U'~', U'`', U'^', U'|', U'\\', U'<', U'>', U'?', U'+', U'=', U';', U':',
    0x00A0, 0x0085, 0x1680, 0x2000, 0x2028, 0x2029, 0x3000, 0x200B, 0x200D, 0xFEFF,   // spaces, format
    0x017F, 0x212A, 0x0130, 0x0131, 0x00DF, 0x1E9E, 0x01C5, 0x1FBC,                      // case oddities, Lt
    0x02B0, 0x3005, 0x3041, 0x30A2, 0x30FC, 0xFF76, 0x4E00, 0x4E2D, 0x9FA5, 0x9FA6, 0x3400, 0x20000,  // Lm, kana, Han
    0x3002, 0x3001, 0xFF0C, 0x300C, 0xAC00, 0x1100, 0x0E01, 0x0E31, 0x0627, 0x05D0, 0x0915, 0x093F,  // punct, scripts
    0x0301, 0x0308, 0x20DD, 0x0903, 0x1AC1, 0x0EBA,                                       // Mn, Me, Mc, newer marks
    0x00B2, 0x2167, 0x0660, 0xFF11, 0x1D7CE,                                             // numbers of every kind
    0x1F600, 0x1F468, 0x2764, 0xFE0F, 0x20AC, 0x00A9, 0x2192, 0xE000, 0x13B7D, 0x16100, 0x0378,  // symbols, PUA, 16.0, Cn
};

inline std::string random_text(std::mt19937& rng, std::size_t max_len) {
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (std::size_t n = len(rng); n > 0; --n) tokenmeter::append_utf8(s, alphabet[pick(rng)]);
  return s;
}

}  // namespace tokenmeter_test
