// Hostile vocabularies beyond tests/vocab's cases: the tiktoken npm JSON format, tokenizer.json
// files with absurd sizes or missing bytes, and load-by-path of files that are not vocabularies.
#include "robustness_support.hpp"

#include <tokenmeter/vocab/hf_tokenizer_json.hpp>
#include <tokenmeter/vocab/tiktoken_format.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

using namespace tokenmeter;

namespace {

// Standard base64 with padding (RFC 4648), enough for test vocabularies.
std::string b64(std::string_view s) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < s.size()) v |= static_cast<unsigned char>(s[i + 2]);
    for (std::size_t k = 0; k < 4; ++k) out += i + k <= s.size() ? digits[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

// The tiktoken npm JSON: {"pat_str", "special_tokens", "bpe_ranks": "! 0 <b64> <b64> ...\n<b64> <rank>"}.
std::string encoding_json(const std::string& ranks, const nlohmann::json& specials = nlohmann::json::object()) {
  return nlohmann::json{{"pat_str", R"(\S+|\s+)"}, {"special_tokens", specials}, {"bpe_ranks", ranks}}.dump();
}

std::string all_bytes_run(std::uint32_t first_rank = 0) {
  std::string run = "! " + std::to_string(first_rank);
  for (int b = 0; b < 256; ++b) run.append(" ").append(b64(std::string(1, static_cast<char>(b))));  // append: GCC 12 -Wrestrict false positive on " " + s
  return run + "\n";
}

// Loads an encoding JSON into a tokenizer; errc{} on success.
errc json_error(const std::string& text, std::optional<token_id> max_rank = std::nullopt) {
  vocab_table v;
  auto spec = parse_tiktoken_json(text, max_rank, v, "enc.json");
  if (!spec) return spec.error_value().code;
  spec->name = "t";
  auto t = make_tiktoken_tokenizer(std::move(v), *spec);
  return t ? errc{} : t.error_value().code;
}

}  // namespace

TEST(TiktokenJson, HostileEncodingFilesAreTypedErrors) {
  const std::string good_ranks = all_bytes_run() + b64("ab") + " 256\n";
  ASSERT_EQ(json_error(encoding_json(good_ranks, {{"<|end|>", 300}})), errc{});
  EXPECT_EQ(json_error(encoding_json(good_ranks).substr(0, 40)), errc::vocab_corrupt);                 // truncated JSON
  EXPECT_EQ(json_error(R"({"bpe_ranks": "! 0 AA=="})"), errc::vocab_corrupt);                         // no pat_str
  EXPECT_EQ(json_error(R"({"pat_str": "x", "bpe_ranks": 5})"), errc::vocab_corrupt);                  // ranks not a string
  EXPECT_EQ(json_error(encoding_json(good_ranks, {{"<|end|>", -1}})), errc::vocab_corrupt);            // negative special id
  EXPECT_EQ(json_error(encoding_json(good_ranks, {{"<|end|>", 1u << 30}})), errc::vocab_corrupt);      // special id out of range
  EXPECT_EQ(json_error(encoding_json(good_ranks, {{"<|end|>", 256}})), errc::vocab_corrupt);           // reuses a vocab id
  EXPECT_EQ(json_error(encoding_json(good_ranks, {{"", 300}})), errc::vocab_corrupt);                  // empty special token
  EXPECT_EQ(json_error(encoding_json(good_ranks, {{"<|end|>", "300"}})), errc::vocab_corrupt);         // id as a string
  EXPECT_EQ(json_error(encoding_json(good_ranks + b64("ab") + " 257\n")), errc::vocab_corrupt);        // duplicate bytes
  EXPECT_EQ(json_error(encoding_json(good_ranks + b64("abc") + " 256\n")), errc::vocab_corrupt);       // duplicate rank
  EXPECT_EQ(json_error(encoding_json(all_bytes_run(4294967200u))), errc::vocab_corrupt);              // run past the id space
  EXPECT_EQ(json_error(encoding_json("! x AA==\n")), errc::vocab_corrupt);                             // bad first rank
  EXPECT_EQ(json_error(encoding_json("! 0 A\n")), errc::vocab_corrupt);                                // bad base64 in a run
  EXPECT_EQ(json_error(encoding_json(all_bytes_run().substr(0, 600))), errc::vocab_corrupt);           // missing single bytes
  EXPECT_EQ(json_error(encoding_json("")), errc::vocab_corrupt);                                       // no tokens
  EXPECT_EQ(json_error(encoding_json(all_bytes_run() + "a b c\n")), errc::vocab_corrupt);              // unrecognised line
  // A max_rank cut that removes single bytes leaves a vocabulary that cannot encode every byte.
  EXPECT_EQ(json_error(encoding_json(good_ranks), token_id{100}), errc::vocab_corrupt);
}

