// tokenmeter: a thin command-line layer over the library; each subcommand is a *_command.cpp.
#include "command.hpp"

#include <tokenmeter/error.hpp>
#include <tokenmeter/version.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out, "tokenmeter %s: exact LLM token counts and prices\n\nusage: tokenmeter <command> [options]\n\ncommands:\n",
               tokenmeter::version_string);
  for (const auto& [name, info] : tokenmeter_cli::command_registry())
    std::fprintf(out, "  %-10s %s\n", name.c_str(), info.summary.c_str());
  std::fprintf(out, "\nRun 'tokenmeter <command> --help' for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    print_usage(stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("tokenmeter %s\n", tokenmeter::version_string);
    return 0;
  }
  auto& registry = tokenmeter_cli::command_registry();
  const auto it = registry.find(cmd);
  if (it == registry.end()) {
    std::fprintf(stderr, "tokenmeter: unknown command '%s'\n\n", cmd.c_str());
    print_usage(stderr);
    return 2;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return it->second.run(std::move(args));
  } catch (const tokenmeter::exception& e) {
    std::fprintf(stderr, "tokenmeter %s: error: %s\n", cmd.c_str(), e.what());
    return tokenmeter_cli::exit_code_for(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenmeter %s: error: %s\n", cmd.c_str(), e.what());
    return 3;
  }
}
