// The fast split engine: a small backtracking matcher for the regex shape every tokenizer split
// pattern we know is written in -- a top-level alternation of sequences of quantified character
// classes, optional (?i:...) literal groups and a (?!\S)-style negative lookahead.
//
// Patterns are compiled at load time (families stay data: a new pattern of this shape is fast
// with no new code). Character classes become bit sets over unicode::kind_table kinds (plus an
// exact range check for the few classes that split a kind, e.g. DeepSeek's [\u4e00-\u9fa5]), so
// a character is classified once with two table loads and every class test is a bit test.
// Matching follows the backtracking, leftmost-first semantics of fancy-regex, Oniguruma and ICU:
// alternatives in order, greedy quantifiers longest first, possessive ones without giving back.
// Anything outside the shape (anchors, \b, lazy quantifiers, lookbehind, ...) makes compile()
// return nullopt and the ICU engine (the oracle, tests/pretokenize) is used instead.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/callback.hpp>
#include <tokenmeter/detail/simd/byte_class.hpp>
#include <tokenmeter/unicode/code_point_set.hpp>
#include <tokenmeter/unicode/kind_table.hpp>
#include <tokenmeter/unicode/properties.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unicode/uniset.h>
#include <unicode/unistr.h>

TOKENMETER_BEGIN_NAMESPACE
namespace pretokenize {

// What a search over a text's known start can say whatever follows. `settled`: the end of the
// last match no continuation can change, since every attempt up to it read only known text;
// `open`: the first attempt position whose outcome read at the end (text.size() if none; never
// before `settled`), so whatever follows, no match starts in [settled, open).
struct settled_search {
  std::size_t settled = 0;
  std::size_t open = 0;
};

class fast_pattern {
  using code_point_set = unicode::code_point_set;

 public:
  static constexpr std::uint32_t unbounded = 0xFFFFFFFFu;
  static constexpr std::size_t max_classes = 32;

  struct node;
  using sequence = std::vector<node>;
  struct node {
    enum kind_t : std::uint8_t { cls, group, not_ahead } type = cls;
    std::uint8_t cls_index = 0;
    std::uint32_t min = 1, max = 1;
    bool possessive = false;
    std::vector<sequence> alts;  // group only
    // group only: classes that can hold the first character of an alternative's match (all bits
    // when an alternative can match empty), so a group that cannot start here is passed over
    // without trying its alternatives one by one (the (?i:'s|'t|...) suffix after every word).
    std::uint32_t first = ~0u;
  };

  // Compiles `pattern`, or nullopt if it uses anything outside the supported shape.
  static std::optional<fast_pattern> compile(std::string_view pattern) {
    fast_pattern p;
    parser ps{pattern, 0, &p, false, true};
    auto alts = ps.parse_alternation();
    if (!ps.ok || ps.i != pattern.size() || alts.empty()) return std::nullopt;
    for (const sequence& a : alts)
      if (nullable(a)) return std::nullopt;  // an empty match would need find_iter's empty-match rules
    p.alternatives_ = std::move(alts);
    p.finish();
    return p;
  }

  // Calls f(start, end) for each match in `text` (valid UTF-8), left to right, exactly like a
  // backtracking engine's find_iter for a pattern that cannot match the empty string.
  template <class F>
  bool for_each_match(std::string_view text, F&& f) const {
    if (run_bit_ != 0) return for_each_run(text, f);
    const std::size_t n = text.size();
    std::size_t pos = 0;
    std::uint32_t misses = 0;  // ASCII positions in a row where nothing started
    while (pos < n) {
      std::size_t end = 0;
      if (attempt<false>(text, pos, end, nullptr)) {
        if (!detail::invoke_continue(f, pos, end)) return false;
        pos = end;
        misses = 0;
      } else if (static_cast<unsigned char>(text[pos]) < 0x80) {
        ++pos;
        // A pattern that matches rarely (DeepSeek's digit and CJK steps on English) skips the
        // ASCII bytes no alternative can start with in the SIMD kernel, once a gap is not short.
        if (++misses == 8) {
          pos += detail::simd::ascii_set_prefix(reinterpret_cast<const std::uint8_t*>(text.data()) + pos, n - pos,
                                                no_start_.data());
          misses = 0;
        }
      } else {
        pos += utf8_sequence_length(static_cast<unsigned char>(text[pos]));
      }
    }
    return true;
  }

