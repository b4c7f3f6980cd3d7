// Decoding ids back to bytes. Every decoder our families use (ByteLevel, Replace, ByteFallback,
// Fuse, Strip, Metaspace) is a per-token rewrite, so the loader applies the chain once per token
// at load time and decoding is a table lookup per id. The table holds only the tokens whose
// decoded bytes differ from their vocabulary bytes (special tokens, Gemma's U+2581 words, ...);
// every other id decodes to its vocabulary bytes, so they are not stored twice.
//
// Those overrides are found by rank: a bit per id up to the largest overridden one, a running
// count per 64 ids, and the overrides' bytes in id order. Special tokens sit at the top of the
// id range (o200k_base: 199999-200018), so arrays indexed by id cost 9 bytes for each of the
// 200K ids (1.7 MiB) to hold 20 entries; bits cost 2 (40 KiB).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/detail/flat_array.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

class decoder_table {
 public:
  decoder_table() = default;
  decoder_table(decoder_table&&) noexcept = default;
  decoder_table& operator=(decoder_table&&) noexcept = default;

  // Sets (or replaces: added tokens override vocabulary entries) the bytes of one id. Takes
  // effect at finish().
  void set(token_id id, std::string_view bytes, bool special) {
    pending_.push_back({id, special, pending_bytes_.size(), bytes.size()});
    pending_bytes_.append(bytes);
  }

