// The name of the target a kernel is compiled for, as a kernel: dispatched like the others, it
// reports the target they actually run on (with runtime dispatch, the one Highway chose or a
// test forced), not one computed beside the dispatch table.

// Per-target include guard: toggled by foreach_target.h for each target it compiles.
#if defined(TOKENMETER_DETAIL_SIMD_TARGET_NAME_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TOKENMETER_DETAIL_SIMD_TARGET_NAME_INL_H_
#undef TOKENMETER_DETAIL_SIMD_TARGET_NAME_INL_H_
#else
#define TOKENMETER_DETAIL_SIMD_TARGET_NAME_INL_H_
#endif

#include <tokenmeter/config.hpp>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
TOKENMETER_BEGIN_NAMESPACE
namespace detail::simd {
namespace HWY_NAMESPACE {

// (Not noexcept: HWY_EXPORT's dispatch table needs the plain function type.)
inline const char* kernel_target_name() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace detail::simd
TOKENMETER_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
