// A linear-time encoder for long byte-level pieces, equal to the merge loop id for id.
// (bpe/long_piece.hpp runs it, or the merge loop on short windows, span by span.)
//
// Why: the merge loop applies merges in priority order across the whole piece, so on a 1 MB
// "word" every step touches a random place in megabytes of state (heap, links, symbols): it is
// O(n log n) with a cache miss per level, ~1 us per byte. This encoder walks left to right.
//
// Why it is exact. Call two tokens a, b compatible when merging the bytes a+b on their own
// gives exactly [a, b]. (1) Adjacent tokens of a piece's BPE result are compatible: no merge
// crossed the outer edges of the pair, so the merges inside it ran in the same relative order
// as they do in isolation. (2) The BPE result is the only split of the piece into tokens whose
// adjacent pairs are all compatible (shown for byte-level BPE by the authors of GitHub's `bpe`
// crate; tests/bpe checks this encoder against the merge loop on every family we ship). So a
// depth-first search -- longest token first, then shorter prefixes, backing up when nothing
// fits -- that only accepts compatible pairs finds the BPE result. Compatibility is decided by
// walking the two tokens' merge trees (below); pairs the walk cannot judge go to the merge loop
// itself on the pair's bytes, memoised per thread. No property of the vocabulary is assumed
// beyond (2).
//
// The walk. Each token t of the search has a final merge: t = left(t) + right(t), found by
// merging t's bytes under every rule except one joining all of them (the loop then stops one
// step short). Call t monotone when the priorities of the merges that build it, in the order the
// merge loop applies them, never decrease (then each merge of t ranks at or below t's final
// one). For monotone a and b, merging a+b applies the merges of both sides in priority order,
// the left side first on ties, until a rule joining the two sides fires, if one does. Only
// rules across the boundary matter, and the symbols on each side of it are a, right(a),
// right(right(a)), ... and b, left(b), ... . Walking back from (a, b) -- undo the later of the
// two boundary merges, which is the one of higher priority (the right one on ties) -- each pair
// (l, r) met lives until the merge just undone, of priority m, and the rule for (l, r), of
// priority c, fires first iff c < m (m on the left side: the left pair wins ties) or c <= m
// (m on the right side); at (a, b) itself any rule fires. Compatible iff none fires: a few
// lookups instead of a merge loop (most pairs of a long random word are new to the memo).
//
// Linear: a position from which no compatible continuation exists is marked dead and never
// tried again. That is sound because every compatible path reaching a position ends in the
// same token there (by (2) applied to the prefix), so "dead" does not depend on the path.
//
// Tokens whose own bytes do not merge back to them can never appear in a BPE result (a token
// in the result merges to itself by (1)'s argument), so they are left out of the search.
//
// Code-point models (SentencePiece-style, gemma3) use it between characters that have no token:
// those become byte-fallback or unk symbols that no rule mentions, so no merge crosses them
// (bpe_model::merge_between_unknown_chars); tokens there are whole characters, so a search over
// bytes only ever stops on character boundaries.
#pragma once

#include <tokenmeter/bpe/merge.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/types.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

