# Runs the packaged CLI: its version and the model list (no vocabulary needed).
from conan import ConanFile
from conan.tools.build import can_run


class TokenmeterCliTestConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    test_type = "explicit"

    def build_requirements(self):
        self.tool_requires(self.tested_reference_str)

    def test(self):
        if can_run(self):
            self.run("tokenmeter --version")
            self.run("tokenmeter models")
