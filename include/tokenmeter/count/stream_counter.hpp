// Streaming token counter: text arrives in chunks split anywhere (inside a UTF-8 sequence, inside
// a special token) and the count always equals tokenizer::count of the concatenation, with the
// same encode_options. Work is amortised linear: text whose tokens can no longer change is
// counted once and dropped; only an unfinalised tail is kept. docs/request-accounting.md has
// the exactness argument; in short, the tail is carried through the pipeline's own stages:
//
//   bytes --UTF-8--> decided text --raw added tokens--> open section --normalize--> N --cut--> counted
//
//  * UTF-8: a trailing sequence that could still become valid waits for its next byte, so
//    errors and U+FFFD replacement (maximal subparts) fall exactly where the one-shot run puts them.
//  * Raw added tokens: text is released into a section only before the earliest position where
//    the rest of the text is a proper prefix of an added token; a match found before that point
//    is final (no longer token can start there or span it). A final match closes the section.
//  * Normalization is applied up to the last position before which every normal form has a
//    boundary regardless of context (ICU hasBoundaryBefore), so NFC/NFKC never compose across it.
//  * Cuts inside a section are made only at a certified boundary of the pre-tokenizer: a match is
//    final only if no attempt of the split pattern before it (or it) read at the end of the known
//    text. The generic fast engine reports such attempts (tested against ICU's hitEnd); it runs
//    only from where an attempt could reach the end (a bound from the pattern's shape, see
//    fast_pattern::reach_start), the pattern's own scanner finding the matches before. Pieces
//    before the cut come from the full-context run and are merged as they are; the tail restarts
//    at the cut, which is a restart point of every split step. SentencePiece-style models (Gemma)
//    whose pre-tokenizer leaves the whole section as one piece are cut before a word marker that
//    the model itself treats as a merge barrier (bpe_model::safe_cut_before).
//
// Where no certified cut exists (one long unbroken run, a Gemma section without a safe marker, a
// normalizer or added-token option outside the supported set, a split pattern outside the fast
// engine's shape, which may look left of a cut) the tail keeps growing: nothing is
// guessed, and re-analysis happens only when the tail has doubled, so the cost stays bounded.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pretokenize/regex.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/tokenizer.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

TOKENMETER_BEGIN_NAMESPACE

namespace stream_detail {

// The active added tokens of one stage, for the question "could a token still match here?".
class token_prefixes {
 public:
  template <class Pred>
  static token_prefixes build(const std::vector<added_token>& tokens, Pred&& include) {
    token_prefixes t;
    for (const added_token& a : tokens) {
      if (a.content.empty() || !include(a)) continue;
      t.contents_.push_back(a.content);
      t.first_byte_[static_cast<unsigned char>(a.content.front())] = true;
      t.max_len_ = std::max(t.max_len_, a.content.size());
      t.strip_or_word_ = t.strip_or_word_ || a.lstrip || a.rstrip || a.single_word;
    }
    // Unique: proper_prefix looks at two neighbours only, which a duplicate could take.
    std::sort(t.contents_.begin(), t.contents_.end());
    t.contents_.erase(std::unique(t.contents_.begin(), t.contents_.end()), t.contents_.end());
    return t;
  }

  [[nodiscard]] bool empty() const noexcept { return contents_.empty(); }
  // lstrip/rstrip/single_word make a match depend on unbounded context on either side.
  [[nodiscard]] bool context_sensitive() const noexcept { return strip_or_word_; }

