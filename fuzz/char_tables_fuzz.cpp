// Fuzzes the compiled-cache form of the character tables (bpe/char_cuts.hpp, bpe/char_starts.hpp):
// what load_compiled() hands to bpe_model::restore_char_tables once the file's checksum has
// passed. The input is a list of edits (4 bytes each: a 24-bit position, a byte to xor there)
// applied to a good serialized pair of tables of a small byte-level model with fragment tokens;
// a leftover byte cuts that many bytes off the end. Tables that are accepted must answer every
// question in bounds (under ASan), and the merge that uses them must give tokens the model holds.
#include <tokenmeter/bpe/model.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace tokenmeter;

namespace {

const std::vector<std::string>& alphabet() {
  static const std::vector<std::string> a = {"a", " ", "\xC3\xA9", "\xE4\xB8\xAD", "\xE6\x96\x87", "\xE4\xBB\xAD", "\xE3\x81\xAE",
                                             "\xF0\x9F\x98\x80", "\xAD", "\xE4"};
  return a;
}

bpe_model make_model() {
  bpe_model m;
  token_id id = 0;
  for (int b = 0; b < 256; ++b) TM_FUZZ_CHECK(m.vocab.add(id++, std::string(1, static_cast<char>(b))).has_value(), "setup: byte");
  const std::string zhong = "\xE4\xB8\xAD", wen = "\xE6\x96\x87", ren = "\xE4\xBB\xAD", no = "\xE3\x81\xAE";
  const std::vector<std::string> tokens = {zhong.substr(0, 2), zhong,      wen.substr(0, 2), "\xAD" + wen, wen,
                                           ren.substr(0, 2),   ren,        no.substr(0, 2),  no,            zhong + wen,
                                           wen + no,           "\xC3\xA9", " " + zhong,       "a" + no};
  for (const std::string& t : tokens)
    TM_FUZZ_CHECK(m.vocab.add(id++, t).has_value(), "setup: token");
  TM_FUZZ_CHECK(m.vocab.finalize().has_value(), "setup: finalize");
  TM_FUZZ_CHECK(m.prepare().has_value(), "setup: prepare");
  return m;
}

const std::string& good_bytes() {
  static const std::string g = [] {
    const bpe_model m = make_model();
    detail::binary_writer w;
    m.serialize_char_tables(w);
    return w.data();
  }();
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = std::make_shared<std::string>(good_bytes());
  for (std::size_t i = 0; i + 4 <= size; i += 4) {
    const std::size_t at = static_cast<std::size_t>(data[i]) | static_cast<std::size_t>(data[i + 1]) << 8 |
                           static_cast<std::size_t>(data[i + 2]) << 16;
    (*bytes)[at % bytes->size()] ^= static_cast<char>(data[i + 3]);
  }
  if (size % 4 != 0) bytes->resize(bytes->size() - std::min<std::size_t>(bytes->size(), data[size - 1]));

  const bpe_model m = make_model();
  detail::binary_reader r(*bytes);
  if (!m.restore_char_tables(r, bytes)) return 0;
  // Texts of whole and broken characters, from the input's own bytes (the same every run).
  std::mt19937 rng(static_cast<unsigned>(size));
  std::uniform_int_distribution<std::size_t> pick(0, alphabet().size() - 1), len(1, 24);
  bpe_workspace ws;
  std::vector<bpe_symbol> syms;
  for (int k = 0; k < 64; ++k) {
    std::string text;
    for (std::size_t n = len(rng); n > 0; --n) text += alphabet()[pick(rng)];
    m.merge(text, ws, syms);
    std::size_t covered = 0;
    for (const bpe_symbol& s : syms) {
      TM_FUZZ_CHECK(s.id != no_token && m.vocab.contains(s.id), "merge gave an id the model does not hold");
      TM_FUZZ_CHECK(s.start == covered && s.end > s.start, "merge's symbols do not tile the text");
      covered = s.end;
    }
    TM_FUZZ_CHECK(covered == text.size(), "merge's symbols do not cover the text");
  }
  return 0;
}
