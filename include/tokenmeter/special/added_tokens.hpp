// Added tokens (special and not): found in the text before pre-tokenization, leftmost-longest,
// as HF tokenizers' AddedVocabulary (Aho-Corasick, LeftmostLongest) and tiktoken's special
// matching do. A byte trie walked from each candidate position is enough: added-token sets are
// small, the first-byte filter (a SIMD scan) skips almost every position, and a walk ends at
// the first byte no token continues with, so the cost is bounded by the longest token per position.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/detail/simd/byte_class.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <unicode/uchar.h>

TOKENMETER_BEGIN_NAMESPACE

struct added_token {
  token_id id = no_token;
  std::string content;
  bool special = false;
  bool normalized = false;   // matched against normalized text (HF) instead of the raw input
  bool lstrip = false;       // the match swallows whitespace on its left
  bool rstrip = false;       // ... and on its right
  bool single_word = false;  // matches only when not inside a word
};

// One match: [start, end) of the text, which the token replaces (strip flags included).
struct added_match {
  std::size_t start, end;
  token_id id;
};

class added_token_matcher {
 public:
  added_token_matcher() = default;

  // Builds a matcher over the tokens for which `include(token)` is true.
  template <class Pred>
  static added_token_matcher build(const std::vector<added_token>& tokens, Pred&& include) {
    added_token_matcher m;
    std::vector<std::uint32_t> order;
    for (std::uint32_t i = 0; i < tokens.size(); ++i)
      if (!tokens[i].content.empty() && include(tokens[i])) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return tokens[a].content < tokens[b].content; });
    m.nodes_.push_back({});
    // Inserting in sorted order, a token shares trie nodes exactly along its common prefix with
    // the previous token, so `path` (the previous token's nodes) is all the lookup needed.
    std::vector<std::uint32_t> path{0};
    std::string_view prev;
    for (const std::uint32_t t : order) {
      const added_token& tok = tokens[t];
      const std::string_view c = tok.content;
      std::size_t lcp = 0;
      while (lcp < prev.size() && lcp < c.size() && prev[lcp] == c[lcp]) ++lcp;
      path.resize(lcp + 1);
      for (std::size_t k = lcp; k < c.size(); ++k) {
        const auto child = static_cast<std::uint32_t>(m.nodes_.size());
        m.nodes_.push_back({});
        m.edges_.push_back({path.back(), static_cast<unsigned char>(c[k]), child});
        m.nodes_[path.back()].children++;
        path.push_back(child);
      }
      if (m.nodes_[path.back()].token == no_entry) {
        m.nodes_[path.back()].token = static_cast<std::uint32_t>(m.tokens_.size());
        m.tokens_.push_back(tok);
        m.first_bytes_.add(static_cast<unsigned char>(c.front()));
      }
      prev = c;
    }
    // Edges were appended in lexicographic order of the tokens, so sorting by (parent, byte)
    // lays each node's children out contiguously for the lookup.
    std::sort(m.edges_.begin(), m.edges_.end(),
              [](const edge& a, const edge& b) { return a.parent != b.parent ? a.parent < b.parent : a.byte < b.byte; });
    std::uint32_t pos = 0;
    for (std::uint32_t n = 0; n < m.nodes_.size(); ++n) {
      m.nodes_[n].first_edge = pos;
      pos += m.nodes_[n].children;
    }
    return m;
  }

  [[nodiscard]] bool empty() const noexcept { return tokens_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return tokens_.size(); }

  // Finds the next match at or after `from`; returns false if none.
  [[nodiscard]] bool next_match(std::string_view text, std::size_t from, added_match& out) const noexcept {
    if (tokens_.empty()) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = from; i < n; ++i) {
      // The SIMD scan skips to the next byte some token starts with.
      i += detail::simd::byte_set_find(p + i, n - i, first_bytes_.low.data(), first_bytes_.high.data());
      if (i == n) break;
      std::uint32_t node = 0;
      std::uint32_t best = no_entry;
      std::size_t best_end = 0;
      for (std::size_t j = i; j < n; ++j) {
        node = find_child(node, p[j]);
        if (node == 0) break;
        if (nodes_[node].token != no_entry) {
          best = nodes_[node].token;
          best_end = j + 1;
        }
      }
      if (best == no_entry) continue;
      const added_token& tok = tokens_[best];
      // HF skips (without rescanning inside it) a single_word match that touches a word.
      if (tok.single_word && !at_word_boundary(text, i, best_end)) {
        i = best_end - 1;
        continue;
      }
      std::size_t s = i, e = best_end;
      if (tok.lstrip) s = strip_left(text, from, s);
      if (tok.rstrip) e = strip_right(text, e);
      out = {s, e, tok.id};
      return true;
    }
    return false;
  }

 private:
  static constexpr std::uint32_t no_entry = 0xFFFFFFFFu;
  struct node {
    std::uint32_t first_edge = 0;
    std::uint32_t children = 0;
    std::uint32_t token = no_entry;
  };
  struct edge {
    std::uint32_t parent;
    unsigned char byte;
    std::uint32_t child;
  };

  [[nodiscard]] std::uint32_t find_child(std::uint32_t parent, unsigned char byte) const noexcept {
    const node& nd = nodes_[parent];
    const edge* b = edges_.data() + nd.first_edge;
    const edge* e = b + nd.children;
    const edge* it = std::lower_bound(b, e, byte, [](const edge& x, unsigned char v) { return x.byte < v; });
    return it != e && it->byte == byte ? it->child : 0;
  }

  static bool is_word_char(char32_t cp) noexcept {
    return u_isalnum(static_cast<UChar32>(cp)) || cp == U'_';
  }
  static bool at_word_boundary(std::string_view text, std::size_t s, std::size_t e) noexcept {
    if (s > 0) {
      std::size_t k = s - 1;
      while (k > 0 && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) --k;
      if (is_word_char(next_code_point(text, k))) return false;
    }
    if (e < text.size()) {
      std::size_t k = e;
      if (is_word_char(next_code_point(text, k))) return false;
    }
    return true;
  }
  static std::size_t strip_left(std::string_view text, std::size_t floor, std::size_t s) noexcept {
    while (s > floor) {
      std::size_t k = s - 1;
      while (k > floor && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) --k;
      std::size_t probe = k;
      if (!u_isUWhiteSpace(static_cast<UChar32>(next_code_point(text, probe)))) break;
      s = k;
    }
    return s;
  }
  static std::size_t strip_right(std::string_view text, std::size_t e) noexcept {
    while (e < text.size()) {
      std::size_t k = e;
      if (!u_isUWhiteSpace(static_cast<UChar32>(next_code_point(text, k)))) break;
      e = k;
    }
    return e;
  }

  std::vector<node> nodes_;
  std::vector<edge> edges_;
  std::vector<added_token> tokens_;
  detail::simd::byte_set_rows first_bytes_;
};

TOKENMETER_END_NAMESPACE
