// A bounded, per-thread cache of merge results for short pieces: the words a text repeats and
// the vocabulary lacks (e.g. " tokenizer" -> " token" "izer") are merged once, then copied.
// The parts a CJK piece is cut into (bpe_model::merge_between_cuts) share it: an entry is what
// the merge loop gives its bytes alone, whoever filled it.
// Direct-mapped and fixed size (1 MiB; 1.6 with the pair memo and the short-token table below,
// per thread per tokenizer in use, at most four), keyed by the piece's bytes (compared in full), so a hit is exact by
// construction. The size: English
// prose holds 5-8K distinct pieces that are not tokens per 2 MB (o200k_base, qwen3,
// deepseek-v3), which a 4096-entry table kept evicting. 16384 entries count 2-6% faster on a
// first pass over 9 MB of mixed text and 10-14% faster on text seen before (the bench's
// repeated passes, and a service's recurring vocabulary); 32768 added little more.
// It also holds the merge loop's pair memo (bpe/merge.hpp, 512 KiB) and a table of the short
// pieces that are whole tokens (128 KiB, checked before the vocabulary), which live as long as
// the cache and are cleared with it, so their answers always belong to this tokenizer.
#pragma once

#include <tokenmeter/bpe/merge.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/hash.hpp>
#include <tokenmeter/types.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

TOKENMETER_BEGIN_NAMESPACE

class piece_cache {
 public:
  static constexpr std::size_t max_piece_bytes = 22;
  static constexpr std::size_t max_ids = 8;
  static constexpr std::size_t entries = 16384;

  // The cached ids for `piece` (hash = detail::hash_bytes(piece)), or an empty span.
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE std::pair<const token_id*, std::size_t> find(std::string_view piece,
                                                                                       std::uint64_t hash) const noexcept {
    const entry& e = table_[hash & (entries - 1)];
    if (e.hash != hash || e.len != piece.size() || !detail::bytes_equal(e.bytes, piece.data(), piece.size())) return {nullptr, 0};
    return {e.ids, e.count};
  }

  void insert(std::string_view piece, std::uint64_t hash, const token_id* ids, std::size_t count) noexcept {
    if (piece.size() > max_piece_bytes || count > max_ids || count == 0) return;
    entry& e = table_[hash & (entries - 1)];
    e.hash = hash;
    e.len = static_cast<std::uint8_t>(piece.size());
    e.count = static_cast<std::uint8_t>(count);
    std::memcpy(e.bytes, piece.data(), piece.size());
    std::memcpy(e.ids, ids, count * sizeof(token_id));
  }

  // Pieces of 1-8 bytes that are whole tokens, keyed by their bytes: one load from a 128 KiB
  // table that stays in L2, where the vocabulary's index (4.6 MiB for o200k_base) is a miss for
  // most words. `key` is the piece's bytes zero padded (detail::load_short), exact with `len`.
  static constexpr std::size_t short_max_bytes = 8;
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE token_id find_short(std::uint64_t key, std::size_t len) const noexcept {
    const short_entry& e = short_[short_home(key, len)];
    return e.key == key && e.len == len ? e.id : no_token;
  }
  TOKENMETER_ALWAYS_INLINE void insert_short(std::uint64_t key, std::size_t len, token_id id) noexcept {
    short_[short_home(key, len)] = {key, id, static_cast<std::uint32_t>(len)};
  }

  void clear() noexcept {
    for (entry& e : table_) e.len = 0xFF;  // no piece has this length
    pair_memo_.fill(0);
    short_.fill(short_entry{});  // length 0: no lookup matches
  }

  [[nodiscard]] pair_memo_entry* pair_memo() noexcept { return pair_memo_.data(); }

  // The calling thread's cache for the tokenizer with this unique id.
  static piece_cache& for_tokenizer(std::uint64_t tokenizer_id) {
    struct slot {
      std::uint64_t owner = 0;
      std::unique_ptr<piece_cache> cache;
    };
    thread_local std::array<slot, 4> slots;
    thread_local unsigned next = 0;
    for (slot& s : slots)
      if (s.owner == tokenizer_id && s.cache) return *s.cache;
    slot& s = slots[next++ % slots.size()];
    if (!s.cache) s.cache = std::make_unique<piece_cache>();
    s.cache->clear();
    s.owner = tokenizer_id;
    return *s.cache;
  }

  piece_cache() { clear(); }

 private:
  struct entry {
    std::uint64_t hash;
    std::uint8_t len;
    std::uint8_t count;
    char bytes[max_piece_bytes];
    token_id ids[max_ids];
  };
  static_assert(sizeof(entry) == 64);
  std::array<entry, entries> table_{};
  struct short_entry {
    std::uint64_t key = 0;
    token_id id = 0;
    std::uint32_t len = 0;
  };
  static constexpr std::size_t short_entries = 8192;
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE static std::size_t short_home(std::uint64_t key, std::size_t len) noexcept {
    return static_cast<std::size_t>(((key ^ len) * 0x9E3779B97F4A7C15ull) >> 51);
  }
  static_assert(short_entries == std::size_t{1} << 13);
  std::array<short_entry, short_entries> short_{};
  std::array<pair_memo_entry, std::size_t{1} << pair_memo_bits> pair_memo_{};
};

TOKENMETER_END_NAMESPACE
