// generate_rate_table: rates/*.toml -> include/tokenmeter/pricing/rate_table_data.hpp
//
//   generate_rate_table <rates-dir> <header>           write the header
//   generate_rate_table --check <rates-dir> <header>   exit 1 if the committed header is stale
//
// It reads the data with the library's own loader (tokenmeter/pricing/rate_loader.hpp), the same
// parser and validator that runtime overlays go through, then writes constexpr arrays.
#include <tokenmeter/pricing/rate_loader.hpp>
#include <tokenmeter/pricing/rate_table.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace tp = tokenmeter::pricing;

namespace {

std::string lit(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string rates_lit(const tp::rate_set& rs) {
  std::string nano = "{";
  unsigned mask = 0;
  for (std::size_t i = 0; i < tp::bucket_count; ++i) {
    nano += (i ? ", " : "") + std::to_string(rs.nano[i].value_or(0)) + "LL";
    if (rs.nano[i]) mask |= 1u << i;
  }
  return "{{" + nano.substr(1) + "}, " + std::to_string(mask) + "}";
}

std::string generate(const tp::rate_table& table) {
  std::vector<std::string> names, tiers, windows, cards, nf;
  for (const auto& c : table.cards()) {
    const std::size_t name_begin = names.size(), tier_begin = tiers.size(), window_begin = windows.size();
    for (const auto& a : c.aliases) names.push_back(lit(a));
    for (const auto& p : c.match_prefixes) names.push_back(lit(p));
    for (const auto& t : c.tiers) {
      unsigned counts = 0;
      for (std::size_t i = 0; i < tp::bucket_count; ++i)
        if (t.counts[i]) counts |= 1u << i;
      std::string tier(1, '{');  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on "{" + std::string
      tier.append(std::to_string(t.threshold)).append("ULL, ").append(t.inclusive ? "true" : "false").append(", ");
      tier.append(std::to_string(counts)).append(", ").append(t.mode == tp::tier_mode::excess ? "true" : "false").append(", ");
      tier.append(rates_lit(t.rates)).append("}");
      tiers.push_back(std::move(tier));
    }
    if (c.time_of_day)
      for (const auto& w : c.time_of_day->windows)
        windows.push_back("{" + lit(w.label) + ", " + std::to_string(w.days) + ", " + std::to_string(w.start_minute) + ", " +
                          std::to_string(w.end_minute) + ", " + rates_lit(w.rates) + "}");
    std::string svc = "{";
    for (std::size_t k = 0; k < 4; ++k) svc += (k ? ", " : "") + std::to_string(c.service_tiers[k] ? c.service_tiers[k]->millionths : 0) + "LL";
    svc += "}";
    std::ostringstream os;
    os << "    {.provider = " << lit(c.provider) << ", .model = " << lit(c.model) << ", .currency = " << lit(c.currency) << ",\n"
       << "     .name_begin = " << name_begin << ", .alias_count = " << c.aliases.size() << ", .prefix_count = " << c.match_prefixes.size()
       << ", .first_party = " << (c.first_party ? "true" : "false") << ", .regional = " << (c.regional ? "true" : "false") << ",\n"
       << "     .from = " << c.effective_from.seconds << "LL /* " << tp::format_timestamp(c.effective_from) << " */, .has_to = "
       << (c.effective_to ? "true" : "false") << ", .to = " << (c.effective_to ? c.effective_to->seconds : 0) << "LL"
       << (c.effective_to ? " /* " + tp::format_timestamp(*c.effective_to) + " */" : std::string()) << ",\n"
       << "     .promotion = " << lit(c.promotion) << ",\n"
       << "     .rates = " << rates_lit(c.rates) << ",\n"
       << "     .tier_begin = " << tier_begin << ", .tier_count = " << c.tiers.size() << ", .has_schedule = " << (c.time_of_day ? "true" : "false")
       << ", .utc_offset_minutes = " << (c.time_of_day ? c.time_of_day->utc_offset_minutes : 0)
       << ", .base_label = " << lit(c.time_of_day ? c.time_of_day->base_label : std::string()) << ", .window_begin = " << window_begin
       << ", .window_count = " << (windows.size() - window_begin) << ",\n"
       << "     .service_millionths = " << svc << ",\n"
       << "     .source = " << lit(c.prov.source) << ", .checked = " << lit(c.prov.checked) << ", .authority = " << lit(c.prov.authority) << ",\n"
       << "     .note = " << lit(c.prov.note) << ",\n"
       << "     .crosscheck = " << lit(c.prov.crosscheck) << "}";
    cards.push_back(os.str());
  }
  for (const auto& n : table.not_found()) nf.push_back("{" + lit(n.provider) + ", " + lit(n.model) + ", " + lit(n.searched) + "}");

  auto array = [](std::string_view type, std::string_view name, const std::vector<std::string>& items) {
    std::string s = "inline constexpr std::array<" + std::string(type) + ", " + std::to_string(items.size()) + "> " + std::string(name) + " = {";
    if (items.empty()) return s + "};\n\n";
    s += "{\n";
    for (std::size_t i = 0; i < items.size(); ++i) s += (items[i].rfind("    ", 0) == 0 ? "" : "    ") + items[i] + (i + 1 < items.size() ? ",\n" : "\n");
    return s + "}};\n\n";
  };

  std::string h;
  h += "// GENERATED by rates/tools/generate_rate_table.cpp from rates/*.toml. Do not edit: change the TOML\n";
  h += "// and run `cmake --build <build> --target tokenmeter_regenerate_rates`. The ctest\n";
  h += "// pricing.rate_table_header_is_fresh fails when this file is stale.\n";
  h += "#pragma once\n\n#include <tokenmeter/config.hpp>\n#include <tokenmeter/pricing/detail/embedded.hpp>\n\n#include <array>\n#include <string_view>\n\n";
  h += "TOKENMETER_BEGIN_NAMESPACE\nnamespace pricing::embedded_rates {\n\n";
  h += "inline constexpr std::string_view version = " + lit(table.version()) + ";\n";
  h += "inline constexpr std::string_view content_hash = " + lit(table.content_hash()) + ";  // sha256 of the canonical cards\n\n";
  h += array("std::string_view", "names", names);
  h += array("detail::e_tier", "tiers", tiers);
  h += array("detail::e_window", "windows", windows);
  h += array("detail::e_card", "cards", cards);
  h += array("detail::e_not_found", "not_found", nf);
  h += "// An ambiguous name is a build error, not a runtime surprise.\n";
  h += "static_assert(detail::embedded_unambiguous(cards, names), \"two rate cards in force at once answer to one name\");\n\n";
  h += "}  // namespace pricing::embedded_rates\nTOKENMETER_END_NAMESPACE\n";
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool check = false;
  if (!args.empty() && args[0] == "--check") {
    check = true;
    args.erase(args.begin());
  }
  if (args.size() != 2) {
    std::fprintf(stderr, "usage: generate_rate_table [--check] <rates-dir> <header>\n");
    return 2;
  }
  auto table = tp::load_rate_directory(args[0]);
  if (!table) {
    std::fprintf(stderr, "generate_rate_table: %s\n", table.error_value().message.c_str());
    return 1;
  }
  const std::string text = generate(*table);
  if (check) {
    auto current = tp::read_text_file(args[1]);
    if (!current || *current != text) {
      std::fprintf(stderr,
                   "generate_rate_table: %s is stale: it does not match %s/*.toml.\n"
                   "Regenerate it: cmake --build <build-dir> --target tokenmeter_regenerate_rates\n",
                   args[1].c_str(), args[0].c_str());
      return 1;
    }
    std::printf("%s is up to date (%zu cards, version %s, sha256 %s)\n", args[1].c_str(), table->cards().size(), table->version().c_str(),
                table->content_hash().c_str());
    return 0;
  }
  std::ofstream out(args[1], std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    std::fprintf(stderr, "generate_rate_table: cannot write %s\n", args[1].c_str());
    return 1;
  }
  std::printf("wrote %s: %zu cards, version %s, sha256 %s\n", args[1].c_str(), table->cards().size(), table->version().c_str(),
              table->content_hash().c_str());
  return 0;
}
