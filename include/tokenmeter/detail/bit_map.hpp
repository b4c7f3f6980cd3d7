// A map of 65,536 bits -- one per byte pair, per BMP code point or per 16-bit hash -- kept as
// 64-bit words so the compiled cache can store it and read it back as it is.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/binary_io.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

class bit_map_64k {
 public:
  static constexpr std::size_t bits = 65536;

  void set(std::size_t i) noexcept { words_[i / 64] |= std::uint64_t{1} << (i % 64); }
  [[nodiscard]] TOKENMETER_ALWAYS_INLINE bool test(std::size_t i) const noexcept { return (words_[i / 64] >> (i % 64)) & 1; }

  void serialize(binary_writer& w) const { w.put_array(words_.data(), words_.size()); }
  bool deserialize(binary_reader& r) { return r.get_array(words_.data(), words_.size()); }

 private:
  std::array<std::uint64_t, bits / 64> words_{};
};

}  // namespace detail
TOKENMETER_END_NAMESPACE
