// Loaders on synthetic and hostile inputs: every malformed file is a typed error naming it.
#include <tokenmeter/vocab/hf_tokenizer_json.hpp>
#include <tokenmeter/vocab/load.hpp>
#include <tokenmeter/vocab/tiktoken_format.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <openssl/evp.h>

using namespace tokenmeter;

namespace {

std::string b64(std::string_view s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                                static_cast<int>(s.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// A byte-level rank file: the 256 bytes, then "ab", "abc" ... as extra ranks.
std::string rank_file(const std::vector<std::string>& extra) {
  std::string f;
  for (int b = 0; b < 256; ++b) f += b64(std::string(1, static_cast<char>(b))) + " " + std::to_string(b) + "\n";
  for (std::size_t i = 0; i < extra.size(); ++i) f += b64(extra[i]) + " " + std::to_string(256 + i) + "\n";
  return f;
}

errc rank_error(const std::string& file) {
  vocab_table v;
  auto r = parse_tiktoken_ranks(file, std::nullopt, v, "test.tiktoken");
  if (!r) return r.error_value().code;
  auto t = make_tiktoken_tokenizer(std::move(v), tiktoken_spec{"t", R"(\S+|\s+)", {}, std::nullopt, special_tokens::plain});
  return t ? errc{} : t.error_value().code;
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() / ("tm-test-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  void write(const std::string& rel, const std::string& data) const {
    std::filesystem::create_directories((path / rel).parent_path());
    std::ofstream(path / rel, std::ios::binary) << data;
  }
};

}  // namespace

TEST(TiktokenLoader, SyntheticVocabularyEncodesAndDecodes) {
  vocab_table v;
  ASSERT_TRUE(parse_tiktoken_ranks(rank_file({"ab", "abc"}), std::nullopt, v, "t").has_value());
  auto t = make_tiktoken_tokenizer(std::move(v), tiktoken_spec{"t", R"(\S+|\s+)", {{"<|end|>", 1000}}, std::nullopt,
                                                               special_tokens::plain})
               .value_or_throw();
  EXPECT_EQ(t->encode("abc").value_or_throw(), (std::vector<token_id>{257}));
  EXPECT_EQ(t->encode("abab").value_or_throw(), (std::vector<token_id>{256, 256}));
  encode_options rec;
  rec.special = special_tokens::recognize;
  EXPECT_EQ(t->encode("ab<|end|>", rec).value_or_throw(), (std::vector<token_id>{256, 1000}));
  EXPECT_EQ(t->encode("ab<|end|>").value_or_throw().size(), 8u);  // plain: 2 + 7 single bytes
  EXPECT_EQ(t->decode(std::vector<token_id>{256, 1000}).value_or_throw(), "ab<|end|>");
  EXPECT_EQ(t->decode(std::vector<token_id>{5000}).error_value().code, errc::out_of_range);
}

TEST(TiktokenLoader, HostileRankFilesAreTypedErrors) {
  const std::string good = rank_file({"ab"});
  EXPECT_EQ(rank_error(good), errc{});
  EXPECT_EQ(rank_error(good + "!!!! 300\n"), errc::vocab_corrupt);              // bad base64
  EXPECT_EQ(rank_error(good + "YWJj\n"), errc::vocab_corrupt);                  // no rank
  EXPECT_EQ(rank_error(good + "YWJj 256\n"), errc::vocab_corrupt);              // duplicate rank
  EXPECT_EQ(rank_error(good + "YWI= 999\n"), errc::vocab_corrupt);              // duplicate bytes
  EXPECT_EQ(rank_error(good + "YWJj 99999999999\n"), errc::vocab_corrupt);      // rank out of range
  EXPECT_EQ(rank_error(good + "YWJj 4294967295\n"), errc::vocab_corrupt);       // reserved id
  EXPECT_EQ(rank_error(good + "YWJj 4000000000\n"), errc::vocab_corrupt);       // absurd id: refused, not allocated
  EXPECT_EQ(rank_error(""), errc::vocab_corrupt);                               // empty
  EXPECT_EQ(rank_error(good.substr(0, good.size() / 2) + "YW"), errc::vocab_corrupt);  // truncated mid-line
  EXPECT_EQ(rank_error(rank_file({}).substr(8)), errc::vocab_corrupt);          // byte 0x00 missing
  EXPECT_EQ(rank_error(good + b64(std::string(70000, 'x')) + " 300\n"), errc::vocab_corrupt);  // absurd token
}

TEST(HfLoader, HostileTokenizerJsonIsTypedError) {
  const std::string ok = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]},
                             "pre_tokenizer": null, "normalizer": null, "added_tokens": []})";
  auto good = load_hf_tokenizer_json(ok, {}, "t.json");
  ASSERT_TRUE(good.has_value()) << good.error_value().message;
  EXPECT_EQ((*good)->encode("abba").value_or_throw(), (std::vector<token_id>{2, 1, 0}));
  const auto code = [](const std::string& j) {
    auto r = load_hf_tokenizer_json(j, {}, "t.json");
    return r ? errc{} : r.error_value().code;
  };
  EXPECT_EQ(code(ok.substr(0, ok.size() / 2)), errc::vocab_corrupt);  // truncated
  EXPECT_EQ(code("[]"), errc::vocab_corrupt);
  EXPECT_EQ(code(R"({"model": {"type": "WordPiece", "vocab": {}}})"), errc::unsupported);
  EXPECT_EQ(code(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a zz"]}})"), errc::vocab_corrupt);
  EXPECT_EQ(code(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "dropout": 0.1}})"), errc::unsupported);
  EXPECT_EQ(code(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}})"), errc::vocab_corrupt);
  EXPECT_EQ(code(R"({"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}})"), errc::vocab_corrupt);
  EXPECT_EQ(code(R"({"model": {"type": "BPE", "vocab": {"a": 4000000000}, "merges": []}})"), errc::vocab_corrupt);
  EXPECT_EQ(code(R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "added_tokens": [{"id": 4000000000, "content": "x"}]})"),
            errc::vocab_corrupt);
  EXPECT_EQ(code(R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": {"type": "BertPreTokenizer"}})"),
            errc::unsupported);
  EXPECT_EQ(code(R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(["}, "behavior": "Isolated"}})"),
            errc::unsupported);
}

TEST(Locate, MissingVocabularyNamesTheFixAndChecksumsAreEnforced) {
  temp_dir dir;
  load_options opt;
  opt.path = dir.path.string();
  auto missing = load_family("qwen3", opt);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error_value().code, errc::vocab_not_found);
  EXPECT_NE(missing.error_value().message.find("vocab/fetch"), std::string::npos);

  const family_info* fam = manifest::embedded().family("kimi-k2");
  const vocab_file* vf = manifest::embedded().file(fam->file);
  dir.write(fam->file, std::string(vf->size, 'x'));  // right size, wrong content
  auto corrupt = load_family("kimi-k2", opt);
  ASSERT_FALSE(corrupt.has_value());
  EXPECT_EQ(corrupt.error_value().code, errc::checksum_mismatch);
  EXPECT_NE(corrupt.error_value().message.find(vf->sha256), std::string::npos);

  dir.write(fam->file, "short");  // truncated
  auto truncated = load_family("kimi-k2", opt);
  EXPECT_EQ(truncated.error_value().code, errc::checksum_mismatch);

  opt.verify_checksum = false;  // then the parser itself reports the damage
  auto parsed = load_family("kimi-k2", opt);
  EXPECT_EQ(parsed.error_value().code, errc::vocab_corrupt);
}

TEST(Locate, EnvironmentDirectoryComesFirst) {
  temp_dir dir;
  const family_info* fam = manifest::embedded().family("glm-5");
  dir.write(fam->file, "not a rank file");
  ::setenv("TOKENMETER_VOCAB_DIR", dir.path.c_str(), 1);
  auto where = locate_family_file(*fam);
  ::unsetenv("TOKENMETER_VOCAB_DIR");
  ASSERT_TRUE(where.has_value());
  EXPECT_EQ(*where, (dir.path / fam->file).string());
}

TEST(Locate, UserSuppliedOnlyFamilyAsksForTheFile) {
  auto r = load_family("qwen3.5");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error_value().code, errc::vocab_not_found);
}
