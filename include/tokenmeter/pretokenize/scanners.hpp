// Hand-written scanners for the split-pattern shapes the shipped families use. Each one is the
// pattern's backtracking semantics worked out once, by hand, for its alternatives (the comments
// give the derivation), and is tested match for match against the ICU oracle on random and
// adversarial text (tests/pretokenize). A pattern is routed here only if its source is exactly
// one of the known strings; any other pattern goes to the generic fast engine or ICU.
//
//   o200k shape   o200k_base, o200k_harmony, MiniMax ([\r\n/]* suffix), Kimi K2 (Han first,
//                 Han removed from the letter classes, [\r\n]* suffix)
//   cl100k shape  cl100k_base, Llama 3, GLM (\p{N}{1,3}), Qwen (\p{N})
//   gpt2 shape    GPT-2's ByteLevel pattern (the legacy Claude tokenizer)
//   deepseek      DeepSeek V3's word step (after its digit and CJK steps)
//
// Characters are classified by one table load (ASCII) or two (kind_table) into flag bits.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/callback.hpp>
#include <tokenmeter/detail/simd/byte_class.hpp>
#include <tokenmeter/unicode/kind_table.hpp>
#include <tokenmeter/unicode/properties.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE
namespace pretokenize {

class shape_scanner {
 public:
  enum class shape : std::uint8_t { o200k, cl100k, gpt2, deepseek };

  // The known pattern sources and the scanner each one gets.
  static std::optional<shape_scanner> for_pattern(std::string_view p) {
    constexpr std::string_view o200k =
        R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
    constexpr std::string_view kimi =
        R"([\p{Han}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
    constexpr std::string_view cl100k =
        R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
    constexpr std::string_view qwen =
        R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
    constexpr std::string_view gpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
    // Its \r and \n are the characters themselves, not escapes.
    constexpr std::string_view deepseek =
        "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
        "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
    if (p == o200k) return shape_scanner(shape::o200k, false, true, 3);
    if (p.size() == o200k.size() - 1 && p == std::string(o200k).replace(o200k.find("[\\r\\n/]*"), 9, "[\\r\\n]*"))
      return shape_scanner(shape::o200k, false, false, 3);
    if (p == kimi) return shape_scanner(shape::o200k, true, false, 3);
    if (p == cl100k) return shape_scanner(shape::cl100k, false, false, 3);
    if (p == qwen) return shape_scanner(shape::cl100k, false, false, 1);
    if (p == gpt2) return shape_scanner(shape::gpt2, false, false, 0);
    if (p == deepseek) return shape_scanner(shape::deepseek, false, false, 0);
    return std::nullopt;
  }

  // f(start, end) may return false to stop; returns false if it did.
  template <class F>
  bool for_each_match(std::string_view text, F&& f) const {
    std::size_t pos = 0;
    const std::size_t n = text.size();
    while (pos < n) {
      const std::size_t end = shape_ == shape::o200k    ? match_o200k(text, pos)
                              : shape_ == shape::cl100k ? match_cl100k(text, pos)
                              : shape_ == shape::gpt2   ? match_gpt2(text, pos)
                                                        : match_deepseek(text, pos);
      // Every character starts some alternative in the first three shapes; in DeepSeek's a
      // character that starts none (a digit, a control character) is skipped, as a search does.
      if (end == pos) {
        at(text, pos, pos);
        continue;
      }
      if (!detail::invoke_continue(f, pos, end)) return false;
      pos = end;
    }
    return true;
  }

 private:
  // Flag bits of a character. ascii_rows_ is indexed by the low 8 bits; M has no ASCII member and
  // the ASCII members of PS are not run with the SIMD kernel.
  static constexpr std::uint16_t L = 1, N = 2, WS = 4, NL = 8, U = 16, W = 32, HAN = 64, SLASH = 128;
  static constexpr std::uint16_t M = 256, PS = 512;  // \p{M}; \p{P} or \p{S}
  static constexpr std::uint32_t no_limit = 0xFFFFFFFFu;

