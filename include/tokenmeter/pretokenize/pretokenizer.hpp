// Pre-tokenizers, the stage that cuts normalized text into pieces merged independently:
// HF's Split (regex or literal, every behaviour, invert), ByteLevel, Digits, Metaspace and
// Sequence, plus tiktoken's rule (keep regex matches, drop anything no alternative matched).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/pretokenize/regex.hpp>
#include <tokenmeter/unicode/kind_table.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>


TOKENMETER_BEGIN_NAMESPACE

namespace pretokenize {

enum class split_behavior : std::uint8_t { removed, isolated, merged_with_previous, merged_with_next, contiguous };

struct split {
  std::variant<std::string, split_regex> pattern;  // literal string or regex
  split_behavior behavior = split_behavior::isolated;
  bool invert = false;
};

// GPT-2's byte-level stage. tokenmeter keeps text as raw bytes and inverts the byte<->char map
// on the vocabulary instead, so the mapping itself costs nothing here.
struct byte_level {
  bool add_prefix_space = false;
  std::variant<std::monostate, split_regex> regex;  // set when use_regex is true
};

struct digits {
  bool individual = false;
};

enum class prepend_scheme : std::uint8_t { always, first, never };
struct metaspace {
  std::string replacement = "\xE2\x96\x81";  // U+2581
  prepend_scheme scheme = prepend_scheme::always;
  bool split = true;
};

// tiktoken: pieces are the regex matches; text matched by no alternative is dropped.
struct matches_only {
  split_regex regex;
};

// The pattern HF's ByteLevel pre-tokenizer uses when use_regex is true (GPT-2's).
inline constexpr std::string_view gpt2_pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace pretokenize

// Per-call scratch: piece lists and storage for pieces a stage rewrote (Metaspace, prefix space).
struct pretokenize_workspace {
  std::vector<std::string_view> a, b;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::vector<std::pair<std::size_t, std::size_t>> merged_spans;  // emit_split's merging behaviours
  std::vector<bool> is_match;
  std::deque<std::string> owned;
  void clear() {
    a.clear();
    b.clear();
    owned.clear();
  }
};

class pretokenizer {
 public:
  using step = std::variant<pretokenize::split, pretokenize::byte_level, pretokenize::digits, pretokenize::metaspace,
                            pretokenize::matches_only>;

  pretokenizer() = default;
  explicit pretokenizer(std::vector<step> steps) : steps_(std::move(steps)) { plan_direct(); }

  [[nodiscard]] const std::vector<step>& steps() const noexcept { return steps_; }
  // Whether for_each_piece on text[b..] gives the pieces that follow b, for every end b of a
  // piece of for_each_piece on `text` that for_each_resumable_piece marks: the splitting steps
  // are streamed regexes (every other step an identity) whose matches depend only on the text
  // from where they start (split_regex::resumes_anywhere). count/batch.hpp pre-tokenizes a large
  // part in chunks when this holds.
  [[nodiscard]] bool resumes_at_piece_ends() const noexcept {
    if (direct_.empty()) return false;
    for (const direct_split& d : direct_)
      if (!direct_regex(d.step).resumes_anywhere()) return false;
    return true;
  }

  // for_each_piece (when resumes_at_piece_ends()) with f(piece, resumable): whether a run from
  // the piece's end gives the pieces that follow it. Always true with one level. With several,
  // a later level can end a piece inside an earlier level's match, and that level's run from
  // there may match differently ("12345" under \p{N}{1,3} then \p{N}{2} is 12|3|45, but from
  // 2 it is 34|5); a run resumed inside an earlier level's gap finds that gap's next match where
  // the first run did (no match starts inside a gap), so an end is resumable iff no earlier
  // level's match holds it short of its end.
  template <class F>
  result<bool> for_each_resumable_piece(std::string_view text, F&& f) const {
    if (text.empty()) return true;
    return stream_level<true>(text, 0, f, nullptr);
  }