  // Is `s` a proper prefix of some token? Strings with prefix s are contiguous from lower_bound(s).
  [[nodiscard]] bool proper_prefix(std::string_view s) const {
    auto it = std::lower_bound(contents_.begin(), contents_.end(), s,
                               [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
    for (int k = 0; k < 2 && it != contents_.end(); ++k, ++it)
      if (it->size() > s.size() && std::string_view(*it).substr(0, s.size()) == s) return true;
    return false;
  }

  // Earliest i >= from such that text[i..] is a proper prefix of a token (text.size() if none):
  // text from there on may still become part of a token.
  [[nodiscard]] std::size_t pending_start(std::string_view text, std::size_t from) const {
    if (contents_.empty()) return text.size();
    const std::size_t lo = text.size() >= max_len_ ? std::max(from, text.size() - max_len_ + 1) : from;
    for (std::size_t i = lo; i < text.size(); ++i)
      if (first_byte_[static_cast<unsigned char>(text[i])] && proper_prefix(text.substr(i))) return i;
    return text.size();
  }

 private:
  std::vector<std::string> contents_;
  std::array<bool, 256> first_byte_{};
  std::size_t max_len_ = 0;
  bool strip_or_word_ = false;
};

// Length of a trailing incomplete sequence that is still a valid prefix of a well-formed one
// (Unicode Table 3-7); such bytes must wait for the next chunk.
[[nodiscard]] inline std::size_t incomplete_utf8_tail(std::string_view s) noexcept {
  const std::size_t n = s.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto lead = static_cast<unsigned char>(s[n - back]);
    if ((lead & 0xC0) == 0x80) continue;  // continuation: keep looking for the lead
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) need = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) {
      need = 3;
      if (lead == 0xE0) lo = 0xA0;
      if (lead == 0xED) hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      need = 4;
      if (lead == 0xF0) lo = 0x90;
      if (lead == 0xF4) hi = 0x8F;
    }
    if (back >= need) return 0;  // complete (or not a lead byte at all): decided
    for (std::size_t k = 1; k < back; ++k) {
      const auto c = static_cast<unsigned char>(s[n - back + k]);
      if (k == 1 ? (c < lo || c > hi) : ((c & 0xC0) != 0x80)) return 0;  // already ill-formed
    }
    return back;
  }
  return 0;
}

}  // namespace stream_detail

// Everything a stream needs that depends only on the tokenizer and options: built once, shared
// by any number of streams (and threads).
class stream_plan {
 public:
  static result<std::shared_ptr<const stream_plan>> make(std::shared_ptr<const tokenizer> tok, encode_options opt = {}) {
    if (!tok) return make_error(errc::invalid_argument, "stream_plan: no tokenizer");
    auto p = std::shared_ptr<stream_plan>(new stream_plan());
    const bool recognize = tok->resolve(opt.special) == special_tokens::recognize;
    opt.special = recognize ? special_tokens::recognize : special_tokens::plain;
    const auto& added = tok->added_tokens();
    p->raw_tokens_ = stream_detail::token_prefixes::build(added, [&](const added_token& a) { return !a.normalized && (recognize || !a.special); });
    p->raw_matcher_ = added_token_matcher::build(added, [&](const added_token& a) { return !a.normalized && (recognize || !a.special); });
    p->norm_tokens_ = stream_detail::token_prefixes::build(added, [&](const added_token& a) { return a.normalized && (recognize || !a.special); });
    p->norm_matcher_ = added_token_matcher::build(added, [&](const added_token& a) { return a.normalized && (recognize || !a.special); });
    p->whole_text_ = p->raw_tokens_.context_sensitive();
    TOKENMETER_TRY_VOID(p->plan_normalizer(tok->normalization()));
    TOKENMETER_TRY_VOID(p->plan_pretokenizer(*tok));
    p->intra_cuts_ = p->intra_cuts_ && p->incremental_norm_ && !p->norm_tokens_.context_sensitive();
    p->tok_ = std::move(tok);
    p->opt_ = opt;
    return std::shared_ptr<const stream_plan>(std::move(p));
  }

  [[nodiscard]] const tokenizer& tok() const noexcept { return *tok_; }
  [[nodiscard]] const encode_options& options() const noexcept { return opt_; }
  // Whether sections can be cut before they end (see the header comment), and why not.
  [[nodiscard]] bool cuts_inside_sections() const noexcept { return intra_cuts_; }
  [[nodiscard]] const std::string& limitation() const noexcept { return why_; }

 private:
  friend class stream_counter;
  stream_plan() = default;

  enum class step_kind : std::uint8_t { regex, literal, passthrough, unsupported };
  struct step_plan {
    step_kind kind = step_kind::unsupported;
    bool gaps_dropped = false;  // text no alternative matched yields no piece (tiktoken)
    // regex: the generic fast engine, which reports the attempts that read at the end. A pattern
    // outside its shape (\b, lookbehind, lazy quantifiers: left to ICU) gets no cuts, since the
    // tail restarts at a cut and such a pattern may look left of it (every family's pattern has
    // the shape).
    const pretokenize::fast_pattern* fast = nullptr;  // owned, like re, by the plan's tokenizer
    const split_regex* re = nullptr;                   // the step's own regex
    bool outside_shape = false;
    std::string literal;

