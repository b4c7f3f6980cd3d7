// Where a piece can be cut without changing its merge.
//
// Every symbol BPE ever forms is a token, so if no token of the vocabulary can cover the
// character boundary b of a piece (some bytes on each side), no merge crosses b: the symbols
// left of b evolve exactly as they would in piece[..b) alone (their candidate pairs, priorities
// and leftmost tie-breaks never involve the other side), and likewise on the right. Merging the
// parts separately is then the merge of the whole, for tiktoken's rank rules and HF's pair rules
// alike. Code-point models (Gemma) qualify when the symbols of characters without a token (byte
// fallback, unk) are in no merge rule, which bpe_model::cut_table checks. Chinese clauses, one pre-tokenizer piece of dozens of bytes, fall apart into parts of
// one or two characters that are mostly single tokens (o200k_base: ~30% of the character
// boundaries of Chinese prose can be cut).
//
// The test is conservative and cheap: a token covering b either contains both characters around
// b whole -- looked up as the pair (A, B) in a bit map of every adjacent character pair inside a
// token -- or starts or ends inside one of them. Those rare tokens (a few hundred, byte-level
// fragments of a character) mark the byte pair around b in a 64K-bit map; where the token holds
// one side's character whole, a small second map keys the boundary by that character and the
// other side's adjacent byte, so a common byte pair of Chinese text is not given up for one
// fragment token. A boundary a fragment token may cover is never cut, and bpe/char_starts.hpp
// needs to know of them too.
#pragma once

#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/detail/bit_map.hpp>
#include <tokenmeter/detail/flat_array.hpp>
#include <tokenmeter/detail/hash.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