  // Splits `text` into pieces. The returned views point into `text` or into ws.owned and stay
  // valid until the workspace is reused.
  result<const std::vector<std::string_view>*> run(std::string_view text, pretokenize_workspace& ws,
                                                   bool is_first_section = true) const {
    ws.clear();
    if (!text.empty()) ws.a.push_back(text);
    for (const step& s : steps_) {
      ws.b.clear();
      for (const std::string_view piece : ws.a) {
        TOKENMETER_TRY_VOID(std::visit([&](const auto& st) { return apply(st, piece, ws, is_first_section); }, s));
      }
      ws.a.swap(ws.b);
    }
    return &ws.a;
  }

  // Calls f(piece) for each piece in order; f returns false to stop. Returns false if stopped.
  // The usual configurations (regex steps that keep matches and gaps in order, the others
  // identities: one step for tiktoken-style patterns, three for DeepSeek's digits/CJK/words)
  // stream pieces from the matchers to f without building lists; anything else goes through run().
  template <class F>
  result<bool> for_each_piece(std::string_view text, pretokenize_workspace& ws, bool is_first_section, F&& f) const {
    if (!direct_.empty()) {
      if (text.empty()) return true;
      return stream_level<false>(text, 0, f, nullptr);
    }
    TOKENMETER_TRY(list, run(text, ws, is_first_section));
    for (const std::string_view piece : *list)
      if (!f(piece)) return false;
    return true;
  }

 private:
  // A step for_each_piece streams: its regex, and whether the gaps between matches are pieces.
  struct direct_split {
    std::size_t step;
    bool gaps;
  };

  // Splits `text` with direct step `level` and hands each part to the next level (f at the end),
  // as run() would: a later step sees each piece of the earlier one on its own. Marked: f also
  // gets whether the piece's end is resumable; `match_end` is where a piece in `text` must end
  // to be resumable: the end of the earlier levels' matches holding `text` (nullptr: none holds
  // it, only gaps).
  template <bool Marked, class F>
  result<bool> stream_level(std::string_view text, std::size_t level, F& f, const char* match_end) const {
    const direct_split& d = direct_[level];
    const split_regex& re = direct_regex(d.step);
    bool go = true;
    std::optional<error> failed;
    // The last level hands parts to f itself: a level per piece costs the one-step families.
    const bool last = level + 1 == direct_.size();
    const auto emit = [&](std::string_view part, [[maybe_unused]] bool match) {
      const char* inner = nullptr;
      if constexpr (Marked) {
        const char* end = part.data() + part.size();
        if (last) return go = static_cast<bool>(f(part, match_end == nullptr || match_end == end));
        // Inside a match, only its end resumes, and only if it is every enclosing match's end
        // too (else a pointer no piece end equals: the part's start).
        inner = !match ? match_end : match_end == nullptr || match_end == end ? end : part.data();
      } else {
        if (last) return go = static_cast<bool>(f(part));
      }
      result<bool> r = stream_level<Marked>(part, level + 1, f, inner);
      if (!r) failed = std::move(r).error_value();
      return go = r.has_value() && *r;
    };
    std::size_t prev = 0;
    TOKENMETER_TRY_VOID(re.for_each_match(text, [&](std::size_t s, std::size_t e) {
      if (s == e) return true;  // empty matches never delimit pieces
      if (d.gaps && prev != s && !emit(text.substr(prev, s - prev), false)) return false;
      prev = e;
      return emit(text.substr(s, e - s), true);
    }));
    if (go && d.gaps && prev != text.size()) emit(text.substr(prev), false);
    if (failed) return std::move(*failed);
    return go;
  }

  // Finds the splitting steps when each keeps its matches and gaps in order (or only matches)
  // and every other step is an identity (ByteLevel without regex or prefix space): isolated
  // non-inverted Split keeps gaps as pieces, tiktoken's rule drops them.
  void plan_direct() {
    direct_.clear();
    std::vector<direct_split> found;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      const step& s = steps_[i];
      bool splits = false, direct = false, keep_gaps = false;
      if (const auto* bl = std::get_if<pretokenize::byte_level>(&s)) {
        if (bl->add_prefix_space) return;
        splits = direct = keep_gaps = std::holds_alternative<split_regex>(bl->regex);
      } else if (const auto* sp = std::get_if<pretokenize::split>(&s)) {
        splits = true;
        direct = std::holds_alternative<split_regex>(sp->pattern) && !sp->invert &&
                 sp->behavior == pretokenize::split_behavior::isolated;
        keep_gaps = true;
      } else if (std::holds_alternative<pretokenize::matches_only>(s)) {
        splits = direct = true;
      } else {
        return;
      }
      if (!splits) continue;
      if (!direct) return;
      found.push_back({i, keep_gaps});
    }
    direct_ = std::move(found);
  }

