// The CLI uses runtime SIMD dispatch (TOKENMETER_HWY_DYNAMIC_DISPATCH, set in cli/CMakeLists.txt):
// a default build has no -march flags, so static dispatch would give Highway's scalar target.
// This is the one translation unit that compiles the kernels for every target.
#define TOKENMETER_HWY_DISPATCH_IMPLEMENTATION
#include <tokenmeter/simd_dispatch.hpp>
