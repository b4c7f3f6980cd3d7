// The generic, exact split-pattern engine: ICU's regex over UTF-8, with the pattern translated
// so ICU means what the reference engines (fancy-regex in tiktoken, Oniguruma in HF tokenizers)
// mean. It is the oracle every hand-written scanner is tested against.
//
// Known dialect differences handled here:
//  * Unicode version: \p{L}, \p{N}, \p{Han}, ... are expanded into explicit code point sets from
//    tokenmeter's UCD copy (Unicode 16.0, what both references use), so the system ICU's own,
//    possibly older data (ICU 72 = Unicode 15.0) never decides a split. Unknown properties are
//    left to ICU.
//  * `\s` / `\S`: ICU's \s is [\t\n\f\r\p{Z}], which misses U+000B and U+0085; both references
//    use the Unicode White_Space property. `\d` is \p{Nd} everywhere.
//  * `\p{Han}` is the Script property (not Script_Extensions), as in the references.
//  * class intersection `[...&&[...]]` and possessive quantifiers are native ICU syntax.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pretokenize/fast_pattern.hpp>
#include <tokenmeter/pretokenize/scanners.hpp>
#include <tokenmeter/unicode/properties.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <unicode/regex.h>
#include <unicode/utext.h>

TOKENMETER_BEGIN_NAMESPACE

// Rewrites a tiktoken/HF split pattern into ICU syntax with the references' meaning.
[[nodiscard]] inline std::string translate_pattern_to_icu(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() * 4 + 64);
  const auto property = [&](std::string_view name, bool negate, std::string_view original) {
    if (auto rs = unicode::property_ranges(name))
      out += unicode::icu_set(*rs, negate);
    else
      out += original;  // not in tokenmeter's tables: ICU's own data
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c != '\\' || i + 1 >= pattern.size()) {
      out += c;
      continue;
    }
    const char n = pattern[i + 1];
    if (n == 's' || n == 'S') {
      property("White_Space", n == 'S', pattern.substr(i, 2));
      ++i;
    } else if (n == 'd' || n == 'D') {
      property("Nd", n == 'D', pattern.substr(i, 2));
      ++i;
    } else if ((n == 'p' || n == 'P') && i + 2 < pattern.size()) {
      if (pattern[i + 2] == '{') {
        const std::size_t close = pattern.find('}', i + 3);
        if (close == std::string_view::npos) {
          out += pattern.substr(i);  // malformed: let ICU report it
          break;
        }
        property(pattern.substr(i + 3, close - i - 3), n == 'P', pattern.substr(i, close + 1 - i));
        i = close;
      } else {
        property(pattern.substr(i + 2, 1), n == 'P', pattern.substr(i, 3));
        i += 2;
      }
    } else {
      out += c;
      out += n;
      ++i;
    }
  }
  return out;
}

// A split pattern: the fast engine (pretokenize/fast_pattern.hpp) when the pattern has its
// shape, ICU otherwise. ICU is compiled lazily, so loading a family with a fast pattern never
// pays for it; tests call for_each_match_oracle() to check one against the other.
class split_regex {
 public:
  static result<split_regex> compile(std::string_view pattern) {
    split_regex r;
    r.state_ = std::make_shared<state>();
    r.state_->source = std::string(pattern);
    r.state_->scanner = pretokenize::shape_scanner::for_pattern(pattern);
    if (!r.state_->scanner) r.state_->fast = pretokenize::fast_pattern::compile(pattern);
    if (!r.state_->scanner && !r.state_->fast) TOKENMETER_TRY_VOID(r.state_->icu());  // report a bad pattern at load
    return r;
  }

  [[nodiscard]] const std::string& source() const noexcept { return state_->source; }
  [[nodiscard]] bool has_fast_engine() const noexcept { return state_->scanner || state_->fast; }
  [[nodiscard]] bool has_shape_scanner() const noexcept { return state_->scanner.has_value(); }

  // Whether a match depends only on the text from where it starts: then a search of text[b..],
  // for any match end b of a search of `text`, finds that search's later matches. True for the
  // fast engines, whose shape has no lookbehind, anchor or \b (and which equal the ICU oracle on
  // every input, text[b..] included); ICU-only patterns may look left, so they answer false.
  [[nodiscard]] bool resumes_anywhere() const noexcept { return has_fast_engine(); }

  // The generic fast engine even where a hand-written scanner exists (the stream counter's cut
  // rule, differential tests), or null outside its shape. Compiled once, on first use, and owned
  // by this regex and its copies: a stream plan per request does not pay for it again.
  [[nodiscard]] const pretokenize::fast_pattern* generic_engine() const { return state_->generic(); }

  // Calls f(start, end) for each non-overlapping match in `text` (valid UTF-8), left to right;
  // f may return false to stop. Lookarounds see only `text`: a piece's end is the end of the
  // world, as in the references.
  template <class F>
  result<void> for_each_match(std::string_view text, F&& f) const {
    if (state_->scanner) {
      state_->scanner->for_each_match(text, f);
      return {};
    }
    if (state_->fast) {
      state_->fast->for_each_match(text, f);
      return {};
    }
    return for_each_match_oracle(text, f);
  }

