// tokenmeter models: every family and model name, exact or estimate, vocabulary present or not.
#include "command.hpp"
#include "common.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace tokenmeter_cli {
namespace {

int run_models(std::vector<std::string> args) {
  CLI::App app{"List model families, the model names that select them, and where their vocabularies are"};
  bool json = false;
  std::string vocab;
  app.add_flag("--json", json, "Print JSON");
  app.add_option("--vocab", vocab, "Also look for vocabularies in this directory");
  if (auto rc = parse_args(app, std::move(args))) return *rc;

  const auto& mf = tokenmeter::manifest::embedded();
  nlohmann::json out = nlohmann::json::array();
  std::string text;
  for (const auto& [id, fam] : mf.families()) {
    tokenmeter::load_options lo;
    lo.path = vocab;
    auto where = tokenmeter::locate_family_file(fam, lo);
    nlohmann::json models = nlohmann::json::array();
    std::string names;
    for (const auto& rule : mf.model_rules()) {
      if (rule.family != id) continue;
      const std::string ex(tokenmeter::to_string(rule.exactness));
      for (const auto& n : rule.names) {
        models.push_back({{"name", n}, {"exactness", ex}});
        names += " " + n + (rule.exactness == tokenmeter::exactness::estimate ? "(estimate)" : "");
      }
      for (const auto& p : rule.prefixes) {
        models.push_back({{"prefix", p}, {"exactness", ex}});
        names += " " + p + "*" + (rule.exactness == tokenmeter::exactness::estimate ? "(estimate)" : "");
      }
    }
    out.push_back({{"family", id},
                   {"description", fam.description},
                   {"vocabulary", where ? nlohmann::json(*where) : nlohmann::json(nullptr)},
                   {"models", models}});
    text += id + "  [" + (where ? "present: " + *where : std::string("missing")) + "]\n    " + fam.description +
            "\n    models:" + names + "\n";
  }
  if (json)
    std::printf("%s\n", out.dump(2).c_str());
  else
    std::fputs(text.c_str(), stdout);
  return 0;
}

const registrar models_cmd{"models", "List families and model names (exact or estimate; vocabulary present?)", run_models};

}  // namespace
}  // namespace tokenmeter_cli