  // The search of for_each_match over `text` taken as the known start of a longer text whose
  // rest is not known yet (a stream); see settled_search. split_regex::settled_matches_oracle
  // answers the same with ICU's hitEnd (tests/pretokenize/fast_pattern_test.cpp compares them).
  // `from` must be a position the whole search attempts at (0, or the end of a match of it): the
  // search then resumes there, since a match depends only on the text from where it starts.
  [[nodiscard]] settled_search settled_matches(std::string_view text, std::size_t from = 0) const {
    const std::size_t n = text.size();
    settled_search r{from, n};
    for (std::size_t pos = from; pos < n;) {
      std::size_t end = 0;
      bool hit = false;
      const bool found = attempt<true>(text, pos, end, &hit);
      if (hit) {
        r.open = pos;
        break;
      }
      if (found) {
        r.settled = pos = end;
      } else {
        pos += utf8_sequence_length(static_cast<unsigned char>(text[pos]));
      }
    }
    return r;
  }

  // A prefix of `text` to search alone, and the position before which the pieces (matches and
  // gaps) of that search are those of every continuation of `text`: the prefix ends at the reach
  // bound, and its own bound stops the search before the prefix's end could matter. Searching
  // the prefix only, a long run at the end (an unbroken word) is not scanned to find a match
  // that would not count anyway.
  struct final_region {
    std::size_t searched = 0, bound = 0;
  };
  [[nodiscard]] final_region final_region_of(std::string_view text) const noexcept {
    const std::size_t searched = reach_start(text);
    return {searched, reach_start(text.substr(0, searched))};
  }

  // settled_matches, with the matches of final_region_of(text) found by `search`, a faster engine
  // for the same pattern (the shape scanner; search(text, f) calls f(start, end) per match, as
  // for_each_match does, and stops when f returns false): the tracked matcher then runs only over
  // the last few runs of the text instead of all of it.
  template <class Search>
  [[nodiscard]] settled_search settled_matches_with(std::string_view text, Search&& search) const {
    const final_region region = final_region_of(text);
    std::size_t from = 0;
    if (region.bound > 0)
      search(text.substr(0, region.searched), [&](std::size_t, std::size_t e) {
        if (e >= region.bound) return false;
        from = e;
        return true;
      });
    return settled_matches(text, from);
  }

  // A position before which no attempt reads (or asks for) the character at text.size(). An
  // attempt's path reads a character only once every character before it is consumed, each by a
  // class node (a run of that class), and no path has more than reach_runs_ class nodes, since
  // groups are never repeated in this shape. So a path from p that reads the end covers [p, n)
  // with at most reach_runs_ runs, each within one class; walking back from the end over the
  // longest such run, reach_runs_ times, finds the least such p.
  [[nodiscard]] std::size_t reach_start(std::string_view text) const noexcept {
    std::size_t x = text.size();
    for (std::uint32_t runs = 0; x > 0 && runs < reach_runs_; ++runs) {
      std::uint32_t alive = consumed_;
      std::size_t y = x;
      while (y > 0) {
        const std::size_t q = prev_boundary(text, y);
        const std::uint32_t m = mask_at(text, q) & alive;
        if (m == 0) break;
        alive = m;
        y = q;
      }
      if (y == x) break;  // no node consumes the character before x: no path gets past it
      x = y;
    }
    return x;
  }

