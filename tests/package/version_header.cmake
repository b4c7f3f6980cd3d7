# package.version_header: the one version (project(VERSION)) is what the installed version.hpp,
# the package version file, tokenmeter.pc, the vcpkg port and the installed CLI say; the ABI
# namespace is installed.
cmake_minimum_required(VERSION 3.25)  # before anything else: IN_LIST and friends
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
tm_require(PREFIX VERSION INCLUDEDIR CMAKEDIR PKGCONFIGDIR)
set(errors "")
tm_version_parts("${VERSION}")

file(READ "${PREFIX}/${INCLUDEDIR}/tokenmeter/version.hpp" header)
foreach(pair "VERSION_MAJOR ${major}" "VERSION_MINOR ${minor}" "VERSION_PATCH ${patch}" "VERSION_STRING \"${VERSION}\"")
  string(REPLACE " " ";" pair "${pair}")
  list(GET pair 0 name)
  list(GET pair 1 want)
  if(NOT header MATCHES "#define TOKENMETER_${name} ([^\n]*)\n")
    list(APPEND errors "version.hpp does not define TOKENMETER_${name}")
  elseif(NOT CMAKE_MATCH_1 STREQUAL want)
    list(APPEND errors "version.hpp: TOKENMETER_${name} is ${CMAKE_MATCH_1}, project(VERSION) says ${want}")
  endif()
endforeach()

file(READ "${PREFIX}/${CMAKEDIR}/tokenmeterConfigVersion.cmake" version_file)
if(NOT version_file MATCHES "set\\(PACKAGE_VERSION \"${VERSION}\"\\)")
  list(APPEND errors "tokenmeterConfigVersion.cmake does not say ${VERSION}")
endif()
file(READ "${PREFIX}/${PKGCONFIGDIR}/tokenmeter.pc" pc)
if(NOT pc MATCHES "\nVersion: ${VERSION}\n")
  list(APPEND errors "tokenmeter.pc does not say Version: ${VERSION}")
endif()

file(READ "${PREFIX}/${INCLUDEDIR}/tokenmeter/config.hpp" config)
if(NOT config MATCHES "#define TOKENMETER_ABI_NAMESPACE (abi_v[0-9]+)")
  list(APPEND errors "the installed config.hpp defines no TOKENMETER_ABI_NAMESPACE abi_vN")
else()
  set(abi "${CMAKE_MATCH_1}")
endif()

# The vcpkg port states the version literally (the Conan recipes read project(VERSION) themselves).
if(SOURCE_DIR)
  file(READ "${SOURCE_DIR}/ports/tokenmeter/vcpkg.json" port_manifest)
  string(JSON port_version GET "${port_manifest}" version)
  if(NOT port_version STREQUAL VERSION)
    list(APPEND errors "ports/tokenmeter/vcpkg.json says version ${port_version}, project(VERSION) says ${VERSION}")
  endif()
endif()

if(CLI)
  execute_process(COMMAND "${CLI}" --version OUTPUT_VARIABLE cli_out RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0 OR NOT cli_out STREQUAL "tokenmeter ${VERSION}")
    list(APPEND errors "the installed CLI's --version says \"${cli_out}\" (exit ${rc}), not \"tokenmeter ${VERSION}\"")
  endif()
endif()

if(errors)
  string(REPLACE ";" "\n  " errors "${errors}")
  message(FATAL_ERROR "version mismatch:\n  ${errors}")
endif()
message(STATUS "version ${VERSION} everywhere; ABI namespace tokenmeter::${abi}")
