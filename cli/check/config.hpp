// tokenmeter.toml: the `[check]` table holds what `tokenmeter check` would otherwise take as
// flags, so CI needs none. Flags given on the command line win over the file. Unknown keys are
// errors (a typo must not silently drop a budget). Values are kept as text and go through the
// same parsers as the flags.
#pragma once

#include "select.hpp"

#include <tokenmeter/detail/file.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pricing/rate_loader.hpp>

#include <toml++/toml.h>

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace tokenmeter_cli::check {

struct config_file {
  std::string path;                 // empty: no file
  fs::path dir;                     // globs in the file are relative to this directory
  std::vector<std::string> models, include, exclude;
  std::map<std::string, std::string> values;  // scalar settings by key, as text
};

inline constexpr std::string_view config_name = "tokenmeter.toml";

// The nearest tokenmeter.toml from `start` upwards, stopping at the repository root (the first
// directory holding .git) so a file outside the repository is never picked up.
inline std::optional<fs::path> find_config(fs::path start) {
  std::error_code ec;
  for (fs::path dir = fs::absolute(start, ec);; dir = dir.parent_path()) {
    if (fs::is_regular_file(dir / config_name, ec)) return dir / config_name;
    if (fs::exists(dir / ".git", ec) || dir == dir.parent_path()) return std::nullopt;
  }
}

inline tokenmeter::result<config_file> load_config(const fs::path& file) {
  namespace tpd = tokenmeter::pricing::detail;
  auto bad = [&](std::string msg) { return tokenmeter::make_error(tokenmeter::errc::invalid_argument, file.string() + ": " + msg); };
  auto text = tokenmeter::detail::read_file(file.string());
  if (!text) return bad(text.error_value().message);
  toml::table root;
  try {
    root = toml::parse(*text, file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return bad(os.str());
  }
  config_file cfg;
  cfg.path = file.string();
  cfg.dir = fs::absolute(file).parent_path();
  const tpd::toml_reader reader(file.string());
  auto as_config_error = [&](const tokenmeter::error& e) { return tokenmeter::make_error(tokenmeter::errc::invalid_argument, e.message); };
  if (auto ok = reader.only_keys(root, "top level", {"check"}); !ok) return as_config_error(ok.error_value());
  const toml::table* t = root["check"].as_table();
  if (t == nullptr) return bad("expected a [check] table");
  static constexpr std::string_view scalars[] = {"mode", "max_tokens", "max_cost", "output_tokens", "provider", "at", "fail_on_increase",
                                                 "base", "input_format", "special_tokens", "invalid_utf8", "rates", "format", "vocab"};
  if (auto ok = reader.only_keys(*t, "[check]", {"models", "include", "exclude", "mode", "max_tokens", "max_cost", "output_tokens", "provider", "at",
                                                 "fail_on_increase", "base", "input_format", "special_tokens", "invalid_utf8", "rates", "format", "vocab"});
      !ok)
    return as_config_error(ok.error_value());
  for (const char* list : {"include", "exclude"}) {
    auto v = reader.string_list(*t, list, "[check]");
    if (!v) return as_config_error(v.error_value());
    (std::string_view(list) == "include" ? cfg.include : cfg.exclude) = std::move(*v);
  }
  if (const toml::node* m = t->get("models")) {
    if (m->is_string()) {
      cfg.models.push_back(m->as_string()->get());
    } else {
      auto v = reader.string_list(*t, "models", "[check]");
      if (!v) return as_config_error(v.error_value());
      cfg.models = std::move(*v);
    }
  }
  for (std::string_view key : scalars) {
    const toml::node* n = t->get(key);
    if (n == nullptr) continue;
    if (n->is_string()) {
      cfg.values[std::string(key)] = n->as_string()->get();
    } else if (n->is_integer() && (key == "max_tokens" || key == "output_tokens")) {
      cfg.values[std::string(key)] = std::to_string(n->as_integer()->get());
    } else if (n->is_boolean() && key == "fail_on_increase") {
      if (n->as_boolean()->get()) cfg.values[std::string(key)] = "";
    } else {
      // Floats are refused like in rate files: "$0.25" is exact, 0.25 is a binary fraction.
      return bad("[check] '" + std::string(key) + "' must be a string" +
                 (key == "max_tokens" || key == "output_tokens" ? " or an integer" : key == "fail_on_increase" ? " or a boolean" : ""));
    }
  }
  return cfg;
}

}  // namespace tokenmeter_cli::check
