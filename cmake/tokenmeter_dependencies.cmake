# Dependencies come from the system (Debian packages); nothing is vendored or downloaded here.
find_package(ICU 70 REQUIRED COMPONENTS uc i18n)
find_package(hwy REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(nlohmann_json 3.10 REQUIRED)
# toml++ reads the human-edited rate tables (rates/*.toml) and runtime rate overlays.
find_package(tomlplusplus 3 REQUIRED)
# std::thread (count/batch.hpp) and std::call_once.
find_package(Threads REQUIRED)

# xxHash is used in its inline mode (XXH_INLINE_ALL), so only its headers are needed; Debian's
# libxxhash-dev ships no CMake config, hence the small imported target.
find_path(TOKENMETER_XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
if(NOT TARGET tokenmeter_xxhash)
  add_library(tokenmeter_xxhash INTERFACE)
  target_include_directories(tokenmeter_xxhash SYSTEM INTERFACE
    $<BUILD_INTERFACE:${TOKENMETER_XXHASH_INCLUDE_DIR}>)
endif()
