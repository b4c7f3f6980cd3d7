// The one translation unit of the runtime-dispatch test that compiles every target.
#define TOKENMETER_HWY_DISPATCH_IMPLEMENTATION
#include <tokenmeter/simd_dispatch.hpp>
