// The result of `tokenmeter check` and its renderings: a human table, JSON, markdown (also for
// $GITHUB_STEP_SUMMARY), CSV and a bare number. Amounts are exact integers of femto-units printed
// as decimal strings; nothing here computes with floating point.
#pragma once

#include "budget.hpp"
#include "chat.hpp"

#include <tokenmeter/pricing/money.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tokenmeter_cli::check {

// One side (the working tree, or the base ref) of one file.
struct side_counts {
  bool present = false;
  std::uint64_t bytes = 0;
  input_format format = input_format::text;
  std::uint64_t requests = 0;
  std::vector<std::uint64_t> tokens;             // per model
  std::vector<std::optional<tp::int128>> cost;   // per model; empty when the model has no rate card
};

struct file_row {
  std::string path;
  side_counts now, base;
  std::vector<bool> over;  // per model: this file broke a per-file budget or tolerance
};

struct model_summary {
  std::string name, family;
  std::string tokenizer_exactness;  // exact | estimate (the tokenizer)
  std::string exactness;            // exact | estimate (the counts reported, overhead included)
  std::string note;
  // How chat and JSONL requests were counted (the library's request accounting); set when any were.
  std::optional<tokenmeter::request_count_plan> chat;
  std::string currency;                   // the rate card's; empty when there is none
  std::string card;                       // provider/model of the card, or why there is none
  std::uint64_t tokens = 0, base_tokens = 0;
  std::optional<tp::int128> cost, base_cost;
  bool over = false;
  std::vector<std::string> reasons;
};

struct check_report {
  std::string version, rate_table_version, rate_table_hash, at, mode, base;
  std::optional<std::uint64_t> max_tokens;
  std::optional<money_budget> max_cost;
  std::uint64_t output_tokens = 0;
  std::optional<tolerance> fail_on_increase;
  std::vector<model_summary> models;
  std::vector<file_row> files;
  std::vector<std::string> skipped_binary;
  std::vector<std::string> notes;
  bool over() const {
    for (const auto& m : models)
      if (m.over) return true;
    return false;
  }
};

inline std::string signed_int(tp::int128 v) { return (v > 0 ? "+" : "") + tp::format_decimal(v, 0); }
inline std::string signed_amount(tp::int128 v) { return (v > 0 ? "+" : "") + tp::format_amount(v); }
inline std::string amount_text(const std::optional<tp::int128>& v, const std::string& currency) {
  return v ? tp::format_amount(*v) + " " + currency : "-";
}

inline std::string budget_text(const check_report& r) {
  std::string s;
  if (r.max_tokens) s += "max " + std::to_string(*r.max_tokens) + " tokens";
  if (r.max_cost) s += (s.empty() ? "" : ", ") + std::string("max ") + tp::format_amount(r.max_cost->femto) + " " + r.max_cost->currency;
  if (r.fail_on_increase)
    s += (s.empty() ? "" : ", ") + std::string("no increase") + (r.fail_on_increase->text.empty() ? "" : " beyond " + r.fail_on_increase->text);
  if (s.empty()) return "none";
  return s + (r.mode == "file" ? " per file" : " in total");
}