namespace {

errc hf_error(const nlohmann::json& j) {
  auto r = load_hf_tokenizer_json(j.dump(), {}, "t.json");
  return r ? errc{} : r.error_value().code;
}

nlohmann::json hf_model(nlohmann::json vocab, nlohmann::json merges = nlohmann::json::array()) {
  return {{"model", {{"type", "BPE"}, {"vocab", std::move(vocab)}, {"merges", std::move(merges)}}}};
}

}  // namespace

TEST(HfTokenizerJson, AbsurdSizesAreRefusedNotAllocated) {
  EXPECT_EQ(hf_error(hf_model({{std::string(70000, 'x'), 0}})), errc::limit_exceeded);  // a 70 KB token
  EXPECT_EQ(hf_error(hf_model({{"a", (1u << 24)}})), errc::vocab_corrupt);               // id past the id space
  EXPECT_EQ(hf_error(hf_model({{"a", 0}, {"b", 1}}, {"a b c"})), errc::vocab_corrupt);    // three-part merge
  EXPECT_EQ(hf_error(hf_model({{"a", 0}}, {nlohmann::json::array({"a"})})), errc::vocab_corrupt);
  EXPECT_EQ(hf_error(hf_model({{"a", 0}}, {5})), errc::vocab_corrupt);                    // merge not a string
  EXPECT_EQ(hf_error(hf_model({{"a", 1.5}})), errc::vocab_corrupt);                       // fractional id
  EXPECT_EQ(hf_error(hf_model({{"a", "0"}})), errc::vocab_corrupt);                       // id as a string
  auto j = hf_model({{"a", 0}});
  j["model"]["unk_token"] = "<unk>";  // names a token that is not there
  EXPECT_EQ(hf_error(j), errc::vocab_corrupt);
  // Ill-formed UTF-8 in an added token (written by hand: nlohmann refuses to dump it).
  auto bad_utf8 = load_hf_tokenizer_json(
      "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"added_tokens\": [{\"id\": 1, \"content\": \"\xC3\x28\"}]}", {}, "t.json");
  ASSERT_FALSE(bad_utf8.has_value());
  EXPECT_EQ(bad_utf8.error_value().code, errc::vocab_corrupt);
  j = hf_model({{"a", 0}});
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", 3}};
  EXPECT_EQ(hf_error(j), errc::vocab_corrupt);
  j = hf_model({{"a", 0}});
  j["decoder"] = {{"type", "CTC"}};
  EXPECT_EQ(hf_error(j), errc::unsupported);
}

// A byte-level file that lacks some single bytes cannot encode every text: refused at load,
// naming the first missing byte.
TEST(HfTokenizerJson, MissingSingleBytesInAByteLevelFileAreRefused) {
  nlohmann::json j = hf_model({{"a", 0}, {"b", 1}, {"ab", 2}}, {"a b"});
  j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  j["decoder"] = {{"type", "ByteLevel"}};
  auto tok = load_hf_tokenizer_json(j.dump(), {}, "t.json");
  ASSERT_FALSE(tok.has_value());
  EXPECT_EQ(tok.error_value().code, errc::vocab_corrupt);
  EXPECT_NE(tok.error_value().message.find("single byte 0x00"), std::string::npos) << tok.error_value().message;
}

// Loading something that is not a vocabulary by path is a typed error naming the file.
TEST(LoadByPath, NonVocabularyFilesAreTypedErrors) {
  const auto dir = std::filesystem::temp_directory_path() / ("tm-hostile-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& data) {
    std::ofstream(dir / name, std::ios::binary) << data;
    return (dir / name).string();
  };
  for (const auto& [name, data] : std::vector<std::pair<std::string, std::string>>{
           {"empty.json", ""}, {"binary.json", std::string("\x7F" "ELF\0\0\0", 7)}, {"array.json", "[1,2,3]"},
           {"ranks.tiktoken", "YQ== 0\n"}, {"deep.json", "{\"model\":" + std::string(100000, '[')}}) {
    auto r = load_tokenizer_file(write(name, data));
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_TRUE(r.error_value().code == errc::vocab_corrupt || r.error_value().code == errc::unsupported) << name;
  }
  auto missing = load_tokenizer_file((dir / "nope.json").string());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error_value().code, errc::io_error);
  std::filesystem::remove_all(dir);
}
