// The vocabulary: token id <-> token bytes, with an xxHash-keyed open-addressing index.
//
// Layout, chosen for the hot path (one lookup per piece, more while merging): a slot is 12
// bytes holding the key's first 8 bytes, its length and the id, so a lookup of a key up to 8
// bytes long -- most words and merge candidates -- reads one slot (one cache line, two for the
// one slot in eight that straddles); longer keys compare the rest against the arena. (16-byte
// slots that also held 16 more hash bits measured 1-5% slower, not faster, and took a third
// more memory: 8 MiB for o200k_base instead of 6.) Entries are indexed by id (ids are dense in
// every real vocabulary; bounded by max_token_id so a hostile file cannot force a huge
// allocation): once finalized, the bytes lie in id order and each id keeps one 4-byte offset,
// its length the distance to the next (0.8 MiB for o200k_base instead of 1.6 with an offset and
// a length each).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/detail/flat_array.hpp>
#include <tokenmeter/detail/hash.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/types.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

class vocab_table {
 public:
  static constexpr std::size_t max_token_bytes = 0xFFFF;
  static constexpr token_id max_token_id = (1u << 24) - 1;  // 16.7M (a slot holds id + 1 in 24 bits); real vocabularies are below 1M

  vocab_table() = default;
  vocab_table(vocab_table&&) noexcept = default;
  vocab_table& operator=(vocab_table&&) noexcept = default;

  void reserve(std::size_t tokens, std::size_t bytes) {
    arena_.reserve(bytes);
    pending_.reserve(tokens);
  }

  // Adds a token. Duplicate ids or duplicate bytes are errors, because a vocabulary with either
  // cannot round-trip and its rank order would be ambiguous.
  result<void> add(token_id id, std::string_view bytes) {
    if (id >= max_token_id)
      return make_error(errc::out_of_range, "token id " + std::to_string(id) + " is beyond the supported " +
                                                std::to_string(max_token_id) + " (a corrupt or hostile vocabulary?)");
    if (bytes.size() > max_token_bytes)
      return make_error(errc::limit_exceeded, "token " + std::to_string(id) + " is " +
                                                  std::to_string(bytes.size()) + " bytes long");
    if (!offsets_.empty()) return make_error(errc::invalid_argument, "the vocabulary is finalized: no token can be added");
    if (id >= pending_.size()) pending_.resize(static_cast<std::size_t>(id) + 1, entry{0, absent});
    if (pending_[id].len != absent) return make_error(errc::vocab_corrupt, "duplicate token id " + std::to_string(id));
    if (arena_.size() + bytes.size() > offset_mask)
      return make_error(errc::limit_exceeded, "vocabulary exceeds 2 GiB of token bytes");
    pending_[id] = {static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(bytes.size())};
    arena_.append(bytes.data(), bytes.size());
    ++count_;
    return {};
  }

  // Builds the bytes -> id index; reports the first duplicate byte string.
  result<void> finalize() {
    // Load factor at most 1/2; slots are 12 bytes, five or six to a cache line. Most lookups while
    // merging are of keys that are not tokens, and with linear probing such a lookup reads up to
    // the next empty slot: ~9 slots at the 0.76 load o200k_base had under a "below 0.8" rule,
    // ~2.5 at 0.5. Measured (o200k_base count): a word of random letters +28%, English +3-13%,
    // for twice the index (4.6 MiB for o200k_base at exactly 0.5 with 12-byte slots).
    if (!offsets_.empty()) return make_error(errc::invalid_argument, "the vocabulary is finalized already");
    // The bytes in id order, one offset per id (absent ids flagged, their length 0). The copy
    // also drops what reserve() over-guessed from the file's size.
    {
      detail::flat_array<char> by_id;
      by_id.reserve(arena_.size());
      offsets_.resize(pending_.size() + 1);
      for (std::size_t id = 0; id < pending_.size(); ++id) {
        const entry e = pending_[id];
        offsets_.mut(id) = static_cast<std::uint32_t>(by_id.size()) | (e.len == absent ? absent_flag : 0u);
        if (e.len != absent) by_id.append(arena_.data() + e.offset, e.len);
      }
      offsets_.mut(pending_.size()) = static_cast<std::uint32_t>(by_id.size());
      arena_ = std::move(by_id);
      std::vector<entry>().swap(pending_);
    }
    // Exactly half full, probes never wrap (detail::table_home). A run that reaches the last
    // slot (a file built to collide?) gets a longer tail.
    homes_ = detail::table_homes_for(count_);
    for (std::size_t tail = detail::table_first_tail;; tail *= 4) {
      slots_.assign(homes_ + tail, slot{});
      TOKENMETER_TRY(placed, place_all());
      if (placed) break;
    }
    build_filter();
    return {};
  }