    void use(const split_regex& r) {
      re = &r;
      fast = r.generic_engine();
      outside_shape = !fast;
      if (fast) kind = step_kind::regex;
    }
  };

  result<void> plan_normalizer(const normalizer& norm) {
    incremental_norm_ = true;
    for (const normalizer::step& s : norm.steps()) {
      if (const auto* f = std::get_if<normalize::unicode_normal_form>(&s)) {
        forms_.push_back(&f->normalizer2());
      } else if (const auto* r = std::get_if<normalize::replace>(&s)) {
        // A single code point pattern is replaced wherever it stands, independently of context.
        std::size_t i = 0;
        if (!r->pattern.empty()) static_cast<void>(next_code_point(r->pattern, i));
        if (r->pattern.empty() || i != r->pattern.size()) {
          incremental_norm_ = false;
          why_ = "a multi-character Replace normalizer";
        }
        if (!r->content.empty()) {
          std::size_t k = 0;
          replace_firsts_.push_back(next_code_point(r->content, k));
        }
      } else {
        incremental_norm_ = false;  // prepend/strip act at section ends, lowercase has context
        why_ = "a Prepend/Strip/Lowercase normalizer";
      }
    }
    for (const char32_t c : replace_firsts_)
      for (const icu::Normalizer2* f : forms_)
        if (!f->hasBoundaryBefore(static_cast<UChar32>(c))) incremental_norm_ = false;
    return {};
  }

  result<void> plan_pretokenizer(const tokenizer& tok) {
    using namespace pretokenize;
    intra_cuts_ = true;
    for (const pretokenizer::step& s : tok.pre_tokenizer().steps()) {
      step_plan sp;
      if (const auto* sp_split = std::get_if<split>(&s)) {
        const bool kept_or_dropped = sp_split->behavior == split_behavior::isolated || sp_split->behavior == split_behavior::removed;
        sp.gaps_dropped = sp_split->behavior == split_behavior::removed && sp_split->invert;
        if (const auto* re = std::get_if<split_regex>(&sp_split->pattern)) {
          if (kept_or_dropped) sp.use(*re);
        } else if (const auto* lit = std::get_if<std::string>(&sp_split->pattern)) {
          if (!lit->empty() && !sp_split->invert &&
              (kept_or_dropped || sp_split->behavior == split_behavior::merged_with_previous)) {
            sp.kind = step_kind::literal;
            sp.literal = *lit;
          }
        }
      } else if (const auto* bl = std::get_if<byte_level>(&s)) {
        if (!bl->add_prefix_space) {
          if (const auto* re = std::get_if<split_regex>(&bl->regex)) {
            sp.use(*re);
          } else {
            sp.kind = step_kind::passthrough;
          }
        }
      } else if (const auto* mo = std::get_if<matches_only>(&s)) {
        sp.gaps_dropped = true;
        sp.use(mo->regex);
      }
      // digits and metaspace (which rewrites text and depends on the section start) stay unsupported
      if (sp.kind == step_kind::unsupported) {
        intra_cuts_ = false;
        if (why_.empty())
          why_ = sp.outside_shape ? "a split pattern that may look left of a cut (outside the fast engine's shape)"
                                  : "a pre-tokenizer step without a certified cut rule";
      }
      steps_.push_back(std::move(sp));
    }
    one_split_ = !steps_.empty() && steps_[0].kind == step_kind::regex &&
                 std::all_of(steps_.begin() + 1, steps_.end(), [](const step_plan& s) { return s.kind == step_kind::passthrough; });
    const bpe_model& m = tok.model();
    marker_cuts_ = m.unit == symbol_unit::code_point && !m.split_marker.empty();
    return {};
  }

  // May the open section be normalized up to (not including) the code point `cp`?
  [[nodiscard]] bool normalization_boundary(char32_t cp) const noexcept {
    if (forms_.size() > 1 && cp >= 0x80) return false;  // chained forms: only ASCII is surely inert
    for (const icu::Normalizer2* f : forms_)
      if (!f->hasBoundaryBefore(static_cast<UChar32>(cp))) return false;
    return true;
  }