  const split_regex& direct_regex(std::size_t index) const {
    const step& s = steps_[index];
    if (const auto* bl = std::get_if<pretokenize::byte_level>(&s)) return std::get<split_regex>(bl->regex);
    if (const auto* sp = std::get_if<pretokenize::split>(&s)) return std::get<split_regex>(sp->pattern);
    return std::get<pretokenize::matches_only>(s).regex;
  }

  // Appends the (offsets, is_match) list of `piece` for a pattern, as HF's Pattern::find_matches.
  template <class Find>
  static void find_matches(std::string_view piece, pretokenize_workspace& ws, Find&& find) {
    ws.spans.clear();
    ws.is_match.clear();
    std::size_t prev = 0;
    find([&](std::size_t s, std::size_t e) {
      if (s == e) return;  // empty matches never delimit pieces
      if (prev != s) {
        ws.spans.emplace_back(prev, s);
        ws.is_match.push_back(false);
      }
      ws.spans.emplace_back(s, e);
      ws.is_match.push_back(true);
      prev = e;
    });
    if (prev != piece.size()) {
      ws.spans.emplace_back(prev, piece.size());
      ws.is_match.push_back(false);
    }
  }

  // HF's NormalizedString::split: combines matches and gaps according to the behaviour.
  static void emit_split(std::string_view piece, pretokenize::split_behavior behavior, bool invert,
                         pretokenize_workspace& ws) {
    using pretokenize::split_behavior;
    auto& spans = ws.spans;
    const std::size_t n = spans.size();
    if (invert)
      for (std::size_t i = 0; i < n; ++i) ws.is_match[i] = !ws.is_match[i];
    auto& out_spans = ws.merged_spans;  // only for the merging behaviours; reused, not reallocated per piece
    out_spans.clear();
    const auto push = [&](std::size_t s, std::size_t e) {
      if (e > s) ws.b.push_back(piece.substr(s, e - s));
    };
    switch (behavior) {
      case split_behavior::removed:
        for (std::size_t i = 0; i < n; ++i)
          if (!ws.is_match[i]) push(spans[i].first, spans[i].second);
        return;
      case split_behavior::isolated:
        for (std::size_t i = 0; i < n; ++i) push(spans[i].first, spans[i].second);
        return;
      case split_behavior::merged_with_previous: {
        bool previous_match = false;
        for (std::size_t i = 0; i < n; ++i) {
          if (ws.is_match[i] && !previous_match && !out_spans.empty())
            out_spans.back().second = spans[i].second;
          else
            out_spans.push_back(spans[i]);
          previous_match = ws.is_match[i];
        }
        break;
      }
      case split_behavior::merged_with_next: {
        bool previous_match = false;
        for (std::size_t k = n; k-- > 0;) {
          if (ws.is_match[k] && !previous_match && !out_spans.empty())
            out_spans.back().first = spans[k].first;
          else
            out_spans.push_back(spans[k]);
          previous_match = ws.is_match[k];
        }
        std::reverse(out_spans.begin(), out_spans.end());
        break;
      }
      case split_behavior::contiguous: {
        bool previous_match = false;
        for (std::size_t i = 0; i < n; ++i) {
          if (ws.is_match[i] == previous_match && !out_spans.empty())
            out_spans.back().second = spans[i].second;
          else
            out_spans.push_back(spans[i]);
          previous_match = ws.is_match[i];
        }
        break;
      }
    }
    for (const auto& [s, e] : out_spans) push(s, e);
  }

