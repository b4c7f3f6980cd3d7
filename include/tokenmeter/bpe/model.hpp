// The BPE model: initial symbols (bytes, or code points with byte fallback), an optional
// whole-piece lookup, and merging under tiktoken's or HF's rules.
#pragma once

#include <tokenmeter/bpe/backtrack.hpp>
#include <tokenmeter/bpe/long_piece.hpp>
#include <tokenmeter/bpe/char_cuts.hpp>
#include <tokenmeter/bpe/char_starts.hpp>
#include <tokenmeter/bpe/merge.hpp>
#include <tokenmeter/bpe/pair_table.hpp>
#include <tokenmeter/bpe/piece_cache.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bitset>
#include <memory>
#include <mutex>
#include <cstdio>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

enum class merge_rules : std::uint8_t {
  ranks,  // tiktoken: a pair merges iff its bytes are a token; priority = rank = id
  pairs,  // HF: explicit (left, right) rules; priority = position in the merges list
};

enum class symbol_unit : std::uint8_t {
  byte,        // byte-level BPE: every byte is a token (GPT-2 mapping)
  code_point,  // SentencePiece-style BPE: code points, with optional byte fallback <0xNN>
};

struct bpe_model {
  vocab_table vocab;  // mergeable tokens, keyed by raw bytes (byte-level) or UTF-8 text
  pair_table pairs;   // used when rules == merge_rules::pairs
  merge_rules rules = merge_rules::ranks;
  symbol_unit unit = symbol_unit::byte;
  bool ignore_merges = true;  // look the whole piece up before merging (tiktoken always; HF if set)
  bool byte_fallback = false;
  bool fuse_unk = false;
  token_id unk = no_token;
  // byte -> token: the single-byte tokens (byte unit) or the <0xNN> tokens (byte fallback).
  std::array<token_id, 256> byte_tokens{};
  // Byte unit: the rule for every pair of single bytes, so a piece's initial pairs cost a load
  // instead of a hash probe.
  std::vector<merge_rule> byte_pairs;
  // Whether merging a token's own bytes yields the token itself, found on first use (0 unknown,
  // 1 yes, 2 no). Only then may a piece equal to a token skip merging when !ignore_merges.
  std::unique_ptr<std::atomic<std::uint8_t>[]> self_merges;
  // SentencePiece-style models: the word-boundary marker (U+2581 for Gemma) and the characters
  // that precede it inside some token. Before a marker whose left neighbour is a single-char
  // token outside that set, no token -- hence no merge -- can span, so a piece may be cut
  // there and its parts merged independently: exact, and it turns one whole-text "word" into
  // words.
  std::string split_marker;
  std::vector<char32_t> marker_preceders;  // sorted
  // Code-point unit: each ASCII character's token (no_token if none), and whether a cut before
  // the marker is safe with it on the left; filled by prepare() from the two above, so the
  // common cases cost a load instead of a vocabulary probe.
  std::array<token_id, 128> ascii_chars{};
  std::bitset<128> ascii_cut_safe;
  // Pieces of at least this many bytes go to the left-to-right encoder (bpe/backtrack.hpp),
  // whose tables are built on the first such piece: 75-250 ms for our vocabularies. The heap
  // merge costs ~0.1-1 us per byte, so below ~64 KiB building the tables would cost more than
  // it saves; above, the heap's cache misses make it superlinear (bench/robustness).
  std::size_t long_piece_bytes = default_long_piece_bytes;
  static constexpr std::size_t default_long_piece_bytes = 64 * 1024;
  // Within a long code-point piece, runs between untokenizable characters shorter than this
  // use the merge loop (cheaper for a few symbols).
  static constexpr std::size_t short_run_bytes = 64;
  // Pieces from this size with a non-ASCII byte are cut where no token can span
  // (bpe/char_cuts.hpp): below, the merge is cheaper than looking for cuts.
  static constexpr std::size_t min_cut_piece_bytes = 7;

