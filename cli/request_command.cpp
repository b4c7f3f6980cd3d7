// tokenmeter request: the input tokens a chat request (OpenAI chat-completions or Anthropic
// messages JSON) will cost for a model, or the prompt the model's chat template renders from it.
#include "command.hpp"
#include "common.hpp"

#include <tokenmeter/request/request_count.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace tokenmeter_cli {
namespace {

int run_request(std::vector<std::string> args) {
  CLI::App app{"Count the input tokens of a chat request (OpenAI or Anthropic JSON), chat template included"};
  std::string model, vocab, shape = "auto", file;
  bool render = false, no_verify = false, no_generation_prompt = false;
  app.add_option("-m,--model", model, "Model name or alias (see 'tokenmeter models')")->required();
  app.add_option("FILE", file, "Request JSON ('-' or nothing: stdin)");
  app.add_flag("--render", render, "Print the rendered prompt instead of the count (models with a published chat template)");
  app.add_option("--shape", shape, "Request shape: auto (default), openai, anthropic")->check(CLI::IsMember({"auto", "openai", "anthropic"}));
  app.add_flag("--no-generation-prompt", no_generation_prompt, "Do not end the prompt with the assistant header");
  app.add_option("--vocab", vocab, "Vocabulary file or directory");
  app.add_flag("--no-verify", no_verify, "Do not check the vocabulary's sha256 against the manifest");
  if (auto rc = parse_args(app, std::move(args))) return *rc;

  const auto inputs = read_inputs(file.empty() ? std::vector<std::string>{} : std::vector<std::string>{file});
  const auto req_shape = shape == "openai"      ? tokenmeter::request_shape::openai
                         : shape == "anthropic" ? tokenmeter::request_shape::anthropic
                                                : tokenmeter::request_shape::auto_detect;
  const auto req = tokenmeter::parse_chat_request(inputs.front().data, req_shape).value_or_throw();

  if (render) {
    const std::string prompt =
        tokenmeter::render_request(model, req, tokenmeter::render_options{!no_generation_prompt}).value_or_throw();
    std::fwrite(prompt.data(), 1, prompt.size(), stdout);
    return 0;
  }
  tokenmeter::request_count_options opt;
  opt.load.path = vocab;
  opt.load.verify_checksum = !no_verify;
  opt.add_generation_prompt = !no_generation_prompt;
  const auto n = tokenmeter::count_request(model, req, opt).value_or_throw();
  nlohmann::json out{{"model", model},
                     {"input_tokens", n.input_tokens},
                     {"exactness", std::string(tokenmeter::to_string(n.exactness))},
                     {"method", std::string(tokenmeter::to_string(n.method))},
                     {"family", n.family},
                     {"shape", req.shape == tokenmeter::request_shape::anthropic ? "anthropic" : "openai"},
                     {"messages", req.messages.size()},
                     {"tools", req.tools.size()}};
  if (!n.chat_template.empty()) out["chat_template"] = n.chat_template;
  if (!n.note.empty()) out["note"] = n.note;
  std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return 0;
}

const registrar request_cmd{"request", "Count a chat request's input tokens (chat template included), or --render its prompt",
                            run_request};

}  // namespace
}  // namespace tokenmeter_cli
