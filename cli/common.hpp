// Helpers shared by the CLI's commands: reading inputs, loading a model from flags, JSON output.
#pragma once

#include <tokenmeter/count/batch.hpp>
#include <tokenmeter/detail/file.hpp>
#include <tokenmeter/tokenmeter.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace tokenmeter_cli {

// Flags every tokenizing command takes.
struct model_flags {
  std::string model;
  std::string vocab;
  bool no_verify = false;
  std::string special = "default";
  std::string invalid = "error";

  void add_to(CLI::App& app) {
    app.add_option("-m,--model", model, "Model name, alias or tokenizer family (see 'tokenmeter models')")->required();
    app.add_option("--vocab", vocab, "Vocabulary file or directory (default: $TOKENMETER_VOCAB_DIR, the user cache, the install prefix)");
    app.add_flag("--no-verify", no_verify, "Do not check the vocabulary's sha256 against the manifest");
    app.add_option("--special-tokens", special, "plain: special-token text is ordinary text; recognize: added tokens are matched; default: the family's default")
        ->check(CLI::IsMember({"default", "plain", "recognize"}));
    app.add_option("--invalid-utf8", invalid, "error (default) or replace each ill-formed sequence with U+FFFD")
        ->check(CLI::IsMember({"error", "replace"}));
  }

  tokenmeter::encode_options encode_options() const {
    tokenmeter::encode_options o;
    o.special = special == "plain"       ? tokenmeter::special_tokens::plain
                : special == "recognize" ? tokenmeter::special_tokens::recognize
                                         : tokenmeter::special_tokens::family_default;
    o.on_invalid_utf8 = invalid == "replace" ? tokenmeter::invalid_utf8::replace : tokenmeter::invalid_utf8::error;
    return o;
  }

  // Loads the model. A tokenizer.json passed with --vocab and a model the manifest does not
  // know is accepted too (any HF BPE tokenizer), labelled by the file's name.
  tokenmeter::loaded_model load() const {
    tokenmeter::load_options lo;
    lo.path = vocab;
    lo.verify_checksum = !no_verify;
    auto res = tokenmeter::manifest::embedded().resolve(model);
    if (!res && !vocab.empty() && res.error_value().code == tokenmeter::errc::unknown_model) {
      auto tok = tokenmeter::load_tokenizer_file(vocab, model).value_or_throw();
      return tokenmeter::loaded_model{std::move(tok), nullptr, tokenmeter::exactness::exact, {}};
    }
    return tokenmeter::load_model(model, lo).value_or_throw();
  }
};

struct input_file {
  std::string name;  // basename, or "-" for stdin
  std::string data;
  bool streamed = false;  // read_inputs handed it to on_stream; data is empty
};

// Reads FILE... ("-" or nothing means stdin). Without on_stream each input is read whole (a
// file of more than 2 GiB is refused). With it, an input still going past stream_above bytes
// is handed to on_stream(index, name, head, reader) instead of being kept: head holds what was
// read so far and the reader the rest; its entry is then marked streamed.
using input_reader = tokenmeter::detail::file_reader;
using on_stream_input = std::function<void(std::size_t, const std::string&, std::string&, input_reader&)>;
inline std::vector<input_file> read_inputs(const std::vector<std::string>& files, std::size_t stream_above = 0,
                                           const on_stream_input& on_stream = {}) {
  std::vector<std::string> paths = files;
  if (paths.empty()) paths.push_back("-");
  std::vector<input_file> out;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::string& f = paths[i];
    const std::string name = f == "-" ? "-" : std::filesystem::path(f).filename().string();
    if (!on_stream && f != "-") {
      out.push_back({name, tokenmeter::detail::read_file(f).value_or_throw()});
      continue;
    }
    input_reader reader = f == "-" ? input_reader::standard_input() : input_reader::open(f).value_or_throw();
    std::string data;
    const std::size_t whole = std::min(on_stream ? stream_above : std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max() - 1);
    while (data.size() <= whole &&
           reader.read_into(data, std::min<std::size_t>(std::size_t{1} << 20, whole + 1 - data.size())).value_or_throw() != 0) {
    }
    if (data.size() > whole) {
      on_stream(i, name, data, reader);
      out.push_back({name, {}, true});
    } else {
      out.push_back({name, std::move(data)});
    }
  }
  return out;
}

// Threads for count and encode (the batch API, count/batch.hpp). Counts and ids are the one-thread
// ones whatever the setting; --chunk-bytes is there to tune, and for tests to force many joins.
struct batch_flags {
  unsigned jobs = 0;
  std::size_t chunk_bytes = tokenmeter::batch_options{}.chunk_bytes;

  void add_to(CLI::App& app) {
    app.add_option("-j,--jobs", jobs, "Threads (default 0: all cores; 1: this thread only)");
    app.add_option("--chunk-bytes", chunk_bytes,
                   "A text larger than this is cut into chunks counted on several threads (default 262144)")
        ->check(CLI::Validator(
            [](const std::string& v) {
              const bool digits = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
              return digits && v.find_first_not_of('0') != std::string::npos ? std::string() : std::string("must be a number of bytes, at least 1");
            },
            "BYTES"));
  }

  // No more threads than jobs the inputs make (a file, or chunk_bytes of text, each), so a
  // small input on a many-core machine starts no idle threads.
  tokenmeter::batch_options options(const tokenmeter::encode_options& encode, const std::vector<input_file>& inputs) const {
    std::size_t work = 0;
    for (const input_file& f : inputs)
      if (!f.streamed) work += 1 + f.data.size() / chunk_bytes;  // a streamed input is counted apart
    tokenmeter::batch_options o;
    o.encode = encode;
    o.threads = static_cast<unsigned>(std::min<std::size_t>(tokenmeter::batch_thread_count(jobs), std::max<std::size_t>(work, 1)));
    o.chunk_bytes = chunk_bytes;
    return o;
  }
};

// Calls f(line) after each "\n" (kept with its line); no empty unit after a final "\n"; an
// empty input is one empty unit. The same rule as the reference tool's text.split(/(?<=\n)/).
template <class F>
void for_each_line(std::string_view s, F&& f) {
  if (s.empty()) return f(s);
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t nl = s.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? s.size() : nl + 1;
    f(s.substr(pos, end - pos));
    pos = end;
  }
}

inline std::string json_string(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Parses a subcommand's arguments; returns an exit code if the command should stop now.
inline std::optional<int> parse_args(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());
  args.pop_back();  // the subcommand name
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return std::nullopt;
}

}  // namespace tokenmeter_cli