  // Calls f with the rules object (bpe/merge.hpp) the merge loop uses for this model; with a
  // pair memo (the piece cache's), lookups the memo can answer exactly go through it.
  template <class F>
  decltype(auto) with_rules(F&& f, pair_memo_entry* memo = nullptr) const {
    if (rules == merge_rules::ranks) {
      if (!byte_pairs.empty()) {
        if (memo != nullptr && vocab.id_bound() <= pair_memo_id_bound)
          return f(byte_pair_rules<memo_rank_rules>{byte_pairs.data(), {{&vocab}, memo}});
        return f(byte_pair_rules<rank_rules>{byte_pairs.data(), {&vocab}});
      }
      return f(rank_rules{&vocab});  // (rank rules over code points: ids need not decide the bytes)
    }
    // (Pair rules key their table by ids already: a memo in front measured 4-6% slower on
    // deepseek-v3's Chinese and Japanese.)
    if (!byte_pairs.empty()) return f(byte_pair_rules<pair_rules>{byte_pairs.data(), {&pairs}});
    return f(pair_rules{&pairs});
  }

  // Fills byte_tokens and checks the model can encode every input.
  result<void> prepare() {
    byte_tokens.fill(no_token);
    if (unit == symbol_unit::byte) {
      for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        byte_tokens[static_cast<std::size_t>(b)] = vocab.find(std::string_view(&c, 1));
        if (byte_tokens[static_cast<std::size_t>(b)] == no_token) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02X", b);
          return make_error(errc::vocab_corrupt,
                            std::string("byte-level vocabulary has no token for the single byte ") + hex);
        }
      }
      byte_pairs.assign(65536, merge_rule{bpe_no_rule, no_token});
      for (int a = 0; a < 256; ++a)
        for (int b = 0; b < 256; ++b) {
          merge_rule& r = byte_pairs[static_cast<std::size_t>(a << 8 | b)];
          if (rules == merge_rules::ranks) {
            const char two[2] = {static_cast<char>(a), static_cast<char>(b)};
            const token_id id = vocab.find(std::string_view(two, 2));
            if (id != no_token) r = {id, id};
          } else if (const merge_rule* m = pairs.find(byte_tokens[static_cast<std::size_t>(a)], byte_tokens[static_cast<std::size_t>(b)])) {
            r = *m;
          }
        }
    } else if (byte_fallback) {
      for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byte_tokens[static_cast<std::size_t>(b)] = vocab.find(name);
      }
    }
    marker_preceders.clear();
    if (unit == symbol_unit::code_point && !split_marker.empty()) {
      for (token_id id = 0; id < vocab.id_bound(); ++id) {
        const std::string_view t = vocab.bytes(id);
        for (std::size_t at = t.find(split_marker, 1); at != std::string_view::npos; at = t.find(split_marker, at + 1)) {
          std::size_t prev = at - 1;
          while (prev > 0 && (static_cast<unsigned char>(t[prev]) & 0xC0) == 0x80) --prev;
          std::size_t i = prev;
          marker_preceders.push_back(next_code_point(t, i));
        }
      }
      std::sort(marker_preceders.begin(), marker_preceders.end());
      marker_preceders.erase(std::unique(marker_preceders.begin(), marker_preceders.end()), marker_preceders.end());
    }
    ascii_chars.fill(no_token);
    ascii_cut_safe.reset();
    for (std::size_t b = 0; b < 128; ++b) {
      const char c = static_cast<char>(b);
      if (unit == symbol_unit::code_point) ascii_chars[b] = vocab.find(std::string_view(&c, 1));
      ascii_cut_safe[b] = cut_safe_after(std::string_view(&c, 1));
    }
    // Code-point models qualify when a character without a token becomes symbols (byte fallback
    // or unk) rather than vanishing: then it can be a merge barrier (checked when the tables are
    // built), and the text between such characters is encoded on its own.
    bool every_fallback_byte = byte_fallback;
    for (const token_id t : byte_tokens) every_fallback_byte = every_fallback_byte && t != no_token;
    const bool keeps_unknown_chars = unk != no_token || every_fallback_byte;
    backtrack_ = unit == symbol_unit::byte || (rules == merge_rules::pairs && keeps_unknown_chars)
                     ? std::make_unique<lazy_backtrack>()
                     : nullptr;
    // Cutting needs every merged symbol to be a token with the bytes of its parts: true of
    // byte-level BPE and of HF's code-point BPE (a merge's result is the vocabulary entry of the
    // concatenation; byte-fallback and unk symbols have other strings but merge with nothing
    // that would not also be cut-safe, as no token contains the character they stand for).
    cuts_ = unit == symbol_unit::byte || rules == merge_rules::pairs ? std::make_unique<lazy_cuts>() : nullptr;
    // Parts cut out of a piece (merge_between_cuts) need it even with ignore_merges.
    if (!ignore_merges || cuts_ != nullptr) {
      self_merges = std::make_unique<std::atomic<std::uint8_t>[]>(vocab.id_bound());
      for (std::size_t i = 0; i < vocab.id_bound(); ++i) self_merges[i].store(0, std::memory_order_relaxed);
    }
    return {};
  }

  // Encodes one pre-tokenized piece, handing each id to `sink` (which returns false to stop).
  // Returns false if the sink asked to stop.
  template <class Sink>
  bool encode_piece(std::string_view piece, bpe_workspace& ws, std::vector<bpe_symbol>& syms, piece_cache* cache,
                    Sink&& sink) const {
    const std::size_t m = split_marker.size();
    if (m == 0 || piece.size() <= m) return encode_part(piece, ws, syms, cache, sink);
    // The marker found inline (first byte, then the rest): markers are a few bytes apart, where
    // a library find pays a call and a memcmp for each.
    const char first = split_marker[0];
    std::size_t start = 0;
    for (std::size_t at = 1; at + m <= piece.size(); ++at) {
      if (piece[at] != first || !detail::bytes_equal(piece.data() + at + 1, split_marker.data() + 1, m - 1)) continue;
      if (safe_cut_before(piece, at)) {
        if (!encode_part(piece.substr(start, at - start), ws, syms, cache, sink)) return false;
        start = at;
      }
      at += m - 1;
    }
    return encode_part(piece.substr(start), ws, syms, cache, sink);
  }

  // Is it safe to merge piece[..at) and piece[at..) separately (piece[at..] starts with the marker)?
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE bool safe_cut_before(std::string_view piece, std::size_t at) const noexcept {
    const auto last = static_cast<unsigned char>(piece[at - 1]);
    if (last < 0x80) return ascii_cut_safe[last];
    std::size_t prev = at - 1;
    while (prev > 0 && (static_cast<unsigned char>(piece[prev]) & 0xC0) == 0x80) --prev;
    return cut_safe_after(piece.substr(prev, at - prev));
  }
  // The left symbol must be the character itself (not byte fallback or unk, whose token
  // strings end in '>'), and no token may contain it followed by the marker.
  [[nodiscard]] bool cut_safe_after(std::string_view left_char) const noexcept {
    std::size_t i = 0;
    const char32_t cp = next_code_point(left_char, i);
    return vocab.find(left_char) != no_token &&
           !std::binary_search(marker_preceders.begin(), marker_preceders.end(), cp);
  }

  template <class Sink>
  bool encode_part(std::string_view piece, bpe_workspace& ws, std::vector<bpe_symbol>& syms, piece_cache* cache,
                   Sink&& sink) const {
    const bool short_piece = cache != nullptr && !piece.empty() && piece.size() <= piece_cache::short_max_bytes;
    std::uint64_t key = 0;
    if (short_piece) {
      key = detail::load_short(piece.data(), piece.size());
      if (const token_id id = cache->find_short(key, piece.size()); id != no_token) return sink(id);
    }
    const std::uint64_t h = detail::hash_bytes(piece);
    const token_id whole = vocab.find(piece, h);
    if (whole != no_token && (ignore_merges || merges_to_itself(whole, ws, syms))) {
      // The short table holds tokens that merge to themselves, which parts of cut pieces
      // (merge_between_cuts) may take whole too.
      if (short_piece && (!ignore_merges || (self_merges && merges_to_itself(whole, ws, syms))))
        cache->insert_short(key, piece.size(), whole);
      return sink(whole);
    }
    // Pieces longer than the cache stores would only cost a guaranteed miss on a random line.
    const bool cacheable = cache != nullptr && piece.size() <= piece_cache::max_piece_bytes;
    if (cacheable) {
      const auto [ids, n] = cache->find(piece, h);
      if (n != 0) {
        for (std::size_t i = 0; i < n; ++i)
          if (!sink(ids[i])) return false;
        return true;
      }
    }
    merge(piece, ws, syms, cache);
    if (cacheable) cache_insert(*cache, piece, h, syms);
    for (const bpe_symbol& s : syms)
      if (!sink(s.id)) return false;
    return true;
  }

  // The merged symbols of a piece, without the whole-piece shortcut. `cache`, if given, also
  // serves the parts a Chinese or Japanese piece is cut into (they repeat where pieces do not).
  void merge(std::string_view piece, bpe_workspace& ws, std::vector<bpe_symbol>& syms,
             piece_cache* cache = nullptr) const {
    // Byte-level models cut long pieces too (a long run of random CJK falls apart into
    // characters); code-point models already cut them at characters without a token, and
    // merge runs of characters faster left to right than part by part.
    const bool long_code_points = unit == symbol_unit::code_point && piece.size() >= long_piece_bytes;
    if (!long_code_points && piece.size() >= min_cut_piece_bytes && cuts_ != nullptr && has_non_ascii(piece))
      if (const lazy_cuts* c = cut_tables()) return merge_between_cuts(*c->table, c->starts.get(), piece, ws, syms, cache);
    merge_uncut(piece, ws, syms);  // (no pair memo: on English and code it measured 4% slower)
  }

  // A piece (or a part between cuts) as a whole: long ones left to right, the rest by the loop.
  void merge_uncut(std::string_view piece, bpe_workspace& ws, std::vector<bpe_symbol>& syms,
                   pair_memo_entry* memo = nullptr) const {
    if (piece.size() >= long_piece_bytes && backtrack_ != nullptr) {
      if (const backtrack_tables* t = backtracker()) {
        if (unit == symbol_unit::code_point) return merge_between_unknown_chars(*t, piece, ws, syms);
        if (encode_left_to_right(*t, piece, ws, syms)) return;
      }
    }
    merge_loop(piece, ws, syms, memo);
  }

  // Merges the parts between character boundaries no token can span (bpe/char_cuts.hpp)
  // separately; a part that is a token merging to itself needs no merge, and a part no
  // fragment token can cover starts from characters where bpe/char_starts.hpp allows.
  // A merged part goes into `cache` under its bytes like a piece: both entries hold what the
  // merge loop gives those bytes alone, so either serves the other (encode_part looks for a
  // whole token first, so an ignore_merges piece never reads a part's entry). The entry keeps
  // ids, not offsets: a hit's spans are its tokens' lengths.
  void merge_between_cuts(const char_cut_table& cuts, const char_start_table* starts, std::string_view piece,
                          bpe_workspace& ws, std::vector<bpe_symbol>& syms, piece_cache* cache) const {
    auto& out = ws.part_syms;
    out.clear();
    std::size_t part = 0, prev = 0;  // start of the current part, of the character before b
    bool fragment = false;           // whether a boundary inside the part may hold a fragment token
    pair_memo_entry* const memo = cache != nullptr ? cache->pair_memo() : nullptr;
    const auto merge_part = [&](std::string_view bytes) {
      if (bytes.size() >= long_piece_bytes)
        merge_uncut(bytes, ws, syms, memo);
      else if (starts != nullptr && starts->start_symbols(bytes, fragment, syms))
        merge_symbols(bytes, ws, syms, memo);
      else
        merge_loop(bytes, ws, syms, memo);
    };
    const auto emit_part = [&](std::size_t end) {
      const std::string_view bytes = piece.substr(part, end - part);
      const bool short_part = cache != nullptr && bytes.size() <= piece_cache::short_max_bytes;  // parts are never empty
      std::uint64_t key = 0;
      if (short_part) {
        key = detail::load_short(bytes.data(), bytes.size());
        if (const token_id id = cache->find_short(key, bytes.size()); id != no_token) {
          out.push_back({id, static_cast<std::uint32_t>(part), static_cast<std::uint32_t>(end)});
          return;
        }
      }
      const std::uint64_t h = detail::hash_bytes(bytes);
      const token_id whole = vocab.find(bytes, h);
      if (whole != no_token && merges_to_itself(whole, ws, syms)) {
        if (short_part) cache->insert_short(key, bytes.size(), whole);
        out.push_back({whole, static_cast<std::uint32_t>(part), static_cast<std::uint32_t>(end)});
        return;
      }
      const bool cacheable = cache != nullptr && bytes.size() <= piece_cache::max_piece_bytes;
      if (cacheable) {
        const auto [ids, n] = cache->find(bytes, h);
        // Spans from token lengths: exact unless a byte-fallback or unk token is among them,
        // whose text is longer than what it covers (then the lengths overshoot: take them back
        // and merge instead).
        const std::size_t before = out.size();
        auto at = static_cast<std::uint32_t>(part);
        for (std::size_t i = 0; i < n; ++i) {
          const auto len = static_cast<std::uint32_t>(vocab.bytes(ids[i]).size());
          out.push_back({ids[i], at, at + len});
          at += len;
        }
        if (n != 0 && at == end) return;
        out.resize(before);
      }
      merge_part(bytes);
      if (cacheable) cache_insert(*cache, bytes, h, syms);
      append_shifted(out, syms, part);
    };
    for (std::size_t b = 1; b < piece.size(); ++b) {
      if (char_cut_table::continuation(piece[b])) continue;
      const char_cut_table::boundary k = cuts.classify(piece, prev, b);
      if (k == char_cut_table::boundary::cut) {
        emit_part(b);
        part = b;
        fragment = false;
      } else if (k == char_cut_table::boundary::fragment) {
        fragment = true;
      }
      prev = b;
    }
    if (part == 0) return merge_part(piece);  // no cut: the piece as it is
    emit_part(piece.size());
    syms.assign(out.begin(), out.end());  // not swap: each buffer keeps its own capacity (no regrowth)
  }

  // Code-point models: characters without a token are barriers (their fallback or unk symbols
  // are in no rule), so the runs between them merge independently -- long runs left to right.
  void merge_between_unknown_chars(const backtrack_tables& t, std::string_view piece, bpe_workspace& ws,
                                   std::vector<bpe_symbol>& syms) const {
    auto& out = ws.part_syms;
    out.clear();
    const auto append = [&](std::size_t offset) { append_shifted(out, syms, offset); };
    const auto merge_run = [&](std::size_t from, std::size_t to) {
      if (to == from) return;
      const std::string_view run = piece.substr(from, to - from);
      if (run.size() < short_run_bytes || !encode_left_to_right(t, run, ws, syms))
        merge_loop(run, ws, syms);
      append(from);
    };
    const auto char_at = [&](std::size_t i) {
      return piece.substr(i, std::min<std::size_t>(utf8_sequence_length(static_cast<unsigned char>(piece[i])), piece.size() - i));
    };
    std::size_t run_start = 0;
    for (std::size_t i = 0; i < piece.size();) {
      const std::string_view c = char_at(i);
      if (vocab.find(c) != no_token) {
        i += c.size();
        continue;
      }
      merge_run(run_start, i);
      std::size_t j = i + c.size();
      while (j < piece.size() && vocab.find(char_at(j)) == no_token) j += char_at(j).size();
      initial_symbols(piece.substr(i, j - i), syms);  // fallback bytes or unk, never merged
      append(i);
      run_start = i = j;
    }
    merge_run(run_start, piece.size());
    syms.swap(out);
  }

  // The character-cut table, built once (thread-safe) on first use or taken from the compiled
  // cache (restore_char_tables); nullptr where cutting is not exact (code-point models whose
  // fallback or unk symbols take part in merges: their token strings are not the text they
  // stand for).
  [[nodiscard]] const char_cut_table* cut_table() const {
    const lazy_cuts* c = cut_tables();
    return c != nullptr ? c->table.get() : nullptr;
  }
  // Byte-level models: the characters a part may start from (bpe/char_starts.hpp), built with
  // the cut table; nullptr otherwise.
  [[nodiscard]] const char_start_table* start_table() const {
    const lazy_cuts* c = cut_tables();
    return c != nullptr ? c->starts.get() : nullptr;
  }

  // The compiled cache keeps the character tables, so that a load from it does not build them
  // on its first text with a non-ASCII byte (20-70 ms): written (built first if need be) after
  // the vocabulary, and read back into a model restored from it before any use.
  void serialize_char_tables(detail::binary_writer& w) const {
    const lazy_cuts* c = cut_tables();
    const char_cut_table* cut = c != nullptr ? c->table.get() : nullptr;
    const char_start_table* start = c != nullptr ? c->starts.get() : nullptr;
    w.put<std::uint8_t>(static_cast<std::uint8_t>((cut != nullptr ? 1 : 0) | (start != nullptr ? 2 : 0)));
    if (cut != nullptr) cut->serialize(w);
    if (start != nullptr) start->serialize(w);
  }
  // False if the data does not fit this model or the tables were built already.
  bool restore_char_tables(detail::binary_reader& r, const std::shared_ptr<const void>& keep) const {
    std::uint8_t has = 0;
    if (!r.get(has)) return false;
    // What cut_tables() builds: nothing without cuts_, both tables for byte-level models, at
    // most the cut table for code-point ones.
    if (cuts_ == nullptr ? has != 0 : unit == symbol_unit::byte ? has != 3 : has > 1) return false;
    std::unique_ptr<char_cut_table> cut = (has & 1) != 0 ? char_cut_table::deserialize(r, keep) : nullptr;
    std::unique_ptr<char_start_table> start =
        (has & 2) != 0 ? char_start_table::deserialize(r, keep, byte_tokens, vocab.id_bound()) : nullptr;
    if (((has & 1) != 0 && cut == nullptr) || ((has & 2) != 0 && start == nullptr)) return false;
    if (cuts_ == nullptr) return true;
    bool taken = false;
    std::call_once(cuts_->once, [&] {
      cuts_->table = std::move(cut);
      cuts_->starts = std::move(start);
      taken = true;
    });
    return taken;
  }

  // Code-point models: are the symbols of characters without a token (byte fallback, unk) in no
  // merge rule? Then such a character is a barrier no merge crosses.
  [[nodiscard]] bool unknown_chars_never_merge() const {
    std::vector<bool> barrier(vocab.id_bound(), false);
    for (const token_id b : byte_tokens)
      if (b != no_token && b < barrier.size()) barrier[b] = true;
    if (unk != no_token && unk < barrier.size()) barrier[unk] = true;
    bool in_rule = false;
    pairs.for_each_pair([&](token_id l, token_id r) {
      in_rule = in_rule || (l < barrier.size() && barrier[l]) || (r < barrier.size() && barrier[r]);
    });
    return !in_rule;
  }

  [[nodiscard]] static bool has_non_ascii(std::string_view s) noexcept {
    for (const char c : s)
      if (static_cast<unsigned char>(c) >= 0x80) return true;
    return false;
  }

  // Appends a part's symbols to a whole piece's, offsets moved to where the part starts.
  static void cache_insert(piece_cache& cache, std::string_view bytes, std::uint64_t h, const std::vector<bpe_symbol>& syms) {
    if (syms.size() > piece_cache::max_ids) return;
    token_id ids[piece_cache::max_ids];
    for (std::size_t i = 0; i < syms.size(); ++i) ids[i] = syms[i].id;
    cache.insert(bytes, h, ids, syms.size());
  }

  static void append_shifted(std::vector<bpe_symbol>& out, const std::vector<bpe_symbol>& part, std::size_t offset) {
    const auto d = static_cast<std::uint32_t>(offset);
    for (const bpe_symbol& s : part) out.push_back({s.id, s.start + d, s.end + d});
  }

  // The tables of the long-piece encoder, built once (thread-safe) on first use; nullptr for
  // models it does not serve.
  [[nodiscard]] const backtrack_tables* backtracker() const {
    if (backtrack_ == nullptr) return nullptr;
    std::call_once(backtrack_->once, [this] {
      if (unit == symbol_unit::byte) {
        auto t = with_rules([&](const auto& r) { return std::make_unique<backtrack_tables>(vocab, byte_tokens, true, r, initial_fn()); });
        if (t->usable()) backtrack_->tables = std::move(t);
        return;
      }
      // Code points: the fallback and unk symbols must be barriers (else the merge loop stays).
      if (!unknown_chars_never_merge()) return;
      std::array<token_id, 256> one_byte_chars;
      one_byte_chars.fill(no_token);
      for (int b = 0; b < 0x80; ++b) {
        const char c = static_cast<char>(b);
        one_byte_chars[static_cast<std::size_t>(b)] = vocab.find(std::string_view(&c, 1));
      }
      auto t = with_rules([&](const auto& r) { return std::make_unique<backtrack_tables>(vocab, one_byte_chars, false, r, initial_fn()); });
      if (t->usable()) backtrack_->tables = std::move(t);
    });
    return backtrack_->tables.get();
  }

  // Classic BPE: merge the adjacent pair with the lowest priority until none applies.
  void merge_loop(std::string_view piece, bpe_workspace& ws, std::vector<bpe_symbol>& syms,
                  pair_memo_entry* memo = nullptr) const {
    initial_symbols(piece, syms);
    merge_symbols(piece, ws, syms, memo);
  }

  // The merge loop from the given symbols of piece (contiguous, covering it); `memo`, if given,
  // is the piece cache's pair memo (bpe/merge.hpp).
  void merge_symbols(std::string_view piece, bpe_workspace& ws, std::vector<bpe_symbol>& syms,
                     pair_memo_entry* memo = nullptr) const {
    with_rules([&](const auto& r) { bpe_merge(piece, syms, r, ws); }, memo);
  }

  // `piece` left to right (bpe/backtrack.hpp) with tables `t` of this model, in spans
  // (bpe/long_piece.hpp); false if the search found no split (then the merge loop must be used).
  bool encode_left_to_right(const backtrack_tables& t, std::string_view piece, bpe_workspace& ws,
                            std::vector<bpe_symbol>& syms, const long_piece_spans& how = {}) const {
    return with_rules([&](const auto& r) {
      return encode_long_piece(t, vocab, piece, ws, syms, r, merge_loop_fn(), how, unit == symbol_unit::code_point);
    });
  }


  // Does merging the token's own bytes give back the token? (Computed once per token, lazily;
  // concurrent first uses compute the same answer.)
  // The known answer is read inline (once per piece that is a token, in HF families); the merge
  // that finds it runs once per token, out of line.
  TOKENMETER_ALWAYS_INLINE bool merges_to_itself(token_id id, bpe_workspace& ws, std::vector<bpe_symbol>& syms) const {
    const std::uint8_t known = self_merges[id].load(std::memory_order_relaxed);
    if (TOKENMETER_LIKELY(known != 0)) return known == 1;
    return find_self_merge(id, ws, syms);
  }
  bool find_self_merge(token_id id, bpe_workspace& ws, std::vector<bpe_symbol>& syms) const {
    merge_loop(vocab.bytes(id), ws, syms);  // tokens are shorter than long pieces and never cut
    const bool yes = syms.size() == 1 && syms[0].id == id;
    self_merges[id].store(yes ? 1 : 2, std::memory_order_relaxed);
    return yes;
  }

  void initial_symbols(std::string_view piece, std::vector<bpe_symbol>& syms) const {
    syms.clear();
    const auto n = static_cast<std::uint32_t>(piece.size());
    if (unit == symbol_unit::byte) {
      syms.resize(n);
      for (std::uint32_t i = 0; i < n; ++i)
        syms[i] = {byte_tokens[static_cast<unsigned char>(piece[i])], i, i + 1};
      return;
    }
    for (std::size_t i = 0; i < n;) {
      const auto start = static_cast<std::uint32_t>(i);
      const auto lead = static_cast<unsigned char>(piece[i]);
      if (lead < 0x80 && ascii_chars[lead] != no_token) {
        syms.push_back({ascii_chars[lead], start, start + 1});
        ++i;
        continue;
      }
      i += utf8_sequence_length(lead);
      if (i > n) i = n;
      const auto end = static_cast<std::uint32_t>(i);
      const token_id id = vocab.find(piece.substr(start, end - start));
      if (id != no_token) {
        syms.push_back({id, start, end});
        continue;
      }
      if (byte_fallback) {
        bool all = true;
        for (std::uint32_t k = start; k < end; ++k) all = all && byte_tokens[static_cast<unsigned char>(piece[k])] != no_token;
        if (all) {
          for (std::uint32_t k = start; k < end; ++k) syms.push_back({byte_tokens[static_cast<unsigned char>(piece[k])], k, k + 1});
          continue;
        }
      }
      if (unk == no_token) continue;  // HF drops a character it cannot represent when there is no unk token
      if (fuse_unk && !syms.empty() && syms.back().id == unk && syms.back().end == start)
        syms.back().end = end;
      else
        syms.push_back({unk, start, end});
    }
  }

  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    const backtrack_tables* t = backtrack_ != nullptr ? backtrack_->tables.get() : nullptr;
    const char_cut_table* c = cuts_ != nullptr ? cuts_->table.get() : nullptr;
    const char_start_table* s = cuts_ != nullptr ? cuts_->starts.get() : nullptr;
    return vocab.memory_bytes() + pairs.memory_bytes() + byte_pairs.capacity() * sizeof(merge_rule) +
           (self_merges ? vocab.id_bound() : 0) + (t != nullptr ? t->memory_bytes() : 0) +
           (c != nullptr ? c->memory_bytes() : 0) + (s != nullptr ? s->memory_bytes() : 0);
  }

 private:
  struct lazy_backtrack {
    std::once_flag once;
    std::unique_ptr<backtrack_tables> tables;
  };
  std::unique_ptr<lazy_backtrack> backtrack_;
  struct lazy_cuts {
    std::once_flag once;
    std::unique_ptr<char_cut_table> table;
    std::unique_ptr<char_start_table> starts;
  };
  std::unique_ptr<lazy_cuts> cuts_;

  // The cut table (and for byte-level models the start table), built once (thread-safe) on
  // first use unless restore_char_tables supplied them; nullptr where cutting is not exact.
  [[nodiscard]] const lazy_cuts* cut_tables() const {
    if (cuts_ == nullptr) return nullptr;
    std::call_once(cuts_->once, [this] {
      if (unit == symbol_unit::byte) {
        cuts_->table = std::make_unique<char_cut_table>(vocab);
        cuts_->starts = make_start_table();
      } else if (unknown_chars_never_merge()) {
        cuts_->table = std::make_unique<char_cut_table>(vocab);
      }
    });
    return cuts_->table != nullptr ? cuts_.get() : nullptr;
  }

  std::unique_ptr<char_start_table> make_start_table() const {
    bpe_workspace ws;
    std::vector<bpe_symbol> syms;
    std::string joined;
    const auto each_rule = [&](auto&& f) {
      if (rules == merge_rules::ranks) {
        for (token_id id = 0; id < vocab.id_bound(); ++id)
          if (vocab.contains(id)) f(vocab.bytes(id), std::size_t{0}, id);
        return;
      }
      pairs.for_each_pair([&](token_id l, token_id r) {
        joined.assign(vocab.bytes(l));
        joined += vocab.bytes(r);
        f(std::string_view(joined), vocab.bytes(l).size(), pairs.find(l, r)->priority);
      });
    };
    const auto pair_priority = [&](std::string_view left, std::string_view right) -> std::uint32_t {
      if (rules == merge_rules::ranks) {
        joined.assign(left);
        joined += right;
        const token_id id = vocab.find(joined);
        return id == no_token ? bpe_no_rule : id;
      }
      const token_id l = vocab.find(left), r = vocab.find(right);
      const merge_rule* m = l == no_token || r == no_token ? nullptr : pairs.find(l, r);
      return m == nullptr ? bpe_no_rule : m->priority;
    };
    const auto self = [&](token_id id) { return merges_to_itself(id, ws, syms); };
    return std::make_unique<char_start_table>(vocab, byte_tokens, each_rule, pair_priority, self);
  }

  struct loop_merger {
    const bpe_model* model;
    void operator()(std::string_view b, bpe_workspace& w, std::vector<bpe_symbol>& out) const { model->merge_loop(b, w, out); }
  };
  [[nodiscard]] loop_merger merge_loop_fn() const { return {this}; }
  struct initial_symbols_fn_t {
    const bpe_model* model;
    void operator()(std::string_view b, std::vector<bpe_symbol>& out) const { model->initial_symbols(b, out); }
  };
  [[nodiscard]] initial_symbols_fn_t initial_fn() const { return {this}; }
};

TOKENMETER_END_NAMESPACE
