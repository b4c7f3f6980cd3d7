# package.find_package_incompatible_version: the 0.x rule (SameMinorVersion). Asking for another
# major or minor version, or a newer patch, must fail to configure with CMake's version error; the
# installed major.minor and major.minor.patch must configure. Configure only: nothing is compiled.
cmake_minimum_required(VERSION 3.25)  # before anything else: IN_LIST and friends
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
tm_require(PREFIX VERSION CONSUMER WORK GENERATOR CXX)
tm_version_parts("${VERSION}")
math(EXPR next_major "${major} + 1")
math(EXPR next_minor "${minor} + 1")
math(EXPR next_patch "${patch} + 1")
set(reject "${next_major}.0" "${major}.${next_minor}" "${major}.${minor}.${next_patch}")
if(minor GREATER 0)
  math(EXPR prev_minor "${minor} - 1")
  list(APPEND reject "${major}.${prev_minor}")
endif()
set(accept "${major}.${minor}" "${major}.${minor}.${patch}")

file(REMOVE_RECURSE "${WORK}")
set(errors "")
set(n 0)
foreach(want IN LISTS reject accept)
  math(EXPR n "${n} + 1")
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER}" -B "${WORK}/${n}" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}"
            "-DCMAKE_PREFIX_PATH=${PREFIX}" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
            "-DTOKENMETER_CONSUMER_VERSION=${want}" "-DTOKENMETER_CONSUMER_EXPECT_PREFIX=${PREFIX}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(want IN_LIST reject)
    if(rc EQUAL 0)
      list(APPEND errors "find_package(tokenmeter ${want} CONFIG) of version ${VERSION} configured; it must fail")
    elseif(NOT err MATCHES "compatible with requested version \"${want}\"" OR NOT err MATCHES "version: ${VERSION}")
      list(APPEND errors "find_package(tokenmeter ${want} CONFIG) failed, but not with the version error:\n${err}")
    else()
      message(STATUS "find_package(tokenmeter ${want} CONFIG): refused, as it must be")
    endif()
  elseif(NOT rc EQUAL 0)
    list(APPEND errors "find_package(tokenmeter ${want} CONFIG) of version ${VERSION} failed:\n${err}")
  else()
    message(STATUS "find_package(tokenmeter ${want} CONFIG): accepted")
  endif()
endforeach()
if(errors)
  string(REPLACE ";" "\n" errors "${errors}")
  message(FATAL_ERROR "${errors}")
endif()