  std::shared_ptr<const tokenizer> tok_;
  encode_options opt_;
  stream_detail::token_prefixes raw_tokens_, norm_tokens_;
  added_token_matcher raw_matcher_, norm_matcher_;
  std::vector<const icu::Normalizer2*> forms_;
  std::vector<char32_t> replace_firsts_;
  std::vector<step_plan> steps_;
  bool whole_text_ = false;
  bool incremental_norm_ = false;
  bool intra_cuts_ = false;
  bool marker_cuts_ = false;
  bool one_split_ = false;  // one regex split step, then only passthrough steps
  std::string why_;
};

// Counts a text that arrives in chunks. Not thread-safe (one stream per object); cheap to create
// from a shared stream_plan. An optional limit stops counting once the text so far has more
// tokens than allowed, without encoding the rest (count_up_to semantics: count = limit + 1).
class stream_counter {
 public:
  static constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

  explicit stream_counter(std::shared_ptr<const stream_plan> plan, std::size_t max_tokens = no_limit)
      : plan_(std::move(plan)), limit_(max_tokens) {}

  static result<stream_counter> make(std::shared_ptr<const tokenizer> tok, const encode_options& opt = {},
                                     std::size_t max_tokens = no_limit) {
    TOKENMETER_TRY(plan, stream_plan::make(std::move(tok), opt));
    return stream_counter(std::move(plan), max_tokens);
  }

  // Appends a chunk. Returns true while the text so far is within the limit, false once it has
  // more than max_tokens tokens (later chunks are then ignored).
  // A stream, and a chunk, may be any length: a chunk is taken in slices (16 MiB, or half of
  // max_held_bytes() if that is less), each cut where it can be before the next, so a large one
  // (a mapped file) is never held whole. What the stream holds at once may not pass
  // max_held_bytes(): a slice that would take it past, once what is held has been cut where it
  // can be, is refused (limit_exceeded) before it is read, and so is a tail that stays above it.
  result<bool> push(std::string_view chunk) {
    if (failed_) return *failed_;
    if (finished_) return make_error(errc::invalid_argument, "stream_counter: push after finish");
    const std::size_t slice = std::clamp<std::size_t>(max_held_ / 2, 1, max_slice_bytes);
    do {
      if (stopped_) return false;
      const std::string_view part = chunk.substr(0, slice);
      chunk.remove_prefix(part.size());
      TOKENMETER_TRY_VOID(push_slice(part));
    } while (!chunk.empty());
    return !stopped_;
  }

  // The exact count of everything pushed so far, as if the stream ended now (O(tail)). A
  // trailing incomplete UTF-8 sequence is not part of "so far": it waits for its next byte.
  [[nodiscard]] result<count_up_to_result> count() const {
    if (failed_) return *failed_;
    if (finished_ || stopped_) return count_up_to_result{counted_, stopped_};
    stream_counter copy = *this;
    copy.in_.resize(copy.in_.size() - stream_detail::incomplete_utf8_tail(copy.in_));
    return copy.finish();
  }

  // Ends the stream: flushes the tail. Further pushes are errors; finish() may be called again.
  result<count_up_to_result> finish() {
    if (failed_) return *failed_;
    if (!finished_ && !stopped_) TOKENMETER_TRY_VOID(guard(process(true)));
    finished_ = true;
    return count_up_to_result{counted_, stopped_};
  }

  // The most bytes the stream may hold at once (its own stages' buffers together): at most, and
  // by default, tokenizer::max_input_bytes, as the held section is merged in one call. A service
  // that streams untrusted text can bound each stream's memory lower.
  void set_max_held_bytes(std::size_t n) noexcept { max_held_ = std::min(n, tokenizer::max_input_bytes); }
  [[nodiscard]] std::size_t max_held_bytes() const noexcept { return max_held_; }

  // Tokens already final (a lower bound of every later count) and bytes still held.
  [[nodiscard]] std::size_t finalized() const noexcept { return counted_; }
  [[nodiscard]] std::size_t buffered() const noexcept { return in_.size() + text_.size() + sec_raw_.size() + n_.size(); }
  [[nodiscard]] std::size_t bytes_pushed() const noexcept { return total_; }
  [[nodiscard]] bool limit_reached() const noexcept { return stopped_; }
  [[nodiscard]] const stream_plan& plan() const noexcept { return *plan_; }

