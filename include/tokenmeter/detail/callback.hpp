// Callbacks that may stop an iteration: a callback returning bool stops it with false, one
// returning void never does. Lets one matcher loop serve both collecting and early-stopping users.
#pragma once

#include <tokenmeter/config.hpp>

#include <type_traits>
#include <utility>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {

template <class F, class... Args>
TOKENMETER_ALWAYS_INLINE bool invoke_continue(F& f, Args&&... args) {
  if constexpr (std::is_same_v<std::invoke_result_t<F&, Args...>, void>) {
    f(std::forward<Args>(args)...);
    return true;
  } else {
    return static_cast<bool>(f(std::forward<Args>(args)...));
  }
}

}  // namespace detail
TOKENMETER_END_NAMESPACE
