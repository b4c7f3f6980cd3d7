// tokenmeter encode | count | decode
#include "command.hpp"
#include "common.hpp"

#include <tokenmeter/count/stream_counter.hpp>

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

namespace tokenmeter_cli {
namespace {

// Appends "[1,2,3]" without building a JSON value per id (outputs can be millions of ids).
void append_ids(std::string& out, const std::vector<tokenmeter::token_id>& ids) {
  out += '[';
  char buf[16];
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    const auto r = std::to_chars(buf, buf + sizeof buf, ids[i]);
    out.append(buf, r.ptr);
  }
  out += ']';
}

// Encodes units (of one file or several) in groups of at most 8 MiB and 65,536 units, each group
// on all the threads (encode_batch), so the ids held at once stay bounded however long the input.
int run_encode(std::vector<std::string> args) {
  CLI::App app{"Encode text to token ids"};
  model_flags mf;
  mf.add_to(app);
  batch_flags bf;
  bf.add_to(app);
  std::string unit = "file";
  bool jsonl = false, digest = false;
  std::vector<std::string> files;
  app.add_option("--unit", unit, "file: one unit per file; line: one per line, the \\n kept with its line")
      ->check(CLI::IsMember({"file", "line"}));
  app.add_flag("--jsonl", jsonl, "One JSON object per unit: {\"file\",\"unit\",\"count\",\"ids\"} (the reference tool's schema)");
  app.add_flag("--digest", digest, "With --jsonl, print \"sha\" (sha256 of the ids joined by \",\") in place of \"ids\"");
  app.add_option("files", files, "Input files (default or '-': stdin)");
  if (auto rc = parse_args(app, std::move(args))) return *rc;

  const auto model = mf.load();
  const auto inputs = read_inputs(files);
  const auto batch = bf.options(mf.encode_options(), inputs);
  tokenmeter::batch_pool pool(batch.threads);
  std::string out;
  const auto print = [&](const input_file& f, std::size_t u, const std::vector<tokenmeter::token_id>& ids) {
    if (jsonl) {
      out += "{\"file\":" + json_string(f.name) + ",\"unit\":" + std::to_string(u) + ",\"count\":" + std::to_string(ids.size());
      if (digest) {
        std::string joined;
        for (std::size_t i = 0; i < ids.size(); ++i) joined += (i ? "," : "") + std::to_string(ids[i]);
        out += ",\"sha\":\"" + tokenmeter::detail::sha256_hex(joined) + "\"}\n";
      } else {
        out += ",\"ids\":";
        append_ids(out, ids);
        out += "}\n";
      }
    } else {
      for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
      out += '\n';
    }
    if (out.size() > (1u << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  };
  // Units of one or more files, encoded together.
  struct unit_ref {
    const input_file* file;
    std::size_t unit;
  };
  std::vector<std::string_view> group;
  std::vector<unit_ref> refs;
  std::size_t group_bytes = 0;
  const auto flush = [&] {
    if (group.empty()) return;
    auto named = batch;
    named.text_name = [&](std::size_t i) {
      return refs[i].file->name + (unit == "line" ? " line " + std::to_string(refs[i].unit + 1) : std::string());
    };
    auto ids = tokenmeter::encode_batch(*model.tok, group, named, pool);
    if (!ids) throw tokenmeter::exception(std::move(ids).error_value());
    for (std::size_t i = 0; i < ids->size(); ++i) print(*refs[i].file, refs[i].unit, (*ids)[i]);
    group.clear();
    refs.clear();
    group_bytes = 0;
  };
  for (const input_file& f : inputs) {
    std::size_t u = 0;
    const auto add = [&](std::string_view text) {
      if (!group.empty() && (group_bytes + text.size() > (std::size_t{8} << 20) || refs.size() >= 65536)) flush();
      group.push_back(text);
      refs.push_back({&f, u++});
      group_bytes += text.size();
    };
    if (unit == "line")
      for_each_line(f.data, add);
    else
      add(f.data);
  }
  flush();
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int run_count(std::vector<std::string> args) {
  CLI::App app{"Count tokens"};
  model_flags mf;
  mf.add_to(app);
  batch_flags bf;
  bf.add_to(app);
  bool json = false, quiet = false;
  std::size_t stream_above = std::size_t{1} << 31;
  std::vector<std::string> files;
  app.add_flag("--json", json, "Print JSON");
  app.add_flag("-q,--quiet", quiet, "Print only the total");
  app.add_option("--stream-above", stream_above,
                 "Count an input of more than BYTES as a stream: any length, one thread, holding only what cannot be "
                 "counted yet (default 2147483648)");
  app.add_option("files", files, "Input files (default or '-': stdin)");
  if (auto rc = parse_args(app, std::move(args))) return *rc;

  const auto model = mf.load();
  const std::string exactness(tokenmeter::to_string(model.exactness));
  const std::string family = model.family ? model.family->id : model.tok->name();
  std::size_t total = 0;
  nlohmann::json rows = nlohmann::json::array();
  std::string text;
  // Inputs past --stream-above are counted as they are read (what they hold at once is bounded
  // by the stream's cuts, not by the input); the rest are read whole and counted together.
  struct input_count {
    std::size_t bytes = 0, tokens = 0;
  };
  std::vector<input_count> per_input(std::max<std::size_t>(files.size(), 1));
  const auto count_stream = [&](std::size_t i, const std::string& name, std::string& head, input_reader& reader) {
    const auto named = [&](tokenmeter::error e) {
      e.message = name + ": " + e.message;
      return tokenmeter::exception(std::move(e));
    };
    auto sc = tokenmeter::stream_counter::make(model.tok, mf.encode_options());
    if (!sc) throw named(std::move(sc).error_value());
    constexpr std::size_t block = std::size_t{16} << 20;
    if (auto r = sc->push(head); !r) throw named(std::move(r).error_value());
    head.clear();
    head.shrink_to_fit();
    while (reader.read_into(head, block).value_or_throw() != 0) {
      if (auto r = sc->push(head); !r) throw named(std::move(r).error_value());
      head.clear();
    }
    auto done = sc->finish();
    if (!done) throw named(std::move(done).error_value());
    per_input[i] = {sc->bytes_pushed(), done->count};
  };
  const auto inputs = read_inputs(files, stream_above, count_stream);
  std::vector<std::string_view> texts;
  std::vector<std::size_t> whole;  // indices of the inputs read whole
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].streamed) {
      texts.emplace_back(inputs[i].data);
      whole.push_back(i);
    }
  auto batch = bf.options(mf.encode_options(), inputs);
  batch.text_name = [&](std::size_t k) { return inputs[whole[k]].name; };
  auto counts = tokenmeter::count_batch(*model.tok, texts, batch);
  if (!counts) throw tokenmeter::exception(std::move(counts).error_value());
  for (std::size_t k = 0; k < whole.size(); ++k) per_input[whole[k]] = {inputs[whole[k]].data.size(), (*counts)[k]};
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const input_file& f = inputs[i];
    const std::size_t n = per_input[i].tokens;
    total += n;
    rows.push_back({{"file", f.name}, {"bytes", per_input[i].bytes}, {"tokens", n}});
    text += std::to_string(n) + "\t" + exactness + "\t" + f.name + "\n";
  }
  if (quiet) {
    std::printf("%zu\n", total);
  } else if (json) {
    nlohmann::json j{{"model", mf.model}, {"family", family}, {"exactness", exactness}, {"files", rows}, {"total", total}};
    if (!model.note.empty()) j["note"] = model.note;
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    if (inputs.size() > 1) text += std::to_string(total) + "\t" + exactness + "\ttotal\n";
    std::fputs(text.c_str(), stdout);
    if (model.exactness == tokenmeter::exactness::estimate)
      std::fprintf(stderr, "note: %s counts for %s are an estimate: %s\n", family.c_str(), mf.model.c_str(), model.note.c_str());
  }
  return 0;
}

int run_decode(std::vector<std::string> args) {
  CLI::App app{"Decode token ids to text"};
  model_flags mf;
  mf.add_to(app);
  bool skip_special = false;
  std::vector<std::string> ids_args;
  app.add_flag("--skip-special", skip_special, "Leave special tokens out");
  app.add_option("ids", ids_args, "Token ids (default: read ids separated by spaces, commas or newlines from stdin)");
  if (auto rc = parse_args(app, std::move(args))) return *rc;

  std::string source;
  if (ids_args.empty()) {
    source.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    for (const auto& a : ids_args) source += a + " ";
  }
  std::vector<tokenmeter::token_id> ids;
  for (std::size_t i = 0; i < source.size();) {
    const char c = source[i];
    if (c == ' ' || c == ',' || c == '\n' || c == '\r' || c == '\t' || c == '[' || c == ']') {
      ++i;
      continue;
    }
    tokenmeter::token_id v = 0;
    const auto r = std::from_chars(source.data() + i, source.data() + source.size(), v);
    if (r.ec != std::errc{})
      throw tokenmeter::exception(tokenmeter::make_error(tokenmeter::errc::invalid_argument,
                                                         "not a token id at \"" + source.substr(i, 20) + "\""));
    ids.push_back(v);
    i = static_cast<std::size_t>(r.ptr - source.data());
  }
  const auto model = mf.load();
  const std::string bytes = model.tok->decode(ids, skip_special).value_or_throw();
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  return 0;
}

const registrar encode_cmd{"encode", "Encode files to token ids (--jsonl: the reference tool's schema)", run_encode};
const registrar count_cmd{"count", "Count the tokens of files or stdin", run_count};
const registrar decode_cmd{"decode", "Decode token ids back to text", run_decode};

}  // namespace
}  // namespace tokenmeter_cli
