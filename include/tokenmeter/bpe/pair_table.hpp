// Merge rules keyed by the pair of token ids, as HuggingFace BPE defines them: (left, right) ->
// (priority = index in the merges list, merged token id).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/detail/flat_array.hpp>
#include <tokenmeter/detail/hash.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/types.hpp>

#include <cstdint>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

struct merge_rule {
  std::uint32_t priority;  // lower merges first
  token_id merged;
};

class pair_table {
 public:
  void reserve(std::size_t n) {
    const std::size_t cap = detail::table_capacity_for(n);
    if (cap > keys_.size()) rehash(cap);
  }

  // The first rule for a pair wins, as in HF (a later duplicate never fires there either).
  void insert(token_id left, token_id right, merge_rule rule) {
    if ((size_ + 1) * 2 > keys_.size()) rehash(detail::table_capacity_for(size_ + 1));
    const std::uint64_t key = pack(left, right);
    for (std::size_t i = detail::hash_u64(key) & mask_;; i = (i + 1) & mask_) {
      if (keys_[i] == empty) {
        keys_.mut(i) = key;
        values_.mut(i) = rule;
        ++size_;
        return;
      }
      if (keys_[i] == key) return;
    }
  }

  [[nodiscard]] TOKENMETER_ALWAYS_INLINE const merge_rule* find(token_id left, token_id right) const noexcept {
    if (TOKENMETER_UNLIKELY(size_ == 0)) return nullptr;
    const std::uint64_t key = pack(left, right);
    for (std::size_t i = detail::hash_u64(key) & mask_;; i = (i + 1) & mask_) {
      if (keys_[i] == key) return &values_[i];
      if (keys_[i] == empty) return nullptr;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // Calls f(left, right) for every rule, in no particular order.
  template <class F>
  void for_each_pair(F&& f) const {
    for (std::size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] != empty) f(static_cast<token_id>(keys_[i] >> 32), static_cast<token_id>(keys_[i] & 0xFFFFFFFFu));
  }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return keys_.owned_bytes() + values_.owned_bytes(); }

  void serialize(detail::binary_writer& w) const {
    w.put_flat(keys_);
    w.put_flat(values_);
    w.put<std::uint64_t>(size_);
  }
  bool deserialize(detail::binary_reader& r, const std::shared_ptr<const void>& keep) {
    std::uint64_t n = 0;
    if (!r.get_flat(keys_, keep) || !r.get_flat(values_, keep) || !r.get(n)) return false;
    if (keys_.size() != values_.size() || (keys_.size() & (keys_.size() - 1)) != 0 || n > keys_.size()) return false;
    if (!keys_.empty() && n * 2 > keys_.size()) return false;  // the probe loop relies on free slots
    mask_ = keys_.empty() ? 0 : keys_.size() - 1;
    size_ = n;
    return true;
  }

 private:
  static constexpr std::uint64_t empty = ~std::uint64_t{0};  // (no_token, no_token) is never a real pair
  static std::uint64_t pack(token_id l, token_id r) noexcept { return (std::uint64_t{l} << 32) | r; }

  void rehash(std::size_t cap) {
    detail::flat_array<std::uint64_t> old_keys = std::move(keys_);
    detail::flat_array<merge_rule> old_values = std::move(values_);
    keys_.assign(cap, empty);
    values_.assign(cap, merge_rule{});
    mask_ = cap - 1;
    for (std::size_t j = 0; j < old_keys.size(); ++j) {
      if (old_keys[j] == empty) continue;
      for (std::size_t i = detail::hash_u64(old_keys[j]) & mask_;; i = (i + 1) & mask_) {
        if (keys_[i] == empty) {
          keys_.mut(i) = old_keys[j];
          values_.mut(i) = old_values[j];
          break;
        }
      }
    }
  }

  detail::flat_array<std::uint64_t> keys_;
  detail::flat_array<merge_rule> values_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

TOKENMETER_END_NAMESPACE
