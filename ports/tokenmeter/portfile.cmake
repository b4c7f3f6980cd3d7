# tokenmeter: a header-only library (nothing to compile, so one release configuration is enough)
# plus an optional CLI (feature "cli", installed to tools/tokenmeter).
set(VCPKG_BUILD_TYPE release)

if(EXISTS "${CURRENT_PORT_DIR}/../../include/tokenmeter/tokenmeter.hpp")
  # Used as an overlay port from a tokenmeter checkout (vcpkg --overlay-ports=<checkout>/ports):
  # package that checkout. vcpkg does not hash the checkout's files, so after changing them use
  # --no-binarycaching or remove the installed package first.
  get_filename_component(SOURCE_PATH "${CURRENT_PORT_DIR}/../.." ABSOLUTE)
else()
  vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO tokenmeter/tokenmeter
    REF "v${VERSION}"
    SHA512 0  # replace with the tag's archive hash (vcpkg prints it on the first install)
    HEAD_REF main
  )
endif()

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    cli TOKENMETER_BUILD_CLI
)

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${FEATURE_OPTIONS}
    -DTOKENMETER_BUILD_TESTS=OFF
    -DTOKENMETER_BUILD_BENCH=OFF
    -DTOKENMETER_BUILD_C_API=OFF
    -DTOKENMETER_INSTALL=ON
    # The package config goes straight to share/tokenmeter, beside the vocabulary data
    # (manifest.json, fetch, vocab/), which vcpkg keeps under share/${PORT} too.
    -DTOKENMETER_INSTALL_CMAKEDIR=share/${PORT}
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup()
vcpkg_fixup_pkgconfig()

if("cli" IN_LIST FEATURES)
  vcpkg_copy_tools(TOOL_NAMES tokenmeter AUTO_CLEAN)
endif()

# Header-only: no lib/ (and no debug tree, given VCPKG_BUILD_TYPE release).
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/lib")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
if(NOT EXISTS "${SOURCE_PATH}/LICENSE")
  message(FATAL_ERROR "tokenmeter has no LICENSE file; vcpkg requires one for share/${PORT}/copyright")
endif()
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
