# Conan 2 recipe for the tokenmeter command-line tool (an application; the library is the
# header-library recipe in ../conanfile.py, which this one requires for the dependency versions).
#
#   conan create conan -s compiler.cppstd=20 && conan create conan/cli -s compiler.cppstd=20
#
# Vocabularies are not packaged: the CLI finds them via --vocab, $TOKENMETER_VOCAB_DIR or the
# per-user cache that res/tokenmeter/fetch fills (node res/tokenmeter/fetch [FAMILY...]).
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir

required_conan_version = ">=2.0.5"


class TokenmeterCliConan(ConanFile):
    name = "tokenmeter-cli"
    description = "tokenmeter command-line tool: exact LLM token counts and prices"
    homepage = "https://github.com/tokenmeter/tokenmeter"
    url = homepage
    topics = ("tokenizer", "bpe", "tiktoken", "llm")
    package_type = "application"
    settings = "os", "arch", "compiler", "build_type"

    def set_version(self):
        cmakelists = load(self, os.path.join(self.recipe_folder, "..", "..", "CMakeLists.txt"))
        self.version = self.version or re.search(r"project\(tokenmeter\s+VERSION\s+(\d+\.\d+\.\d+)", cmakelists).group(1)

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..", "..")
        for pattern in ("CMakeLists.txt", "cmake/*", "include/*", "cli/*", "vocab/manifest.json", "vocab/fetch", "LICENSE*"):
            copy(self, pattern, root, self.export_sources_folder)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        self.requires(f"tokenmeter/{self.version}")  # brings ICU, Highway, OpenSSL, ... transitively
        self.requires("cli11/2.4.2")

    def build_requirements(self):
        self.tool_requires("cmake/[>=3.25 <4]")

    def validate(self):
        check_min_cppstd(self, 20)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["TOKENMETER_BUILD_CLI"] = True
        tc.cache_variables["TOKENMETER_BUILD_TESTS"] = False
        tc.cache_variables["TOKENMETER_BUILD_BENCH"] = False
        tc.cache_variables["TOKENMETER_BUILD_C_API"] = False
        tc.cache_variables["TOKENMETER_INSTALL"] = True
        tc.cache_variables["CMAKE_INSTALL_DATADIR"] = "res"
        xxhash = self.dependencies["xxhash"].cpp_info.includedirs[0]
        tc.cache_variables["TOKENMETER_XXHASH_INCLUDE_DIR"] = xxhash.replace("\\", "/")
        tc.generate()
        deps = CMakeDeps(self)
        deps.set_property("highway", "cmake_file_name", "hwy")
        deps.set_property("highway::hwy", "cmake_target_name", "hwy::hwy")
        deps.set_property("icu", "cmake_config_version_compat", "AnyNewerVersion")
        deps.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build(target="tokenmeter_cli")

    def package(self):
        copy(self, "LICENSE*", self.source_folder, os.path.join(self.package_folder, "licenses"))
        CMake(self).install()
        # Keep bin/ and res/tokenmeter (manifest.json, fetch, vocab/); the library is its own package.
        for d in ("include", os.path.join("res", "cmake"), os.path.join("res", "pkgconfig")):
            rmdir(self, os.path.join(self.package_folder, d))

    def package_info(self):
        self.cpp_info.includedirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.bindirs = ["bin"]
        self.cpp_info.resdirs = ["res"]