 private:
  // A pattern that is one class repeated (DeepSeek's \p{N}{1,3} and [一-龥぀-ゟ゠-ヿ]+ steps):
  // a match starts at each character of the class and takes up to max of them; a run shorter
  // than min matches nowhere inside it, so the search resumes after it.
  template <class F>
  bool for_each_run(std::string_view text, F& f) const {
    const std::size_t n = text.size();
    const node& item = alternatives_[0][0];
    std::size_t pos = 0;
    while (pos < n) {
      if (static_cast<unsigned char>(text[pos]) < 0x80 && !(ascii_[static_cast<unsigned char>(text[pos])] & run_bit_)) {
        pos += detail::simd::ascii_set_prefix(reinterpret_cast<const std::uint8_t*>(text.data()) + pos, n - pos,
                                              no_start_.data());
        continue;
      }
      std::size_t end = pos, next = pos;
      std::uint32_t count = 0;
      while (end < n && count < item.max && in_run_class(text, next)) {
        end = next;
        ++count;
      }
      if (count == 0) {
        pos = next;  // a non-ASCII character outside the class
        continue;
      }
      if (count >= item.min && !detail::invoke_continue(f, pos, end)) return false;
      pos = end;
    }
    return true;
  }

  // Whether the character at pos is in the run class (for_each_run), and the position after it.
  TOKENMETER_ALWAYS_INLINE bool in_run_class(std::string_view t, std::size_t& pos) const noexcept {
    const auto b = static_cast<unsigned char>(t[pos]);
    if (b >= 0xC2 && b < 0xF0) {
      const bool three = b >= 0xE0;
      if (pos + (three ? 2 : 1) < t.size()) {
        const std::size_t block = three ? (b & 0x0Fu) << 6 | (static_cast<unsigned char>(t[pos + 1]) & 0x3Fu) : b & 0x1Fu;
        const run_block r = run_blocks_[block];
        if (r != run_block::mixed) {
          pos += three ? 3 : 2;
          return r == run_block::all;
        }
      }
    }
    return (step(t, pos) & run_bit_) != 0;
  }

  struct cont {
    const sequence* s;
    std::size_t i;
    const cont* next;
  };

  // Bit k set: the code point is in class k.
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE std::uint32_t mask_of(char32_t cp) const noexcept {
    if (cp < 128) return ascii_[cp];
    const std::uint8_t k = kinds_->kind(cp);
    std::uint32_t m = kind_full_[k];
    if (kind_mixed_[k] == 0) return m;
    if (cp < bmp) {
      // A class that holds all or none of this 64-code-point block answers for the block.
      const block_classes& b = blocks_[cp >> block_bits];
      if ((kind_mixed_[k] & b.partial) == 0) return m | (kind_mixed_[k] & b.whole);
    }
    for (std::uint32_t mixed = kind_mixed_[k]; mixed != 0; mixed &= mixed - 1) {
      const int c = std::countr_zero(mixed);
      if (sets_[static_cast<std::size_t>(c)].contains(cp)) m |= 1u << c;
    }
    return m;
  }

  [[nodiscard]] TOKENMETER_ALWAYS_INLINE std::uint32_t mask_at(std::string_view t, std::size_t pos) const noexcept {
    const auto b = static_cast<unsigned char>(t[pos]);
    if (b < 0x80) return ascii_[b];
    std::size_t i = pos;
    return mask_of(next_code_point(t, i));
  }

  // Mask of the character at pos and the position after it.
  TOKENMETER_ALWAYS_INLINE std::uint32_t step(std::string_view t, std::size_t& pos) const noexcept {
    const auto b = static_cast<unsigned char>(t[pos]);
    if (b < 0x80) {
      ++pos;
      return ascii_[b];
    }
    return mask_of(next_code_point(t, pos));
  }

  static std::size_t prev_boundary(std::string_view t, std::size_t pos) noexcept {
    do --pos;
    while (pos > 0 && (static_cast<unsigned char>(t[pos]) & 0xC0) == 0x80);
    return pos;
  }

