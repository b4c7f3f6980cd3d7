# package.pkg_config: build the consumer with nothing but `pkg-config --cflags --libs tokenmeter`
# (and -std=c++20), then run it. Static SIMD dispatch must not need libhwy, and xxHash is used
# inline, so neither may appear in --libs.
cmake_minimum_required(VERSION 3.25)  # before anything else: IN_LIST and friends
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
tm_require(PREFIX PKGCONFIGDIR CXX SOURCE WORK)
if(NOT PKG_CONFIG)
  message("SKIPPED: pkg-config not found")
  cmake_language(EXIT 77)
endif()

set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${PKGCONFIGDIR}")
function(pc out)
  execute_process(COMMAND "${PKG_CONFIG}" ${ARGN} tokenmeter RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config ${ARGN} tokenmeter failed: ${e}")
  endif()
  set(${out} "${o}" PARENT_SCOPE)
endfunction()
pc(cflags --cflags)
pc(libs --libs)
pc(version --modversion)
pc(vocabdir --variable=vocabdir)
message(STATUS "pkg-config --cflags tokenmeter: ${cflags}")
message(STATUS "pkg-config --libs tokenmeter: ${libs}")

foreach(lib -lhwy -lxxhash -ltokenmeter)
  if(" ${libs} " MATCHES " ${lib} ")
    message(FATAL_ERROR "pkg-config --libs tokenmeter links ${lib}; it must not (header-only use)")
  endif()
endforeach()
if(NOT cflags MATCHES "TOKENMETER_INSTALL_VOCAB_DIR")
  message(FATAL_ERROR "pkg-config --cflags tokenmeter does not define TOKENMETER_INSTALL_VOCAB_DIR")
endif()

separate_arguments(cflags UNIX_COMMAND "${cflags}")
separate_arguments(libs UNIX_COMMAND "${libs}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(
  COMMAND "${CXX}" -std=c++20 ${cflags} "-DCONSUMER_PACKAGE_VERSION=\"${version}\"" "-DCONSUMER_VOCAB_DIR=\"${vocabdir}\""
          "${SOURCE}" -o "${WORK}/tokenmeter_consumer" ${libs}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling the consumer with pkg-config's flags failed")
endif()
execute_process(COMMAND "${WORK}/tokenmeter_consumer" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer failed (${rc})")
endif()
