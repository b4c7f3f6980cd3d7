// The tokenizer: the pipeline composed from its stages.
//
//   text -> [UTF-8 check] -> added tokens (raw) -> normalize -> added tokens (normalized)
//        -> pre-tokenize -> BPE merge -> ids / counts
//
// A tokenizer is immutable once built and is shared freely between threads; per-call scratch
// lives in a thread-local workspace, never in the tokenizer.
#pragma once

#include <tokenmeter/bpe/model.hpp>
#include <tokenmeter/config.hpp>
#include <tokenmeter/decode/decoder.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/normalize/normalizer.hpp>
#include <tokenmeter/pretokenize/pretokenizer.hpp>
#include <tokenmeter/special/added_tokens.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/unicode/utf8.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

struct encode_options {
  special_tokens special = special_tokens::family_default;
  invalid_utf8 on_invalid_utf8 = invalid_utf8::error;
};

struct count_up_to_result {
  std::size_t count = 0;  // exact when !exceeded; otherwise limit + 1 (counting stopped there)
  bool exceeded = false;
};

// Everything a loader produces; tokenizer::create validates and assembles it.
struct tokenizer_parts {
  std::string name;
  normalizer norm;
  pretokenizer pre;
  bpe_model model;
  std::vector<added_token> added;
  decoder_table decoder;
  special_tokens default_special = special_tokens::recognize;
  // The loader's configuration without the vocabulary (JSON), kept so a compiled cache can
  // rebuild the pipeline through the same code path.
  std::string skeleton;
  std::string origin = "source";  // or "compiled cache" (informational)
};

class tokenizer {
 public:
  // Inputs larger than this are rejected with errc::limit_exceeded (offsets are 32-bit); split
  // larger texts (count/batch.hpp has the same limit per text, count/stream_counter.hpp over all
  // the chunks of one stream, as its count equals count() of their concatenation).
  static constexpr std::size_t max_input_bytes = 0xFFFFFFFFu;

  static result<std::shared_ptr<const tokenizer>> create(tokenizer_parts parts) {
    TOKENMETER_TRY_VOID(parts.model.prepare());
    parts.decoder.finish();
    auto t = std::shared_ptr<tokenizer>(new tokenizer(std::move(parts)));
    static std::atomic<std::uint64_t> next_id{1};
    t->id_ = next_id.fetch_add(1, std::memory_order_relaxed);
    const auto& added = t->p_.added;
    t->raw_all_ = added_token_matcher::build(added, [](const added_token& a) { return !a.normalized; });
    t->raw_plain_ = added_token_matcher::build(added, [](const added_token& a) { return !a.normalized && !a.special; });
    t->norm_all_ = added_token_matcher::build(added, [](const added_token& a) { return a.normalized; });
    t->norm_plain_ = added_token_matcher::build(added, [](const added_token& a) { return a.normalized && !a.special; });
    return std::shared_ptr<const tokenizer>(std::move(t));
  }

