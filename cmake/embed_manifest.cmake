# Generates include/tokenmeter/vocab/manifest_data.hpp from vocab/manifest.json.
#   cmake -DSOURCE=vocab/manifest.json -DOUTPUT=include/tokenmeter/vocab/manifest_data.hpp -P cmake/embed_manifest.cmake
# With -DCHECK=ON it only compares and fails when the committed header is stale.
if(NOT SOURCE OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DSOURCE=<manifest.json> -DOUTPUT=<header> [-DCHECK=ON] -P embed_manifest.cmake")
endif()
file(READ "${SOURCE}" manifest)
string(FIND "${manifest}" ")tm_manifest\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${SOURCE} contains the raw-string delimiter")
endif()
set(header "// Generated from vocab/manifest.json by cmake/embed_manifest.cmake; do not edit.
// Regenerate: cmake -DSOURCE=vocab/manifest.json -DOUTPUT=include/tokenmeter/vocab/manifest_data.hpp -P cmake/embed_manifest.cmake
#pragma once

#include <tokenmeter/config.hpp>

#include <string_view>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {
inline constexpr std::string_view embedded_manifest_json = R\"tm_manifest(${manifest})tm_manifest\";
}  // namespace detail
TOKENMETER_END_NAMESPACE
")
if(CHECK)
  file(READ "${OUTPUT}" current)
  if(NOT current STREQUAL header)
    message(FATAL_ERROR "${OUTPUT} is stale: regenerate it with\n  cmake -DSOURCE=vocab/manifest.json -DOUTPUT=include/tokenmeter/vocab/manifest_data.hpp -P cmake/embed_manifest.cmake")
  endif()
  message(STATUS "${OUTPUT} is up to date")
else()
  file(WRITE "${OUTPUT}" "${header}")
endif()