 private:
  static constexpr std::size_t min_process_bytes = 512;

  error fail(error e) {
    failed_ = e;
    return e;
  }
  result<void> guard(result<void> r) {
    if (!r) failed_ = r.error_value();
    return r;
  }

  // Token sink: counts until the limit is passed.
  auto sink() {
    return [this](token_id) { return ++counted_ <= limit_; };
  }
  void note(bool go_on) {
    if (!go_on) stopped_ = true;
  }

  static constexpr std::size_t max_slice_bytes = std::size_t{16} << 20;

  result<void> push_slice(std::string_view chunk) {
    if (chunk.size() > max_held_ - std::min(max_held_, buffered())) {
      TOKENMETER_TRY_VOID(guard(process_all_cuts()));
      if (stopped_) return {};
      if (chunk.size() > max_held_ - std::min(max_held_, buffered())) return fail(held_error(buffered() + chunk.size()));
    }
    total_ += chunk.size();
    in_.append(chunk);
    if (buffered() >= next_process_) {
      TOKENMETER_TRY_VOID(guard(process(false)));
      next_process_ = std::max(min_process_bytes, 2 * buffered());
    }
    // Normalization and U+FFFD repair can grow what is held.
    if (buffered() > max_held_) {
      TOKENMETER_TRY_VOID(guard(process_all_cuts()));
      if (buffered() > max_held_ && !stopped_) return fail(held_error(buffered()));
    }
    if (limit_ != no_limit && !stopped_) TOKENMETER_TRY_VOID(check_limit());
    return {};
  }

  error held_error(std::size_t held) const {
    return make_error(errc::limit_exceeded,
                      "stream would hold " + std::to_string(held) + " bytes that cannot be counted yet (more than its limit of " +
                          std::to_string(max_held_) + "; text with no point where the count can be cut, such as one unbroken run, stays held)");
  }

  // Every stage now, the cut stage not waiting for the tail to double: near the limit a cut may
  // have arrived since the last cut stage. Once the limit/4 has arrived since the last such run,
  // so a tail that cannot be cut is not scanned again for every small chunk.
  result<void> process_all_cuts() {
    if (forced_held_ != 0 && buffered() < forced_held_ + max_held_ / 4) return {};
    next_cut_ = 0;
    TOKENMETER_TRY_VOID(process(false));
    next_process_ = std::max(min_process_bytes, 2 * buffered());
    forced_held_ = std::max<std::size_t>(buffered(), 1);
    return {};
  }

  result<void> process(bool at_end) {
    const stream_plan& p = *plan_;
    TOKENMETER_TRY_VOID(decide_utf8(at_end));
    if (p.whole_text_) {
      if (!at_end) return {};
      TOKENMETER_TRY(r, p.tok().count_up_to(text_, limit_ - std::min(limit_, counted_), p.opt_));
      counted_ += r.count;
      if (r.exceeded) stopped_ = true;
      text_.clear();
      return {};
    }
    TOKENMETER_TRY_VOID(raw_stage(at_end));
    if (stopped_) return {};
    if (at_end) return close_section();
    if (p.incremental_norm_) TOKENMETER_TRY_VOID(normalize_stage());
    if (p.intra_cuts_ && n_.size() >= next_cut_) {
      TOKENMETER_TRY_VOID(cut_stage());
      next_cut_ = std::max(min_process_bytes / 2, 2 * n_.size());
    }
    return {};
  }

  // Moves decided bytes from in_ to text_ (validated, or repaired).
  result<void> decide_utf8(bool at_end) {
    const std::size_t keep = at_end ? 0 : stream_detail::incomplete_utf8_tail(in_);
    const std::string_view decided = std::string_view(in_).substr(0, in_.size() - keep);
    if (const std::size_t bad = find_invalid_utf8(decided); bad != utf8_npos) {
      if (plan_->opt_.on_invalid_utf8 == invalid_utf8::error)
        return make_error(errc::invalid_utf8, "input is not valid UTF-8 at byte offset " + std::to_string(in_offset_ + bad) +
                                                  " (encode with invalid_utf8::replace, or the CLI option --invalid-utf8 replace, to substitute U+FFFD)");
      text_ += replace_invalid_utf8(decided);
    } else {
      text_.append(decided);
    }
    in_offset_ += decided.size();
    in_.erase(0, decided.size());
    return {};
  }