  static result<void> apply(const pretokenize::split& st, std::string_view piece, pretokenize_workspace& ws, bool) {
    if (const auto* lit = std::get_if<std::string>(&st.pattern)) {
      find_matches(piece, ws, [&](auto&& on_match) {
        if (lit->empty()) return;
        for (std::size_t pos = 0, hit; (hit = piece.find(*lit, pos)) != std::string_view::npos; pos = hit + lit->size())
          on_match(hit, hit + lit->size());
      });
    } else {
      result<void> r{};
      find_matches(piece, ws, [&](auto&& on_match) {
        r = std::get<split_regex>(st.pattern).for_each_match(piece, on_match);
      });
      if (!r) return r;
    }
    emit_split(piece, st.behavior, st.invert, ws);
    return {};
  }

  static result<void> apply(const pretokenize::byte_level& st, std::string_view piece, pretokenize_workspace& ws, bool) {
    if (st.add_prefix_space && !piece.empty() && piece.front() != ' ') {
      ws.owned.push_back(" " + std::string(piece));
      piece = ws.owned.back();
    }
    if (const auto* re = std::get_if<split_regex>(&st.regex)) {
      result<void> r{};
      find_matches(piece, ws, [&](auto&& on_match) { r = re->for_each_match(piece, on_match); });
      if (!r) return r;
      emit_split(piece, pretokenize::split_behavior::isolated, false, ws);
    } else if (!piece.empty()) {
      ws.b.push_back(piece);
    }
    return {};
  }

  // HF's Digits splits on Rust's char::is_numeric (Nd, Nl, No), taken from the same Unicode
  // tables as the split patterns, not from whatever Unicode version the system's ICU has.
  static result<void> apply(const pretokenize::digits& st, std::string_view piece, pretokenize_workspace& ws, bool) {
    using gc = unicode::general_category;
    const auto& kinds = unicode::kind_table::instance();
    find_matches(piece, ws, [&](auto&& on_match) {
      for (std::size_t i = 0; i < piece.size();) {
        const std::size_t s = i;
        const gc g = unicode::category_of_kind(kinds.kind(next_code_point(piece, i)));
        if (g == gc::Nd || g == gc::Nl || g == gc::No) on_match(s, i);
      }
    });
    emit_split(piece, st.individual ? pretokenize::split_behavior::isolated : pretokenize::split_behavior::contiguous,
               false, ws);
    return {};
  }

  static result<void> apply(const pretokenize::metaspace& st, std::string_view piece, pretokenize_workspace& ws,
                            bool is_first_section) {
    std::string s;
    s.reserve(piece.size() + st.replacement.size());
    for (char c : piece) {
      if (c == ' ')
        s += st.replacement;
      else
        s += c;
    }
    const bool prepend = st.scheme == pretokenize::prepend_scheme::always ||
                         (st.scheme == pretokenize::prepend_scheme::first && is_first_section);
    if (prepend && !s.empty() && s.compare(0, st.replacement.size(), st.replacement) != 0) s.insert(0, st.replacement);
    ws.owned.push_back(std::move(s));
    const std::string_view owned = ws.owned.back();
    if (!st.split) {
      if (!owned.empty()) ws.b.push_back(owned);
      return {};
    }
    find_matches(owned, ws, [&](auto&& on_match) {
      for (std::size_t pos = 0, hit; (hit = owned.find(st.replacement, pos)) != std::string_view::npos;
           pos = hit + st.replacement.size())
        on_match(hit, hit + st.replacement.size());
    });
    emit_split(owned, pretokenize::split_behavior::merged_with_next, false, ws);
    return {};
  }

  static result<void> apply(const pretokenize::matches_only& st, std::string_view piece, pretokenize_workspace& ws, bool) {
    return st.regex.for_each_match(piece, [&](std::size_t s, std::size_t e) {
      if (e > s) ws.b.push_back(piece.substr(s, e - s));
    });
  }

  std::vector<step> steps_;
  std::vector<direct_split> direct_;  // the splitting steps, when for_each_piece can stream them
};

TOKENMETER_END_NAMESPACE