  // One attempt at pos: the alternatives in order (skipping those that cannot start with its
  // character); true and `end` for the first that matches.
  template <bool TrackEnd>
  TOKENMETER_ALWAYS_INLINE bool attempt(std::string_view t, std::size_t pos, std::size_t& end, bool* hit) const {
    const std::uint32_t here = mask_at(t, pos);
    for (std::size_t a = 0; a < alternatives_.size(); ++a)
      if ((here & first_[a]) && match<TrackEnd>(t, alternatives_[a], 0, pos, nullptr, end, hit)) return true;
    return false;
  }

  // TrackEnd: set *hit when the attempt reads (or asks for) a character at t.size(), the end
  // of the known text, so a different continuation could change its outcome.
  template <bool TrackEnd>
  bool match(std::string_view t, const sequence& s, std::size_t i, std::size_t pos, const cont* k,
             std::size_t& end, bool* hit) const {
    while (i < s.size()) {
      const node& nd = s[i];
      if (nd.type == node::not_ahead) {
        if constexpr (TrackEnd)
          if (pos == t.size()) *hit = true;
        if (pos < t.size() && (mask_at(t, pos) >> nd.cls_index & 1u)) return false;
        ++i;
        continue;
      }
      if (nd.type == node::group) {
        // No alternative can match empty, so each would read the character at pos first (at
        // the end, that read is the end) and fail unless it is in the first set.
        if (nd.first != ~0u && (pos == t.size() || !(mask_at(t, pos) & nd.first))) {
          if constexpr (TrackEnd)
            if (pos == t.size()) *hit = true;
          if (nd.min == 0) {
            ++i;
            continue;
          }
          return false;
        }
        const cont k2{&s, i + 1, k};
        for (const sequence& alt : nd.alts)
          if (match<TrackEnd>(t, alt, 0, pos, &k2, end, hit)) return true;
        if (nd.min == 0) {
          ++i;
          continue;
        }
        return false;
      }
      // A quantified class: take as many as allowed, then give back one at a time.
      const std::uint32_t bit = 1u << nd.cls_index;
      std::size_t p = pos;
      std::uint32_t count = 0;
      while (count < nd.max && p < t.size()) {
        std::size_t q = p;
        if (!(step(t, q) & bit)) break;
        p = q;
        ++count;
      }
      if constexpr (TrackEnd)
        if (p == t.size() && count < nd.max) *hit = true;
      if (count < nd.min) return false;
      if (i + 1 == s.size() && k == nullptr) {  // nothing follows: the longest run is the match
        end = p;
        return true;
      }
      if (nd.possessive || count == nd.min) {
        pos = p;
        ++i;
        continue;
      }
      for (;;) {
        if (match<TrackEnd>(t, s, i + 1, p, k, end, hit)) return true;
        if (count == nd.min) return false;
        p = prev_boundary(t, p);
        --count;
      }
    }
    if (k != nullptr) return match<TrackEnd>(t, *k->s, k->i, pos, k->next, end, hit);
    end = pos;
    return true;
  }

  static bool nullable(const sequence& s) {
    for (const node& n : s) {
      if (n.type == node::not_ahead) continue;
      if (n.min == 0) continue;
      if (n.type == node::group) {
        bool any = false;
        for (const sequence& a : n.alts) any = any || nullable(a);
        if (any) continue;
      }
      return false;
    }
    return true;
  }

  // Classes that can hold the first character of a match of s (followed by `rest`).
  std::uint32_t first_set(const sequence& s, std::size_t i) const {
    std::uint32_t m = 0;
    for (; i < s.size(); ++i) {
      const node& n = s[i];
      if (n.type == node::not_ahead) continue;
      if (n.type == node::cls) {
        m |= 1u << n.cls_index;
      } else {
        bool any_nullable = false;
        for (const sequence& a : n.alts) {
          m |= first_set(a, 0);
          any_nullable = any_nullable || nullable(a);
        }
        if (!any_nullable && n.min > 0) return m;
        continue;
      }
      if (n.min > 0) return m;
    }
    return m;
  }

