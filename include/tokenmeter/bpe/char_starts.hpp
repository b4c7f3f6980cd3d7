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
// A part refused as a whole (a harmful boundary, or a character that must keep its bytes) may
// still start mixed: some characters as their token (set C), the rest as bytes (set B). The
// argument above holds character by character if, for each c in C, (b) and:
//  (a') every fragment rule that could fire at one of c's boundaries with a piece of c on its
//      side ranks above own(c), or also needs a piece of a character of C on the other side
//      whose own() it ranks above (mixed_symbols moves the characters on a boundary that fails
//      this to B, judging by own() alone, so no decision depends on another);
//  (c') every rule with c as one side ranks above own(c) -- whatever the other side holds, as
//      a neighbour in B may offer a piece of itself (mixable_: c as a prefix or suffix of the
//      rule's bytes). Where the part has no fragment boundary no such piece can merge with c
//      (the rule's token would be a fragment token there), and (c) is enough.
// Characters of B evolve from bytes in both runs; the merges the two runs apply outside C's
// own merges are the same, in the same order (the premature pairs of a whole c in the mixed run
// rank above c's pending merge in the byte run). Measured on minimax-m2 Japanese, where a
// quarter of the time went to parts started from bytes: see README "Speed".
//
// The table covers U+0080..U+FFFF (256 KiB of ids); other characters fall back to bytes.
#pragma once

