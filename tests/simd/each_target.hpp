// Runs a kernel check on every Highway target this build compiled and this CPU runs, each
// forced in turn (runtime dispatch), or once on the static target; prints which, so a run on
// a machine with fewer targets is visible.
#pragma once

#include <tokenmeter/detail/simd/byte_class.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>

#ifdef TOKENMETER_HWY_DYNAMIC_DISPATCH
#include <hwy/targets.h>
#endif

template <class Check>
void check_on_each_target(const char* what, Check&& check) {
#ifdef TOKENMETER_HWY_DYNAMIC_DISPATCH
  const std::int64_t usable = hwy::SupportedTargets() & HWY_TARGETS;
  int tested = 0;
  for (std::int64_t rest = usable; rest != 0; rest &= rest - 1) {
    const std::int64_t target = rest & -rest;
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    EXPECT_STREQ(tokenmeter::detail::simd::target_name(), hwy::TargetName(target));
    check();
    ++tested;
  }
  hwy::SetSupportedTargetsForTest(0);
  std::printf("%s checked on %d targets\n", what, tested);
  EXPECT_GE(tested, 2);  // at least one SIMD target and the scalar fallback
#else
  std::printf("%s checked on the static target %s\n", what, tokenmeter::detail::simd::target_name());
  check();
#endif
}
