// The UTF-8 validation kernel (utf8_check-inl.h) behind one call, dispatched as byte_class.hpp
// describes: statically by default, at run time with TOKENMETER_HWY_DYNAMIC_DISPATCH.
#pragma once

#include <tokenmeter/config.hpp>

#include <cstddef>
#include <cstdint>

#ifndef TOKENMETER_HWY_DYNAMIC_DISPATCH
#include <tokenmeter/detail/simd/utf8_check-inl.h>
#endif

TOKENMETER_BEGIN_NAMESPACE
namespace detail::simd {

// A length s <= n such that [p, p + s) is valid UTF-8 and s starts a character (or is 0); the
// rest is for a byte-by-byte check (see find_invalid_utf8).
#ifdef TOKENMETER_HWY_DYNAMIC_DISPATCH
std::size_t utf8_valid_prefix(const std::uint8_t* p, std::size_t n) noexcept;  // in simd_dispatch.hpp
#else
inline std::size_t utf8_valid_prefix(const std::uint8_t* p, std::size_t n) noexcept {
  return HWY_STATIC_DISPATCH(utf8_valid_prefix)(p, n);
}
#endif

}  // namespace detail::simd
TOKENMETER_END_NAMESPACE