  shape_scanner(shape s, bool han_first, bool slash_suffix, int digits)
      : shape_(s), han_first_(han_first), slash_suffix_(slash_suffix), max_digits_(static_cast<std::uint32_t>(digits)) {
    using gc = unicode::general_category;
    for (std::size_t k = 0; k < unicode::kind_count; ++k) {
      const auto g = static_cast<gc>(k / 4);
      const bool ws = (k & 2) != 0, han = (k & 1) != 0;
      const bool letter = g == gc::Lu || g == gc::Ll || g == gc::Lt || g == gc::Lm || g == gc::Lo;
      const bool mark = g == gc::Mn || g == gc::Mc || g == gc::Me;
      const bool number = g == gc::Nd || g == gc::Nl || g == gc::No;
      const bool punct_or_symbol = (g >= gc::Pc && g <= gc::Po) || (g >= gc::Sm && g <= gc::So);
      std::uint16_t f = 0;
      if (letter) f |= L;
      if (mark) f |= M;
      if (punct_or_symbol) f |= PS;
      if (number) f |= N;
      if (ws) f |= WS;
      if (han) f |= HAN;
      const bool upper_ok = g == gc::Lu || g == gc::Lt || g == gc::Lm || g == gc::Lo || mark;
      const bool lower_ok = g == gc::Ll || g == gc::Lm || g == gc::Lo || mark;
      const bool excluded = han_first && han;  // Kimi: [...&&[^\p{Han}]]
      if (upper_ok && !excluded) f |= U;
      if (lower_ok && !excluded) f |= W;
      kind_flags_[k] = f;
    }
    const auto& kinds = unicode::kind_table::instance();
    for (char32_t c = 0; c < 128; ++c) ascii_[c] = kind_flags_[kinds.kind(c)];
    ascii_[static_cast<unsigned char>('\r')] |= NL;
    ascii_[static_cast<unsigned char>('\n')] |= NL;
    ascii_[static_cast<unsigned char>('/')] |= SLASH;
    // A mask's set is the union of its bits' sets.
    std::array<detail::simd::ascii_set_rows, 8> bit_rows;
    for (unsigned bit = 0; bit < 8; ++bit)
      bit_rows[bit] = detail::simd::make_ascii_set([&](unsigned char b) { return (ascii_[b] >> bit) & 1; });
    for (std::size_t m = 0; m < ascii_rows_.size(); ++m)
      for (unsigned bit = 0; bit < 8; ++bit)
        if ((m >> bit) & 1)
          for (std::size_t i = 0; i < 16; ++i) ascii_rows_[m][i] = static_cast<std::uint8_t>(ascii_rows_[m][i] | bit_rows[bit][i]);
  }

  // Flags of the character at pos; sets `next` to the position after it.
  TOKENMETER_ALWAYS_INLINE std::uint16_t at(std::string_view t, std::size_t pos, std::size_t& next) const noexcept {
    const auto b = static_cast<unsigned char>(t[pos]);
    if (b < 0x80) {
      next = pos + 1;
      return ascii_[b];
    }
    next = pos;
    const char32_t cp = next_code_point(t, next);
    return kind_flags_[kinds_->kind(cp)];
  }
  TOKENMETER_ALWAYS_INLINE std::uint16_t at(std::string_view t, std::size_t pos) const noexcept {
    std::size_t next;
    return at(t, pos, next);
  }

  // End of the run of characters whose flags intersect `mask`, starting at pos (max `limit` chars;
  // only ASCII characters with AsciiOnly, as DeepSeek's [A-Za-z]+). An unlimited run that has gone
  // on for 16 ASCII characters continues in the SIMD kernel: words are short, so the kernel's
  // setup only pays off on long runs.
  template <bool AsciiOnly = false>
  TOKENMETER_ALWAYS_INLINE std::size_t run(std::string_view t, std::size_t pos, std::uint16_t mask,
                                           std::uint32_t limit = no_limit) const noexcept {
    const std::size_t n = t.size();
    std::uint32_t streak = 0;
    for (std::uint32_t count = 0; pos < n && count < limit; ++count) {
      const auto b = static_cast<unsigned char>(t[pos]);
      if (b < 0x80) {
        if (!(ascii_[b] & mask)) break;
        ++pos;
        if (++streak == 16 && limit == no_limit) {
          pos += detail::simd::ascii_set_prefix(reinterpret_cast<const std::uint8_t*>(t.data()) + pos, n - pos,
                                                ascii_rows_[mask & 0xFF].data());
          streak = 0;
        }
        continue;
      }
      if constexpr (AsciiOnly) break;
      streak = 0;
      std::size_t next;
      if (!(at(t, pos, next) & mask)) break;
      pos = next;
    }
    return pos;
  }