  // The most class nodes one path through s can pass (a group takes one alternative), and the
  // classes they consume.
  static std::uint32_t class_nodes_on_a_path(const sequence& s, std::uint32_t& consumed) {
    std::uint32_t c = 0;
    for (const node& n : s) {
      if (n.type == node::cls) {
        ++c;
        consumed |= 1u << n.cls_index;
      } else if (n.type == node::group) {
        std::uint32_t most = 0;
        for (const sequence& a : n.alts) most = std::max(most, class_nodes_on_a_path(a, consumed));
        c += most;
      }
    }
    return c;
  }

  void set_group_firsts(sequence& s) {
    for (node& n : s) {
      if (n.type != node::group) continue;
      n.first = 0;
      for (sequence& a : n.alts) {
        set_group_firsts(a);
        n.first |= nullable(a) ? ~0u : first_set(a, 0);
      }
    }
  }

  void finish() {
    ascii_.fill(0);
    kind_full_.fill(0);
    kind_mixed_.fill(0);
    blocks_.fill({});
    for (std::size_t c = 0; c < sets_.size(); ++c) {
      const std::uint32_t bit = 1u << c;
      for (char32_t cp = 0; cp < 128; ++cp)
        if (sets_[c].contains(cp)) ascii_[cp] |= bit;
      // Per kind: does the class hold all of its code points, some, or none?
      std::array<std::uint8_t, unicode::kind_count> state{};  // 0 unseen, 1 all, 2 none, 3 mixed
      const auto& ranges = sets_[c].ranges();
      std::size_t j = 0;
      for (const auto& run : unicode::kind_table::instance().runs()) {
        while (j < ranges.size() && ranges[j].last < run.first) ++j;
        std::uint64_t covered = 0;
        for (std::size_t q = j; q < ranges.size() && ranges[q].first <= run.last; ++q)
          covered += std::min(ranges[q].last, run.last) - std::max(ranges[q].first, run.first) + 1;
        const std::uint64_t len = run.last - run.first + 1;
        const std::uint8_t s = covered == len ? 1 : covered == 0 ? 2 : 3;
        std::uint8_t& st = state[run.kind];
        st = st == 0 ? s : st == s ? s : 3;
      }
      for (std::size_t k = 0; k < unicode::kind_count; ++k) {
        if (state[k] == 1) kind_full_[k] |= bit;
        if (state[k] == 3) kind_mixed_[k] |= bit;
      }
      // Per BMP block: does the class hold all of its code points, or some?
      std::array<std::uint32_t, bmp / block_size> covered{};
      for (const auto& r : ranges)
        for (char32_t first = r.first; first <= r.last && first < bmp;) {
          const char32_t block_end = (first | (block_size - 1)) + 1;
          const char32_t end = std::min<char32_t>(r.last + 1, block_end);
          covered[first >> block_bits] += end - first;
          first = end;
        }
      for (std::size_t b = 0; b < covered.size(); ++b) {
        if (covered[b] == block_size) blocks_[b].whole |= bit;
        else if (covered[b] != 0) blocks_[b].partial |= bit;
      }
    }
    for (sequence& a : alternatives_) set_group_firsts(a);
    reach_runs_ = 0;
    consumed_ = 0;
    for (const sequence& a : alternatives_) reach_runs_ = std::max(reach_runs_, class_nodes_on_a_path(a, consumed_));
    first_.clear();
    std::uint32_t any_first = 0;
    for (const sequence& a : alternatives_) {
      first_.push_back(first_set(a, 0));
      any_first |= first_.back();
    }
    no_start_ = detail::simd::make_ascii_set([&](unsigned char b) { return (ascii_[b] & any_first) == 0; });
    run_bit_ = 0;
    if (alternatives_.size() == 1 && alternatives_[0].size() == 1 && alternatives_[0][0].type == node::cls)
      run_bit_ = 1u << alternatives_[0][0].cls_index;
    if (run_bit_ != 0)
      for (std::size_t b = 0; b < run_blocks_.size(); ++b) {
        std::size_t in = 0;
        for (char32_t cp = static_cast<char32_t>(b << block_bits); cp < ((b + 1) << block_bits); ++cp)
          in += (mask_of(cp) & run_bit_) != 0;
        run_blocks_[b] = in == 0 ? run_block::none : in == block_size ? run_block::all : run_block::mixed;
      }
  }

