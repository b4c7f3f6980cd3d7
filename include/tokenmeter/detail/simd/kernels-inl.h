// Every Highway kernel, for the one translation unit that compiles them for each target
// (<tokenmeter/simd_dispatch.hpp> names this file as foreach_target's HWY_TARGET_INCLUDE).
// No include guard of its own: each kernel file has the per-target guard.
#include <tokenmeter/detail/simd/byte_class-inl.h>
#include <tokenmeter/detail/simd/target_name-inl.h>
#include <tokenmeter/detail/simd/utf8_check-inl.h>
