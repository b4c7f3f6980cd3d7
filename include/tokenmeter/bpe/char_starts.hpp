// Byte-level BPE that starts from characters instead of bytes, where that is exact.
//
// A Chinese part of k characters is 3k byte symbols, and two thirds of the merges that follow
// only rebuild the characters. Starting from one symbol per character (its token) gives the same
// result when, in this part,
//  (a) no merge joins a piece of a character with bytes outside it, so every merge across a
//      boundary joins two symbols made of whole characters, and each character's bytes evolve
//      on their own, as in the character alone. The first such merge would join, at some
//      boundary, a proper suffix of the character L before it or a proper prefix of the
//      character R after it; while L is incomplete its own next merge (priority at most own(L),
//      the largest among L's bytes) is pending, so a rule above own(L) cannot be picked. A
//      boundary is refused when some fragment rule whose bytes match there ranks below own() of
//      the character on each partial side (no_harmful_fragments, where the cut table says a
//      fragment token may cover a boundary: a byte-pair map filters, then the rule's bytes next
//      to the boundary and the actual characters' own() decide);
//  (b) each character's bytes merge, alone, into its token (so the character does complete);
//  (c) every rule joining two symbols of whole characters (the only rules the character-level
//      run can apply) whose bytes hold the character c among others has a higher priority
//      number than any rule among c's own bytes. A rule with a piece of a character on either
//      side never fires in the character-level run, and by (a) not in the byte-level run
//      either, so it does not count here (a vocabulary may rank a common character after the
//      fragment tokens holding it: glm-5 ranks 件 at 98578, a continuation byte + 件 at 92654).
// Then whenever the byte-level run picks a merge P across boundaries while some character c is
// still incomplete, c's pending merge (priority <= the largest among c's bytes) is above P, and
// any pair the character-level run could pick instead involves c, hence is above c's merges and
// above P: both runs apply the same cross-boundary merges in the same order (ties are the same
// rule at two places, leftmost first in both). Trained vocabularies satisfy (c) because a merge
// is learnt after its parts; characters for which it fails (or (b) fails) keep byte symbols.
//
// The table covers U+0080..U+FFFF (256 KiB of ids); other characters fall back to bytes.
#pragma once

#include <tokenmeter/bpe/char_cuts.hpp>
#include <tokenmeter/bpe/merge.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