class backtrack_tables {
 public:
  // `rules` are the model's merge rules (bpe/merge.hpp) and `initial(bytes, syms)` its initial
  // symbols. Takes ~0.1-0.5 s for a 200K vocabulary, so models build it on first use
  // (bpe_model::backtracker).
  // `byte_tokens`: the token of each single byte -- every byte for byte-level models; for
  // code-point models the one-byte characters that are tokens (no_token elsewhere: the search
  // then starts from the character's own token, found among the longer ones).
  template <class Rules, class Initial>
  backtrack_tables(const vocab_table& vocab, const std::array<token_id, 256>& byte_tokens, bool every_byte,
                   const Rules& rules, Initial&& initial)
      : vocab_(&vocab), byte_tokens_(byte_tokens) {
    bpe_workspace ws;
    std::vector<bpe_symbol> syms;
    nodes_.assign(vocab.id_bound(), node{no_token, no_token, 0, no_token, 0});
    std::vector<std::vector<token_id>> by_length;  // the tokens of the search with a final merge
    for (token_id id = 0; id < vocab.id_bound(); ++id) {
      const std::string_view b = vocab.bytes(id);
      nodes_[id].len = static_cast<std::uint32_t>(b.size());
      if (b.size() < 2) continue;
      max_len_ = std::max<std::size_t>(max_len_, b.size());
      // Merging stops one step short of the whole, at the final merge's two sides; the token
      // merges to itself iff their rule makes it (or it is one symbol: a code-point character).
      initial(b, syms);
      if (syms.size() == 1) {
        if (syms[0].id == id) sorted_.push_back({0, 0, id});
        continue;
      }
      bpe_merge(b, syms, all_but_whole<Rules>{rules}, ws);
      merge_rule r;
      if (syms.size() != 2 || !rules.pair(b, syms[0], syms[1], r) || r.merged != id) continue;
      sorted_.push_back({0, 0, id});
      // Priorities from 2^31 - 1 on do not fit the order field: such tokens are left unjudged.
      nodes_[id].left = syms[0].id;
      nodes_[id].right = syms[1].id;
      nodes_[id].order = r.priority < not_monotone - 1 ? r.priority + 1 : not_monotone;
      if (by_length.size() <= b.size()) by_length.resize(b.size() + 1);
      by_length[b.size()].push_back(id);
    }
    // Monotone: both sides are, and the final merge ranks at or above theirs (sides are shorter,
    // so they are settled first).
    for (const auto& ids : by_length)
      for (const token_id id : ids) {
        node& n = nodes_[id];
        const std::uint32_t l = nodes_[n.left].order, r = nodes_[n.right].order;
        if ((l & not_monotone) != 0 || (r & not_monotone) != 0 || l > n.order || r > n.order) n.order |= not_monotone;
      }
    std::sort(sorted_.begin(), sorted_.end(), [&](const entry& a, const entry& b) {
      return vocab.bytes(a.id) < vocab.bytes(b.id);
    });
    for (entry& e : sorted_) {
      const std::string_view b = vocab.bytes(e.id);
      e.len = static_cast<std::uint32_t>(b.size());
      for (std::size_t d = 2; d < 2 + inline_bytes; ++d) e.tail = e.tail << 8 | (d < b.size() ? static_cast<unsigned char>(b[d]) : 0u);
    }
    // Tokens of two or more bytes grouped by their first two bytes (contiguous once sorted).
    first2_.assign(65537, 0);
    for (const entry& e : sorted_) ++first2_[key2(vocab.bytes(e.id).data()) + 1];
    for (std::size_t k = 1; k < first2_.size(); ++k) first2_[k] += first2_[k - 1];
    // Large groups: where each third byte's tokens start, so the widest search is a lookup.
    third_at_.assign(65536, no_third);
    for (std::uint32_t k = 0; k < 65536; ++k) {
      const std::uint32_t lo = first2_[k], hi = first2_[k + 1];
      if (hi - lo <= third_min_group || hi - lo > 0xFFFF) continue;
      third_at_[k] = static_cast<std::uint32_t>(third_.size());
      const std::uint32_t from = sorted_[lo].len == 2 ? lo + 1 : lo;
      for (unsigned c = 0; c <= 256; ++c)
        third_.push_back(static_cast<std::uint16_t>(first_not_below(from, hi, 2, c) - lo));
    }
    for (const entry& e : sorted_) {
      const std::string_view b = vocab.bytes(e.id);
      nodes_[e.id].shorter = longest(reinterpret_cast<const unsigned char*>(b.data()), b.size() - 1);
    }
    ok_ = true;
    for (const token_id t : byte_tokens_) ok_ = ok_ && (t == no_token ? !every_byte : t < nodes_.size());
  }