class char_cut_table {
 public:
  explicit char_cut_table(const vocab_table& vocab) {
    // A one-hash bit map rather than an exact set: a false positive only forgoes a cut, and a
    // map of 8 bits per token stays cache-resident where a hash table of 64-bit keys missed on
    // most probes. Real vocabularies hold far fewer distinct pairs than tokens (o200k_base: 25K
    // pairs, 200K tokens -> a 256 KiB map, ~1% of cuts forgone).
    std::size_t bits = std::size_t{1} << 16;
    while (bits < vocab.size() * 8) bits *= 2;
    std::vector<std::uint64_t> pairs(bits / 64, 0);
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(bits));
    struct side {
      std::string_view left, right;
      bool left_whole, right_whole;
    };
    std::vector<side> sides;
    for (token_id id = 0; id < vocab.id_bound(); ++id) {
      const std::string_view t = vocab.bytes(id);
      sides.clear();
      bool fragment = false;  // the token starts or ends inside a character (or holds a malformed one)
      for (std::size_t k = 1; k < t.size(); ++k) {
        if (continuation(t[k])) continue;
        std::size_t s = k - 1;
        while (s > 0 && continuation(t[s])) --s;
        const std::string_view left = t.substr(s, k - s);
        const std::string_view right = t.substr(k, std::min<std::size_t>(lead_length(t[k]), t.size() - k));
        const bool lw = !continuation(left[0]) && left.size() == lead_length(left[0]);
        const bool rw = right.size() == lead_length(right[0]);
        sides.push_back({left, right, lw, rw});
        fragment = fragment || !lw || !rw;
      }
      for (const side& d : sides) {
        if (!fragment) {
          set(pairs, bit_of(key(d.left.data(), d.left.size() + d.right.size())));
          continue;
        }
        const char last = d.left.back(), lead = d.right[0];
        fragments_.set(byte_pair(last, lead));
        if (d.left_whole && !d.right_whole)
          one_side_.set(one_side_bit(key(d.left.data(), d.left.size() + 1)));
        else if (!d.left_whole && d.right_whole)
          one_side_.set(one_side_bit(key(d.right.data() - 1, d.right.size() + 1)));
        else
          unkeyed_.set(byte_pair(last, lead));  // both sides partial, or between two whole characters
      }
    }
    pairs_.adopt(std::move(pairs));
  }

  // The compiled cache keeps the table (vocab/compiled_cache.hpp), so a load from it does not
  // rebuild it on the first text with a non-ASCII byte (20-70 ms). What it holds is derived
  // from the vocabulary by the constructor above: a change to how it is built must bump
  // detail::compiled_format_version, as a change of layout must.
  void serialize(detail::binary_writer& w) const {
    w.put<std::uint32_t>(shift_);
    w.put_flat(pairs_);
    one_side_.serialize(w);
    fragments_.serialize(w);
    unkeyed_.serialize(w);
  }
  // A table written by serialize(), its pair map viewed in place (kept alive by `keep`);
  // nullptr if the sizes are inconsistent.
  static std::unique_ptr<char_cut_table> deserialize(detail::binary_reader& r, const std::shared_ptr<const void>& keep) {
    std::unique_ptr<char_cut_table> t(new char_cut_table());
    std::uint32_t shift = 0;
    if (!r.get(shift) || !r.get_flat(t->pairs_, keep) || !t->one_side_.deserialize(r) || !t->fragments_.deserialize(r) ||
        !t->unkeyed_.deserialize(r))
      return nullptr;
    // Every bit_of() must land in the map: 2^(64 - shift) bits, at least the constructor's 2^16.
    if (shift < 16 || shift > 48 || t->pairs_.size() * 64 != std::size_t{1} << (64 - shift)) return nullptr;
    t->shift_ = shift;
    return t;
  }

  enum class boundary : std::uint8_t {
    cut,          // no token covers it
    whole_chars,  // only tokens holding both characters whole may
    fragment,     // a token starting or ending inside a character may, or a character is malformed
  };

  // Which tokens may cover position b of the piece (a character start), where piece[a, b) is
  // the character before it (a: the previous position that is not a UTF-8 continuation byte)?
  // Malformed or truncated characters around b answer `fragment`, so any bytes are safe to ask about.
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE boundary classify(std::string_view piece, std::size_t a, std::size_t b) const noexcept {
    const std::size_t left = b - a, right = lead_length(piece[b]);
    if (continuation(piece[a]) || left != lead_length(piece[a]) || right > piece.size() - b) return boundary::fragment;
    const char* p = piece.data();
    const std::size_t bp = byte_pair(p[b - 1], p[b]);
    if (fragments_.test(bp) && (unkeyed_.test(bp) || one_side_.test(one_side_bit(key(p + a, left + 1))) ||
                                one_side_.test(one_side_bit(key(p + b - 1, right + 1)))))
      return boundary::fragment;
    return test(pairs_, bit_of(key(p + a, left + right))) ? boundary::whole_chars : boundary::cut;
  }
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE bool spanned(std::string_view piece, std::size_t a, std::size_t b) const noexcept {
    return classify(piece, a, b) != boundary::cut;
  }

  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return pairs_.owned_bytes() + sizeof(one_side_) + sizeof(fragments_) + sizeof(unkeyed_);
  }

  [[nodiscard]] static TOKENMETER_ALWAYS_INLINE bool continuation(char c) noexcept {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  }
  [[nodiscard]] static TOKENMETER_ALWAYS_INLINE std::size_t lead_length(char c) noexcept {
    return utf8_sequence_length(static_cast<unsigned char>(c));
  }

  [[nodiscard]] static TOKENMETER_ALWAYS_INLINE std::size_t byte_pair(char a, char b) noexcept {
    return static_cast<std::size_t>(static_cast<unsigned char>(a)) << 8 | static_cast<unsigned char>(b);
  }

 private:
  char_cut_table() = default;

  // The bytes around a boundary, at most 8: two whole characters (UTF-8 marks where the first
  // ends, so the bytes alone identify the pair), or one whole character and the adjacent byte
  // of the other (the two one-sided kinds may share a key: a collision only forgoes a cut).
  [[nodiscard]] static TOKENMETER_ALWAYS_INLINE std::uint64_t key(const char* p, std::size_t n) noexcept {
    return detail::load_short(p, n);
  }
  [[nodiscard]] static TOKENMETER_ALWAYS_INLINE std::size_t hash_bits(std::uint64_t key, unsigned shift) noexcept {
    return static_cast<std::size_t>(((key ^ (key >> 29)) * 0x9E3779B97F4A7C15ull) >> shift);
  }
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE std::size_t bit_of(std::uint64_t key) const noexcept { return hash_bits(key, shift_); }
  [[nodiscard]] static TOKENMETER_ALWAYS_INLINE std::size_t one_side_bit(std::uint64_t key) noexcept { return hash_bits(key, 48); }
  template <class Bits>
  static void set(Bits& bits, std::size_t i) noexcept {
    bits[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  template <class Bits>
  [[nodiscard]] static TOKENMETER_ALWAYS_INLINE bool test(const Bits& bits, std::size_t i) noexcept {
    return (bits[i / 64] >> (i % 64)) & 1;
  }

  detail::flat_array<std::uint64_t> pairs_;  // bit map of whole-character pair keys (tokens with no fragment)
  unsigned shift_ = 48;
  detail::bit_map_64k one_side_;   // fragment tokens: (whole character, adjacent byte) keys
  detail::bit_map_64k fragments_;  // byte pairs around any boundary of a fragment token
  detail::bit_map_64k unkeyed_;    // ... where neither side is keyed in one_side_
};

TOKENMETER_END_NAMESPACE
