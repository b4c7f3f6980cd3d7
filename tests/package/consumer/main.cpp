// The package consumer: one program built four ways (find_package of an install, add_subdirectory
// of the source tree, pkg-config, and as the vcpkg/Conan test_package). It needs no network and no
// fetched vocabulary: it builds a byte-level BPE tokenizer from a tiny tokenizer.json it writes
// itself, checks the ids, and checks that the embedded manifest resolves a model name. It is built
// twice: as it is (static SIMD dispatch) and through tokenmeter_runtime_dispatch().
#include <tokenmeter/tokenmeter.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#ifdef TOKENMETER_HWY_DYNAMIC_DISPATCH
#include <hwy/targets.h>  // hwy::SupportedTargets (libhwy: linked under runtime dispatch)
#endif

// The inline ABI namespace is real: qualified and unqualified names are the same entity.
static_assert(&tokenmeter::TOKENMETER_ABI_NAMESPACE::default_vocab_cache_dir == &tokenmeter::default_vocab_cache_dir);
static_assert(TOKENMETER_VERSION_MAJOR == tokenmeter::version_major);

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    ++failures;
  }
}

// GPT-2's byte -> code point map (printable Latin-1 maps to itself, the rest to U+0100 upwards).
std::vector<unsigned> byte_chars() {
  std::vector<unsigned> cp(256);
  unsigned next = 256;
  for (unsigned b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    cp[b] = printable ? b : next++;
  }
  return cp;
}

std::string json_escape(unsigned code_point) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04X", code_point);
  return buf;
}

// Ids 0..255 are the bytes; 256.. are the merges below, in rank order.
std::string synthetic_tokenizer_json() {
  const std::vector<unsigned> cp = byte_chars();
  const auto tok = [&](std::string_view bytes) {
    std::string s;
    for (unsigned char c : bytes) s += json_escape(cp[c]);
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"a", "t"}, {" ", "c"}, {" c", "at"}, {"t", "h"}, {"th", "e"}, {" ", "the"}};
  std::string vocab;
  for (unsigned b = 0; b < 256; ++b)
    vocab += (b ? ", \"" : "\"") + tok(std::string(1, static_cast<char>(b))) + "\": " + std::to_string(b);
  std::string merge_list;
  unsigned id = 256;
  for (const auto& [l, r] : merges) {
    vocab += ", \"" + tok(l + r) + "\": " + std::to_string(id++);
    merge_list += (merge_list.empty() ? "\"" : ", \"") + tok(l) + " " + tok(r) + "\"";
  }
  return R"({"version": "1.0", "added_tokens": [], "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false, "byte_fallback": false,
                       "vocab": {)" +
         vocab + "}, \"merges\": [" + merge_list + "]}}";
}

std::string same_path(const std::string& p) {
  return std::filesystem::weakly_canonical(std::filesystem::path(p)).lexically_normal().string();
}

}  // namespace

int main() {
  // 1. Tokenize a sentence with the synthetic vocabulary.
  auto tok = tokenmeter::load_hf_tokenizer_json(synthetic_tokenizer_json(), {}, "synthetic tokenizer.json");
  if (!tok) {
    std::fprintf(stderr, "FAIL: load_hf_tokenizer_json: %s\n", tok.error_value().message.c_str());
    return 1;
  }
  const std::string sentence = "the cat sat on the mat.";
  // "the" " cat" " sat" " on" " the" " mat" "."
  const std::vector<tokenmeter::token_id> expected = {260, 258, 32, 115, 256, 32, 111, 110, 261, 32, 109, 256, 46};
  auto ids = (*tok)->encode(sentence);
  check(ids.has_value() && *ids == expected, "encode(\"" + sentence + "\") gives the expected ids");
  auto n = (*tok)->count(sentence);
  check(n.has_value() && *n == expected.size(), "count() agrees with encode()");
  auto back = (*tok)->decode(expected);
  check(back.has_value() && *back == sentence, "decode() round-trips the sentence");

  // 2. The manifest compiled into the headers resolves model names without any file.
  auto res = tokenmeter::manifest::embedded().resolve("gpt-4o");
  check(res.has_value() && res->family != nullptr && res->family->id == "o200k_base" &&
            res->exactness == tokenmeter::exactness::exact,
        "manifest::embedded().resolve(\"gpt-4o\") is o200k_base, exact");

  // 3. One version everywhere: the package's version (when the build system knows it) is the header's.
#ifdef CONSUMER_PACKAGE_VERSION
  check(std::string_view(tokenmeter::version_string) == CONSUMER_PACKAGE_VERSION,
        std::string("version.hpp says ") + tokenmeter::version_string + ", the package says " + CONSUMER_PACKAGE_VERSION);
#endif

  // 4. An installed package knows where its vocabulary directory is, and searches it last.
#ifdef CONSUMER_VOCAB_DIR
  const std::string installed = TOKENMETER_INSTALL_VOCAB_DIR;
  check(!installed.empty() && same_path(installed) == same_path(CONSUMER_VOCAB_DIR),
        "TOKENMETER_INSTALL_VOCAB_DIR (" + installed + ") is the package's vocabulary directory (" + CONSUMER_VOCAB_DIR + ")");
  check(std::filesystem::is_directory(installed), "the installed vocabulary directory exists");
  const auto dirs = tokenmeter::vocab_search_dirs();
  check(!dirs.empty() && dirs.back() == installed, "the installed vocabulary directory is searched last");
#endif

  // 5. SIMD. Built with tokenmeter_runtime_dispatch() (CMake), the kernels are compiled for every
  //    target Highway knows and the best this CPU supports is chosen; the ids above are the same.
  //    The name comes from a dispatched kernel, so it is the target the kernels run on.
  const char* simd = tokenmeter::detail::simd::target_name();
  check(simd != nullptr && *simd != '\0', "the SIMD target has a name");
#if defined(TOKENMETER_HWY_DYNAMIC_DISPATCH) && HWY_ARCH_X86
  // Every x86-64 CPU that runs this has SSSE3 at least (Highway's oldest x86 vector target):
  // the kernels must not be running on the scalar emulation.
  const bool cpu_has_vectors = (hwy::SupportedTargets() & ~(HWY_EMU128 | HWY_SCALAR)) != 0;
  check(!cpu_has_vectors || (std::string_view(simd) != "EMU128" && std::string_view(simd) != "SCALAR"),
        std::string("runtime dispatch runs the kernels on a vector target (runs on ") + simd + ")");
#endif

  if (failures != 0) return 1;
  std::printf("tokenmeter %s (%s): \"%s\" -> %zu tokens; gpt-4o -> %s; SIMD %s\n", tokenmeter::version_string,
              TOKENMETER_INSTALL_VOCAB_DIR, sentence.c_str(), expected.size(), res->family->id.c_str(), simd);
  return 0;
}