  // Raw added tokens: closes sections at final matches; releases safe text into the open section.
  result<void> raw_stage(bool at_end) {
    const stream_plan& p = *plan_;
    std::size_t pos = 0;
    std::size_t pend = at_end ? text_.size() : p.raw_tokens_.pending_start(text_, 0);
    added_match m{};
    while (p.raw_matcher_.next_match(text_, pos, m) && m.start < pend) {
      sec_raw_.append(text_, pos, m.start - pos);
      TOKENMETER_TRY_VOID(close_section());
      if (stopped_) return {};
      note(sink()(m.id));
      if (stopped_) return {};
      pos = m.end;
      if (pend < pos) pend = p.raw_tokens_.pending_start(text_, pos);
    }
    pend = std::max(pend, pos);
    sec_raw_.append(text_, pos, pend - pos);
    text_.erase(0, pend);
    return {};
  }

  // Normalizes the open section up to its last context-free boundary.
  result<void> normalize_stage() {
    const stream_plan& p = *plan_;
    std::size_t b = 0;
    for (std::size_t i = sec_raw_.size(); i > std::max<std::size_t>(sec_checked_, 1);) {
      do --i;
      while (i > 0 && (static_cast<unsigned char>(sec_raw_[i]) & 0xC0) == 0x80);
      std::size_t k = i;
      if (i > 0 && p.normalization_boundary(next_code_point(sec_raw_, k))) {
        b = i;
        break;
      }
    }
    if (b == 0) {
      sec_checked_ = sec_raw_.size();
      return {};
    }
    TOKENMETER_TRY_VOID(append_normalized(std::string_view(sec_raw_).substr(0, b)));
    sec_raw_.erase(0, b);
    sec_checked_ = 0;
    return {};
  }

  result<void> append_normalized(std::string_view raw) {
    if (raw.empty()) return {};
    std::string out;
    TOKENMETER_TRY(changed, plan_->tok().normalization().apply(raw, out));
    if (changed)
      n_ += out;
    else
      n_.append(raw);
    return {};
  }

  // The open section is complete: count it all.
  result<void> close_section() {
    TOKENMETER_TRY_VOID(append_normalized(sec_raw_));
    sec_raw_.clear();
    sec_checked_ = 0;
    if (!n_.empty()) {
      TOKENMETER_TRY(go_on, plan_->tok().encode_normalized_each(n_, first_, sink(), plan_->opt_));
      note(go_on);
    }
    n_.clear();
    next_cut_ = 0;
    first_ = false;
    return {};
  }

  // Counts the certified prefix of the open normalized section and drops it.
  result<void> cut_stage() {
    const stream_plan& p = *plan_;
    const tokenizer& tok = p.tok();
    std::size_t known = p.norm_tokens_.pending_start(n_, 0);
    // A final normalized added token: everything before its end is settled.
    std::size_t last_end = 0;
    added_match m{};
    for (std::size_t pos = 0; p.norm_matcher_.next_match(n_, pos, m) && m.start < known; pos = m.end) last_end = m.end;
    if (last_end > 0) {
      TOKENMETER_TRY(go_on, tok.encode_normalized_each(std::string_view(n_).substr(0, last_end), first_, sink(), p.opt_));
      note(go_on);
      n_.erase(0, last_end);
      known -= last_end;
      first_ = false;
      if (stopped_) return {};
    }
    const std::string_view open = std::string_view(n_).substr(0, known);
    // With one split step, every piece boundary is a boundary of its search, so the pieces of
    // the step's final region (fast_pattern::final_region_of) are final: they are merged in the
    // pass that finds them, and the certification resumes after the last (one scan of the text,
    // not two).
    std::size_t done = 0;
    std::optional<std::size_t> resume;
    if (p.one_split_) {
      const auto region = p.steps_[0].fast->final_region_of(open);
      if (region.bound > 0)
        TOKENMETER_TRY_VOID(merge_pieces(open.substr(0, region.searched), first_, [&](std::size_t off, std::size_t size) {
          if (off + size >= region.bound) return std::size_t{0};
          done = off + size;
          return size;
        }));
      if (stopped_) return {};
      resume = done;
    }
    TOKENMETER_TRY(cut, stable_prefix(0, open, resume));
    if (cut > done) {
      // The pieces of the known text from `done` (a restart point) up to the cut.
      const std::string_view rest = open.substr(done);
      const std::size_t lim = cut - done;
      TOKENMETER_TRY_VOID(merge_pieces(rest, first_ && done == 0, [&](std::size_t off, std::size_t size) {
        return off < lim ? std::min(size, lim - off) : std::size_t{0};
      }));
      if (stopped_) return {};
    }
    cut = std::max(cut, done);
    if (cut == 0) return {};
    n_.erase(0, cut);
    first_ = false;
    return {};
  }