  [[nodiscard]] TOKENMETER_ALWAYS_INLINE token_id find(std::string_view key) const noexcept {
    return find(key, detail::hash_bytes(key));
  }

  // Lookup with a precomputed detail::hash_bytes(key).
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE token_id find(std::string_view key, std::uint64_t h) const noexcept {
    if (TOKENMETER_UNLIKELY(slots_.empty() || key.size() > max_token_bytes)) return no_token;
    return probe_from(make_slot(key, 0), key, h);
  }

  // find() for keys that are mostly not tokens (merge candidates: rank rules ask whether two
  // symbols' bytes form a token). A bit table of ~10 bits per token (256 KiB for o200k_base,
  // in L2) turns ~90% of the non-tokens away without reading a slot of the 4.6 MiB index.
  // Measured (o200k_base, cl100k_base, glm-5, minimax-m2 count): random-letter word +20-30%,
  // base64 +7-17%, English +2%, Chinese/Japanese unchanged (their merges mostly hit the pair memo).
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE token_id find_candidate(std::string_view key) const noexcept {
    const std::uint64_t h = detail::hash_bytes(key);
    if (TOKENMETER_UNLIKELY(key.size() > max_token_bytes || filter_.empty())) return no_token;  // (empty: not finalized)
    const slot probe = make_slot(key, 0);
    const std::size_t b = filter_bit(probe);
    if ((filter_[b / 64] >> (b % 64) & 1) == 0) return no_token;
    return probe_from(probe, key, h);
  }

  [[nodiscard]] bool contains(token_id id) const noexcept {
    if (TOKENMETER_UNLIKELY(!pending_.empty())) return id < pending_.size() && pending_[id].len != absent;  // not finalized
    return id < id_bound() && (offsets_[id] & absent_flag) == 0;
  }
  // Bytes of a token; empty for ids not in the table.
  [[nodiscard]] std::string_view bytes(token_id id) const noexcept { return contains(id) ? bytes_of(id) : std::string_view{}; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  // One past the largest id (ids may be sparse).
  [[nodiscard]] std::size_t id_bound() const noexcept {
    return !pending_.empty() ? pending_.size() : offsets_.empty() ? 0 : offsets_.size() - 1;
  }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return arena_.owned_bytes() + offsets_.owned_bytes() + slots_.owned_bytes() + pending_.capacity() * sizeof(entry) +
           filter_.capacity() * sizeof(std::uint64_t);
  }

  void serialize(detail::binary_writer& w) const {
    w.put_flat(arena_);
    w.put_flat(offsets_);
    w.put_flat(slots_);
    w.put<std::uint64_t>(count_);
    w.put<std::uint64_t>(homes_);
  }
  // Restores a table written by serialize(), in place over the reader's memory (kept alive by
  // `keep`); false (table unusable) if the data is inconsistent.
  bool deserialize(detail::binary_reader& r, const std::shared_ptr<const void>& keep) {
    std::uint64_t count = 0, homes = 0;
    if (!r.get_flat(arena_, keep) || !r.get_flat(offsets_, keep) || !r.get_flat(slots_, keep) || !r.get(count) ||
        !r.get(homes))
      return false;
    // Every probe must end: the homes lie before the last slot, which is empty.
    if (homes == 0 || homes >= slots_.size() || slots_[slots_.size() - 1].id_len != 0 || count >= homes ||
        offsets_.empty() || offsets_.size() - 1 > max_token_id)
      return false;
    homes_ = homes;
    count_ = count;
    // Offsets from 0, never decreasing, the last one (no flag) the arena's end.
    if ((offsets_[0] & offset_mask) != 0 || offsets_[offsets_.size() - 1] != arena_.size()) return false;
    for (std::size_t id = 0; id + 1 < offsets_.size(); ++id)
      if ((offsets_[id] & offset_mask) > (offsets_[id + 1] & offset_mask)) return false;
    std::size_t used = 0;
    for (const slot& s : slots_)
      if (s.id_len != 0) {
        if (!contains(id_of(s)) ||
            (s.id_len & 0xFF) != std::min<std::uint32_t>(static_cast<std::uint32_t>(bytes_of(id_of(s)).size()), 0xFF))
          return false;
        ++used;
      }
    if (used != count_) return false;
    build_filter();
    return true;
  }

