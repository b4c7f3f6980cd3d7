// A long piece encoded span by span, each span by the cheaper of two exact encoders, the spans
// joined where their tokens are compatible.
//
// Why: the left-to-right search (bpe/backtrack.hpp) costs ~100 ns per token on a word of random
// letters, where most pairs it asks about are new to its memo and each answer walks merge trees
// through tables in L3; the merge loop over 32-byte windows of the same text measured 1.3-1.4x
// faster. On a run of one letter the search is ~10x faster than windows (every pair is in the
// memo). So a piece is encoded in spans: small
// windows by the merge loop where the search's memo answers fewer than half its questions,
// longer spans by the search where it answers more (judged again from the pairs the windows
// find, and by a short search every ~30 KiB).
//
// Why it is exact. A span's tokens are the BPE result of the span's bytes, so its adjacent
// pairs are compatible (backtrack.hpp, (1)). All but a span's last token are kept (the last one
// ends where the span was cut, not where the piece's tokens do); the next span starts where the
// kept ones end, and is accepted only if its first token is compatible with the last kept one;
// otherwise that token is dropped and the next span starts where it started. So the kept tokens
// are always a split of a prefix of the piece whose adjacent pairs are all compatible, and once
// they cover the piece they are its BPE result, the only such split ((2)). Nothing about where a
// span is cut matters for exactness: only for how often a join is refused. A budget (4x the
// piece) bounds the work of refused joins; past it the piece is searched whole, as before.
#pragma once

#include <tokenmeter/bpe/backtrack.hpp>
#include <tokenmeter/bpe/merge.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/types.hpp>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

// How a long piece is cut into spans. The defaults were measured on o200k_base (random letters,
// two letters, one letter, and stretches of each in turn): 32-byte windows keep the merge loop
// on its small-piece path (at most 48 symbols).
struct long_piece_spans {
  enum class choice : std::uint8_t { adaptive, windows_only, search_only };
  std::size_t window_bytes = 32;   // merge-loop spans
  std::size_t search_bytes = 512;  // a search span, doubling while the memo answers most questions
  std::size_t max_search_bytes = 4096;  // (longer ones run on into the next random stretch)
  choice mode = choice::adaptive;
  // Adaptive: after a search span whose questions the memo answered less than half the time,
  // windows, until the memo already holds at least half of the pairs they record (a stretch
  // whose pairs repeat) or after this many, a search span again to look (~2% of a random-letter
  // word).
  std::size_t windows_between_looks = 1024;
  std::size_t pairs_per_verdict = 64;  // windows' pairs recorded before they are judged
};

// Encodes `piece` into `syms` (see the top of this file); `merge` is the model's merge loop,
// `char_bounded` keeps spans on UTF-8 character boundaries (code-point models, whose merge
// loop starts from whole characters). False only where backtrack_encode is.
template <class Rules, class Merge>
bool encode_long_piece(const backtrack_tables& t, const vocab_table& vocab, std::string_view piece, bpe_workspace& ws,
                       std::vector<bpe_symbol>& syms, const Rules& rules, Merge&& merge, const long_piece_spans& how,
                       bool char_bounded) {
  using choice = long_piece_spans::choice;
  const std::size_t n = piece.size();
  const std::size_t window = std::max<std::size_t>(how.window_bytes, 1), search = std::max<std::size_t>(how.search_bytes, 1);
  bool windows = how.mode == choice::windows_only;
  // A first span that covers the piece is the piece: encoded in place, nothing to join.
  if ((windows ? window : search) >= n) {
    if (!windows) return backtrack_encode(t, vocab, piece, ws, syms, rules, merge);
    merge(piece, ws, syms);
    return true;
  }
  syms.clear();
  std::vector<bpe_symbol>& span = ws.span_syms;
  std::size_t windows_left = 0;  // adaptive: windows before the next search span
  std::size_t recorded = 0, held = 0;  // windows' pairs since the last verdict, and those the memo held
  std::size_t budget = 4 * n + 4 * search;
  std::size_t searching = search;  // the next search span's length
  std::size_t pos = 0, len = windows ? window : search;
  while (pos < n) {
    std::size_t end = std::min(n, pos + len);
    if (char_bounded)
      while (end < n && (static_cast<unsigned char>(piece[end]) & 0xC0) == 0x80) ++end;
    if (end - pos > budget) return backtrack_encode(t, vocab, piece, ws, syms, rules, merge);
    budget -= end - pos;
    const std::string_view bytes = piece.substr(pos, end - pos);
    const std::uint64_t asked = ws.pair_questions, answered = ws.pair_memo_hits;
    if (windows)
      merge(bytes, ws, span);
    else if (!backtrack_encode(t, vocab, bytes, ws, span, rules, merge))
      return false;
    // The last token ends at the cut, unless the span reaches the piece's end; a search span
    // also leaves the tokens of its last `window` bytes, which the cut may have changed (a
    // refused join costs a whole span).
    std::size_t keep = end == n ? span.size() : span.size() - 1;
    if (!windows && end < n)
      while (keep > 1 && span[keep - 1].end + window > end - pos) --keep;
    if (keep == 0) {  // one token covers the span: take a longer one
      len = 2 * (end - pos);
      continue;
    }
    if (!syms.empty() &&
        !detail::compatible_pair(t, vocab, rules, piece, static_cast<std::uint32_t>(pos), syms.back().id, span.front().id, ws, merge)) {
      pos = syms.back().start;  // the last kept token was not the piece's: take it again from its start
      syms.pop_back();
      len = windows ? window : searching;
      continue;
    }
    const auto at = static_cast<std::uint32_t>(pos);
    for (std::size_t i = 0; i < keep; ++i) syms.push_back({span[i].id, span[i].start + at, span[i].end + at});
    pos = syms.back().end;
    if (how.mode == choice::adaptive) {
      if (windows) {
        // A window's adjacent tokens are compatible: recording a few pairs tells whether the
        // search would find its answers in the memo (and leaves them there for it).
        for (std::size_t i = 0; i + 1 < keep && i < 4; ++i, ++recorded)
          held += detail::note_compatible(t, ws, span[i].id, span[i + 1].id) ? 1 : 0;
        const bool verdict = recorded >= std::max<std::size_t>(how.pairs_per_verdict, 1);
        windows = --windows_left > 0 && !(verdict && 2 * held >= recorded);
        if (verdict || !windows) recorded = held = 0;
      } else if (2 * (ws.pair_memo_hits - answered) < ws.pair_questions - asked) {
        windows = true;  // the memo answered less than half: pairs rarely repeat here
        windows_left = std::max<std::size_t>(how.windows_between_looks, 1);
        searching = search;
      } else {
        searching = std::min(2 * searching, std::max(how.max_search_bytes, search));
      }
    }
    len = windows ? window : searching;
  }
  return true;
}

TOKENMETER_END_NAMESPACE