  // Merges the pieces of `text` in order, under one workspace lease, while take(offset, size)
  // says how many of a piece's bytes to merge (0: stop).
  template <class Take>
  result<void> merge_pieces(std::string_view text, bool first, Take&& take) {
    const tokenizer& tok = plan_->tok();
    bool rewritten = false;
    TOKENMETER_TRY_VOID(tok.with_piece_merger([&](const auto& merge) {
      return tok.pieces_each(text, first, [&](std::string_view piece) {
        const std::size_t off = static_cast<std::size_t>(piece.data() - text.data());
        if (piece.data() < text.data() || off > text.size()) return !(rewritten = true);
        const std::size_t n = take(off, piece.size());
        if (n == 0) return false;
        if (merge(piece.substr(0, n), sink())) return true;
        stopped_ = true;
        return false;
      });
    }));
    if (rewritten) return make_error(errc::unsupported, "stream_counter: a pre-tokenizer step rewrote the text");
    return {};
  }

  // The largest position of `text` (a known prefix of an input piece of step k, which may
  // continue) before which every piece is final and at which every later step restarts.
  // `resume`: a boundary of step k's search before which its matches are known to be final.
  result<std::size_t> stable_prefix(std::size_t k, std::string_view text, std::optional<std::size_t> resume = {}) const {
    const stream_plan& p = *plan_;
    if (text.empty()) return 0;
    if (k == p.steps_.size()) return marker_cut(text);
    const auto& sp = p.steps_[k];
    std::size_t e = 0, rho = 0;
    switch (sp.kind) {
      case stream_plan::step_kind::unsupported: return 0;
      case stream_plan::step_kind::passthrough: return stable_prefix(k + 1, text);
      case stream_plan::step_kind::literal: {
        const std::string& lit = sp.literal;
        for (std::size_t pos = 0, hit; (hit = text.find(lit, pos)) != std::string_view::npos; pos = hit + lit.size())
          e = hit + lit.size();
        // an occurrence may still start where fewer than lit.size() bytes are known
        rho = std::max(e, text.size() >= lit.size() ? text.size() - lit.size() + 1 : std::size_t{0});
        rho = utf8_boundary_before(text, rho);
        rho = std::max(rho, e);
        break;
      }
      case stream_plan::step_kind::regex: {
        // The step's own matcher (its shape scanner, for every family) finds the matches that
        // start where no attempt can read the end; the tracked engine runs over the rest.
        const pretokenize::settled_search r =
            resume ? sp.fast->settled_matches(text, *resume) : sp.fast->settled_matches_with(text, [&](std::string_view t, auto&& f) {
              static_cast<void>(sp.re->for_each_match(t, f));  // a pattern of the fast shape never reaches ICU
            });
        e = r.settled;
        rho = r.open;
        break;
      }
    }
    if (rho > e) {
      if (sp.gaps_dropped) return rho;
      TOKENMETER_TRY(inner, stable_prefix(k + 1, text.substr(e, rho - e)));
      if (inner > 0) return e + inner;
    }
    return e;
  }

  // SentencePiece-style models: the last word marker before which the model never merges.
  [[nodiscard]] std::size_t marker_cut(std::string_view piece) const {
    const stream_plan& p = *plan_;
    if (!p.marker_cuts_) return 0;
    const bpe_model& model = p.tok().model();
    const std::string& mk = model.split_marker;
    for (std::size_t at = piece.rfind(mk); at != std::string_view::npos && at > 0; at = piece.rfind(mk, at - 1))
      if (model.safe_cut_before(piece, at)) return at;
    return 0;
  }