inline nlohmann::ordered_json to_json(const check_report& r) {
  using json = nlohmann::ordered_json;
  const bool with_base = !r.base.empty();
  json models = json::array();
  for (const auto& m : r.models) {
    json j = {{"model", m.name},
              {"family", m.family},
              {"exactness", m.exactness},
              {"tokenizer_exactness", m.tokenizer_exactness},
              {"tokens", m.tokens},
              {"cost", m.cost ? json(tp::format_amount(*m.cost)) : json(nullptr)},
              {"currency", m.currency.empty() ? json(nullptr) : json(m.currency)},
              {"rate_card", m.card}};
    if (with_base) {
      j["base_tokens"] = m.base_tokens;
      j["delta_tokens"] = static_cast<std::int64_t>(m.tokens) - static_cast<std::int64_t>(m.base_tokens);
      j["base_cost"] = m.base_cost ? json(tp::format_amount(*m.base_cost)) : json(nullptr);
      j["delta_cost"] = m.cost && m.base_cost ? json(tp::format_amount(*m.cost - *m.base_cost)) : json(nullptr);
    }
    if (m.chat)
      j["chat"] = {{"method", std::string(tokenmeter::to_string(m.chat->method))},
                   {"exactness", std::string(tokenmeter::to_string(m.chat->exactness))},
                   {"note", m.chat->note}};
    if (!m.note.empty()) j["note"] = m.note;
    j["verdict"] = m.over ? "over" : "ok";
    j["reasons"] = m.reasons;
    models.push_back(std::move(j));
  }
  json files = json::array();
  for (const auto& f : r.files) {
    const side_counts& s = f.now.present ? f.now : f.base;
    json per = json::object();
    for (std::size_t i = 0; i < r.models.size(); ++i) {
      json c = {{"tokens", f.now.present ? json(f.now.tokens[i]) : json(nullptr)},
                {"cost", f.now.present && f.now.cost[i] ? json(tp::format_amount(*f.now.cost[i])) : json(nullptr)}};
      if (with_base) {
        c["base_tokens"] = f.base.present ? json(f.base.tokens[i]) : json(nullptr);
        c["delta_tokens"] = static_cast<std::int64_t>(f.now.present ? f.now.tokens[i] : 0) - static_cast<std::int64_t>(f.base.present ? f.base.tokens[i] : 0);
      }
      c["over"] = static_cast<bool>(f.over[i]);
      per[r.models[i].name] = std::move(c);
    }
    json j = {{"path", f.path}, {"bytes", s.bytes}, {"format", std::string(to_string(s.format))}, {"requests", s.requests}};
    if (with_base) j["status"] = !f.base.present ? "added" : !f.now.present ? "deleted" : "both";
    j["models"] = std::move(per);
    files.push_back(std::move(j));
  }
  json budgets = {{"mode", r.mode},
                  {"max_tokens", r.max_tokens ? json(*r.max_tokens) : json(nullptr)},
                  {"max_cost", r.max_cost ? json(tp::format_amount(r.max_cost->femto)) : json(nullptr)},
                  {"max_cost_currency", r.max_cost ? json(r.max_cost->currency) : json(nullptr)},
                  {"output_tokens", r.output_tokens},
                  {"fail_on_increase", r.fail_on_increase ? json(r.fail_on_increase->text) : json(nullptr)}};
  return {{"tokenmeter", r.version},
          {"verdict", r.over() ? "over" : "ok"},
          {"rate_table", {{"version", r.rate_table_version}, {"content_hash", r.rate_table_hash}, {"priced_at", r.at}}},
          {"base", with_base ? json(r.base) : json(nullptr)},
          {"budgets", budgets},
          {"models", models},
          {"files", files},
          {"skipped", r.skipped_binary},
          {"notes", r.notes}};
}

inline std::string escape_md(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '`' || c == '*' || c == '<' || c == '>') out += '\\';
    out += c;
  }
  return out;
}

inline std::string file_cell(const check_report& r, const file_row& f, std::size_t i) {
  std::string s = f.now.present ? std::to_string(f.now.tokens[i]) : "deleted";
  if (!r.base.empty()) {
    const tp::int128 d = static_cast<tp::int128>(f.now.present ? f.now.tokens[i] : 0) - (f.base.present ? f.base.tokens[i] : 0);
    s += f.base.present ? " (" + signed_int(d) + ")" : " (new)";
  }
  return s;
}

