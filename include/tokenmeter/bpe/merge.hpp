// Byte-pair merging: repeatedly merge the adjacent pair with the lowest priority, leftmost
// first on ties, until no pair has a rule. This is the rule both tiktoken and HF tokenizers
// implement; the two differ only in where a pair's priority comes from (the Rules policy).
//
// Short pieces use a quadratic scan over a contiguous array (fastest for the typical 1-20
// symbols); long pieces use a heap over a linked list, O(n log n), so a 10 MB word is not a
// quadratic trap. Both produce identical output (tests/bpe checks them against each other).
// Models send pieces of bpe_model::long_piece_bytes or more to bpe/backtrack.hpp instead,
// which is linear and cache-friendly; the heap stays for models it cannot serve and as the
// oracle the backtracking encoder is tested against.
#pragma once

#include <tokenmeter/bpe/pair_table.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/types.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

// One symbol of a piece being merged: a token and the bytes of the piece it covers.
struct bpe_symbol {
  token_id id;
  std::uint32_t start, end;
};

// tiktoken: two adjacent symbols merge iff their concatenated bytes are a token; the priority
// is that token's rank, which is also its id.
struct rank_rules {
  const vocab_table* vocab;
  TOKENMETER_ALWAYS_INLINE bool pair(std::string_view piece, const bpe_symbol& a, const bpe_symbol& b,
                                     merge_rule& out) const noexcept {
    const token_id id = vocab->find_candidate(piece.substr(a.start, b.end - a.start));
    if (id == no_token) return false;
    out = {id, id};
    return true;
  }
};

// HF tokenizers: a pair merges iff the merges list has a rule for exactly these two tokens;
// the priority is the rule's index in that list.
struct pair_rules {
  const pair_table* table;
  TOKENMETER_ALWAYS_INLINE bool pair(std::string_view, const bpe_symbol& a, const bpe_symbol& b,
                                     merge_rule& out) const noexcept {
    const merge_rule* r = table->find(a.id, b.id);
    if (r == nullptr) return false;
    out = *r;
    return true;
  }
};

// Byte-level models: a pair of single-byte symbols is looked up in a 64K-entry table; anything
// longer goes to the Base rules.
template <class Base>
struct byte_pair_rules {
  const merge_rule* table;
  Base base;
  TOKENMETER_ALWAYS_INLINE bool pair(std::string_view piece, const bpe_symbol& a, const bpe_symbol& b,
                                     merge_rule& out) const noexcept {
    if (a.end - a.start == 1 && b.end - b.start == 1) {
      out = table[static_cast<unsigned char>(piece[a.start]) << 8 | static_cast<unsigned char>(piece[b.start])];
      return out.priority != 0xFFFFFFFFu;
    }
    return base.pair(piece, a, b, out);
  }
};

// A memo of tiktoken's rank rules keyed by the two symbols' ids, for the merge loop: one load
// from a table that stays in L2, where the vocabulary hashes the bytes and probes several MiB.
// Exact in byte-level models: a symbol's bytes are its token's bytes, so the two ids decide the
// concatenation. Used only for the parts of cut (non-ASCII) pieces, whose character pairs
// repeat across parts. A per-thread, per-tokenizer table (bpe/piece_cache.hpp owns it), so no
// entry outlives its model.
// An entry is 8 bytes, so the 512 KiB hold twice the pairs of a key-plus-rule entry (minimax-m2
// Japanese: 87% of 636K lookups per 2 MB hit): bit 63 marks it filled, then the two ids (20 bits
// each), then the answer (20 bits, all ones: no rule). Models with ids from pair_memo_id_bound
// on go without it.
using pair_memo_entry = std::uint64_t;
inline constexpr std::size_t pair_memo_bits = 16;
inline constexpr std::uint32_t pair_memo_id_bound = (1u << 20) - 1;

struct memo_rank_rules {
  rank_rules base;
  pair_memo_entry* memo;
  TOKENMETER_ALWAYS_INLINE bool pair(std::string_view piece, const bpe_symbol& a, const bpe_symbol& b,
                                     merge_rule& out) const noexcept {
    constexpr std::uint64_t none = pair_memo_id_bound;
    const std::uint64_t key = std::uint64_t{1} << 43 | static_cast<std::uint64_t>(a.id) << 20 | b.id;
    pair_memo_entry& e = memo[(key * 0x9E3779B97F4A7C15ull) >> (64 - pair_memo_bits)];
    if (e >> 20 != key) {
      merge_rule r;
      e = key << 20 | (base.pair(piece, a, b, r) ? r.merged : none);
    }
    const auto id = static_cast<token_id>(e & none);
    if (id == none) return false;
    out = {id, id};
    return true;
  }
};

