// Fuzzes the tokenizer.json loader: any byte string either loads or is a typed error, and a
// tokenizer that loads encodes ordinary text into ids it can decode again.
#include <tokenmeter/vocab/hf_tokenizer_json.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace tokenmeter;

namespace {

// Short texts touching every pipeline stage: ASCII words, digits, whitespace runs, non-ASCII
// letters, emoji, and text that looks like added tokens.
constexpr std::string_view probe_texts[] = {
    "Hello, world! 123 4567", "  two  spaces\tand\ttabs\r\n\n", "\xC3\xBC" "ber caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC",
    "\xF0\x9F\x8E\x89\xE2\x80\x8D x", "<s>a</s><|endoftext|>", "ab abc abab",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto tok = load_hf_tokenizer_json(json, hf_load_options{"fuzz", {}}, "fuzz.json");
  tm_fuzz::expect_typed_failure(tok, {errc::vocab_corrupt, errc::unsupported, errc::out_of_range, errc::limit_exceeded,
                                      errc::invalid_argument},
                                "load_hf_tokenizer_json");
  if (!tok) return 0;
  // A hostile file can make splitting or normalization fail; that must be a typed error.
  tm_fuzz::probe_tokenizer(**tok, probe_texts, {errc::limit_exceeded, errc::invalid_argument}, false);
  return 0;
}
