# package.vcpkg_layout / package.conan_layout: configure and install the source tree with the
# options a packaging tool uses (OPTIONS), check the layout (EXPECT, EXPECT_ABSENT), then build and
# run that tool's test_package CMake project against it. Header-only: nothing is built to install.
cmake_minimum_required(VERSION 3.25)  # before anything else: IN_LIST and friends
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
tm_require(SOURCE_DIR WORK GENERATOR CXX CTEST TEST_PACKAGE)
file(REMOVE_RECURSE "${WORK}")
set(prefix "${WORK}/prefix")

execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK}/build" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}"
          -DCMAKE_BUILD_TYPE=Release -DTOKENMETER_BUILD_CLI=OFF -DTOKENMETER_BUILD_TESTS=OFF -DTOKENMETER_BUILD_BENCH=OFF
          "-DCMAKE_INSTALL_PREFIX=${prefix}" ${OPTIONS}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring tokenmeter with ${OPTIONS} failed")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${WORK}/build" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "installing tokenmeter with ${OPTIONS} failed")
endif()

set(errors "")
foreach(p IN LISTS EXPECT)
  if(NOT EXISTS "${prefix}/${p}")
    list(APPEND errors "missing: ${p}")
  endif()
endforeach()
foreach(p IN LISTS EXPECT_ABSENT)
  if(EXISTS "${prefix}/${p}")
    list(APPEND errors "present but must not be: ${p}")
  endif()
endforeach()
if(errors)
  string(REPLACE ";" "\n  " errors "${errors}")
  message(FATAL_ERROR "layout for ${OPTIONS}:\n  ${errors}")
endif()

set(locate "-DCMAKE_PREFIX_PATH=${prefix}")
if(PACKAGE_DIR)
  # A directory find_package does not search by itself (e.g. Conan's res/): say where.
  set(locate "-Dtokenmeter_DIR=${prefix}/${PACKAGE_DIR}")
endif()
execute_process(
  COMMAND "${CTEST}" --build-and-test "${TEST_PACKAGE}" "${WORK}/test_package" --build-generator "${GENERATOR}"
          --build-options "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON "${locate}"
            "-DTOKENMETER_CONSUMER_EXPECT_PREFIX=${prefix}"
          --test-command "${CTEST}" --no-tests=error --output-on-failure
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_PACKAGE} against the ${OPTIONS} layout failed")
endif()