// Scratch space reused across calls (one per thread); never shared between threads.
struct bpe_workspace {
  struct candidate {
    std::uint32_t priority, left, left_end, right_end;
    token_id merged;
  };
  std::vector<merge_rule> rules;
  std::vector<std::uint32_t> next, prev;
  std::vector<candidate> heap;
  // The long-piece encoder (bpe/backtrack.hpp): dead positions, and a memo of pair answers
  // owned by one model's tables at a time.
  std::vector<std::uint64_t> dead_positions;
  std::vector<std::uint64_t> pair_memo;
  const void* pair_memo_owner = nullptr;
  std::string pair_bytes;
  std::vector<bpe_symbol> pair_syms;
  // Compatibility questions asked and answered by the memo (bpe/long_piece.hpp chooses its
  // encoder by them), and a long piece's current span.
  std::uint64_t pair_questions = 0, pair_memo_hits = 0;
  std::vector<bpe_symbol> span_syms;
  // A cut piece's symbols part by part, or a long code-point piece's run by run (never both:
  // code-point models do not cut long pieces, so no part is long).
  std::vector<bpe_symbol> part_syms;
};

inline constexpr std::size_t bpe_small_piece_symbols = 48;
inline constexpr std::uint32_t bpe_no_rule = 0xFFFFFFFFu;

namespace detail {

template <class Rules>
void bpe_merge_small(std::string_view piece, std::vector<bpe_symbol>& syms, const Rules& rules, bpe_workspace& ws) {
  auto& pr = ws.rules;
  const auto rule_at = [&](std::size_t i) {
    merge_rule r;
    return rules.pair(piece, syms[i], syms[i + 1], r) ? r : merge_rule{bpe_no_rule, no_token};
  };
  pr.resize(syms.size() - 1);
  for (std::size_t i = 0; i + 1 < syms.size(); ++i) pr[i] = rule_at(i);
  while (syms.size() > 1) {
    // The lowest (priority, position) as one key: a branch-free minimum (which pair wins depends
    // on the text, so a compare-and-branch scan is hard to predict; minimax-m2 Japanese +3.6%).
    std::uint64_t best_key = ~std::uint64_t{0};
    for (std::size_t i = 0; i < pr.size(); ++i) {
      const std::uint64_t k = std::uint64_t{pr[i].priority} << 32 | i;
      best_key = k < best_key ? k : best_key;
    }
    const auto best_priority = static_cast<std::uint32_t>(best_key >> 32);
    const auto best = static_cast<std::size_t>(best_key & 0xFFFFFFFFu);
    if (best_priority == bpe_no_rule) break;
    syms[best].id = pr[best].merged;
    syms[best].end = syms[best + 1].end;
    syms.erase(syms.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    pr.erase(pr.begin() + static_cast<std::ptrdiff_t>(best));
    if (best > 0) pr[best - 1] = rule_at(best - 1);
    if (best + 1 < syms.size()) pr[best] = rule_at(best);
  }
}

template <class Rules>
void bpe_merge_large(std::string_view piece, std::vector<bpe_symbol>& syms, const Rules& rules, bpe_workspace& ws) {
  using candidate = bpe_workspace::candidate;
  constexpr std::uint32_t none = 0xFFFFFFFFu;
  constexpr std::uint32_t dead = 0xFFFFFFFFu;  // stored in .end of merged-away symbols
  const auto n = static_cast<std::uint32_t>(syms.size());
  auto& next = ws.next;
  auto& prev = ws.prev;
  auto& heap = ws.heap;
  next.resize(n);
  prev.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    next[i] = i + 1 < n ? i + 1 : none;
    prev[i] = i > 0 ? i - 1 : none;
  }
  // std heap functions build a max-heap; "greater" puts the lowest (priority, position) on top.
  const auto later = [](const candidate& a, const candidate& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.left > b.left;
  };
  heap.clear();
  const auto consider = [&](std::uint32_t l, std::uint32_t r) {
    merge_rule rule;
    if (rules.pair(piece, syms[l], syms[r], rule)) {
      heap.push_back({rule.priority, l, syms[l].end, syms[r].end, rule.merged});
      std::push_heap(heap.begin(), heap.end(), later);
    }
  };
  for (std::uint32_t i = 0; i + 1 < n; ++i) {
    merge_rule rule;
    if (rules.pair(piece, syms[i], syms[i + 1], rule)) heap.push_back({rule.priority, i, syms[i].end, syms[i + 1].end, rule.merged});
  }
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const candidate c = heap.back();
    heap.pop_back();
    const std::uint32_t l = c.left;
    // Stale if either side has changed since the candidate was pushed.
    if (syms[l].end != c.left_end) continue;
    const std::uint32_t r = next[l];
    if (r == none || syms[r].end != c.right_end) continue;
    syms[l].id = c.merged;
    syms[l].end = syms[r].end;
    syms[r].end = dead;
    next[l] = next[r];
    if (next[r] != none) prev[next[r]] = l;
    if (prev[l] != none) consider(prev[l], l);
    if (next[l] != none) consider(l, next[l]);
  }
  std::uint32_t out = 0;
  for (std::uint32_t i = 0; i != none; i = next[i]) syms[out++] = syms[i];
  syms.resize(out);
}

}  // namespace detail

// Merges `syms` (the initial symbols of `piece`, contiguous and covering it) in place.
template <class Rules>
void bpe_merge(std::string_view piece, std::vector<bpe_symbol>& syms, const Rules& rules, bpe_workspace& ws) {
  if (syms.size() < 2) return;
  if (syms.size() <= bpe_small_piece_symbols)
    detail::bpe_merge_small(piece, syms, rules, ws);
  else
    detail::bpe_merge_large(piece, syms, rules, ws);
}

TOKENMETER_END_NAMESPACE
