// Normalizers, the first pipeline stage: Unicode normal forms (ICU), literal Replace, Prepend,
// Strip, Lowercase, and Sequence, mirroring the HF tokenizer.json normalizers our families use.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <bitset>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <unicode/bytestream.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uniset.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

TOKENMETER_BEGIN_NAMESPACE

namespace normalize {

enum class unicode_form : std::uint8_t { nfc, nfd, nfkc, nfkd };

// A Unicode normal form, optionally frozen at an older Unicode version: code points assigned
// after it are left alone, exactly as a normalizer built from that version's data treats them
// (Unicode's stability policy guarantees the rest is unchanged). HF tokenizers normalizes with
// Unicode 9.0 data, which matters for marks added since (e.g. U+0EBA, U+1AC1, U+08D3).
class unicode_normal_form {
 public:
  static result<unicode_normal_form> make(unicode_form form, std::string_view unicode_version = {}) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* base = nullptr;
    switch (form) {
      case unicode_form::nfc: base = icu::Normalizer2::getNFCInstance(status); break;
      case unicode_form::nfd: base = icu::Normalizer2::getNFDInstance(status); break;
      case unicode_form::nfkc: base = icu::Normalizer2::getNFKCInstance(status); break;
      case unicode_form::nfkd: base = icu::Normalizer2::getNFKDInstance(status); break;
    }
    if (U_FAILURE(status) || base == nullptr)
      return make_error(errc::unsupported, std::string("ICU normalizer unavailable: ") + u_errorName(status));
    unicode_normal_form f;
    f.form_ = form;
    f.version_ = std::string(unicode_version);
    if (unicode_version.empty()) {
      f.impl_ = std::make_shared<const state>(nullptr, nullptr, base);
      return f;
    }
    const bool well_formed = unicode_version.find_first_not_of("0123456789.") == std::string_view::npos &&
                             unicode_version.front() != '.' && unicode_version.back() != '.';
    const std::string pattern = "[:age=" + std::string(unicode_version) + ":]";
    auto set = std::make_unique<icu::UnicodeSet>(icu::UnicodeString::fromUTF8(pattern), status);
    if (!well_formed || U_FAILURE(status) || set->isEmpty())
      return make_error(errc::unsupported, "unknown Unicode version \"" + std::string(unicode_version) + "\"");
    set->freeze();
    auto filtered = std::make_unique<icu::FilteredNormalizer2>(*base, *set);
    const icu::Normalizer2* n = filtered.get();
    f.impl_ = std::make_shared<const state>(std::move(set), std::move(filtered), n);
    return f;
  }

  // Whether `in` (valid UTF-8) is already in this form, without a copy. Each normal form has a
  // boundary before every ASCII character (checked at make): ASCII is its own normal form, has
  // combining class 0 and never composes with what precedes it. So the text is normalized iff
  // each run of non-ASCII bytes, taken with the ASCII character before it (which may compose
  // with a following mark), is. The SIMD scan skips the ASCII between runs and ICU looks only
  // at the runs: on English prose, checking all of it cost qwen3 a fifth of its
  // pre-tokenization time.
  // A run whose characters are all "yes starters" (quick check Yes, combining class 0; a BMP
  // table filled at make) is normalized without asking ICU: by the quick-check algorithm (UAX
  // #15) such text is in the form. Chinese and Japanese prose is nearly all such characters,
  // and ICU's check per run cost qwen3 ~9% of counting Chinese.
  [[nodiscard]] result<bool> is_normalized(std::string_view in) const {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const std::size_t n = in.size();
    const auto check = [&](std::size_t b, std::size_t e) -> result<bool> {
      UErrorCode status = U_ZERO_ERROR;
      const bool yes = impl_->n->isNormalizedUTF8(icu::StringPiece(in.data() + b, static_cast<int32_t>(e - b)), status);
      if (U_FAILURE(status))
        return make_error(errc::invalid_argument, std::string("normalization check failed: ") + u_errorName(status));
      return yes;
    };
    if (!impl_->ascii_boundaries) return check(0, n);
    const auto& yes_starter = impl_->yes_starter;
    for (std::size_t i = detail::ascii_prefix(p, n); i < n; i += detail::ascii_prefix(p + i, n - i)) {
      const std::size_t run_start = i == 0 ? 0 : i - 1;
      bool quick_yes = true;
      while (i < n && p[i] >= 0x80) {
        const unsigned char b = p[i];
        // Two- and three-byte characters from the table; anything else (supplementary planes,
        // or bytes that are not UTF-8, which callers do not pass) goes to ICU with the run.
        // (Decoded inline: next_code_point's U8_NEXT measured 3-6% slower on qwen3 Japanese.)
        if (b >= 0xC2 && b < 0xE0 && i + 1 < n) {
          quick_yes = quick_yes && yes_starter[(b & 0x1Fu) << 6 | (p[i + 1] & 0x3Fu)];
          i += 2;
        } else if (b >= 0xE0 && b < 0xF0 && i + 2 < n) {
          quick_yes = quick_yes && yes_starter[(b & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu)];
          i += 3;
        } else {
          quick_yes = false;
          ++i;
        }
      }
      if (quick_yes) continue;
      TOKENMETER_TRY(yes, check(run_start, i));
      if (!yes) return false;
    }
    return true;
  }

  [[nodiscard]] unicode_form form() const noexcept { return form_; }
  [[nodiscard]] const std::string& unicode_version() const noexcept { return version_; }
  [[nodiscard]] const icu::Normalizer2& normalizer2() const noexcept { return *impl_->n; }