  // With a limit, decides whether the text so far already exceeds it (exactly, and only when an
  // upper bound on the tail's tokens says it might).
  result<void> check_limit() {
    const auto bound = [&] {
      const std::size_t raw = in_.size() + text_.size() + sec_raw_.size();
      const std::size_t factor = plan_->tok().normalization().empty() ? 1 : 72;  // NFKC expands at most 18 code points per code point
      return counted_ + n_.size() + factor * raw + (raw > 0 ? 64 : 0);
    };
    if (bound() <= limit_) return {};
    if (!in_.empty()) {
      TOKENMETER_TRY_VOID(guard(process(false)));
      if (stopped_ || bound() <= limit_) return {};
    }
    TOKENMETER_TRY(r, count());
    if (r.exceeded) {
      stopped_ = true;
      counted_ = limit_ + 1;
    }
    return {};
  }

  std::shared_ptr<const stream_plan> plan_;
  std::size_t limit_ = no_limit;
  std::size_t counted_ = 0;
  std::size_t total_ = 0;
  std::size_t max_held_ = tokenizer::max_input_bytes;
  std::size_t forced_held_ = 0;     // bytes held after the last process_all_cuts (0: none yet)
  std::size_t in_offset_ = 0;       // global offset of in_[0], for UTF-8 error offsets
  std::string in_;                  // bytes not yet UTF-8-decided
  std::string text_;                // decided text not yet past the raw added-token stage
  std::string sec_raw_;             // open section, not yet normalized
  std::size_t sec_checked_ = 0;     // sec_raw_[1, sec_checked_) has no normalization boundary
  std::string n_;                   // open section, normalized, since the last cut
  bool first_ = true;               // n_ starts the input's first section
  std::size_t next_process_ = 0;
  std::size_t next_cut_ = 0;
  bool stopped_ = false;
  bool finished_ = false;
  std::optional<error> failed_;
};

// The largest number of `b` tokens, added to `base`, whose price stays within `budget` (same
// currency): a cost limit for stream_counter. Exact under the card's rounding, found by
// bisection over the monotone price function.
[[nodiscard]] inline result<std::size_t> tokens_within_budget(const pricing::rate_table& table, std::string_view model,
                                                              pricing::bucket b, const pricing::money& budget,
                                                              pricing::usage base = {},
                                                              std::optional<pricing::timestamp> when = std::nullopt) {
  const pricing::timestamp at = when.value_or(pricing::now_utc());
  const auto cost = [&](std::uint64_t n) -> result<pricing::int128> {
    pricing::usage u = base;
    switch (b) {
      case pricing::bucket::input: u.input += n; break;
      case pricing::bucket::cache_read: u.cache_read += n; break;
      case pricing::bucket::cache_write_5m: u.cache_write_5m += n; break;
      case pricing::bucket::cache_write_1h: u.cache_write_1h += n; break;
      case pricing::bucket::output: u.output += n; break;
      case pricing::bucket::reasoning: u.reasoning += n; break;
      case pricing::bucket::request: return make_error(errc::invalid_argument, "a token budget needs a token bucket");
    }
    TOKENMETER_TRY(pb, pricing::price(table, u, model, "", at));
    if (pb.currency != budget.currency)
      return make_error(errc::invalid_argument, "budget is in " + budget.currency + " but " + std::string(model) + " is priced in " + pb.currency);
    return pb.total_femto;
  };
  TOKENMETER_TRY(at_zero, cost(0));
  if (at_zero > budget.femto) return std::size_t{0};
  std::uint64_t lo = 0, hi = 1;  // price(lo) <= budget < price(hi) once hi is found
  for (;;) {
    TOKENMETER_TRY(c, cost(hi));
    if (c > budget.femto) break;
    lo = hi;
    if (hi > (std::uint64_t{1} << 50)) return static_cast<std::size_t>(lo);  // free or near-free: no meaningful cap
    hi *= 2;
  }
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    TOKENMETER_TRY(c, cost(mid));
    (c <= budget.femto ? lo : hi) = mid;
  }
  return static_cast<std::size_t>(lo);
}

TOKENMETER_END_NAMESPACE
