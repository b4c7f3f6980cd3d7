// Compile-time configuration shared by every tokenmeter header.
#pragma once

#include <tokenmeter/version.hpp>

// Every public symbol lives in an inline namespace named after the ABI version, so two
// incompatible tokenmeter builds in one program fail to link instead of silently mixing.
#define TOKENMETER_ABI_NAMESPACE abi_v0
#define TOKENMETER_BEGIN_NAMESPACE \
  namespace tokenmeter {           \
  inline namespace TOKENMETER_ABI_NAMESPACE {
#define TOKENMETER_END_NAMESPACE \
  }                              \
  }

#if defined(__GNUC__) || defined(__clang__)
#define TOKENMETER_LIKELY(x) __builtin_expect(!!(x), 1)
#define TOKENMETER_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TOKENMETER_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TOKENMETER_LIKELY(x) (x)
#define TOKENMETER_UNLIKELY(x) (x)
#define TOKENMETER_ALWAYS_INLINE inline
#endif

// Where `cmake --install` puts the vocabularies; the locator searches it last.
#ifndef TOKENMETER_INSTALL_VOCAB_DIR
#define TOKENMETER_INSTALL_VOCAB_DIR ""
#endif
