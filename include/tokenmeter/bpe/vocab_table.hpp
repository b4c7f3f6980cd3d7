// The vocabulary: token id <-> token bytes, with an xxHash-keyed open-addressing index.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/detail/flat_array.hpp>
#include <tokenmeter/detail/hash.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/types.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

class vocab_table {
 public:
  vocab_table() = default;
  vocab_table(vocab_table&&) noexcept = default;
  vocab_table& operator=(vocab_table&&) noexcept = default;

  void reserve(std::size_t tokens, std::size_t bytes) {
    arena_.reserve(bytes);
    entries_.reserve(tokens);
  }

  // Adds a token; ids may be sparse. Duplicate ids or duplicate bytes are errors, because a
  // vocabulary with either cannot round-trip and its rank order would be ambiguous.
  result<void> add(token_id id, std::string_view bytes) {
    if (id >= max_token_id)
      return make_error(errc::out_of_range, "token id " + std::to_string(id) + " is beyond the supported " +
                                                std::to_string(max_token_id) + " (a corrupt or hostile vocabulary?)");
    if (bytes.size() > max_token_bytes)
      return make_error(errc::limit_exceeded, "token " + std::to_string(id) + " is " +
                                                  std::to_string(bytes.size()) + " bytes long");
    if (id >= index_of_.size()) index_of_.resize(static_cast<std::size_t>(id) + 1, absent);
    if (index_of_[id] != absent) return make_error(errc::vocab_corrupt, "duplicate token id " + std::to_string(id));
    index_of_.mut(id) = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back({static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(bytes.size()), id});
    arena_.append(bytes.data(), bytes.size());
    if (arena_.size() > 0xFFFFFFFFu) return make_error(errc::limit_exceeded, "vocabulary exceeds 4 GiB of token bytes");
    return {};
  }

  // Builds the bytes -> id index; reports the first duplicate byte string.
  result<void> finalize() {
    const std::size_t cap = detail::table_capacity_for(entries_.size());
    slots_.assign(cap, 0);
    mask_ = cap - 1;
    for (std::uint32_t e = 0; e < entries_.size(); ++e) {
      const std::string_view key = bytes_of_entry(e);
      const std::uint64_t h = detail::hash_bytes(key);
      const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
      for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
        const std::uint64_t s = slots_[i];
        if (s == 0) {
          slots_.mut(i) = (static_cast<std::uint64_t>(tag) << 32) | (e + 1);
          break;
        }
        if (static_cast<std::uint32_t>(s >> 32) == tag && bytes_of_entry(static_cast<std::uint32_t>(s) - 1) == key)
          return make_error(errc::vocab_corrupt, "tokens " + std::to_string(entries_[static_cast<std::uint32_t>(s) - 1].id) +
                                                     " and " + std::to_string(entries_[e].id) + " have the same bytes");
      }
    }
    return {};
  }

  [[nodiscard]] TOKENMETER_ALWAYS_INLINE token_id find(std::string_view key) const noexcept {
    return find(key, detail::hash_bytes(key));
  }

  // Lookup with a precomputed detail::hash_bytes(key).
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE token_id find(std::string_view key, std::uint64_t h) const noexcept {
    if (TOKENMETER_UNLIKELY(slots_.empty())) return no_token;
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const std::uint64_t s = slots_[i];
      if (s == 0) return no_token;
      if (static_cast<std::uint32_t>(s >> 32) == tag) {
        const entry& en = entries_[static_cast<std::uint32_t>(s) - 1];
        if (en.len == key.size() && detail::bytes_equal(arena_.data() + en.offset, key.data(), key.size()))
          return en.id;
      }
    }
  }

  [[nodiscard]] bool contains(token_id id) const noexcept { return id < index_of_.size() && index_of_[id] != absent; }
  // Bytes of a token; empty for ids not in the table.
  [[nodiscard]] std::string_view bytes(token_id id) const noexcept {
    return contains(id) ? bytes_of_entry(index_of_[id]) : std::string_view{};
  }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  // One past the largest id (ids may be sparse).
  [[nodiscard]] std::size_t id_bound() const noexcept { return index_of_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return arena_.owned_bytes() + entries_.owned_bytes() + index_of_.owned_bytes() + slots_.owned_bytes();
  }

  void serialize(detail::binary_writer& w) const {
    w.put_flat(arena_);
    w.put_flat(entries_);
    w.put_flat(index_of_);
    w.put_flat(slots_);
  }
  // Restores a table written by serialize(), in place over the reader's memory (kept alive by
  // `keep`); false (table unusable) if the data is inconsistent.
  bool deserialize(detail::binary_reader& r, const std::shared_ptr<const void>& keep) {
    if (!r.get_flat(arena_, keep) || !r.get_flat(entries_, keep) || !r.get_flat(index_of_, keep) || !r.get_flat(slots_, keep))
      return false;
    if (slots_.empty() || (slots_.size() & (slots_.size() - 1)) != 0 || entries_.size() >= slots_.size()) return false;
    mask_ = slots_.size() - 1;
    for (const entry& e : entries_)
      if (e.offset > arena_.size() || e.len > arena_.size() - e.offset || e.id >= index_of_.size()) return false;
    for (const std::uint32_t i : index_of_)
      if (i != absent && i >= entries_.size()) return false;
    for (const std::uint64_t sl : slots_)
      if (static_cast<std::uint32_t>(sl) > entries_.size()) return false;
    return true;
  }

  static constexpr std::size_t max_token_bytes = 1u << 16;
  static constexpr token_id max_token_id = 1u << 24;  // 16.7M: real vocabularies are below 1M

 private:
  static constexpr std::uint32_t absent = 0xFFFFFFFFu;
  struct entry {
    std::uint32_t offset, len;
    token_id id;
  };
  [[nodiscard]] std::string_view bytes_of_entry(std::uint32_t e) const noexcept {
    return {arena_.data() + entries_[e].offset, entries_[e].len};
  }

  detail::flat_array<char> arena_;
  detail::flat_array<entry> entries_;
  detail::flat_array<std::uint32_t> index_of_;  // id -> entry index
  detail::flat_array<std::uint64_t> slots_;     // (hash tag << 32) | (entry index + 1); 0 = empty
  std::size_t mask_ = 0;
};

TOKENMETER_END_NAMESPACE
