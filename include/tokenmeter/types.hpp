// Vocabulary types shared across the pipeline.
#pragma once

#include <tokenmeter/config.hpp>

#include <cstdint>
#include <limits>

TOKENMETER_BEGIN_NAMESPACE

using token_id = std::uint32_t;
inline constexpr token_id no_token = std::numeric_limits<token_id>::max();

// How text that spells an added/special token (e.g. "<|endoftext|>") is treated.
enum class special_tokens : std::uint8_t {
  family_default,  // the family's documented default (see the manifest): plain for tiktoken-format, recognize for tokenizer.json
  plain,           // special tokens are ordinary text, like tiktoken's encode_ordinary (non-special added tokens still match, as in HF)
  recognize,       // every added token in the text is matched, like HF tokenizers' encode()
};

// What encode/count do with input that is not valid UTF-8.
enum class invalid_utf8 : std::uint8_t {
  error,    // return errc::invalid_utf8 with the byte offset
  replace,  // replace each maximal ill-formed subpart with U+FFFD (what Node and the reference tool do)
};

TOKENMETER_END_NAMESPACE