inline std::string to_markdown(const check_report& r) {
  const bool with_base = !r.base.empty();
  std::string md = std::string("### tokenmeter check: ") + (r.over() ? "over budget :x:" : "within budget :white_check_mark:") + "\n\n";
  md += std::to_string(r.files.size()) + " file" + (r.files.size() == 1 ? "" : "s") + ", budget " + escape_md(budget_text(r)) +
        ", rate table " + escape_md(r.rate_table_version) + (with_base ? ", compared with " + escape_md(r.base) : std::string()) + "\n\n";
  md += "| model | count | tokens |" + std::string(with_base ? " Δ tokens |" : "") + " cost |" + (with_base ? " Δ cost |" : "") + " verdict |\n";
  md += "|---|---|---:|" + std::string(with_base ? "---:|" : "") + "---:|" + (with_base ? "---:|" : "") + "---|\n";
  for (const auto& m : r.models) {
    md += "| " + escape_md(m.name) + " | " + m.exactness + " | " + std::to_string(m.tokens) + " |";
    if (with_base) md += " " + signed_int(static_cast<tp::int128>(m.tokens) - m.base_tokens) + " |";
    md += " " + amount_text(m.cost, m.currency) + " |";
    if (with_base) md += " " + (m.cost && m.base_cost ? signed_amount(*m.cost - *m.base_cost) : std::string("-")) + " |";
    std::string why;
    for (const auto& x : m.reasons) why += (why.empty() ? ": " : "; ") + x;
    md += " " + std::string(m.over ? "over" : "ok") + escape_md(why) + " |\n";
  }
  md += "\n<details><summary>Per file</summary>\n\n| file |";
  for (const auto& m : r.models) md += " " + escape_md(m.name) + " |";
  md += "\n|---|";
  for (std::size_t i = 0; i < r.models.size(); ++i) md += "---:|";
  md += "\n";
  for (const auto& f : r.files) {
    md += "| " + escape_md(f.path) + " |";
    for (std::size_t i = 0; i < r.models.size(); ++i) {
      // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on " " + std::string temporaries here.
      md.append(" ").append(file_cell(r, f, i)).append(f.over[i] ? " over |" : " |");
    }
    md += "\n";
  }
  md += "\n</details>\n";
  if (!r.skipped_binary.empty()) {
    md += "\nSkipped (binary):";
    for (const auto& s : r.skipped_binary) md += " " + escape_md(s);
    md += "\n";
  }
  for (const auto& n : r.notes) md += "\n> " + escape_md(n) + "\n";
  for (const auto& m : r.models)
    if (m.chat && !m.chat->note.empty()) md += "\n> " + escape_md(m.name) + ": chat requests: " + escape_md(m.chat->note) + "\n";
  return md;
}

inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// One row per file and model, then one "(total)" row per model.
inline std::string to_csv(const check_report& r) {
  std::string out = "file,model,exactness,format,requests,tokens,cost,currency,base_tokens,delta_tokens,over\n";
  for (const auto& f : r.files) {
    const side_counts& s = f.now.present ? f.now : f.base;
    for (std::size_t i = 0; i < r.models.size(); ++i) {
      const auto& m = r.models[i];
      const std::uint64_t now = f.now.present ? f.now.tokens[i] : 0, base = f.base.present ? f.base.tokens[i] : 0;
      out += csv_field(f.path) + "," + csv_field(m.name) + "," + m.exactness + "," + std::string(to_string(s.format)) + "," +
             std::to_string(s.requests) + "," + (f.now.present ? std::to_string(now) : "") + "," +
             (f.now.present && f.now.cost[i] ? tp::format_amount(*f.now.cost[i]) : "") + "," + m.currency + "," +
             (r.base.empty() || !f.base.present ? "" : std::to_string(base)) + "," +
             (r.base.empty() ? "" : signed_int(static_cast<tp::int128>(now) - base)) + "," + (f.over[i] ? "true" : "false") + "\n";
    }
  }
  for (const auto& m : r.models)
    out += "(total)," + csv_field(m.name) + "," + m.exactness + ",,," + std::to_string(m.tokens) + "," + (m.cost ? tp::format_amount(*m.cost) : "") + "," +
           m.currency + "," + (r.base.empty() ? "" : std::to_string(m.base_tokens)) + "," +
           (r.base.empty() ? "" : signed_int(static_cast<tp::int128>(m.tokens) - m.base_tokens)) + "," + (m.over ? "true" : "false") + "\n";
  return out;
}