  // Number of leading bytes of the 8 in `x` (text order) that are ASCII letters: lowercase only,
  // or either case. Eight bytes at once and no branch per letter: words end at a byte no
  // predictor knows, and the byte loop paid a misprediction per word on top of its per-byte cost.
  template <bool AnyCase>
  TOKENMETER_ALWAYS_INLINE static unsigned ascii_letters8(std::uint64_t x) noexcept {
    constexpr std::uint64_t high = 0x8080808080808080u, low7 = 0x7F7F7F7F7F7F7F7Fu;
    // Setting bit 5 maps A-Z onto a-z and no other ASCII byte onto a-z.
    const std::uint64_t folded = AnyCase ? x | 0x2020202020202020u : x;
    const std::uint64_t lo = folded & low7;
    // Per byte, no carries (lo <= 0x7F): the top bit of lo + 0x1F is lo >= 'a', of lo + 0x05 is lo > 'z'.
    const std::uint64_t letter = (lo + 0x1F1F1F1F1F1F1F1Fu) & ~(lo + 0x0505050505050505u) & ~x & high;
    const std::uint64_t other = ~letter & high;
    if (other == 0) return 8;
    if constexpr (std::endian::native == std::endian::little) return static_cast<unsigned>(std::countr_zero(other)) / 8;
    else return static_cast<unsigned>(std::countl_zero(other)) / 8;
  }

  // run<AsciiOnly>(t, pos, mask) for a mask whose ASCII members are a-z (W) or a-z and A-Z (L,
  // L|M), eight bytes at a time while the run is ASCII; the byte loop takes over at a non-ASCII
  // byte or the text's end.
  template <bool AnyCase, bool AsciiOnly = false>
  TOKENMETER_ALWAYS_INLINE std::size_t letters(std::string_view t, std::size_t pos, std::uint16_t mask) const noexcept {
    const std::size_t n = t.size();
    while (pos + 8 <= n) {
      std::uint64_t x;
      std::memcpy(&x, t.data() + pos, 8);
      const unsigned k = ascii_letters8<AnyCase>(x);
      pos += k;
      if (k < 8) {
        if (AsciiOnly || static_cast<unsigned char>(t[pos]) < 0x80) return pos;
        break;
      }
    }
    return run<AsciiOnly>(t, pos, mask);
  }

