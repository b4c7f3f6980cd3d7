// Fuzzes the compiled-cache form of the vocabulary index and the merge-pair table: what
// load_compiled() hands to their deserialize() once the file's checksum has passed. The input is
// a list of edits (3 bytes each: a 16-bit position, a byte to xor there) applied to a good
// serialized pair of tables; a leftover byte cuts that many bytes off the end. A table that is
// accepted must answer every lookup in bounds and in finite time (the checks that refuse a
// table whose probes might not end, or whose offsets or slots disagree, are what this covers);
// an answer must be a token the table holds.
#include <tokenmeter/bpe/pair_table.hpp>
#include <tokenmeter/bpe/vocab_table.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

struct good_tables {
  std::string bytes;                // vocab_table then pair_table, serialized
  std::vector<std::string> keys;    // every token, and near misses
};

const good_tables& good() {
  static const good_tables g = [] {
    good_tables out;
    vocab_table v;
    token_id id = 0;
    for (int b = 0; b < 256; ++b) {
      out.keys.emplace_back(1, static_cast<char>(b));
      TM_FUZZ_CHECK(v.add(id++, out.keys.back()).has_value(), "setup: a byte token");
    }
    for (int i = 0; i < 120; ++i) {  // short, 8-byte-boundary and long tokens (some past a slot's 255)
      std::string t = "t" + std::to_string(i) + "_";
      t.resize(t.size() + static_cast<std::size_t>((i * 37) % (i % 10 == 0 ? 300 : 14)), static_cast<char>('a' + i % 26));
      if (i % 9 == 0) id += 3;  // gaps in the ids
      TM_FUZZ_CHECK(v.add(id++, t).has_value(), "setup: token " + t);
      out.keys.push_back(t);
      out.keys.push_back(t + "x");
      out.keys.push_back(t.substr(0, t.size() - 1));
    }
    TM_FUZZ_CHECK(v.finalize().has_value(), "setup: finalize");
    pair_table p;
    p.reserve(100);
    for (token_id i = 0; i < 100; ++i) p.insert(i, (i * 31) % 256, {i, 256 + i});
    detail::binary_writer w;
    v.serialize(w);
    p.serialize(w);
    out.bytes = w.data();
    return out;
  }();
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const good_tables& g = good();
  auto bytes = std::make_shared<std::string>(g.bytes);
  for (std::size_t i = 0; i + 3 <= size; i += 3)
    (*bytes)[(static_cast<std::size_t>(data[i]) | static_cast<std::size_t>(data[i + 1]) << 8) % bytes->size()] ^=
        static_cast<char>(data[i + 2]);
  if (size % 3 != 0) bytes->resize(bytes->size() - std::min<std::size_t>(bytes->size(), data[size - 1]));

  detail::binary_reader r(*bytes);
  vocab_table v;
  if (!v.deserialize(r, bytes)) return 0;
  const auto holds = [&](token_id id) { return id == no_token || v.contains(id); };
  for (const std::string& k : g.keys) {
    TM_FUZZ_CHECK(holds(v.find(k)), "find answered an id the table does not hold: " + k);
    TM_FUZZ_CHECK(holds(v.find_candidate(k)), "find_candidate answered an id the table does not hold: " + k);
  }
  // Every id's bytes are looked up (hashing reads each of them: in bounds under ASan).
  for (token_id id = 0; id < v.id_bound(); ++id)
    TM_FUZZ_CHECK(holds(v.find(v.bytes(id))), "find of token " + std::to_string(id) + "'s bytes");

  pair_table p;
  if (!p.deserialize(r, bytes)) return 0;
  // Results go to a volatile sink so that the optimizer cannot drop these pure lookups.
  static volatile std::uint64_t sink = 0;
  for (token_id a = 0; a < 110; ++a)
    for (const token_id b : {(a * 31) % 256, a, no_token})
      if (const merge_rule* m = p.find(a, b)) sink = sink + m->merged;  // in bounds, and ends
  p.for_each_pair([&](token_id l, token_id rt) { sink = sink + l + rt; });
  return 0;
}