  [[nodiscard]] const std::string& name() const noexcept { return p_.name; }
  [[nodiscard]] special_tokens default_special_tokens() const noexcept { return p_.default_special; }
  [[nodiscard]] const std::vector<added_token>& added_tokens() const noexcept { return p_.added; }
  [[nodiscard]] const bpe_model& model() const noexcept { return p_.model; }
  [[nodiscard]] const tokenizer_parts& parts() const noexcept { return p_; }
  [[nodiscard]] const std::string& origin() const noexcept { return p_.origin; }
  [[nodiscard]] const normalizer& normalization() const noexcept { return p_.norm; }
  [[nodiscard]] const pretokenizer& pre_tokenizer() const noexcept { return p_.pre; }
  // One past the largest id the tokenizer can produce or decode.
  [[nodiscard]] std::size_t id_bound() const noexcept {
    return std::max(p_.decoder.id_bound(), p_.model.vocab.id_bound());
  }
  // What a token decodes to (empty for unknown ids).
  [[nodiscard]] std::string_view token_bytes(token_id id) const noexcept {
    return p_.decoder.bytes_or_vocab(id, p_.model.vocab);
  }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return p_.model.memory_bytes() + p_.decoder.memory_bytes();
  }

  // Calls sink(token_id) for each token in order; the sink returns false to stop early.
  // Returns true if the text was encoded to the end, false if the sink stopped it.
  template <class Sink>
  result<bool> encode_each(std::string_view text, Sink&& sink, const encode_options& opt = {}) const {
    return run(text, opt, sink);
  }

  // Every stage but the merge, in order: on_piece(std::string_view) for each pre-tokenized piece
  // (the view is valid only during the call) and on_added(token_id) for each added token; either
  // returns false to stop. Merging each piece with encode_piece_each gives exactly encode_each's
  // ids: pieces merge independently, which is what lets count/batch.hpp merge on other threads.
  template <class OnPiece, class OnAdded>
  result<bool> split_each(std::string_view text, OnPiece&& on_piece, OnAdded&& on_added,
                          const encode_options& opt = {}) const {
    workspace_lease lease;
    workspace& ws = *lease;
    auto to_pieces = pieces_to(ws, on_piece);
    return run_stages(text, opt, ws, to_pieces, on_added);
  }

  // Every stage before pre-tokenization: on_part(std::string_view part, bool first) for each run
  // of text the pre-tokenizer splits on its own (`first`: the run starts the input; the view is
  // valid only during the call) and on_added(token_id) for each added token; either returns false
  // to stop. pieces_each on each part then gives split_each's pieces. count/batch.hpp uses it to
  // pre-tokenize large parts on several threads.
  template <class OnPart, class OnAdded>
  result<bool> split_parts_each(std::string_view text, OnPart&& on_part, OnAdded&& on_added,
                                const encode_options& opt = {}) const {
    workspace_lease lease;
    auto parts = [&](std::string_view part, bool first) -> result<bool> { return static_cast<bool>(on_part(part, first)); };
    return run_stages(text, opt, *lease, parts, on_added);
  }

  // Pre-tokenizes one part (as split_parts_each gave it): on_piece(std::string_view) for each
  // piece, returning false to stop. Returns false if stopped.
  template <class OnPiece>
  result<bool> pieces_each(std::string_view part, bool first, OnPiece&& on_piece) const {
    workspace_lease lease;
    return p_.pre.for_each_piece(part, (*lease).pre, first, on_piece);
  }

  result<std::vector<token_id>> encode(std::string_view text, const encode_options& opt = {}) const {
    std::vector<token_id> ids;
    ids.reserve(text.size() / 3 + 4);
    TOKENMETER_TRY_VOID(run(text, opt, [&](token_id id) {
      ids.push_back(id);
      return true;
    }));
    return ids;
  }

  // Counts without materialising ids.
  result<std::size_t> count(std::string_view text, const encode_options& opt = {}) const {
    std::size_t n = 0;
    TOKENMETER_TRY_VOID(run(text, opt, [&](token_id) {
      ++n;
      return true;
    }));
    return n;
  }

  // Counts until the count would exceed `limit`, then stops without encoding the rest.
  result<count_up_to_result> count_up_to(std::string_view text, std::size_t limit, const encode_options& opt = {}) const {
    std::size_t n = 0;
    TOKENMETER_TRY(finished, run(text, opt, [&](token_id) { return ++n <= limit; }));
    return count_up_to_result{n, !finished};
  }

  // Raw bytes of the ids (which need not form valid UTF-8 on their own).
  result<std::string> decode(std::span<const token_id> ids, bool skip_special = false) const {
    return p_.decoder.decode(ids, p_.model.vocab, skip_special);
  }

  // Decoded text, with each ill-formed UTF-8 subpart replaced by U+FFFD.
  result<std::string> decode_text(std::span<const token_id> ids, bool skip_special = false) const {
    TOKENMETER_TRY(bytes, decode(ids, skip_special));
    if (is_valid_utf8(bytes)) return bytes;
    return replace_invalid_utf8(bytes);
  }

  [[nodiscard]] special_tokens resolve(special_tokens s) const noexcept {
    return s == special_tokens::family_default ? p_.default_special : s;
  }

  // Hooks for incremental counting (count/stream_counter.hpp), which keeps the raw-token and
  // normalization stages itself and needs the later stages on their own:
  //
  // Encodes already-normalized text of one section (text between raw-matched added tokens):
  // normalized added tokens, then pre-tokenized pieces. `first_section` is true for the section
  // that starts the input.
  template <class Sink>
  result<bool> encode_normalized_each(std::string_view normalized, bool first_section, Sink&& sink,
                                      const encode_options& opt = {}) const {
    if (normalized.size() > max_input_bytes) return too_large(normalized.size());
    workspace_lease lease;
    workspace& ws = *lease;
    const bool recognize = resolve(opt.special) == special_tokens::recognize;
    const auto merge = piece_merger(ws, sink);
    auto to_pieces = pieces_to(ws, merge);
    return normalized_section(normalized, first_section, recognize ? norm_all_ : norm_plain_, to_pieces, sink);
  }

  // Merges one pre-tokenized piece (as the pre-tokenizer produced it) into ids.
  template <class Sink>
  bool encode_piece_each(std::string_view piece, Sink&& sink) const {
    return with_piece_merger([&](const auto& merge) { return merge(piece, sink); });
  }

  // Calls body(merge), where merge(piece, sink) is encode_piece_each with this thread's workspace
  // and piece cache looked up once for the whole body (for merging many pieces).
  template <class Body>
  decltype(auto) with_piece_merger(Body&& body) const {
    workspace_lease lease;
    return body(merger(*lease));
  }

 private:
  explicit tokenizer(tokenizer_parts p) : p_(std::move(p)) {}

  struct workspace {
    std::string repaired, normalized;
    pretokenize_workspace pre;
    bpe_workspace bpe;
    std::vector<bpe_symbol> syms;
  };

  // Thread-local workspaces, one per nesting level, so a sink that itself encodes is safe.
  class workspace_lease {
   public:
    workspace_lease() {
      auto& s = stack();
      if (s.pool.size() <= s.depth) s.pool.push_back(std::make_unique<workspace>());
      ws_ = s.pool[s.depth++].get();
    }
    ~workspace_lease() { --stack().depth; }
    workspace_lease(const workspace_lease&) = delete;
    workspace_lease& operator=(const workspace_lease&) = delete;
    workspace& operator*() const noexcept { return *ws_; }

   private:
    struct pool_state {
      std::vector<std::unique_ptr<workspace>> pool;
      std::size_t depth = 0;
    };
    static pool_state& stack() {
      thread_local pool_state s;
      return s;
    }
    workspace* ws_;
  };

  template <class Sink>
  result<bool> run(std::string_view text, const encode_options& opt, Sink&& sink) const {
    workspace_lease lease;
    workspace& ws = *lease;
    const auto merge = piece_merger(ws, sink);
    auto to_pieces = pieces_to(ws, merge);
    return run_stages(text, opt, ws, to_pieces, sink);
  }

  // The pipeline's last stage: merge(piece, sink) with this workspace and this thread's piece
  // cache (looked up once). A named type, not a lambda: with_piece_merger, above, uses it, and
  // a deduced return type cannot be used before its definition (clang enforces it).
  struct merge_fn {
    const tokenizer* self;
    workspace* ws;
    piece_cache* cache;
    template <class Sink>
    bool operator()(std::string_view piece, Sink&& sink) const {
      return self->p_.model.encode_piece(piece, ws->bpe, ws->syms, cache, sink);
    }
  };
  merge_fn merger(workspace& ws) const { return {this, &ws, &piece_cache::for_tokenizer(id_)}; }
  // The same with the sink bound: the on_piece callback of run_stages.
  template <class Sink>
  auto piece_merger(workspace& ws, Sink& sink) const {
    return [merge = merger(ws), &sink](std::string_view piece) { return merge(piece, sink); };
  }
  // The part handler of run_stages that pre-tokenizes each part into on_piece.
  template <class OnPiece>
  auto pieces_to(workspace& ws, OnPiece& on_piece) const {
    return [this, &ws, &on_piece](std::string_view part, bool first) { return p_.pre.for_each_piece(part, ws.pre, first, on_piece); };
  }

  static error too_large(std::size_t bytes) {
    return make_error(errc::limit_exceeded, "input of " + std::to_string(bytes) + " bytes exceeds the 4 GiB per-call limit; split it first");
  }

  // The stages before pre-tokenization; on_part(part, first) -> result<bool> takes each part.
  template <class OnPart, class OnAdded>
  result<bool> run_stages(std::string_view text, const encode_options& opt, workspace& ws, OnPart& on_part,
                          OnAdded& on_added) const {
    if (text.size() > max_input_bytes) return too_large(text.size());
    if (const std::size_t bad = find_invalid_utf8(text); bad != utf8_npos) {
      if (opt.on_invalid_utf8 == invalid_utf8::error)
        return make_error(errc::invalid_utf8, "input is not valid UTF-8 at byte offset " + std::to_string(bad) +
                                                  " (encode with invalid_utf8::replace, or the CLI option --invalid-utf8 replace, to substitute U+FFFD)");
      ws.repaired = replace_invalid_utf8(text);
      text = ws.repaired;
    }
    const bool recognize = resolve(opt.special) == special_tokens::recognize;
    const added_token_matcher& raw = recognize ? raw_all_ : raw_plain_;
    const added_token_matcher& norm = recognize ? norm_all_ : norm_plain_;
    std::size_t pos = 0;
    added_match m{};
    while (raw.next_match(text, pos, m)) {
      TOKENMETER_TRY(go_on, section(text.substr(pos, m.start - pos), pos == 0, norm, ws, on_part, on_added));
      if (!go_on || !on_added(m.id)) return false;
      pos = m.end;
    }
    return section(text.substr(pos), pos == 0, norm, ws, on_part, on_added);
  }

  // Text between raw-matched added tokens: normalize, then split on normalized added tokens.
  template <class OnPart, class OnAdded>
  result<bool> section(std::string_view seg, bool first, const added_token_matcher& norm_matcher, workspace& ws,
                       OnPart& on_part, OnAdded& on_added) const {
    if (seg.empty()) return true;
    std::string_view text = seg;
    if (!p_.norm.empty()) {
      TOKENMETER_TRY(changed, p_.norm.apply(seg, ws.normalized));
      if (changed) text = ws.normalized;
    }
    return normalized_section(text, first, norm_matcher, on_part, on_added);
  }

  template <class OnPart, class OnAdded>
  result<bool> normalized_section(std::string_view text, bool first, const added_token_matcher& norm_matcher,
                                  OnPart& on_part, OnAdded& on_added) const {
    std::size_t pos = 0;
    added_match m{};
    while (norm_matcher.next_match(text, pos, m)) {
      const std::string_view part = text.substr(pos, m.start - pos);
      if (!part.empty()) {
        TOKENMETER_TRY(go_on, on_part(part, first && pos == 0));
        if (!go_on) return false;
      }
      if (!on_added(m.id)) return false;
      pos = m.end;
    }
    if (pos == text.size()) return true;
    return on_part(text.substr(pos), first && pos == 0);
  }

  tokenizer_parts p_;
  std::uint64_t id_ = 0;  // process-unique, keys the per-thread piece caches
  added_token_matcher raw_all_, raw_plain_, norm_all_, norm_plain_;
};

TOKENMETER_END_NAMESPACE
