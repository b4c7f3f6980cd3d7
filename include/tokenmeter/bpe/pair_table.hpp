// Merge rules keyed by the pair of token ids, as HuggingFace BPE defines them: (left, right) ->
// (priority = index in the merges list, merged token id).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/detail/flat_array.hpp>
#include <tokenmeter/detail/hash.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/types.hpp>

#include <algorithm>
#include <cstdint>

TOKENMETER_BEGIN_NAMESPACE

struct merge_rule {
  std::uint32_t priority;  // lower merges first
  token_id merged;
};

class pair_table {
 public:
  void reserve(std::size_t n) {
    if (detail::table_homes_for(n) > homes_) rebuild(detail::table_homes_for(n));
  }

  // The first rule for a pair wins, as in HF (a later duplicate never fires there either).
  void insert(token_id left, token_id right, merge_rule rule) {
    if ((size_ + 1) * 2 > homes_) rebuild(detail::table_homes_for(std::max<std::size_t>(size_ + 1, homes_)));
    while (!place(pack(left, right), rule)) rebuild(homes_);  // a run reached the last slot: a longer tail
  }

  [[nodiscard]] TOKENMETER_ALWAYS_INLINE const merge_rule* find(token_id left, token_id right) const noexcept {
    if (TOKENMETER_UNLIKELY(size_ == 0)) return nullptr;
    const std::uint64_t key = pack(left, right);
    for (std::size_t i = detail::table_home(detail::hash_u64(key), homes_);; ++i) {
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
    w.put<std::uint64_t>(homes_);
  }
  bool deserialize(detail::binary_reader& r, const std::shared_ptr<const void>& keep) {
    std::uint64_t n = 0, homes = 0;
    if (!r.get_flat(keys_, keep) || !r.get_flat(values_, keep) || !r.get(n) || !r.get(homes)) return false;
    if (keys_.size() != values_.size() || n > homes) return false;
    // Every probe must end: the homes lie before the last slot, which is empty.
    if (n != 0 && (homes >= keys_.size() || keys_[keys_.size() - 1] != empty)) return false;
    homes_ = homes;
    size_ = n;
    return true;
  }

 private:
  static constexpr std::uint64_t empty = ~std::uint64_t{0};  // (no_token, no_token) is never a real pair
  static std::uint64_t pack(token_id l, token_id r) noexcept { return (std::uint64_t{l} << 32) | r; }

  // Adds the pair unless it is there; false if its run reached the last slot (nothing changed).
  bool place(std::uint64_t key, merge_rule rule) {
    for (std::size_t i = detail::table_home(detail::hash_u64(key), homes_);; ++i) {
      if (i + 1 == keys_.size()) return false;
      if (keys_[i] == key) return true;
      if (keys_[i] == empty) {
        keys_.mut(i) = key;
        values_.mut(i) = rule;
        ++size_;
        return true;
      }
    }
  }
  // Re-places every rule over `homes` homes, with a tail long enough for every run.
  void rebuild(std::size_t homes) {
    const detail::flat_array<std::uint64_t> old_keys = std::move(keys_);
    const detail::flat_array<merge_rule> old_values = std::move(values_);
    std::size_t tail = homes == homes_ && !old_keys.empty() ? (old_keys.size() - homes_) * 4 : detail::table_first_tail;
    homes_ = homes;
    for (bool placed = false; !placed; tail *= 4) {
      keys_.assign(homes + tail, empty);
      values_.assign(homes + tail, merge_rule{});
      size_ = 0;
      placed = true;
      for (std::size_t j = 0; j < old_keys.size() && placed; ++j)
        if (old_keys[j] != empty) placed = place(old_keys[j], old_values[j]);
    }
  }

  detail::flat_array<std::uint64_t> keys_;
  detail::flat_array<merge_rule> values_;
  std::size_t homes_ = 0;  // slots a pair can start from; the rest is the tail runs spill into
  std::size_t size_ = 0;
};

TOKENMETER_END_NAMESPACE