  // (?i:'s|'t|'re|'ve|'m|'ll|'d) at pos (which holds '\''), or 0. Case closure from ICU:
  // only 's' has a non-ASCII member (U+017F LATIN SMALL LETTER LONG S).
  static std::size_t contraction(std::string_view t, std::size_t pos, bool icase) noexcept {
    const std::size_t n = t.size();
    if (pos + 1 >= n) return 0;
    const auto lower = [&](std::size_t i) -> int {
      const auto c = static_cast<unsigned char>(t[i]);
      if (c < 0x80) return icase && c >= 'A' && c <= 'Z' ? c + 32 : c;
      if (icase && c == 0xC5 && i + 1 < n && static_cast<unsigned char>(t[i + 1]) == 0xBF) return 's' | 0x100;  // ſ
      return -1;
    };
    const int a = lower(pos + 1);
    const std::size_t a_len = a == ('s' | 0x100) ? 2 : 1;
    if (a == 's' || a == ('s' | 0x100) || a == 't' || a == 'm' || a == 'd') return 1 + a_len;
    if (pos + 2 >= n) return 0;
    const int b = lower(pos + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
  }

  // Shared whitespace alternatives: \s*[\r\n]+ | \s+(?!\S) | \s+ at a whitespace character.
  //  \s*[\r\n]+ : \s* takes the whole run, then gives back until [\r\n]+ fits: the match ends
  //               after the run's last \r or \n (fails if the run has none);
  //  \s+(?!\S)  : the run, or the run minus its last character when text follows (needs >= 2);
  //  \s+        : the run.
  std::size_t whitespace(std::string_view t, std::size_t pos, bool newline_alternative) const noexcept {
    std::size_t end = pos, last_nl_end = 0, prev = pos;
    const std::size_t n = t.size();
    std::size_t chars = 0;
    while (end < n) {
      std::size_t next;
      const std::uint16_t f = at(t, end, next);
      if (!(f & WS)) break;
      if (f & NL) last_nl_end = next;
      prev = end;
      end = next;
      ++chars;
    }
    if (newline_alternative && last_nl_end != 0) return last_nl_end;
    if (end == n) return end;
    return chars >= 2 ? prev : end;
  }

  // o200k shape. U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], W = [\p{Ll}\p{Lm}\p{Lo}\p{M}] (minus Han for
  // Kimi), P = [^\r\n\p{L}\p{N}].
  //  A1 P?U*W+C?  A2 P?U+W*C?  A3 \p{N}{1,3}  A4 ' '?[^\s\p{L}\p{N}]+[\r\n(/)]*  A5-A7 whitespace
  std::size_t match_o200k(std::string_view t, std::size_t pos) const noexcept {
    std::size_t q;
    const std::uint16_t f0 = at(t, pos, q);
    if (han_first_ && (f0 & HAN)) return run(t, pos, HAN);
    // The alternatives in the pattern's order: A1 with the one-character prefix (greedy ?), A1
    // without it, then the same for A2.
    const bool p_ok = !(f0 & (NL | L | N));
    const std::size_t n = t.size();
    bool letters_possible = true;
    if (static_cast<unsigned char>(t[pos]) < 0x80) {
      // ASCII shortcuts. A lowercase ASCII letter (after the prefix, if there is one) is in W and
      // not in U, so A1 matches with U* empty and W+ the whole W run.
      const std::size_t s = p_ok ? q : pos;
      const auto b = s < n ? static_cast<unsigned char>(t[s]) : 0x80;
      if (b < 0x80 && (ascii_[b] & W)) {
        std::size_t end = letters<false>(t, s, W);
        if (end < n && t[end] == '\'') end += contraction(t, end, true);
        return end;
      }
      // A1 and A2 need a letter or mark at pos, or after a prefix character: an ASCII non-letter
      // at pos followed by an ASCII non-letter (or nothing) rules them out.
      if (!(f0 & L)) letters_possible = p_ok && s < n && (b >= 0x80 || (ascii_[b] & L));
    }
    if (letters_possible) {
      if (p_ok)
        if (const std::size_t e = letters_o200k(t, q, true)) return e;
      if (const std::size_t e = letters_o200k(t, pos, true)) return e;
      if (p_ok)
        if (const std::size_t e = letters_o200k(t, q, false)) return e;
      if (const std::size_t e = letters_o200k(t, pos, false)) return e;
    }
    if (f0 & N) return run(t, pos, N, max_digits_);
    if (const std::size_t e = punctuation(t, pos, f0, q)) return e;
    return whitespace(t, pos, true);
  }

  // A1 (U*W+C?) or, with first == false, A2 (U+W*C?) from start; 0 if it does not match.
  //  U*W+: U* takes the longest U prefix of the letter run; if a W-only char follows, W+ takes
  //  the W run after it; otherwise U* gives back to the last char that is also in W and W+
  //  takes just that char.
  //  U+W*: U+ takes the (non-empty) U prefix, W* the W run after it.
  std::size_t letters_o200k(std::string_view t, std::size_t start, bool first) const noexcept {
    const std::size_t n = t.size();
    std::size_t p = start, last_w_end = 0;
    bool any_u = false;
    while (p < n) {  // the U prefix
      std::size_t next;
      const std::uint16_t f = at(t, p, next);
      if (!(f & U)) break;
      any_u = true;
      if (f & W) last_w_end = next;
      p = next;
    }
    const bool w_follows = p < n && (at(t, p) & W);
    std::size_t end = 0;
    if (first) {
      if (w_follows)
        end = letters<false>(t, p, W);
      else if (last_w_end != 0)
        end = last_w_end;
    } else if (any_u) {
      end = w_follows ? letters<false>(t, p, W) : p;
    }
    if (end == 0) return 0;
    if (end < n && t[end] == '\'') end += contraction(t, end, true);
    return end;
  }

  //  ' '?[^\s\p{L}\p{N}]+ followed by [\r\n]* (or [\r\n/]*): O+ is greedy and '/' is in O, so
  //  the suffix only ever adds line breaks (and slashes after them).
  std::size_t punctuation(std::string_view t, std::size_t pos, std::uint16_t f0, std::size_t q) const noexcept {
    constexpr std::uint16_t not_o = WS | L | N;
    std::size_t start = pos;
    if (t[pos] == ' ') {
      if (q >= t.size() || (at(t, q) & not_o)) return 0;
      start = q;
    } else if (f0 & not_o) {
      return 0;
    }
    std::size_t end = start;
    while (end < t.size()) {
      std::size_t next;
      if (at(t, end, next) & not_o) break;
      end = next;
    }
    return suffix_newlines(t, end);
  }

  std::size_t suffix_newlines(std::string_view t, std::size_t end) const noexcept {
    const std::uint16_t suffix = slash_suffix_ ? (NL | SLASH) : NL;
    while (end < t.size() && static_cast<unsigned char>(t[end]) < 0x80 && (ascii_[static_cast<unsigned char>(t[end])] & suffix)) ++end;
    return end;
  }

  // cl100k shape:  (?i:'s|...) | P?\p{L}+ | \p{N}{1,k} | ' '?O+[\r\n]* | whitespace
  std::size_t match_cl100k(std::string_view t, std::size_t pos) const noexcept {
    if (t[pos] == '\'') {
      if (const std::size_t c = contraction(t, pos, true)) return pos + c;
    }
    std::size_t q;
    const std::uint16_t f0 = at(t, pos, q);
    if (f0 & L) return letters<true>(t, q, L);
    if (!(f0 & (NL | N)) && q < t.size() && (at(t, q) & L)) return letters<true>(t, q, L);
    if (f0 & N) return run(t, pos, N, max_digits_);
    if (const std::size_t e = punctuation(t, pos, f0, q)) return e;
    return whitespace(t, pos, true);
  }

  // gpt2 shape:  's|'t|'re|'ve|'m|'ll|'d | ' '?\p{L}+ | ' '?\p{N}+ | ' '?O+ | \s+(?!\S) | \s+
  std::size_t match_gpt2(std::string_view t, std::size_t pos) const noexcept {
    if (t[pos] == '\'') {
      if (const std::size_t c = contraction(t, pos, false)) return pos + c;
    }
    std::size_t q;
    const std::uint16_t f0 = at(t, pos, q);
    std::size_t start = pos;
    std::uint16_t f = f0;
    if (t[pos] == ' ' && q < t.size()) {
      const std::uint16_t f1 = at(t, q);
      if (f1 & (L | N) || !(f1 & WS)) {  // ' ' joins a following letter, digit or symbol run
        start = q;
        f = f1;
      }
    }
    if (start != pos || !(f0 & WS)) {
      const std::uint16_t cls = (f & L) ? L : (f & N) ? N : 0;
      if (cls) return run(t, start, cls);
      std::size_t end = start;
      while (end < t.size()) {
        std::size_t next;
        if (at(t, end, next) & (WS | L | N)) break;
        end = next;
      }
      return end;
    }
    return whitespace(t, pos, false);
  }

  // DeepSeek's word step. PS = [\p{P}\p{S}], whose ASCII members are exactly A1's class.
  //  A1 [ASCII P|S][A-Za-z]+  A2 [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+  A3 ' '?PS+[\r\n]*  A4-A6 whitespace
  // Returns pos when no alternative matches there.
  std::size_t match_deepseek(std::string_view t, std::size_t pos) const noexcept {
    const std::size_t n = t.size();
    std::size_t q;
    const std::uint16_t f0 = at(t, pos, q);
    const auto b0 = static_cast<unsigned char>(t[pos]);
    if (b0 < 0x80 && (f0 & PS) && q < n && static_cast<unsigned char>(t[q]) < 0x80 && (ascii_[static_cast<unsigned char>(t[q])] & L))
      return letters<true, true>(t, q, L);
    // A2: a letter or mark at pos ends where its [\p{L}\p{M}] run ends, with or without the
    // optional prefix (a mark is in the prefix class too, and the run from it is the same).
    if (f0 & (L | M)) return letters<true>(t, q, L | M);
    if (!(f0 & (NL | PS)) && q < n && (at(t, q) & (L | M))) return letters<true>(t, q, L | M);
    std::size_t start = pos;
    if (b0 == ' ' && q < n && (at(t, q) & PS)) start = q;
    if (start != pos || (f0 & PS)) {
      std::size_t end = start;
      while (end < n) {
        std::size_t next;
        if (!(at(t, end, next) & PS)) break;
        end = next;
      }
      return suffix_newlines(t, end);
    }
    if (f0 & WS) return whitespace(t, pos, true);
    return pos;
  }

  shape shape_;
  bool han_first_, slash_suffix_;
  std::uint32_t max_digits_;
  std::array<std::uint16_t, 128> ascii_{};
  std::array<detail::simd::ascii_set_rows, 256> ascii_rows_{};  // ASCII set of each flag mask, for the SIMD kernel
  std::array<std::uint16_t, unicode::kind_count> kind_flags_{};
  // Held so the per-character lookup skips the function-local static's guard.
  const unicode::kind_table* kinds_ = &unicode::kind_table::instance();
};

}  // namespace pretokenize
TOKENMETER_END_NAMESPACE
