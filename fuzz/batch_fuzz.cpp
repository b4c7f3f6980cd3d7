// One text encoded and counted on several threads (count/batch.hpp) against one call, on the
// real vocabularies: parts cut into chunks anywhere, the chunks' runs joined where they share a
// piece end, must give exactly tokenizer::encode's ids and count, or the same typed error.
// Input: byte 0 family, byte 1 options (bit 0 specials, bit 1 replace invalid UTF-8, bit 2 three
// threads instead of two), bytes 2-3 the chunk size (1-1024 bytes), the rest is the text.
#include <tokenmeter/count/batch.hpp>
#include <tokenmeter/tokenmeter.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace tokenmeter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& fams = tm_fuzz::real_families("batch_fuzz");
  if (fams.empty() || size < 4) return 0;
  const auto& [name, tok] = fams[data[0] % fams.size()];
  const std::uint8_t flags = data[1];
  batch_options bo;
  bo.encode.special = (flags & 1) ? special_tokens::recognize : special_tokens::plain;
  bo.encode.on_invalid_utf8 = (flags & 2) ? invalid_utf8::replace : invalid_utf8::error;
  bo.threads = (flags & 4) ? 3 : 2;
  bo.chunk_bytes = 1 + ((data[2] | data[3] << 8) % 1024);
  const std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);

  auto expected = tok->encode(text, bo.encode);
  auto ids = encode_parallel(*tok, text, bo);
  auto n = count_parallel(*tok, text, bo);
  const std::string where = name + " chunk " + std::to_string(bo.chunk_bytes) + " threads " + std::to_string(bo.threads);
  if (!expected) {
    TM_FUZZ_CHECK(!ids && ids.error_value().code == expected.error_value().code, where + ": encode_parallel did not fail as encode");
    TM_FUZZ_CHECK(!n && n.error_value().code == expected.error_value().code, where + ": count_parallel did not fail as encode");
    return 0;
  }
  TM_FUZZ_CHECK(ids.has_value(), where + ": encode_parallel failed: " + ids.error_value().message);
  TM_FUZZ_CHECK(*ids == *expected, where + ": encode_parallel's ids differ from encode's");
  TM_FUZZ_CHECK(n.has_value() && *n == expected->size(), where + ": count_parallel differs from encode().size()");
  return 0;
}
