# Conan 2 recipe for the tokenmeter library (header-only). The CLI is a separate application
# recipe, cli/conanfile.py: a header-library package carries no executables, and its package id
# ignores settings, which a compiled program cannot.
#
#   conan create conan -s compiler.cppstd=20          # from the checkout's root
#   conan create conan/cli -s compiler.cppstd=20      # the CLI (requires the library recipe)
#
# The version is read from project(VERSION) in the top-level CMakeLists.txt. See docs/packaging.md.
import os
import re
import textwrap

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir, save
from conan.tools.scm import Version

required_conan_version = ">=2.0.5"


class TokenmeterConan(ConanFile):
    name = "tokenmeter"
    description = "Exact LLM tokenizers, token counts and prices (header-only C++20)"
    homepage = "https://github.com/tokenmeter/tokenmeter"
    url = homepage
    topics = ("tokenizer", "bpe", "tiktoken", "llm", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    no_copy_source = True

    # Compilers whose C++20 support the library needs (g++ 12 is the one tested).
    _minimum_compilers = {"gcc": "12", "clang": "15", "apple-clang": "15", "msvc": "193"}
    _variables_module = os.path.join("res", "cmake", "conan-tokenmeter-variables.cmake")

    def set_version(self):
        cmakelists = load(self, os.path.join(self.recipe_folder, "..", "CMakeLists.txt"))
        self.version = self.version or re.search(r"project\(tokenmeter\s+VERSION\s+(\d+\.\d+\.\d+)", cmakelists).group(1)

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..")
        for pattern in ("CMakeLists.txt", "cmake/*", "include/*", "vocab/manifest.json", "vocab/fetch", "LICENSE*"):
            copy(self, pattern, root, self.export_sources_folder)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # Every one of these is included by the public headers: transitive headers and libs.
        for ref in ("icu/74.2", "highway/1.1.0", "openssl/[>=3 <4]", "nlohmann_json/3.11.3",
                    "tomlplusplus/3.4.0", "xxhash/0.8.2"):
            self.requires(ref, transitive_headers=True, transitive_libs=True)

    def build_requirements(self):
        self.tool_requires("cmake/[>=3.25 <4]")

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)
        compiler = str(self.settings.compiler)
        minimum = self._minimum_compilers.get(compiler)
        if minimum and Version(self.settings.compiler.version) < minimum:
            raise ConanInvalidConfiguration(f"{self.ref} needs {compiler} >= {minimum} (C++20)")

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["TOKENMETER_BUILD_CLI"] = False
        tc.cache_variables["TOKENMETER_BUILD_TESTS"] = False
        tc.cache_variables["TOKENMETER_BUILD_BENCH"] = False
        tc.cache_variables["TOKENMETER_BUILD_C_API"] = False
        tc.cache_variables["TOKENMETER_INSTALL"] = True
        tc.cache_variables["CMAKE_INSTALL_DATADIR"] = "res"  # vocabulary data: res/tokenmeter
        # xxHash is used header-only; cmake/tokenmeter_dependencies.cmake looks for xxhash.h.
        xxhash = self.dependencies["xxhash"].cpp_info.includedirs[0]
        tc.cache_variables["TOKENMETER_XXHASH_INCLUDE_DIR"] = xxhash.replace("\\", "/")
        tc.generate()
        deps = CMakeDeps(self)
        # The build asks for find_package(hwy) / hwy::hwy, Highway's own names.
        deps.set_property("highway", "cmake_file_name", "hwy")
        deps.set_property("highway::hwy", "cmake_target_name", "hwy::hwy")
        # find_package(ICU 70 ...): any newer ICU will do (CMakeDeps defaults to SameMajorVersion).
        deps.set_property("icu", "cmake_config_version_compat", "AnyNewerVersion")
        deps.generate()

    def build(self):
        # Nothing to compile: configuring generates include/tokenmeter/version.hpp.
        CMake(self).configure()

    def package(self):
        copy(self, "LICENSE*", self.source_folder, os.path.join(self.package_folder, "licenses"))
        CMake(self).install()
        # CMakeDeps and PkgConfigDeps generate these from package_info() (ConanCenter practice).
        rmdir(self, os.path.join(self.package_folder, "res", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "res", "pkgconfig"))
        # The variables tokenmeterConfig.cmake would have defined.
        save(self, os.path.join(self.package_folder, self._variables_module), textwrap.dedent("""\
            # Included by the CMakeDeps-generated tokenmeter config: what tokenmeterConfig.cmake defines.
            get_filename_component(tokenmeter_DATA_DIR "${CMAKE_CURRENT_LIST_DIR}/../tokenmeter" ABSOLUTE)
            set(tokenmeter_VOCAB_DIR "${tokenmeter_DATA_DIR}/vocab")
            set(tokenmeter_FETCH "${tokenmeter_DATA_DIR}/fetch")
            include("${tokenmeter_DATA_DIR}/tokenmeter_runtime_dispatch.cmake")
            """))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "tokenmeter")
        self.cpp_info.set_property("cmake_target_name", "tokenmeter::tokenmeter")
        self.cpp_info.set_property("cmake_config_version_compat", "SameMinorVersion")  # the 0.x rule
        self.cpp_info.set_property("cmake_build_modules", [self._variables_module])
        self.cpp_info.set_property("pkg_config_name", "tokenmeter")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.resdirs = ["res"]  # res/tokenmeter/{manifest.json,fetch,vocab/}
        # The library searches this vocabulary directory last (share/tokenmeter/vocab elsewhere).
        vocab_dir = os.path.join(self.package_folder, "res", "tokenmeter", "vocab").replace("\\", "/")
        self.cpp_info.defines = [f'TOKENMETER_INSTALL_VOCAB_DIR="{vocab_dir}"']
        self.cpp_info.requires = ["icu::icu-uc", "icu::icu-i18n", "highway::hwy", "openssl::crypto",
                                  "nlohmann_json::nlohmann_json", "tomlplusplus::tomlplusplus", "xxhash::xxhash"]
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]  # std::thread in count/batch.hpp