  // False if a byte-level vocabulary lacks a token for some byte (then the merge loop is used).
  [[nodiscard]] bool usable() const noexcept { return ok_; }

  // The longest token that can appear in a BPE result and starts `s` (avail >= 1 bytes);
  // no_token if none (possible for code-point models only).
  [[nodiscard]] token_id longest(const unsigned char* s, std::size_t avail) const noexcept {
    token_id best = byte_tokens_[s[0]];
    if (avail < 2) return best;
    const std::uint32_t k = key2(reinterpret_cast<const char*>(s));
    const std::uint32_t group = first2_[k];
    std::uint32_t lo = group, hi = first2_[k + 1];
    // Invariant: sorted_[lo, hi) are the tokens that start with s[0, depth).
    for (std::size_t depth = 2; lo < hi; ++depth) {
      if (sorted_[lo].len == depth) best = sorted_[lo++].id;  // the prefix itself sorts first
      if (depth == avail || lo == hi) break;
      const unsigned char c = s[depth];
      if (depth == 2 && third_at_[k] != no_third) {
        const std::uint16_t* at = third_.data() + third_at_[k];
        lo = group + at[c];
        hi = group + at[c + 1];
        continue;
      }
      lo = first_not_below(lo, hi, depth, c);
      hi = first_not_below(lo, hi, depth, c + 1u);
    }
    return best;
  }

  // The longest shorter prefix of `id` that can appear in a BPE result (no_token for a byte).
  [[nodiscard]] token_id shorter(token_id id) const noexcept { return nodes_[id].shorter; }
  [[nodiscard]] std::size_t length(token_id id) const noexcept { return nodes_[id].len; }
  [[nodiscard]] std::size_t max_token_bytes() const noexcept { return max_len_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return sorted_.capacity() * sizeof(entry) + nodes_.capacity() * sizeof(node) + first2_.capacity() * sizeof(std::uint32_t) +
           third_at_.capacity() * sizeof(std::uint32_t) + third_.capacity() * sizeof(std::uint16_t);
  }
  // Tokens of the search whose pairs the walk judges (the rest go to the merge loop).
  [[nodiscard]] std::size_t monotone_tokens() const noexcept {
    std::size_t n = 0;
    for (const entry& e : sorted_) n += (nodes_[e.id].order & not_monotone) == 0 ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::size_t search_tokens() const noexcept { return sorted_.size(); }

  // Whether a and b (tokens of the search, a's bytes ending at `boundary` in `piece`, b's
  // starting there) are compatible, by the walk; nullopt if either is not monotone.
  template <class Rules>
  [[nodiscard]] std::optional<bool> walk_pair(const Rules& rules, std::string_view piece, std::uint32_t boundary,
                                              token_id a, token_id b) const noexcept {
    const std::uint32_t oa = nodes_[a].order, ob = nodes_[b].order;
    if (((oa | ob) & not_monotone) != 0) return std::nullopt;
    token_id l = a, r = b;
    std::uint32_t lo = oa, ro = ob;
    std::uint32_t limit = 0;  // the undone merge's priority + 1, +1 again if on the right; 0: none yet
    for (;;) {
      merge_rule rule;
      const auto ll = static_cast<std::uint32_t>(length(l)), rl = static_cast<std::uint32_t>(length(r));
      if (rules.pair(piece, bpe_symbol{l, boundary - ll, boundary}, bpe_symbol{r, boundary, boundary + rl}, rule) &&
          (limit == 0 || rule.priority + 1 < limit))
        return false;
      if (lo == 0 && ro == 0) return true;
      if (lo > ro) {  // the left side's boundary merge came later
        limit = lo;
        l = nodes_[l].right;
        lo = nodes_[l].order;
      } else {
        limit = ro + 1;
        r = nodes_[r].left;
        ro = nodes_[r].order;
      }
    }
  }

 private:
  // A token of >= 2 bytes: its bytes 2..9 inline (most searches never leave this array).
  static constexpr std::size_t inline_bytes = 8;
  struct entry {
    std::uint64_t tail;  // bytes [2, 10), first in the top byte, zero padded
    std::uint32_t len;
    token_id id;
  };
  [[nodiscard]] unsigned byte_at(const entry& e, std::size_t depth) const noexcept {
    if (depth < 2 + inline_bytes) return static_cast<unsigned>(e.tail >> (8 * (1 + inline_bytes - depth))) & 0xFFu;
    return static_cast<unsigned char>(vocab_->bytes(e.id)[depth]);
  }
  static std::uint32_t key2(const char* p) noexcept {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(p[0])) << 8 | static_cast<unsigned char>(p[1]);
  }
  // First index in [lo, hi) whose token's byte at `depth` is >= c (every token there is longer
  // than `depth`; c may be 256, meaning past the end).
  [[nodiscard]] std::uint32_t first_not_below(std::uint32_t lo, std::uint32_t hi, std::size_t depth,
                                              unsigned c) const noexcept {
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (byte_at(sorted_[mid], depth) < c)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }

  // Per id: the final merge's sides, its priority + 1 (0: one initial symbol) with the top bit
  // set if the token is not monotone, the longest shorter prefix in the search, and the length
  // (here, not from the vocabulary: the search reads it with the rest).
  static constexpr std::uint32_t not_monotone = 0x80000000u;
  struct node {
    token_id left, right;
    std::uint32_t order;
    token_id shorter;
    std::uint32_t len;
  };
  // Merges as the model does, except the rule that would join the whole piece.
  template <class Base>
  struct all_but_whole {
    const Base& base;
    bool pair(std::string_view piece, const bpe_symbol& a, const bpe_symbol& b, merge_rule& out) const noexcept {
      return (a.start != 0 || b.end != piece.size()) && base.pair(piece, a, b, out);
    }
  };

  const vocab_table* vocab_;
  std::array<token_id, 256> byte_tokens_;
  std::vector<entry> sorted_;           // tokens of >= 2 bytes that merge to themselves, by bytes
  std::vector<std::uint32_t> first2_;   // offsets into sorted_ by first two bytes
  // For groups of more than third_min_group tokens: 257 offsets (from the group's start) of the
  // first token whose third byte is >= c, at third_[third_at_[first two bytes]].
  static constexpr std::uint32_t third_min_group = 16, no_third = 0xFFFFFFFFu;
  std::vector<std::uint32_t> third_at_;
  std::vector<std::uint16_t> third_;
  std::vector<node> nodes_;             // by id
  std::size_t max_len_ = 1;
  bool ok_ = false;
};

