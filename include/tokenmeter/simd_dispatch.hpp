// Runtime SIMD dispatch. A program that defines TOKENMETER_HWY_DYNAMIC_DISPATCH (in every
// translation unit) compiles exactly one translation unit that does
//
//   #define TOKENMETER_HWY_DISPATCH_IMPLEMENTATION
//   #include <tokenmeter/simd_dispatch.hpp>
//
// which compiles the kernels for every target Highway knows here (foreach_target) and chooses
// the best one the CPU supports at the first call. It links libhwy (hwy::hwy).
#pragma once

#if defined(TOKENMETER_HWY_DISPATCH_IMPLEMENTATION)
#ifndef TOKENMETER_HWY_DYNAMIC_DISPATCH
#error "define TOKENMETER_HWY_DYNAMIC_DISPATCH in every translation unit that includes tokenmeter"
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tokenmeter/detail/simd/kernels-inl.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep: the kernels for every non-static target
#include <hwy/highway.h>
#include <tokenmeter/detail/simd/kernels-inl.h>  // and for the static target

#include <tokenmeter/detail/simd/byte_class.hpp>
#include <tokenmeter/detail/simd/utf8_check.hpp>

#if HWY_ONCE
TOKENMETER_BEGIN_NAMESPACE
namespace detail::simd {

HWY_EXPORT(ascii_set_prefix);
HWY_EXPORT(ascii_prefix);
HWY_EXPORT(byte_set_find);
HWY_EXPORT(utf8_valid_prefix);
HWY_EXPORT(kernel_target_name);

std::size_t ascii_set_prefix(const std::uint8_t* p, std::size_t n, const std::uint8_t* rows) noexcept {
  return HWY_DYNAMIC_DISPATCH(ascii_set_prefix)(p, n, rows);
}
std::size_t ascii_prefix(const std::uint8_t* p, std::size_t n) noexcept {
  return HWY_DYNAMIC_DISPATCH(ascii_prefix)(p, n);
}
std::size_t byte_set_find(const std::uint8_t* p, std::size_t n, const std::uint8_t* rows_low,
                          const std::uint8_t* rows_high) noexcept {
  return HWY_DYNAMIC_DISPATCH(byte_set_find)(p, n, rows_low, rows_high);
}
std::size_t utf8_valid_prefix(const std::uint8_t* p, std::size_t n) noexcept {
  return HWY_DYNAMIC_DISPATCH(utf8_valid_prefix)(p, n);
}
const char* target_name() noexcept { return HWY_DYNAMIC_DISPATCH(kernel_target_name)(); }

}  // namespace detail::simd
TOKENMETER_END_NAMESPACE
#endif  // HWY_ONCE
#endif  // TOKENMETER_HWY_DISPATCH_IMPLEMENTATION