 private:
  static constexpr std::uint32_t absent = 0xFFFFFFFFu;
  struct entry {  // while adding: where a token's bytes went (in the order added), or absent
    std::uint32_t offset, len;
  };
  // A finalized offset's top bit marks an absent id (the arena stays below 2 GiB).
  static constexpr std::uint32_t absent_flag = 0x80000000u, offset_mask = 0x7FFFFFFFu;
  struct slot {
    char prefix[8] = {};       // the key's first 8 bytes, zero padded (as load_prefix gives them)
    std::uint32_t id_len = 0;  // (id + 1) << 8 | min(length, 255); 0: empty
  };
  static_assert(sizeof(slot) == 12);
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE static std::uint64_t prefix_of(const slot& s) noexcept {
    std::uint64_t p;
    std::memcpy(&p, s.prefix, 8);
    return p;
  }
  [[nodiscard]] static token_id id_of(const slot& s) noexcept { return (s.id_len >> 8) - 1; }

  // The filter is derived from what a slot holds (first 8 bytes, length), so it is
  // rebuilt from the slots (in the pass deserialize makes anyway), never stored or trusted from a
  // file. Bits: ~10 per token, rounded up to a power of two.
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE std::size_t filter_bit(const slot& s) const noexcept {
    const std::uint64_t k = (prefix_of(s) ^ (s.id_len & 0xFF)) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(k >> 32) & (filter_.size() * 64 - 1);
  }
  void build_filter() {
    filter_.assign(std::bit_ceil(std::max<std::size_t>(1, count_ * 10 / 64)), 0);
    for (const slot& s : slots_)
      if (s.id_len != 0) {
        const std::size_t b = filter_bit(s);
        filter_[b / 64] |= std::uint64_t{1} << (b % 64);
      }
  }
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE static slot make_slot(std::string_view key, token_id id) noexcept {
    slot s;
    const std::uint64_t p = load_prefix(key);
    std::memcpy(s.prefix, &p, 8);
    s.id_len = (id + 1) << 8 | static_cast<std::uint32_t>(std::min<std::size_t>(key.size(), 0xFF));
    return s;
  }
  // The first min(8, size) bytes, zero padded. Byte order is irrelevant: it only has to be the
  // same function at build and lookup time (and in compiled caches: little-endian).
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE static std::uint64_t load_prefix(std::string_view key) noexcept {
    if (key.size() < 8) return detail::load_short(key.data(), key.size());
    std::uint64_t p;
    std::memcpy(&p, key.data(), 8);
    return p;
  }
  // Places every token; false if a run of full slots reached the last slot (it must stay empty).
  result<bool> place_all() {
    for (token_id id = 0; id < id_bound(); ++id) {
      if (!contains(id)) continue;
      const std::string_view key = bytes_of(id);
      const slot probe = make_slot(key, id);
      for (std::size_t i = detail::table_home(detail::hash_bytes(key), homes_);; ++i) {
        if (i + 1 == slots_.size()) return false;
        const slot& s = slots_[i];
        if (s.id_len == 0) {
          slots_.mut(i) = probe;
          break;
        }
        if (same_key(s, probe, key))
          return make_error(errc::vocab_corrupt, "tokens " + std::to_string(id_of(s)) + " and " + std::to_string(id) +
                                                     " have the same bytes");
      }
    }
    return true;
  }
  // Linear probing from the key's home slot (the table is finalized, the key not too long).
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE token_id probe_from(const slot& probe, std::string_view key,
                                                             std::uint64_t h) const noexcept {
    for (std::size_t i = detail::table_home(h, homes_);; ++i) {
      const slot& s = slots_[i];
      if (s.id_len == 0) return no_token;
      if (same_key(s, probe, key)) return id_of(s);
    }
  }
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE bool same_key(const slot& s, const slot& probe, std::string_view key) const noexcept {
    if (prefix_of(s) != prefix_of(probe) || (s.id_len & 0xFF) != (probe.id_len & 0xFF)) return false;
    if (key.size() <= 8) return true;
    const std::string_view b = bytes_of(id_of(s));
    return b.size() == key.size() && detail::bytes_equal(b.data() + 8, key.data() + 8, key.size() - 8);
  }
  [[nodiscard]] std::string_view bytes_of(token_id id) const noexcept {
    if (TOKENMETER_UNLIKELY(!pending_.empty())) return {arena_.data() + pending_[id].offset, pending_[id].len};
    const std::uint32_t from = offsets_[id] & offset_mask;
    return {arena_.data() + from, (offsets_[id + 1] & offset_mask) - from};
  }

  detail::flat_array<char> arena_;           // token bytes; in id order once finalized
  detail::flat_array<std::uint32_t> offsets_;  // by id, once finalized: where its bytes start (+ one past the last)
  std::vector<entry> pending_;                 // by id, until finalized
  detail::flat_array<slot> slots_;
  std::size_t homes_ = 0;  // slots a key can start from; the rest is the tail runs spill into
  std::vector<std::uint64_t> filter_;  // see filter_bit
  std::size_t count_ = 0;
};

TOKENMETER_END_NAMESPACE
