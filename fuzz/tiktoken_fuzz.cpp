// Fuzzes the tiktoken loaders (rank files and the npm package's encoding JSON). The first byte
// picks the format and a max_rank cut; the rest is the file. A tokenizer that loads has all 256
// single bytes (the loader refuses it otherwise), so decode(encode(x)) == x must hold exactly.
#include <tokenmeter/vocab/tiktoken_format.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

using namespace tokenmeter;

namespace {

constexpr std::string_view probe_texts[] = {
    "Hello, world! 123 4567", "  two  spaces\tand\n\n", "\xC3\xBC" "ber \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\x89",
    "ab<|end|>abc", std::string_view("nul\0byte", 8),
};

// A pattern with a hand-written scanner and one on the generic engine: the file's own pat_str is
// replaced so that the fuzzer explores the loader, not regex performance.
constexpr std::string_view patterns[] = {
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)",
    R"(\S+|\s+)",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view file(reinterpret_cast<const char*>(data + 1), size - 1);
  std::optional<token_id> max_rank;
  if (mode & 2) max_rank = static_cast<token_id>(256 + (mode >> 3) * 16);
  vocab_table vocab;
  tiktoken_spec spec;
  if (mode & 1) {
    auto parsed = parse_tiktoken_json(file, max_rank, vocab, "fuzz.json");
    tm_fuzz::expect_typed_failure(parsed, {errc::vocab_corrupt}, "parse_tiktoken_json");
    if (!parsed) return 0;
    spec = std::move(*parsed);
  } else {
    auto parsed = parse_tiktoken_ranks(file, max_rank, vocab, "fuzz.tiktoken");
    tm_fuzz::expect_typed_failure(parsed, {errc::vocab_corrupt}, "parse_tiktoken_ranks");
    if (!parsed) return 0;
    spec.special_tokens = {{"<|end|>", 100000}};
  }
  spec.name = "fuzz";
  spec.pattern = std::string(patterns[(mode >> 2) & 1]);
  auto tok = make_tiktoken_tokenizer(std::move(vocab), spec);
  tm_fuzz::expect_typed_failure(tok, {errc::vocab_corrupt, errc::out_of_range, errc::limit_exceeded}, "make_tiktoken_tokenizer");
  if (!tok) return 0;
  // Every byte is in the vocabulary and there is no normalizer: encoding valid text cannot fail.
  tm_fuzz::probe_tokenizer(**tok, probe_texts, {}, true);
  return 0;
}
