// The streaming counter against one-shot counting, on the real vocabularies: the same text,
// pushed in chunks split anywhere (inside UTF-8 sequences, inside special tokens), must give
// exactly tokenizer::count_up_to's answer, or the same typed error.
// Input: byte 0 family, byte 1 options, bytes 2-3 seed the chunk sizes, the rest is the text.
#include <tokenmeter/count/stream_counter.hpp>
#include <tokenmeter/tokenmeter.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace tokenmeter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& fams = tm_fuzz::real_families("stream_counter_fuzz");
  if (fams.empty() || size < 4) return 0;
  const auto& [name, tok] = fams[data[0] % fams.size()];
  const std::uint8_t flags = data[1];
  encode_options opt;
  opt.special = (flags & 1) ? special_tokens::recognize : special_tokens::plain;
  opt.on_invalid_utf8 = (flags & 2) ? invalid_utf8::replace : invalid_utf8::error;
  const std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);
  // No limit, or a limit somewhere inside the text's count.
  const std::size_t limit = (flags & 4) ? static_cast<std::size_t>(flags >> 3) * 7 : stream_counter::no_limit;

  auto expected = tok->count_up_to(text, limit == stream_counter::no_limit ? text.size() + 1 : limit, opt);
  auto counter = stream_counter::make(tok, opt, limit);
  tm_fuzz::expect_typed_failure(counter, {errc::unsupported}, "stream_counter::make");
  if (!counter) return 0;

  // Chunk sizes from a small generator seeded by bytes 2-3, so mutating the text keeps the cuts.
  std::uint32_t x = data[2] | (data[3] << 8) | 1u;
  result<bool> pushed = true;
  for (std::size_t pos = 0; pos < text.size() && pushed && *pushed;) {
    x = x * 1103515245u + 12345u;
    const std::size_t max_chunk = (x >> 28) < 4 ? 3 : (x >> 28) < 12 ? 64 : 700;
    const std::size_t n = std::min<std::size_t>(text.size() - pos, 1 + (x >> 8) % max_chunk);
    pushed = counter->push(text.substr(pos, n));
    pos += n;
  }
  result<count_up_to_result> got = pushed ? counter->finish() : result<count_up_to_result>(pushed.error_value());
  if (!expected) {
    // With a limit the stream stops reading once it is exceeded, so a bad byte after that point
    // is never seen (one-shot counting validates the whole text first).
    if (limit != stream_counter::no_limit && got && got->exceeded && got->count == limit + 1) return 0;
    TM_FUZZ_CHECK(!got.has_value() && got.error_value().code == expected.error_value().code,
                  name + ": one-shot failed with " + std::string(to_string(expected.error_value().code)) +
                      " but the stream did not fail the same way");
    return 0;
  }
  TM_FUZZ_CHECK(got.has_value(), name + ": stream failed where one-shot counting did not: " + got.error_value().message);
  if (limit == stream_counter::no_limit) {
    TM_FUZZ_CHECK(!got->exceeded && got->count == expected->count,
                  name + ": stream count " + std::to_string(got->count) + " != one-shot " + std::to_string(expected->count));
  } else {
    TM_FUZZ_CHECK(got->exceeded == expected->exceeded && got->count == expected->count,
                  name + ": stream count_up_to differs from one-shot");
  }
  return 0;
}