#include <tokenmeter/bpe/char_cuts.hpp>
#include <tokenmeter/bpe/merge.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/detail/bit_map.hpp>
#include <tokenmeter/detail/flat_array.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
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
    // The lowest priority of any rule with the character as one side (condition (c')).
    std::vector<std::uint32_t> lowest_edge(table_size, bpe_no_rule);
    const auto edge = [&](std::string_view side, std::uint32_t priority) {
      if (side.size() < 2 || side.size() > 3 || canonical_length(side) != side.size()) return;
      std::uint32_t& low = lowest_edge[code_point(side)];
      low = std::min(low, priority);
    };
    each_rule([&](std::string_view bytes, std::size_t split, std::uint32_t priority) {
      if (split != 0) {
        edge(bytes.substr(0, split), priority);
        edge(bytes.substr(split), priority);
      } else if (bytes.size() > 1) {  // rank rules: any split, so the first and the last character
        edge(bytes.substr(0, std::min<std::size_t>(canonical_length(bytes), bytes.size() - 1)), priority);
        std::size_t last = bytes.size() - 1;
        while (last > 0 && is_continuation(bytes[last])) --last;
        if (last > 0) edge(bytes.substr(last), priority);
      }
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
    std::vector<char_own> own;
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
        ids_.mut(cp) = id;
        own.push_back({static_cast<std::uint32_t>(cp), highest_own});  // in code point order
        ++usable_;
        if (lowest_edge[cp] > highest_own) mixable_.set(cp);
        for (std::size_t k = 1; k < c.size(); ++k) {
          raise(suffix_own, std::string_view(c).substr(k), highest_own);
          raise(prefix_own, std::string_view(c).substr(0, k), highest_own);
        }
      }
    }
    own_.adopt(std::move(own));
    std::vector<window_rule> windows;
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
        const std::size_t kind = (left_partial ? 2 : 0) | (right_partial ? 1 : 0);
        window_rule w{window_key(t, k, std::min<std::size_t>(k, 2), std::min<std::size_t>(t.size() - k, 2)), {}};
        w.lowest_any.fill(bpe_no_rule);
        w.lowest_any[kind] = priority;
        fragment_pairs_.set(byte_pair(t[k - 1], t[k]));
        // Only where the rule can beat every character with its pieces: the whole start's filter.
        if ((!left_partial || own_of(suffix_own, t.substr(0, k)) > priority) &&
            (!right_partial || own_of(prefix_own, t.substr(k)) > priority))
          harmful_.set(byte_pair(t[k - 1], t[k]));
        windows.push_back(w);
      };
      if (split != 0) {
        if (split < t.size() && !is_continuation(t[split])) at(split);
        return;
      }
      for (std::size_t k = 1; k < t.size(); ++k)
        if (!is_continuation(t[k])) at(k);
    });
    // One entry per window, holding the lowest priority of each kind of rule there.
    std::sort(windows.begin(), windows.end(), [](const window_rule& a, const window_rule& b) { return a.key < b.key; });
    std::size_t n = 0;
    for (const window_rule& w : windows) {
      if (n != 0 && windows[n - 1].key == w.key) {
        for (std::size_t k = 0; k < 4; ++k) windows[n - 1].lowest_any[k] = std::min(windows[n - 1].lowest_any[k], w.lowest_any[k]);
      } else {
        windows[n++] = w;
      }
    }
    windows.resize(n);
    windows.shrink_to_fit();
    fragment_windows_.adopt(std::move(windows));
  }

  // The compiled cache keeps the table (vocab/compiled_cache.hpp), as it keeps the cut table:
  // a change to how the constructor derives it must bump detail::compiled_format_version.
  void serialize(detail::binary_writer& w) const {
    w.put_array(byte_tokens_.data(), byte_tokens_.size());
    harmful_.serialize(w);
    fragment_pairs_.serialize(w);
    mixable_.serialize(w);
    w.put_flat(fragment_windows_);
    w.put_flat(own_);
    w.put_flat(ids_);
    w.put<std::uint64_t>(usable_);
  }
  // A table written by serialize(), its arrays viewed in place (kept alive by `keep`), for a
  // model with these byte tokens and `id_bound` ids; nullptr if it is inconsistent (an id out
  // of range, the searched arrays out of order, other byte tokens).
  static std::unique_ptr<char_start_table> deserialize(detail::binary_reader& r, const std::shared_ptr<const void>& keep,
                                                       const std::array<token_id, 256>& byte_tokens, std::size_t id_bound) {
    std::unique_ptr<char_start_table> t(new char_start_table());
    std::uint64_t usable = 0;
    if (!r.get_array(t->byte_tokens_.data(), t->byte_tokens_.size()) || t->byte_tokens_ != byte_tokens ||
        !t->harmful_.deserialize(r) || !t->fragment_pairs_.deserialize(r) || !t->mixable_.deserialize(r) ||
        !r.get_flat(t->fragment_windows_, keep) || !r.get_flat(t->own_, keep) || !r.get_flat(t->ids_, keep) || !r.get(usable))
      return nullptr;
    if (t->ids_.size() != table_size || usable != t->own_.size()) return nullptr;
    std::size_t found = 0;
    for (const token_id id : t->ids_) {
      if (id != no_token && id >= id_bound) return nullptr;
      found += id != no_token ? 1 : 0;
    }
    const auto by_key = [](const window_rule& a, const window_rule& b) { return a.key < b.key; };
    const auto by_cp = [](const char_own& a, const char_own& b) { return a.cp < b.cp; };
    if (found != usable || !std::is_sorted(t->fragment_windows_.begin(), t->fragment_windows_.end(), by_key) ||
        !std::is_sorted(t->own_.begin(), t->own_.end(), by_cp))
      return nullptr;
    t->usable_ = usable;
    return t;
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
  // Falls back to a mixed start (mixed_symbols) where the part as a whole is refused.
  bool start_symbols(std::string_view part, bool fragment, std::vector<bpe_symbol>& syms) const {
    if ((!fragment || no_harmful_fragments(part)) && symbols(part, syms)) return true;
    return mixed_symbols(part, fragment, syms);
  }

  // The mixed start of the header comment: characters of C as their token, the others as bytes,
  // in syms; false (syms unspecified) if no character would start whole, or the part holds a
  // malformed sequence.
  bool mixed_symbols(std::string_view part, bool fragment, std::vector<bpe_symbol>& syms) const {
    syms.clear();
    // One symbol per character first: its token if it may start whole, no_token for bytes.
    const std::size_t n = part.size();
    for (std::size_t i = 0; i < n;) {
      const auto b = static_cast<unsigned char>(part[i]);
      if (b < 0x80) {
        syms.push_back({byte_tokens_[b], static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + 1)});
        ++i;
        continue;
      }
      const std::size_t len = canonical_length(part.substr(i));
      if (len == 0) return false;
      token_id id = no_token;
      if (len < 4) {
        const std::size_t cp = code_point(part.substr(i, len));
        if (!fragment || mixable_.test(cp)) id = ids_[cp];
      }
      syms.push_back({id, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + len)});
      i += len;
    }
    // (a'): the fragment rules that may match at each boundary, by kind; a side whose own()
    // a rule ranks below goes to B (for rules with both sides partial, both sides).
    if (fragment)
      for (std::size_t k = 1; k < syms.size(); ++k) {
        const std::size_t b = syms[k].start;
        if (!fragment_pairs_.test(byte_pair(part[b - 1], part[b]))) continue;
        const std::array<std::uint32_t, 4> low = lowest_any_at(part, b);
        const auto own_of_symbol = [&](const bpe_symbol& s) -> std::uint32_t {
          return s.id == no_token || s.end - s.start < 2 ? 0 : own_at(part.substr(s.start));
        };
        const std::uint32_t own_left = own_of_symbol(syms[k - 1]), own_right = own_of_symbol(syms[k]);
        const auto below = [](std::uint32_t own, std::uint32_t rule) { return rule != bpe_no_rule && own > rule; };
        const bool both = below(own_left, low[3]) || below(own_right, low[3]);
        if (both || below(own_left, low[2])) syms[k - 1].id = no_token;
        if (both || below(own_right, low[1])) syms[k].id = no_token;
      }
    // Then the characters of B become their bytes (filled from the back, in place).
    std::size_t total = 0;
    for (const bpe_symbol& s : syms) total += s.id == no_token ? s.end - s.start : 1;
    if (total == n) return false;  // nothing starts whole: the merge loop's own start
    std::size_t out = total;
    const std::size_t chars = syms.size();
    syms.resize(total);
    for (std::size_t k = chars; k-- > 0;) {
      const bpe_symbol s = syms[k];
      if (s.id != no_token) {
        syms[--out] = s;
        continue;
      }
      for (std::uint32_t j = s.end; j-- > s.start;) syms[--out] = {byte_tokens_[static_cast<unsigned char>(part[j])], j, j + 1};
    }
    return true;
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
    return ids_.owned_bytes() + own_.owned_bytes() + sizeof(harmful_) + sizeof(fragment_pairs_) + sizeof(mixable_) +
           fragment_windows_.owned_bytes();
  }

 private:
  static constexpr std::size_t table_size = 0x10000;
  char_start_table() = default;

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
  // Calls f(window) for each window rule matching at boundary b, until f returns true; whether
  // one did.
  template <class F>
  bool any_window(std::string_view part, std::size_t b, F&& f) const noexcept {
    for (std::size_t left = 1; left <= std::min<std::size_t>(b, 2); ++left)
      for (std::size_t right = 1; right <= std::min<std::size_t>(part.size() - b, 2); ++right) {
        const std::uint64_t key = window_key(part, b, left, right);
        const auto it = std::lower_bound(fragment_windows_.begin(), fragment_windows_.end(), key,
                                         [](const window_rule& w, std::uint64_t k) { return w.key < k; });
        if (it != fragment_windows_.end() && it->key == key && f(*it)) return true;
      }
    return false;
  }
  // Whether a harmful rule's window matches at boundary b and its priority is below own() of
  // each partial side's character (a character outside the table counts as harmful).
  [[nodiscard]] bool harmful_window(std::string_view part, std::size_t b) const noexcept {
    std::uint32_t own_left = 0, own_right = 0;  // looked up once a window matches
    bool looked_up = false;
    return any_window(part, b, [&](const window_rule& w) {
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
        // The lowest rule of a kind decides: one beats the partial sides' own() iff the lowest does.
        const std::uint32_t p = w.lowest_any[kind];
        if (p != bpe_no_rule && ((kind & 2) == 0 || own_left > p) && ((kind & 1) == 0 || own_right > p)) return true;
      }
      return false;
    });
  }
  // The lowest priority, by kind, of any fragment rule whose window matches at boundary b.
  [[nodiscard]] std::array<std::uint32_t, 4> lowest_any_at(std::string_view part, std::size_t b) const noexcept {
    std::array<std::uint32_t, 4> low;
    low.fill(bpe_no_rule);
    any_window(part, b, [&](const window_rule& w) {
      for (std::size_t kind = 0; kind < 4; ++kind) low[kind] = std::min(low[kind], w.lowest_any[kind]);
      return false;
    });
    return low;
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

  std::array<token_id, 256> byte_tokens_{};
  detail::bit_map_64k harmful_;         // byte pairs around a boundary where a fragment rule may fire first
  detail::bit_map_64k fragment_pairs_;  // byte pairs around a boundary where any fragment rule may fire
  detail::bit_map_64k mixable_;         // usable characters that also satisfy (c')
  struct window_rule {
    std::uint64_t key;                   // window_key
    std::array<std::uint32_t, 4> lowest_any;  // by kind (2 = left side partial, 1 = right side partial), of every fragment rule
  };
  detail::flat_array<window_rule> fragment_windows_;  // by key; every fragment rule's window
  struct char_own {
    std::uint32_t cp, own;
  };
  detail::flat_array<char_own> own_;  // own() of each character ids_ has, by code point (looked up rarely)
  detail::flat_array<token_id> ids_;  // code point -> its token, where it may start as one symbol
  std::size_t usable_ = 0;
};

TOKENMETER_END_NAMESPACE
