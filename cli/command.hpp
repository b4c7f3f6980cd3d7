// The CLI's command registry: every cli/*_command.cpp registers one or more subcommands with a
// static `registrar`, and main() dispatches on argv[1]. Commands return the process exit code.
#pragma once

#include <tokenmeter/error.hpp>

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

// The documented exit codes: 2 for a usage or configuration problem, 3 for a problem with the
// input, 70 (sysexits' EX_SOFTWARE) for a bug in tokenmeter. For pricing commands an unpriceable usage (`unsupported`, `out_of_range`: the card has no
// rate for it) is configuration; for tokenizing commands `unsupported` is a vocabulary feature
// of the input.
enum class error_context { tokenize, pricing };
inline int exit_code_for(tokenmeter::errc c, error_context ctx = error_context::tokenize) {
  using tokenmeter::errc;
  switch (c) {
    case errc::invalid_argument:
    case errc::unknown_model:
    case errc::ambiguous_model: return 2;
    case errc::out_of_range:
    case errc::unsupported: return ctx == error_context::pricing ? 2 : 3;
    case errc::internal_error: return 70;
    default: return 3;
  }
}

struct registrar {
  registrar(std::string name, std::string summary, command_fn fn) {
    command_registry().emplace(std::move(name), command_info{std::move(fn), std::move(summary)});
  }
};

}  // namespace tokenmeter_cli