  // ---- parsing ---------------------------------------------------------------------------------
  struct parser {
    std::string_view src;
    std::size_t i;
    fast_pattern* out;
    bool icase;
    bool ok;

    bool at_end() const { return i >= src.size(); }
    char peek() const { return src[i]; }
    bool fail() {
      ok = false;
      return false;
    }

    std::vector<sequence> parse_alternation() {
      std::vector<sequence> alts;
      alts.emplace_back();
      while (ok && !at_end() && peek() != ')') {
        if (peek() == '|') {
          ++i;
          alts.emplace_back();
          continue;
        }
        node n;
        if (!parse_item(n)) return {};
        alts.back().push_back(std::move(n));
      }
      return alts;
    }

    bool parse_item(node& n) {
      const char c = peek();
      if (c == '(') {
        ++i;
        bool saved = icase;
        if (src.substr(i, 2) == "?:") {
          i += 2;
        } else if (src.substr(i, 3) == "?i:") {
          i += 3;
          icase = true;
        } else if (src.substr(i, 2) == "?!") {
          i += 2;
          code_point_set s;
          if (!parse_atom_set(s) || at_end() || peek() != ')') return fail();
          ++i;
          n.type = node::not_ahead;
          return add_class(std::move(s), n.cls_index);
        } else if (!at_end() && peek() == '?') {
          return fail();  // other group kinds (lookbehind, named, atomic, flags)
        }
        auto alts = parse_alternation();
        icase = saved;
        if (!ok || at_end() || peek() != ')') return fail();
        ++i;
        n.type = node::group;
        n.alts = std::move(alts);
        if (!parse_quantifier(n)) return false;
        if (n.max > 1 || n.possessive) return fail();  // repeated groups are not needed by any pattern
        return true;
      }
      code_point_set s;
      if (!parse_atom_set(s)) return fail();
      n.type = node::cls;
      if (!add_class(std::move(s), n.cls_index)) return false;
      return parse_quantifier(n);
    }

    bool parse_quantifier(node& n) {
      if (at_end()) return true;
      const char c = peek();
      if (c == '?' || c == '*' || c == '+') {
        ++i;
        n.min = c == '+' ? 1 : 0;
        n.max = c == '?' ? 1 : unbounded;
      } else if (c == '{') {
        const std::size_t close = src.find('}', i);
        if (close == std::string_view::npos) return fail();
        const std::string_view body = src.substr(i + 1, close - i - 1);
        const std::size_t comma = body.find(',');
        auto num = [&](std::string_view s, std::uint32_t& v) {
          if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
          v = static_cast<std::uint32_t>(std::stoul(std::string(s)));
          return true;
        };
        if (comma == std::string_view::npos) {
          if (!num(body, n.min)) return fail();
          n.max = n.min;
        } else {
          if (!num(body.substr(0, comma), n.min)) return fail();
          if (comma + 1 == body.size())
            n.max = unbounded;
          else if (!num(body.substr(comma + 1), n.max) || n.max < n.min)
            return fail();
        }
        i = close + 1;
      } else {
        return true;
      }
      if (!at_end() && peek() == '+') {
        n.possessive = true;
        ++i;
      } else if (!at_end() && peek() == '?') {
        return fail();  // lazy quantifiers
      }
      return true;
    }