class char_start_table {
 public:
  // each_rule(f): calls f(bytes, split, priority) for every merge rule (tiktoken: every token,
  //   split 0 = at any character boundary, its rank; HF: every merges entry, the concatenation
  //   of its two tokens, the length of the left one and its index).
  // pair_priority(left, right): the priority of merging symbols with these bytes, or bpe_no_rule.
  // merges_to_itself(id): does merging the token's bytes alone give the token?
  template <class EachRule, class PairPriority, class SelfMerges>
  char_start_table(const vocab_table& vocab, const std::array<token_id, 256>& byte_tokens, EachRule&& each_rule,
                   PairPriority&& pair_priority, SelfMerges&& merges_to_itself)
      : byte_tokens_(byte_tokens) {
    // The lowest priority of a rule of whole characters holding each character, next to others.
    std::vector<std::uint32_t> lowest_cross(table_size, bpe_no_rule);
    each_rule([&](std::string_view bytes, std::size_t split, std::uint32_t priority) {
      // A rule with a piece of a character on a side: its bytes are not all whole characters
      // (rank rules join at any character boundary), or it joins inside one (pair rules). A
      // surrogate's bytes also skip the rule: no part holding them starts from characters.
      if (!is_valid_utf8(bytes) || (split != 0 && split < bytes.size() && is_continuation(bytes[split]))) return;
      for (std::size_t i = 0; i < bytes.size();) {
        const std::size_t len = canonical_length(bytes.substr(i));  // never 0 here
        if (len != bytes.size() && len > 1 && len < 4) {
          std::uint32_t& low = lowest_cross[code_point(bytes.substr(i, len))];
          low = std::min(low, priority);
        }
        i += len;
      }
    });
    ids_.assign(table_size, no_token);
    // The largest own() of a usable character with each proper suffix / prefix (keyed by
    // length and bytes): what a fragment rule must rank above to be harmless.
    std::unordered_map<std::uint32_t, std::uint32_t> suffix_own, prefix_own;
    const auto raise = [](std::unordered_map<std::uint32_t, std::uint32_t>& m, std::string_view part, std::uint32_t own) {
      std::uint32_t& v = m[key_of(part)];
      v = std::max(v, own);
    };
    for (char32_t cp = 0x80; cp < table_size; ++cp) {
      std::string c;
      append_utf8(c, cp);  // surrogates stay empty: no token, so never usable
      const token_id id = vocab.find(c);
      if (id == no_token || !merges_to_itself(id)) continue;
      // The largest priority of a rule among the character's own bytes bounds its merges.
      std::uint32_t highest_own = 0;
      for (std::size_t from = 0; from < c.size(); ++from)
        for (std::size_t to = from + 2; to <= c.size(); ++to)
          for (std::size_t at = from + 1; at < to; ++at) {
            const std::uint32_t p = pair_priority(std::string_view(c).substr(from, at - from), std::string_view(c).substr(at, to - at));
            if (p != bpe_no_rule) highest_own = std::max(highest_own, p);
          }
      if (lowest_cross[cp] > highest_own) {
        ids_[cp] = id;
        own_.push_back({static_cast<std::uint32_t>(cp), highest_own});  // in code point order
        ++usable_;
        for (std::size_t k = 1; k < c.size(); ++k) {
          raise(suffix_own, std::string_view(c).substr(k), highest_own);
          raise(prefix_own, std::string_view(c).substr(0, k), highest_own);
        }
      }
    }
    const auto own_of = [](const std::unordered_map<std::uint32_t, std::uint32_t>& m, std::string_view part) {
      const auto it = m.find(key_of(part));
      return it == m.end() ? std::uint32_t{0} : it->second;
    };
    each_rule([&](std::string_view t, std::size_t split, std::uint32_t priority) {
      const auto at = [&](std::size_t k) {
        const bool left_partial = std::all_of(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(k), is_continuation);
        const bool right_partial = t.size() - k < lead_length(t[k]) &&
                                   std::all_of(t.begin() + static_cast<std::ptrdiff_t>(k) + 1, t.end(), is_continuation);
        if (!left_partial && !right_partial) return;
        if ((!left_partial || own_of(suffix_own, t.substr(0, k)) > priority) &&
            (!right_partial || own_of(prefix_own, t.substr(k)) > priority)) {
          harmful_.set(byte_pair(t[k - 1], t[k]));
          window_rule w{window_key(t, k, std::min<std::size_t>(k, 2), std::min<std::size_t>(t.size() - k, 2)), {}};
          w.lowest.fill(bpe_no_rule);
          w.lowest[(left_partial ? 2 : 0) | (right_partial ? 1 : 0)] = priority;
          harmful_windows_.push_back(w);
        }
      };
      if (split != 0) {
        if (split < t.size() && !is_continuation(t[split])) at(split);
        return;
      }
      for (std::size_t k = 1; k < t.size(); ++k)
        if (!is_continuation(t[k])) at(k);
    });
    // One entry per window, holding the lowest priority of each kind of rule there.
    std::sort(harmful_windows_.begin(), harmful_windows_.end(), [](const window_rule& a, const window_rule& b) { return a.key < b.key; });
    std::size_t n = 0;
    for (const window_rule& w : harmful_windows_) {
      if (n != 0 && harmful_windows_[n - 1].key == w.key) {
        for (std::size_t k = 0; k < 4; ++k) harmful_windows_[n - 1].lowest[k] = std::min(harmful_windows_[n - 1].lowest[k], w.lowest[k]);
      } else {
        harmful_windows_[n++] = w;
      }
    }
    harmful_windows_.resize(n);
    harmful_windows_.shrink_to_fit();
  }