  // The compiled ICU pattern (built on first use, owned by this regex and its copies); for
  // callers that need more than matches, such as hitEnd.
  [[nodiscard]] result<const icu::RegexPattern*> icu_pattern() const { return state_->icu(); }

  // The ICU engine, whatever the pattern: the oracle the fast engine is tested against.
  template <class F>
  result<void> for_each_match_oracle(std::string_view text, F&& f) const {
    if (text.empty()) return {};
    return with_icu_matcher(text, [&](icu::RegexMatcher& m, UErrorCode& status) {
      while (m.find(status) && U_SUCCESS(status)) {
        const auto s = static_cast<std::size_t>(m.start64(status));
        const auto e = static_cast<std::size_t>(m.end64(status));
        if (!detail::invoke_continue(f, s, e)) break;
      }
    });
  }

  // fast_pattern::settled_matches by ICU, whose hitEnd says whether a find or lookingAt read at
  // the end: the oracle the fast answer is tested against (the stream counter cuts only with
  // the fast engine, see count/stream_counter.hpp).
  [[nodiscard]] result<pretokenize::settled_search> settled_matches_oracle(std::string_view text) const {
    const std::size_t n = text.size();
    pretokenize::settled_search r{0, n};
    if (text.empty()) return r;
    TOKENMETER_TRY_VOID(with_icu_matcher(text, [&](icu::RegexMatcher& m, UErrorCode& status) {
      // find's hitEnd covers all its attempts; this finds the first one in [from, to) that read
      // at the end (a match there counts: a later character could lengthen it), or `to`.
      const auto first_hitting = [&](std::size_t from, std::size_t to) {
        for (std::size_t q = from; q < to; q += utf8_sequence_length(static_cast<unsigned char>(text[q]))) {
          const bool matched = m.lookingAt(static_cast<int64_t>(q), status);
          if (m.hitEnd() || matched || U_FAILURE(status)) return q;
        }
        return to;
      };
      for (std::size_t pos = 0; pos < n;) {
        if (!m.find(static_cast<int64_t>(pos), status) || U_FAILURE(status)) {
          r.open = first_hitting(pos, n);
          break;
        }
        const auto s = static_cast<std::size_t>(m.start64(status));
        const auto e = static_cast<std::size_t>(m.end64(status));
        if (m.hitEnd() || e <= s || U_FAILURE(status)) {
          r.open = first_hitting(pos, s);
          break;
        }
        r.settled = pos = e;
      }
    }));
    r.open = std::max(r.open, r.settled);
    return r;
  }

 private:
  // Runs body(matcher, status) with a matcher of the ICU pattern reset to `text`; a failed
  // status afterwards is the call's error.
  template <class Body>
  result<void> with_icu_matcher(std::string_view text, Body&& body) const {
    TOKENMETER_TRY(pattern, state_->icu());
    UErrorCode status = U_ZERO_ERROR;
    UText ut_storage = UTEXT_INITIALIZER;
    UText* ut = utext_openUTF8(&ut_storage, text.data(), static_cast<int64_t>(text.size()), &status);
    std::unique_ptr<icu::RegexMatcher> m(pattern->matcher(status));
    if (U_FAILURE(status) || !m) {
      utext_close(ut);
      return make_error(errc::unsupported, std::string("cannot create regex matcher: ") + u_errorName(status));
    }
    m->reset(ut);
    body(*m, status);
    m.reset();
    utext_close(ut);
    if (U_FAILURE(status)) return make_error(errc::limit_exceeded, std::string("regex matching failed: ") + u_errorName(status));
    return {};
  }

  struct state {
    std::string source;
    std::optional<pretokenize::shape_scanner> scanner;
    std::optional<pretokenize::fast_pattern> fast;
    std::once_flag once;
    std::unique_ptr<icu::RegexPattern> compiled;
    error compile_error;
    std::once_flag generic_once;
    std::optional<pretokenize::fast_pattern> generic_compiled;

    const pretokenize::fast_pattern* generic() {
      if (fast) return &*fast;
      std::call_once(generic_once, [this] { generic_compiled = pretokenize::fast_pattern::compile(source); });
      return generic_compiled ? &*generic_compiled : nullptr;
    }

    result<const icu::RegexPattern*> icu() {
      std::call_once(once, [this] {
        const std::string translated = translate_pattern_to_icu(source);
        UErrorCode status = U_ZERO_ERROR;
        UParseError perr{};
        UText* ut = utext_openUTF8(nullptr, translated.data(), static_cast<int64_t>(translated.size()), &status);
        compiled.reset(icu::RegexPattern::compile(ut, 0, perr, status));
        utext_close(ut);
        if (U_FAILURE(status) || !compiled) {
          compiled.reset();
          compile_error = make_error(errc::unsupported, "cannot compile split pattern (" + std::string(u_errorName(status)) +
                                                            " at offset " + std::to_string(perr.offset) + "): " + source);
        }
      });
      if (!compiled) return compile_error;
      return compiled.get();
    }
  };
  std::shared_ptr<state> state_;
};

TOKENMETER_END_NAMESPACE