namespace detail {

// Per-thread memo of compatibility answers, tagged with the tables it belongs to so a thread
// that switches models never reads another model's answers.
inline constexpr std::size_t pair_memo_slots = 1u << 16;

// The memo slot of the pair (a, b) and the value it holds when it answers for that pair
// (bit 0 the answer).
struct pair_memo_slot {
  std::uint64_t& slot;
  std::uint64_t tagged;
  [[nodiscard]] bool holds() const noexcept { return (slot & ~std::uint64_t{1}) == tagged; }
};
TOKENMETER_ALWAYS_INLINE pair_memo_slot memo_slot_of(const backtrack_tables& t, bpe_workspace& ws, token_id a, token_id b) {
  auto& memo = ws.pair_memo;
  if (ws.pair_memo_owner != &t) {
    memo.assign(pair_memo_slots, 0);
    ws.pair_memo_owner = &t;
  }
  // ids are below 2^24: the key uses 48 bits, bit 62 marks a filled slot, bit 0 the answer.
  const std::uint64_t key = static_cast<std::uint64_t>(a) << 24 | b;
  return {memo[detail::hash_u64(key) & (pair_memo_slots - 1)], (key << 1) | (std::uint64_t{1} << 62)};
}

// Records that a and b are compatible (they are adjacent in some BPE result: (1)); returns
// whether the memo already held the pair.
inline bool note_compatible(const backtrack_tables& t, bpe_workspace& ws, token_id a, token_id b) {
  const pair_memo_slot m = memo_slot_of(t, ws, a, b);
  const bool held = m.holds();
  m.slot = m.tagged | 1;
  return held;
}

// Inlined: most questions are answered by the memo, and where most are (a run of one or two
// letters) a call per question cost 9-14% (qwen3, deepseek-v3, llama3, gemma3).
template <class Rules, class Merge>
TOKENMETER_ALWAYS_INLINE bool compatible_pair(const backtrack_tables& t, const vocab_table& vocab, const Rules& rules,
                                              std::string_view piece, std::uint32_t boundary, token_id a, token_id b,
                                              bpe_workspace& ws, Merge& merge) {
  const pair_memo_slot m = memo_slot_of(t, ws, a, b);
  ++ws.pair_questions;
  if (m.holds()) {
    ++ws.pair_memo_hits;
    return (m.slot & 1) != 0;
  }
  // The memo still pays where pairs repeat (a run of one letter: its long tokens' walks are long).
  if (const std::optional<bool> walked = t.walk_pair(rules, piece, boundary, a, b)) {
    m.slot = m.tagged | (*walked ? 1 : 0);
    return *walked;
  }
  auto& buf = ws.pair_bytes;
  buf.assign(vocab.bytes(a));
  buf.append(vocab.bytes(b));
  merge(std::string_view(buf), ws, ws.pair_syms);
  const bool yes = ws.pair_syms.size() == 2 && ws.pair_syms[0].id == a && ws.pair_syms[1].id == b;
  m.slot = m.tagged | (yes ? 1 : 0);
  return yes;
}

}  // namespace detail

// Encodes `piece` into `syms` under the model's `rules`, with `merge` its merge loop. Returns
// false only if the search finds no split -- impossible when (2) holds; the caller then uses the
// merge loop, so output stays exact.
template <class Rules, class Merge>
bool backtrack_encode(const backtrack_tables& t, const vocab_table& vocab, std::string_view piece, bpe_workspace& ws,
                      std::vector<bpe_symbol>& syms, const Rules& rules, Merge&& merge) {
  const std::size_t n = piece.size();
  const auto* s = reinterpret_cast<const unsigned char*>(piece.data());
  auto& dead = ws.dead_positions;
  dead.assign(n / 64 + 1, 0);
  const auto is_dead = [&](std::size_t p) { return (dead[p / 64] >> (p % 64) & 1) != 0; };
  // The search path is the output: syms holds the accepted tokens, the last one ending at pos.
  syms.clear();
  std::uint32_t pos = 0;
  token_id cand = n == 0 ? no_token : t.longest(s, n);
  while (pos < n) {
    while (cand != no_token) {
      const std::size_t end = pos + t.length(cand);
      if (!is_dead(end) && (syms.empty() || detail::compatible_pair(t, vocab, rules, piece, pos, syms.back().id, cand, ws, merge)))
        break;
      cand = t.shorter(cand);
    }
    if (cand != no_token) {
      const auto end = static_cast<std::uint32_t>(pos + t.length(cand));
      syms.push_back({cand, pos, end});
      pos = end;
      if (pos < n) cand = t.longest(s + pos, n - pos);
      continue;
    }
    // Nothing fits after the last token: no complete split passes through here.
    if (syms.empty()) return false;
    dead[pos / 64] |= std::uint64_t{1} << (pos % 64);
    const bpe_symbol last = syms.back();
    syms.pop_back();
    pos = last.start;
    cand = t.shorter(last.id);
  }
  return true;
}

TOKENMETER_END_NAMESPACE
