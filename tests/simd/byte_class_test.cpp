// The byte-run kernels against their scalar definitions, on every Highway target this build
// compiled (runtime dispatch, so each target is forced in turn) and through the static path.
#include <tokenmeter/detail/simd/byte_class.hpp>

#include "each_target.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>


namespace {
using namespace tokenmeter::detail::simd;

std::size_t scalar_set_prefix(const std::uint8_t* p, std::size_t n, const ascii_set_rows& rows) {
  std::size_t i = 0;
  while (i < n && p[i] < 0x80 && ((rows[p[i] & 15] >> (p[i] >> 4)) & 1)) ++i;
  return i;
}
std::size_t scalar_ascii_prefix(const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

// Buffers whose prefix in the set has every length up to 300 (across vector and block
// boundaries), then one byte outside it, at every alignment.
void check_all_lengths(const ascii_set_rows& rows, std::mt19937& rng, const std::vector<std::uint8_t>& members,
                       const std::vector<std::uint8_t>& others) {
  std::uniform_int_distribution<std::size_t> pick_in(0, members.size() - 1), pick_out(0, others.size() - 1);
  for (std::size_t len = 0; len <= 300; ++len) {
    for (std::size_t align = 0; align < 4; ++align) {
      std::vector<std::uint8_t> buf(align + len + 40);
      for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = members[pick_in(rng)];
      buf[align + len] = others[pick_out(rng)];
      const std::uint8_t* p = buf.data() + align;
      const std::size_t n = buf.size() - align;
      ASSERT_EQ(ascii_set_prefix(p, n, rows.data()), scalar_set_prefix(p, n, rows)) << "len " << len;
      ASSERT_EQ(ascii_set_prefix(p, len, rows.data()), len) << "whole buffer in the set, len " << len;
    }
  }
}

void check_kernels() {
  std::mt19937 rng(7);
  const auto lower = make_ascii_set([](unsigned char b) { return b >= 'a' && b <= 'z'; });
  std::vector<std::uint8_t> lower_members, lower_others;
  for (int b = 0; b < 256; ++b) (b >= 'a' && b <= 'z' ? lower_members : lower_others).push_back(static_cast<std::uint8_t>(b));
  check_all_lengths(lower, rng, lower_members, lower_others);

  // Random sets, random bytes (including >= 0x80, which is never in a set).
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 200; ++round) {
    std::vector<bool> in(128);
    for (int b = 0; b < 128; ++b) in[b] = byte(rng) < 160;
    const auto rows = make_ascii_set([&](unsigned char b) { return in[b]; });
    std::vector<std::uint8_t> buf(1 + static_cast<std::size_t>(byte(rng)) * 3);
    for (auto& b : buf) b = static_cast<std::uint8_t>(byte(rng) < 200 ? byte(rng) & 0x7F : byte(rng));
    for (std::size_t off = 0; off < buf.size(); ++off) {
      ASSERT_EQ(ascii_set_prefix(buf.data() + off, buf.size() - off, rows.data()),
                scalar_set_prefix(buf.data() + off, buf.size() - off, rows));
      ASSERT_EQ(ascii_prefix(buf.data() + off, buf.size() - off), scalar_ascii_prefix(buf.data() + off, buf.size() - off));
    }
  }
  // Sets of any bytes (each byte in with probability 1/128 .. 1/4), found at every offset.
  for (int round = 0; round < 200; ++round) {
    std::vector<bool> in(256);
    byte_set_rows set;
    const int density = 4 << (round % 6);
    for (int b = 0; b < 256; ++b)
      if (byte(rng) < density / 2) {
        in[b] = true;
        set.add(static_cast<unsigned char>(b));
      }
    std::vector<std::uint8_t> buf(1 + static_cast<std::size_t>(byte(rng)) * 3);
    for (auto& b : buf) b = static_cast<std::uint8_t>(byte(rng));
    for (std::size_t off = 0; off < buf.size(); ++off) {
      std::size_t expect = off;
      while (expect < buf.size() && !in[buf[expect]]) ++expect;
      ASSERT_EQ(off + byte_set_find(buf.data() + off, buf.size() - off, set.low.data(), set.high.data()), expect)
          << "round " << round << " offset " << off;
    }
  }
  // One member byte after runs of every length, for each byte value.
  for (int member = 0; member < 256; member += 7) {
    byte_set_rows set;
    set.add(static_cast<unsigned char>(member));
    for (std::size_t len = 0; len <= 130; ++len) {
      std::vector<std::uint8_t> buf(len + 8, static_cast<std::uint8_t>(member ^ 0x55));
      buf[len] = static_cast<std::uint8_t>(member);
      ASSERT_EQ(byte_set_find(buf.data(), buf.size(), set.low.data(), set.high.data()), len) << member;
      ASSERT_EQ(byte_set_find(buf.data(), len, set.low.data(), set.high.data()), len) << member;
    }
  }
  // ASCII runs of every length ending in each non-ASCII byte value.
  for (std::size_t len = 0; len <= 300; ++len)
    for (int hi = 0x80; hi < 0x100; hi += 0x1F) {
      std::vector<std::uint8_t> buf(len + 8, 'x');
      buf[len] = static_cast<std::uint8_t>(hi);
      ASSERT_EQ(ascii_prefix(buf.data(), buf.size()), len);
      ASSERT_EQ(ascii_prefix(buf.data(), len), len);
    }
}

}  // namespace

#ifdef TOKENMETER_HWY_DYNAMIC_DISPATCH
#define TOKENMETER_BYTE_CLASS_SUITE ByteClassDynamicDispatch
#else
#define TOKENMETER_BYTE_CLASS_SUITE ByteClassStaticDispatch
#endif
TEST(TOKENMETER_BYTE_CLASS_SUITE, KernelsEqualScalarDefinition) { check_on_each_target("byte-class kernels", check_kernels); }
