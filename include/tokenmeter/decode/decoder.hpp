// Decoding ids back to bytes. Every decoder our families use (ByteLevel, Replace, ByteFallback,
// Fuse, Strip, Metaspace) is a per-token rewrite, so the loader applies the chain once per token
// at load time and decoding is a table lookup per id. The table holds only the tokens whose
// decoded bytes differ from their vocabulary bytes (special tokens, Gemma's U+2581 words, ...);
// every other id decodes to its vocabulary bytes, so they are not stored twice.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>

#include <cstdint>
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

  // Sets (or replaces: added tokens override vocabulary entries) the bytes of one id.
  void set(token_id id, std::string_view bytes, bool special) {
    if (id >= flags_.size()) {
      const std::size_t n = static_cast<std::size_t>(id) + 1;
      offsets_.resize(n, 0);
      ends_.resize(n, 0);
      flags_.resize(n, 0);
    }
    offsets_.mut(id) = static_cast<std::uint32_t>(arena_.size());
    arena_.append(bytes.data(), bytes.size());
    ends_.mut(id) = static_cast<std::uint32_t>(arena_.size());
    flags_.mut(id) = static_cast<std::uint8_t>(valid_flag | (special ? special_flag : 0));
  }

  // Metaspace-style decoders drop the space their pre-tokenizer prepended to the first token.
  void set_strip_first_leading_space(bool v) noexcept { strip_first_space_ = v; }

  [[nodiscard]] bool contains(token_id id) const noexcept { return id < flags_.size() && (flags_[id] & valid_flag); }
  [[nodiscard]] bool is_special(token_id id) const noexcept { return contains(id) && (flags_[id] & special_flag); }
  [[nodiscard]] std::size_t id_bound() const noexcept { return flags_.size(); }

  [[nodiscard]] std::string_view bytes(token_id id) const noexcept {
    if (!contains(id)) return {};
    return {arena_.data() + offsets_[id], ends_[id] - offsets_[id]};
  }

  [[nodiscard]] bool strip_first_leading_space() const noexcept { return strip_first_space_; }

  // What `id` decodes to: its override, else its vocabulary bytes (empty for unknown ids).
  [[nodiscard]] std::string_view bytes_or_vocab(token_id id, const vocab_table& vocab) const noexcept {
    return contains(id) ? bytes(id) : vocab.bytes(id);
  }

  // Raw bytes of the ids (which need not form valid UTF-8 on their own).
  [[nodiscard]] result<std::string> decode(std::span<const token_id> ids, const vocab_table& vocab, bool skip_special) const {
    std::string out;
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
      out.append(b);
    }
    return out;
  }

  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return arena_.owned_bytes() + offsets_.owned_bytes() + ends_.owned_bytes() + flags_.owned_bytes();
  }

  void serialize(detail::binary_writer& w) const {
    w.put_flat(arena_);
    w.put_flat(offsets_);
    w.put_flat(ends_);
    w.put_flat(flags_);
    w.put<std::uint8_t>(strip_first_space_ ? 1 : 0);
  }
  bool deserialize(detail::binary_reader& r, const std::shared_ptr<const void>& keep) {
    std::uint8_t strip = 0;
    if (!r.get_flat(arena_, keep) || !r.get_flat(offsets_, keep) || !r.get_flat(ends_, keep) || !r.get_flat(flags_, keep) ||
        !r.get(strip))
      return false;
    if (offsets_.size() != flags_.size() || ends_.size() != flags_.size()) return false;
    for (std::size_t i = 0; i < flags_.size(); ++i)
      if (offsets_[i] > ends_[i] || ends_[i] > arena_.size()) return false;
    strip_first_space_ = strip != 0;
    return true;
  }

 private:
  detail::flat_array<char> arena_;
  static constexpr std::uint8_t valid_flag = 1, special_flag = 2;
  detail::flat_array<std::uint32_t> offsets_, ends_;
  detail::flat_array<std::uint8_t> flags_;
  bool strip_first_space_ = false;
};

TOKENMETER_END_NAMESPACE
