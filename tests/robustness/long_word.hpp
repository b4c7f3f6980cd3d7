// The "word with no split point" of the robustness tests and bench/robustness: lowercase ASCII
// letters in a fixed pseudo-random order, one pre-tokenizer piece in every family.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tokenmeter_robustness {

inline std::string long_word(std::size_t n) {
  std::string w(n, 'a');
  std::uint32_t x = 12345;
  for (char& c : w) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>('a' + (x >> 16) % 26);
  }
  return w;
}

}  // namespace tokenmeter_robustness