 private:
  struct state {
    state(std::unique_ptr<icu::UnicodeSet> s, std::unique_ptr<icu::FilteredNormalizer2> f, const icu::Normalizer2* norm)
        : set(std::move(s)), filtered(std::move(f)), n(norm) {
      ascii_boundaries = true;
      for (UChar32 c = 0; c < 0x80; ++c) ascii_boundaries = ascii_boundaries && n->hasBoundaryBefore(c);
      // 0.6 ms for the BMP: a combining-class lookup and a one-character quick check each.
      for (UChar32 c = 0x80; c < 0x10000; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF) continue;  // surrogates are not characters
        UErrorCode status = U_ZERO_ERROR;
        yes_starter[static_cast<std::size_t>(c)] =
            n->getCombiningClass(c) == 0 && n->quickCheck(icu::UnicodeString(c), status) == UNORM_YES && U_SUCCESS(status);
      }
    }
    std::unique_ptr<icu::UnicodeSet> set;  // FilteredNormalizer2 keeps references to these two
    std::unique_ptr<icu::FilteredNormalizer2> filtered;
    const icu::Normalizer2* n;
    bool ascii_boundaries;  // n has a boundary before every ASCII character (see is_normalized)
    std::bitset<0x10000> yes_starter;  // BMP characters with quick check Yes and combining class 0
  };
  unicode_form form_ = unicode_form::nfc;
  std::string version_;
  std::shared_ptr<const state> impl_;
};
struct replace {
  std::string pattern;  // a literal string (regex patterns are rejected at load as unsupported)
  std::string content;
};
struct prepend {
  std::string prefix;
};
struct strip {
  bool left = true, right = true;
};
struct lowercase {};

}  // namespace normalize

class normalizer {
 public:
  using step = std::variant<normalize::unicode_normal_form, normalize::replace, normalize::prepend, normalize::strip,
                            normalize::lowercase>;

  normalizer() = default;
  explicit normalizer(std::vector<step> steps) : steps_(std::move(steps)) {}

  [[nodiscard]] bool empty() const noexcept { return steps_.empty(); }
  [[nodiscard]] const std::vector<step>& steps() const noexcept { return steps_; }

  // Normalizes valid UTF-8 `in` into `out`. Returns false (and leaves `out` unspecified) when no
  // step changes anything, so callers can keep pointing at the input and skip a copy.
  [[nodiscard]] result<bool> apply(std::string_view in, std::string& out) const {
    bool changed = false;
    // Steps write into `tmp` and swap it with `out`: the two buffers trade places and keep their
    // capacity across calls on this thread, so normalizing allocates only when text grows.
    thread_local std::string tmp;
    std::string_view cur = in;
    for (const step& s : steps_) {
      TOKENMETER_TRY(did, std::visit([&](const auto& st) { return apply_step(st, cur, tmp); }, s));
      if (did) {
        out.swap(tmp);
        cur = out;
        changed = true;
      }
    }
    return changed;
  }

 private:
  static result<bool> apply_step(const normalize::unicode_normal_form& s, std::string_view in, std::string& out) {
    // Most text is already normalized, and the check avoids building a copy.
    TOKENMETER_TRY(already, s.is_normalized(in));
    if (already) return false;
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = &s.normalizer2();
    const icu::StringPiece sp(in.data(), static_cast<int32_t>(in.size()));
    out.clear();
    icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(in.size() + in.size() / 8));
    n->normalizeUTF8(0, sp, sink, nullptr, status);
    if (U_FAILURE(status)) return make_error(errc::invalid_argument, std::string("normalization failed: ") + u_errorName(status));
    return true;
  }

  static result<bool> apply_step(const normalize::replace& s, std::string_view in, std::string& out) {
    if (s.pattern.empty() || in.find(s.pattern) == std::string_view::npos) return false;
    out.clear();
    std::size_t pos = 0;
    for (std::size_t hit; (hit = in.find(s.pattern, pos)) != std::string_view::npos; pos = hit + s.pattern.size()) {
      out.append(in.substr(pos, hit - pos));
      out.append(s.content);
    }
    out.append(in.substr(pos));
    return true;
  }

  static result<bool> apply_step(const normalize::prepend& s, std::string_view in, std::string& out) {
    if (in.empty() || s.prefix.empty()) return false;  // HF prepends only to non-empty text
    out.assign(s.prefix);
    out.append(in);
    return true;
  }

  static result<bool> apply_step(const normalize::strip& s, std::string_view in, std::string& out) {
    // White_Space, as Rust's char::is_whitespace which HF uses.
    std::size_t b = 0, e = in.size();
    if (s.left) {
      for (std::size_t i = 0; i < e;) {
        if (!u_isUWhiteSpace(static_cast<UChar32>(next_code_point(in, i)))) break;
        b = i;
      }
    }
    if (s.right) {
      while (e > b) {
        std::size_t start = e - 1;
        while (start > b && (static_cast<unsigned char>(in[start]) & 0xC0) == 0x80) --start;
        std::size_t i = start;
        if (!u_isUWhiteSpace(static_cast<UChar32>(next_code_point(in, i)))) break;
        e = start;
      }
    }
    if (b == 0 && e == in.size()) return false;
    out.assign(in.substr(b, e - b));
    return true;
  }

  static result<bool> apply_step(const normalize::lowercase&, std::string_view in, std::string& out) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(in.data(), static_cast<int32_t>(in.size())));
    u.toLower(icu::Locale::getRoot());
    std::string buf;
    u.toUTF8String(buf);
    if (buf == in) return false;
    out.swap(buf);
    return true;
  }

  std::vector<step> steps_;
};

TOKENMETER_END_NAMESPACE