  // Whether no boundary of `part` holds a fragment rule that could fire before the characters
  // around it complete (condition (a)); only needed where the cut table saw a fragment token.
  // The byte pair at a boundary filters; a hit is then tested on up to two bytes each side
  // against the own() of the characters actually there, not the largest of every character
  // sharing the fragment (katakana boundaries share their byte pairs, and a one-byte prefix
  // like E3 is shared by thousands of characters).
  [[nodiscard]] bool no_harmful_fragments(std::string_view part) const noexcept {
    for (std::size_t b = 1; b < part.size(); ++b)
      if (!is_continuation(part[b]) && harmful_.test(byte_pair(part[b - 1], part[b])) && harmful_window(part, b))
        return false;
    return true;
  }

  // The decision of bpe_model::merge_between_cuts: may `part` start from characters? `fragment`
  // says whether the cut table saw a fragment token at one of its boundaries. Fills syms if so.
  bool start_symbols(std::string_view part, bool fragment, std::vector<bpe_symbol>& syms) const {
    return (!fragment || no_harmful_fragments(part)) && symbols(part, syms);
  }

  // The character symbols of `part` (valid characters of the table, or ASCII), in syms; false
  // (syms unspecified) if some character must start from bytes.
  bool symbols(std::string_view part, std::vector<bpe_symbol>& syms) const {
    syms.clear();
    const std::size_t n = part.size();
    for (std::size_t i = 0; i < n;) {
      const auto b = static_cast<unsigned char>(part[i]);
      token_id id;
      std::size_t len;
      if (b < 0x80) {
        id = byte_tokens_[b];
        len = 1;
      } else {
        len = canonical_length(part.substr(i));
        if (len == 0 || len == 4) return false;
        id = ids_[code_point(part.substr(i, len))];
        if (id == no_token) return false;
      }
      syms.push_back({id, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + len)});
      i += len;
    }
    return true;
  }

  // Characters (of U+0080..U+FFFF) that start as their token.
  [[nodiscard]] std::size_t usable_characters() const noexcept { return usable_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return ids_.capacity() * sizeof(token_id) + own_.capacity() * sizeof(char_own) + sizeof(harmful_) +
           harmful_windows_.capacity() * sizeof(window_rule);
  }

 private:
  static constexpr std::size_t table_size = 0x10000;

  // Length of the well-formed (shortest-form) UTF-8 sequence at the start of s, or 0. Surrogate
  // code points pass here and find no id in the table.
  static std::size_t canonical_length(std::string_view s) noexcept {
    const auto b0 = static_cast<unsigned char>(s[0]);
    const auto cont = [&](std::size_t k) { return k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80; };
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
      if (!cont(1) || !cont(2)) return 0;
      return b0 == 0xE0 && static_cast<unsigned char>(s[1]) < 0xA0 ? 0 : 3;  // overlong
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    return 0;
  }
  // Code point of a 2- or 3-byte sequence that canonical_length accepted (4-byte ones map
  // outside the table and are never looked up).
  static std::size_t code_point(std::string_view s) noexcept {
    const auto b = [&](std::size_t k) { return static_cast<std::size_t>(static_cast<unsigned char>(s[k])); };
    if (s.size() == 2) return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    if (s.size() == 3) return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    return 0;  // 4-byte: slot 0, never filled
  }
  static bool is_continuation(char c) noexcept { return char_cut_table::continuation(c); }
  static std::size_t lead_length(char c) noexcept { return char_cut_table::lead_length(c); }
  static std::size_t byte_pair(char a, char b) noexcept { return char_cut_table::byte_pair(a, b); }
  // A harmful rule's bytes next to its boundary, at most two each side: the last `left` bytes
  // before k and the first `right` from k, with the two lengths (a rule with one byte on a side
  // leaves the second unconstrained). Matching them is necessary for the rule to fire there.
  static std::uint64_t window_key(std::string_view s, std::size_t k, std::size_t left, std::size_t right) noexcept {
    std::uint64_t key = left << 2 | right;
    for (std::size_t i = k - left; i < k + right; ++i) key = key << 8 | static_cast<unsigned char>(s[i]);
    return key;
  }
  // Whether a harmful rule's window matches at boundary b and its priority is below own() of
  // each partial side's character (a character outside the table counts as harmful).
  [[nodiscard]] bool harmful_window(std::string_view part, std::size_t b) const noexcept {
    std::uint32_t own_left = 0, own_right = 0;  // looked up once a window matches
    bool looked_up = false;
    for (std::size_t left = 1; left <= std::min<std::size_t>(b, 2); ++left)
      for (std::size_t right = 1; right <= std::min<std::size_t>(part.size() - b, 2); ++right) {
        const std::uint64_t key = window_key(part, b, left, right);
        const auto it = std::lower_bound(harmful_windows_.begin(), harmful_windows_.end(), key,
                                         [](const window_rule& w, std::uint64_t k) { return w.key < k; });
        if (it == harmful_windows_.end() || it->key != key) continue;
        if (!looked_up) {
          std::size_t l = b;
          while (l > 0 && b - l < 3 && is_continuation(part[l - 1])) --l;
          l = l > 0 ? l - 1 : 0;
          own_left = canonical_length(part.substr(l, b - l)) == b - l ? own_at(part.substr(l, b - l))
                                                                      : std::numeric_limits<std::uint32_t>::max();
          own_right = own_at(part.substr(b));
          looked_up = true;
        }
        for (std::size_t kind = 0; kind < 4; ++kind) {
          const std::uint32_t p = it->lowest[kind];
          if (p != bpe_no_rule && ((kind & 2) == 0 || own_left > p) && ((kind & 1) == 0 || own_right > p)) return true;
        }
      }
    return false;
  }
  // own() of the character starting `s` (usable characters only; others the largest value).
  [[nodiscard]] std::uint32_t own_at(std::string_view s) const noexcept {
    if (s.empty()) return std::numeric_limits<std::uint32_t>::max();
    const std::size_t len = canonical_length(s);
    if (len < 2 || len > 3) return std::numeric_limits<std::uint32_t>::max();
    const auto cp = static_cast<std::uint32_t>(code_point(s.substr(0, len)));
    const auto it = std::lower_bound(own_.begin(), own_.end(), cp, [](const char_own& c, std::uint32_t v) { return c.cp < v; });
    return it == own_.end() || it->cp != cp ? std::numeric_limits<std::uint32_t>::max() : it->own;
  }
  // A proper suffix or prefix of a character of at most 3 bytes (longer ones never match).
  static std::uint32_t key_of(std::string_view part) noexcept {
    if (part.size() > 2) return 0xFFFFFFFFu;
    std::uint32_t bytes = 0;
    for (const char c : part) bytes = bytes << 8 | static_cast<unsigned char>(c);
    return static_cast<std::uint32_t>(part.size()) << 16 | bytes;
  }

  std::array<token_id, 256> byte_tokens_;
  std::bitset<65536> harmful_;  // byte pairs around a boundary where a fragment rule may fire first
  struct window_rule {
    std::uint64_t key;                   // window_key
    std::array<std::uint32_t, 4> lowest;  // by kind: 2 = left side partial, 1 = right side partial
  };
  std::vector<window_rule> harmful_windows_;  // by key
  struct char_own {
    std::uint32_t cp, own;
  };
  std::vector<char_own> own_;  // own() of each character ids_ has, by code point (looked up rarely)
  std::vector<token_id> ids_;  // code point -> its token, where it may start as one symbol
  std::size_t usable_ = 0;
};

TOKENMETER_END_NAMESPACE