    bool add_class(code_point_set s, std::uint8_t& index) {
      if (icase) s = case_closure(s);
      for (std::size_t k = 0; k < out->sets_.size(); ++k)
        if (out->sets_[k] == s) {
          index = static_cast<std::uint8_t>(k);
          return true;
        }
      if (out->sets_.size() >= max_classes) return fail();
      index = static_cast<std::uint8_t>(out->sets_.size());
      out->sets_.push_back(std::move(s));
      return true;
    }

    // One atom outside a class: [...], an escape, or a literal character.
    bool parse_atom_set(code_point_set& s) {
      if (at_end()) return false;
      const char c = peek();
      if (c == '[') return parse_class(s);
      if (c == '\\') return parse_escape(s);
      if (c == '.' || c == '^' || c == '$' || c == '|' || c == ')' || c == '*' || c == '+' || c == '?' || c == '{')
        return false;
      s = code_point_set::single(next_code_point(src, i));
      return true;
    }

    bool property(std::string_view name, bool negate, code_point_set& s) {
      auto rs = unicode::property_ranges(name);
      if (!rs) return false;
      s = code_point_set(std::move(*rs));
      if (negate) s = s.complement();
      return true;
    }

    bool parse_escape(code_point_set& s) {
      ++i;  // the backslash
      if (at_end()) return false;
      const char e = src[i++];
      switch (e) {
        case 's': return property("White_Space", false, s);
        case 'S': return property("White_Space", true, s);
        case 'd': return property("Nd", false, s);
        case 'D': return property("Nd", true, s);
        case 'p':
        case 'P': {
          std::string_view name;
          if (!at_end() && peek() == '{') {
            const std::size_t close = src.find('}', i);
            if (close == std::string_view::npos) return false;
            name = src.substr(i + 1, close - i - 1);
            i = close + 1;
          } else if (!at_end()) {
            name = src.substr(i++, 1);
          }
          return property(name, e == 'P', s);
        }
        case 'r': s = code_point_set::single(U'\r'); return true;
        case 'n': s = code_point_set::single(U'\n'); return true;
        case 't': s = code_point_set::single(U'\t'); return true;
        case 'f': s = code_point_set::single(U'\f'); return true;
        case 'v': s = code_point_set::single(U'\v'); return true;
        case 'x':
        case 'u': {
          std::size_t digits = e == 'u' ? 4 : 2;
          std::size_t start = i;
          if (!at_end() && peek() == '{') {
            const std::size_t close = src.find('}', i);
            if (close == std::string_view::npos) return false;
            start = i + 1;
            digits = close - start;
            i = close + 1;
          } else {
            i += digits;
          }
          const std::string hex(src.substr(start, digits));
          if (hex.empty() || hex.size() > 6 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return false;
          const auto cp = static_cast<char32_t>(std::stoul(hex, nullptr, 16));
          if (cp > 0x10FFFF) return false;
          s = code_point_set::single(cp);
          return true;
        }
        default:
          // Escaped punctuation is the character itself; letters and digits are classes or
          // features (\w, \b, \1, ...) this engine leaves to ICU.
          if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) return false;
          s = code_point_set::single(static_cast<unsigned char>(e) < 0x80 ? static_cast<char32_t>(e) : 0);
          return static_cast<unsigned char>(e) < 0x80;
      }
    }