// The terminal table. Long file lists are cut at `max_rows`, but rows over budget always show.
inline std::string to_table(const check_report& r, bool colour, std::size_t max_rows = 50) {
  const char* red = colour ? "\x1b[31m" : "";
  const char* green = colour ? "\x1b[32m" : "";
  const char* bold = colour ? "\x1b[1m" : "";
  const char* reset = colour ? "\x1b[0m" : "";
  auto pad = [](std::string s, std::size_t w, bool right) {
    if (s.size() >= w) return s;
    return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
  };
  std::size_t wfile = 4;
  for (const auto& f : r.files) wfile = std::max(wfile, f.path.size());
  std::vector<std::size_t> wcol;
  for (std::size_t i = 0; i < r.models.size(); ++i) {
    std::size_t w = std::max<std::size_t>(r.models[i].name.size(), std::to_string(r.models[i].tokens).size() + 12);
    for (const auto& f : r.files) w = std::max(w, file_cell(r, f, i).size() + 2);
    wcol.push_back(w);
  }
  std::string out = std::string(bold) + pad("file", wfile, false);
  for (std::size_t i = 0; i < r.models.size(); ++i) out += "  " + pad(r.models[i].name + "  ", wcol[i], true);
  out += std::string(reset) + "\n";
  std::size_t shown = 0, hidden = 0;
  for (const auto& f : r.files) {
    bool over = false;
    for (bool o : f.over) over = over || o;
    if (shown >= max_rows && !over) {
      ++hidden;
      continue;
    }
    ++shown;
    out += pad(f.path, wfile, false);
    for (std::size_t i = 0; i < r.models.size(); ++i) {
      const std::string cell = pad(file_cell(r, f, i) + (f.over[i] ? " !" : "  "), wcol[i], true);
      out += "  " + (f.over[i] ? red + cell + reset : cell);
    }
    out += "\n";
  }
  if (hidden) out += "... " + std::to_string(hidden) + " more files (--format csv or json lists all)\n";
  out += pad("total", wfile, false);
  for (std::size_t i = 0; i < r.models.size(); ++i) {
    const auto& m = r.models[i];
    std::string cell = std::to_string(m.tokens);
    if (!r.base.empty()) cell += " (" + signed_int(static_cast<tp::int128>(m.tokens) - m.base_tokens) + ")";
    out += "  " + pad(cell + "  ", wcol[i], true);
  }
  out += "\n\n";
  out += "budget: " + budget_text(r) + "; rate table " + r.rate_table_version + ", prices at " + r.at + "\n";
  for (const auto& m : r.models) {
    out += "  " + m.name + " [" + m.exactness + "]: " + std::to_string(m.tokens) + " tokens, " + amount_text(m.cost, m.currency);
    if (!r.base.empty() && m.cost && m.base_cost) out += " (" + signed_amount(*m.cost - *m.base_cost) + ")";
    if (m.currency.empty()) out += " (" + m.card + ")";
    out += "  " + std::string(m.over ? red : green) + (m.over ? "OVER" : "ok") + reset + "\n";
    for (const auto& why : m.reasons) out += "      " + why + "\n";
    if (m.chat && !m.chat->note.empty()) out += "      chat requests: " + m.chat->note + "\n";
    if (!m.note.empty()) out += "      estimate: " + m.note + "\n";
  }
  if (!r.skipped_binary.empty()) {
    out += "skipped " + std::to_string(r.skipped_binary.size()) + " binary file" + (r.skipped_binary.size() == 1 ? "" : "s") + ":";
    for (const auto& s : r.skipped_binary) out += " " + s;
    out += "\n";
  }
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  return out;
}

}  // namespace tokenmeter_cli::check
