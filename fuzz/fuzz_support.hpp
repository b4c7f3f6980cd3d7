// Shared by the libFuzzer targets: an invariant check that aborts (so libFuzzer records the input
// as a crash) and the error codes each entry point is allowed to return on hostile input.
#pragma once

#include <tokenmeter/error.hpp>
#include <tokenmeter/tokenizer.hpp>
#include <tokenmeter/unicode/utf8.hpp>
#include <tokenmeter/vocab/load.hpp>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A violated invariant is a finding: print what failed and abort so the input is saved.
#define TM_FUZZ_CHECK(cond, what)                                                              \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "invariant failed: %s\n  %s\n  at %s:%d\n", #cond, std::string(what).c_str(), \
                   __FILE__, __LINE__);                                                        \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

namespace tm_fuzz {

using loaded_family = std::pair<std::string, std::shared_ptr<const tokenmeter::tokenizer>>;

// The real vocabularies the differential targets compare on, loaded once: those fetched (a
// missing one is named on stderr, so a run that silently covers fewer families is visible).
inline const std::vector<loaded_family>& real_families(const char* target) {
  static const auto loaded = [target] {
    std::vector<loaded_family> out;
    for (const char* id : {"o200k_base", "cl100k_base", "deepseek-v3", "qwen3", "llama3", "gemma3", "claude-legacy", "kimi-k2",
                           "glm-5", "minimax-m2"}) {
      auto t = tokenmeter::load_family(id);
      if (t)
        out.emplace_back(id, *t);
      else
        std::fprintf(stderr, "%s: skipping %s: %s\n", target, id, t.error_value().message.c_str());
    }
    return out;
  }();
  return loaded;
}

// A failure is acceptable only when it carries one of the documented codes.
template <class R>
void expect_typed_failure(const R& r, std::initializer_list<tokenmeter::errc> allowed, const char* where) {
  if (r.has_value()) return;
  for (const tokenmeter::errc c : allowed)
    if (r.error_value().code == c) return;
  std::fprintf(stderr, "%s: undocumented error %s: %s\n", where, std::string(tokenmeter::to_string(r.error_value().code)).c_str(),
               r.error_value().message.c_str());
  std::abort();
}

// Encodes each probe text under both special-token policies with a tokenizer built from fuzzed
// data: encode succeeds or fails with an allowed code; ids are below id_bound() and decode;
// count() = encode().size(); with `round_trip`, decode(encode(x)) == x exactly.
template <std::size_t N>
void probe_tokenizer(const tokenmeter::tokenizer& t, const std::string_view (&texts)[N],
                     std::initializer_list<tokenmeter::errc> allowed, bool round_trip) {
  using namespace tokenmeter;
  for (const std::string_view text : texts) {
    for (const special_tokens sp : {special_tokens::plain, special_tokens::recognize}) {
      encode_options opt;
      opt.special = sp;
      auto ids = t.encode(text, opt);
      expect_typed_failure(ids, allowed, "encode");
      if (!ids) continue;
      for (const token_id id : *ids) TM_FUZZ_CHECK(id < t.id_bound(), "encode produced an id beyond id_bound");
      auto n = t.count(text, opt);
      TM_FUZZ_CHECK(n.has_value() && *n == ids->size(), "count differs from encode().size()");
      auto back = t.decode(*ids);
      TM_FUZZ_CHECK(back.has_value(), "an id produced by encode does not decode");
      if (round_trip) TM_FUZZ_CHECK(*back == text, "decode(encode(x)) != x");
      auto shown = t.decode_text(*ids);
      TM_FUZZ_CHECK(shown.has_value() && is_valid_utf8(*shown), "decode_text is not valid UTF-8");
    }
  }
}

// A price breakdown: no negative line item, and the total is the items' exact sum (when the
// total is computed, not provider-reported).
template <class Breakdown>
void check_breakdown(const Breakdown& p) {
  __int128 sum = 0;
  for (const auto& it : p.items) {
    TM_FUZZ_CHECK(it.amount_femto >= 0, "negative line item");
    TM_FUZZ_CHECK(!__builtin_add_overflow(sum, it.amount_femto, &sum), "line items overflow but the total did not fail");
  }
  if (!p.provider_reported) TM_FUZZ_CHECK(sum == p.total_femto, "total is not the sum of the line items");
}

}  // namespace tm_fuzz