    // [...] with ranges, escapes, nested classes, negation and && intersection.
    bool parse_class(code_point_set& out_set) {
      ++i;  // '['
      bool negate = false;
      if (!at_end() && peek() == '^') {
        negate = true;
        ++i;
      }
      code_point_set acc;        // union of the items since the last &&
      std::vector<code_point_set> intersections;
      bool first = true;
      while (!at_end() && (peek() != ']' || first)) {
        first = false;
        if (src.substr(i, 2) == "&&") {
          i += 2;
          intersections.push_back(std::move(acc));
          acc = code_point_set();
          continue;
        }
        code_point_set item;
        char32_t single = 0;
        bool is_single = false;
        if (peek() == '[') {
          if (!parse_class(item)) return false;
        } else if (peek() == '\\') {
          if (!parse_escape(item)) return false;
          if (item.ranges().size() == 1 && item.ranges()[0].first == item.ranges()[0].last) {
            is_single = true;
            single = item.ranges()[0].first;
          }
        } else {
          single = next_code_point(src, i);
          item = code_point_set::single(single);
          is_single = true;
        }
        // A range a-b (a '-' before ']' is a literal).
        if (is_single && i + 1 < src.size() && peek() == '-' && src[i + 1] != ']') {
          ++i;
          char32_t hi = 0;
          if (peek() == '\\') {
            code_point_set e;
            if (!parse_escape(e) || e.ranges().size() != 1 || e.ranges()[0].first != e.ranges()[0].last) return false;
            hi = e.ranges()[0].first;
          } else if (peek() == '[') {
            return false;
          } else {
            hi = next_code_point(src, i);
          }
          if (hi < single) return false;
          item = code_point_set::span(single, hi);
        }
        acc.add(item);
      }
      if (at_end()) return false;
      ++i;  // ']'
      for (const auto& x : intersections) acc = x.intersect(acc);
      out_set = negate ? acc.complement() : acc;
      return true;
    }

    // Simple case closure via ICU (what (?i) means for these single-character atoms).
    static code_point_set case_closure(const code_point_set& s) {
      icu::UnicodeSet u;
      for (const auto& r : s.ranges()) u.add(static_cast<UChar32>(r.first), static_cast<UChar32>(r.last));
      u.closeOver(USET_CASE_INSENSITIVE);
      u.removeAllStrings();
      std::vector<unicode::range> rs;
      for (int32_t k = 0; k < u.getRangeCount(); ++k)
        rs.push_back({static_cast<char32_t>(u.getRangeStart(k)), static_cast<char32_t>(u.getRangeEnd(k))});
      return code_point_set(std::move(rs));
    }
  };

  std::vector<sequence> alternatives_;
  std::vector<unicode::code_point_set> sets_;
  std::vector<std::uint32_t> first_;
  detail::simd::ascii_set_rows no_start_{};  // ASCII bytes no alternative starts with
  const unicode::kind_table* kinds_ = &unicode::kind_table::instance();  // skips the static guard per character
  std::array<std::uint32_t, 128> ascii_{};
  std::array<std::uint32_t, unicode::kind_count> kind_full_{}, kind_mixed_{};
  // Classes that hold part of a kind (DeepSeek's [一-龥぀-ゟ゠-ヿ] holds part of the letters)
  // are resolved by 64-code-point block in the BMP, so a Chinese text is not a range search
  // per character.
  static constexpr char32_t block_bits = 6, block_size = char32_t{1} << block_bits, bmp = 0x10000;
  struct block_classes {
    std::uint32_t whole = 0, partial = 0;
  };
  std::array<block_classes, bmp / block_size> blocks_{};
  std::uint32_t reach_runs_ = 0;  // see reach_start
  std::uint32_t consumed_ = 0;    // classes of class nodes (not of lookaheads)
  std::uint32_t run_bit_ = 0;  // the class's bit if the pattern is one class repeated (for_each_run)
  // For that class, per BMP block: none, all or some of its code points are in it, so most
  // two- and three-byte characters are answered from their first two bytes, undecoded.
  enum class run_block : std::uint8_t { none, all, mixed };
  std::array<run_block, bmp / block_size> run_blocks_{};
};

}  // namespace pretokenize
TOKENMETER_END_NAMESPACE
