// The CLI's command registry: every cli/*_command.cpp registers one or more subcommands with a
// static `registrar`, and main() dispatches on argv[1]. Commands return the process exit code.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tokenmeter_cli {

// args[0] is the subcommand name; the rest are its arguments.
using command_fn = std::function<int(std::vector<std::string> args)>;

struct command_info {
  command_fn run;
  std::string summary;
};

inline std::map<std::string, command_info>& command_registry() {
  static std::map<std::string, command_info> registry;
  return registry;
}

struct registrar {
  registrar(std::string name, std::string summary, command_fn fn) {
    command_registry().emplace(std::move(name), command_info{std::move(fn), std::move(summary)});
  }
};

}  // namespace tokenmeter_cli