  // Builds the lookup from what set() recorded, the last setting of an id winning over earlier
  // ones and over the table's present entries. tokenizer::create calls it.
  void finish() {
    if (pending_.empty()) return;
    struct item {
      token_id id;
      bool special;
      std::string_view bytes;
    };
    std::vector<item> items;
    items.reserve(overrides() + pending_.size());
    for (token_id id = 0; id < bound_; ++id)
      if (contains(id)) items.push_back({id, is_special(id), bytes(id)});
    for (const pending& p : pending_) items.push_back({p.id, p.special, std::string_view(pending_bytes_).substr(p.offset, p.len)});
    std::stable_sort(items.begin(), items.end(), [](const item& a, const item& b) { return a.id < b.id; });
    std::string arena;
    std::vector<std::uint32_t> ends;
    std::vector<std::uint64_t> has, special;
    const token_id bound = items.back().id + 1;
    has.assign(words_for(bound), 0);
    special.assign(has.size(), 0);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i + 1 < items.size() && items[i + 1].id == items[i].id) continue;  // a later setting wins
      const item& it = items[i];
      has[it.id / 64] |= std::uint64_t{1} << (it.id % 64);
      if (it.special) special[it.id / 64] |= std::uint64_t{1} << (it.id % 64);
      arena.append(it.bytes);
      ends.push_back(static_cast<std::uint32_t>(arena.size()));
    }
    arena_ = {};
    arena_.append(arena.data(), arena.size());
    ends_ = {};
    ends_.append(ends.data(), ends.size());
    has_ = {};
    has_.append(has.data(), has.size());
    special_ = {};
    special_.append(special.data(), special.size());
    bound_ = bound;
    build_ranks();
    pending_ = {};
    pending_bytes_ = {};
  }

  // Metaspace-style decoders drop the space their pre-tokenizer prepended to the first token.
  void set_strip_first_leading_space(bool v) noexcept { strip_first_space_ = v; }

  [[nodiscard]] bool contains(token_id id) const noexcept { return id < bound_ && bit(has_, id); }
  [[nodiscard]] bool is_special(token_id id) const noexcept { return contains(id) && bit(special_, id); }
  [[nodiscard]] std::size_t id_bound() const noexcept { return bound_; }

  [[nodiscard]] std::string_view bytes(token_id id) const noexcept {
    if (!contains(id)) return {};
    const std::size_t k = rank_[id / 64] + static_cast<std::size_t>(std::popcount(has_[id / 64] & ((std::uint64_t{1} << (id % 64)) - 1)));
    const std::uint32_t begin = k == 0 ? 0 : ends_[k - 1];
    return {arena_.data() + begin, ends_[k] - begin};
  }

  [[nodiscard]] bool strip_first_leading_space() const noexcept { return strip_first_space_; }

  // What `id` decodes to: its override, else its vocabulary bytes (empty for unknown ids).
  [[nodiscard]] std::string_view bytes_or_vocab(token_id id, const vocab_table& vocab) const noexcept {
    return contains(id) ? bytes(id) : vocab.bytes(id);
  }

  // Raw bytes of the ids (which need not form valid UTF-8 on their own).
  [[nodiscard]] result<std::string> decode(std::span<const token_id> ids, const vocab_table& vocab, bool skip_special) const {
    // Bytes are copied into a buffer grown by doubling rather than appended: GCC does not always
    // inline std::string::append in this loop (a small change to vocab_table's accessors made it
    // a call and decode 8-18% slower); copying measured o200k_base English +1-5% over appending.
    std::string out(ids.size() * 4, '\0');
    std::size_t used = 0;
    bool first = true;
    for (const token_id id : ids) {
      std::string_view b;
      if (contains(id)) {
        if (skip_special && is_special(id)) continue;
        b = bytes(id);
      } else if (vocab.contains(id)) {
        b = vocab.bytes(id);
      } else {
        return make_error(errc::out_of_range, "token id " + std::to_string(id) + " is not in the vocabulary");
      }
      // Metaspace-style decoders drop the space their pre-tokenizer prepended to the first token.
      if (first && strip_first_space_ && !b.empty() && b.front() == ' ') b.remove_prefix(1);
      first = false;
      if (TOKENMETER_UNLIKELY(used + b.size() > out.size())) out.resize(std::max(2 * out.size(), used + b.size()));
      std::memcpy(out.data() + used, b.data(), b.size());
      used += b.size();
    }
    out.resize(used);
    return out;
  }

  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return arena_.owned_bytes() + ends_.owned_bytes() + has_.owned_bytes() + special_.owned_bytes() +
           rank_.capacity() * sizeof(std::uint32_t);
  }

  void serialize(detail::binary_writer& w) const {
    w.put<std::uint64_t>(bound_);
    w.put_flat(has_);
    w.put_flat(special_);
    w.put_flat(ends_);
    w.put_flat(arena_);
    w.put<std::uint8_t>(strip_first_space_ ? 1 : 0);
  }
  // Restores a table written by serialize() over the reader's memory; false if inconsistent.
  bool deserialize(detail::binary_reader& r, const std::shared_ptr<const void>& keep) {
    std::uint64_t bound = 0;
    std::uint8_t strip = 0;
    if (!r.get(bound) || !r.get_flat(has_, keep) || !r.get_flat(special_, keep) || !r.get_flat(ends_, keep) ||
        !r.get_flat(arena_, keep) || !r.get(strip))
      return false;
    if (bound > vocab_table::max_token_id || has_.size() != words_for(bound) || special_.size() != has_.size()) return false;
    std::size_t count = 0;
    for (std::size_t w = 0; w < has_.size(); ++w) {
      if ((special_[w] & ~has_[w]) != 0) return false;
      count += static_cast<std::size_t>(std::popcount(has_[w]));
    }
    // The largest overridden id is bound - 1, as finish() makes it.
    if (bound != 0 && !bit(has_, static_cast<token_id>(bound - 1))) return false;
    if (bound % 64 != 0 && !has_.empty() && (has_[has_.size() - 1] >> (bound % 64)) != 0) return false;
    if (count != ends_.size()) return false;
    std::uint32_t prev = 0;
    for (const std::uint32_t e : ends_) {
      if (e < prev) return false;
      prev = e;
    }
    if (prev != arena_.size()) return false;
    bound_ = static_cast<token_id>(bound);
    strip_first_space_ = strip != 0;
    build_ranks();
    return true;
  }

 private:
  struct pending {
    token_id id;
    bool special;
    std::size_t offset, len;
  };
  static std::size_t words_for(std::uint64_t bound) noexcept { return static_cast<std::size_t>((bound + 63) / 64); }
  static bool bit(const detail::flat_array<std::uint64_t>& bits, token_id id) noexcept {
    return (bits[id / 64] >> (id % 64) & 1) != 0;
  }
  [[nodiscard]] std::size_t overrides() const noexcept { return ends_.size(); }
  // Overrides before each 64-id word (derived, so never read from a cache file).
  void build_ranks() {
    rank_.assign(has_.size(), 0);
    std::uint32_t n = 0;
    for (std::size_t w = 0; w < has_.size(); ++w) {
      rank_[w] = n;
      n += static_cast<std::uint32_t>(std::popcount(has_[w]));
    }
  }

  token_id bound_ = 0;                        // one past the largest overridden id
  detail::flat_array<std::uint64_t> has_;     // a bit per id below bound_: overridden
  detail::flat_array<std::uint64_t> special_;  // ... and a special token
  detail::flat_array<std::uint32_t> ends_;    // end of each override's bytes in arena_, in id order
  detail::flat_array<char> arena_;
  std::vector<std::uint32_t> rank_;
  std::vector<pending> pending_;  // set() before finish()
  std::string pending_bytes_;
  bool strip_first_space_ = false;
};

TOKENMETER_END_NAMESPACE
