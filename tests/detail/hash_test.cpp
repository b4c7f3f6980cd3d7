// detail/hash.hpp: the short-key helpers against the plain byte operations they replace.
#include <tokenmeter/detail/hash.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>

namespace {

using namespace tokenmeter;

// What load_short must equal: the bytes copied into a zeroed little-endian word.
std::uint64_t copied(const char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

TEST(LoadShort, EqualsTheBytesCopiedIntoAZeroedWord) {
  std::mt19937_64 rng(7);
  std::string buf(64, '\0');
  for (int round = 0; round < 2000; ++round) {
    for (char& c : buf) c = static_cast<char>(rng());
    for (std::size_t n = 0; n <= 8; ++n) {
      const std::size_t at = rng() % (buf.size() - n + 1);
      ASSERT_EQ(detail::load_short(buf.data() + at, n), copied(buf.data() + at, n)) << "n=" << n << " at=" << at;
    }
  }
}

TEST(LoadShort, ReadsNothingBeyondItsBytes) {
  // n bytes at the very end of an allocation: under ASan any read past them is reported.
  for (std::size_t n = 0; n <= 8; ++n) {
    const auto owned = std::make_unique<char[]>(n == 0 ? 1 : n);
    for (std::size_t i = 0; i < n; ++i) owned[i] = static_cast<char>(0xA0 + i);
    EXPECT_EQ(detail::load_short(owned.get(), n), copied(owned.get(), n)) << "n=" << n;
  }
}

TEST(HashBytes, EqualsXxh3AtEveryLength) {
  // Compiled caches store tables laid out by these values: the short-key branch must not change them.
  std::mt19937_64 rng(3);
  std::string buf(300, '\0');
  for (int round = 0; round < 50; ++round) {
    for (char& c : buf) c = static_cast<char>(rng());
    for (std::size_t n = 0; n <= buf.size(); ++n)
      ASSERT_EQ(detail::hash_bytes(std::string_view(buf.data(), n)), XXH3_64bits(buf.data(), n)) << "n=" << n;
  }
}

TEST(BytesEqual, AgreesWithStringComparison) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20000; ++round) {
    const std::size_t n = rng() % 40;
    std::string a(n, '\0');
    for (char& c : a) c = static_cast<char>(rng() % 3);  // few values: equal strings are common
    std::string b = a;
    if (n != 0 && rng() % 2 == 0) b[rng() % n] ^= static_cast<char>(1 + rng() % 2);
    ASSERT_EQ(detail::bytes_equal(a.data(), b.data(), n), a == b) << "n=" << n;
  }
}

}  // namespace
