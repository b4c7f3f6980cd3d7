// Counting and encoding on several threads: many texts, or one large text, exactly as
// tokenizer::count / encode would give them one by one.
//
// Small texts are whole jobs (the worker runs the full pipeline). A text larger than
// batch_options::chunk_bytes is split at piece boundaries: the calling thread runs every stage
// but the merge (UTF-8 check, added tokens, normalization, pre-tokenization -- tokenizer::
// split_each) and hands the pieces, in chunks, to the workers, which merge them. The pieces are
// the sequential run's own pieces and BPE merges each piece on its own, so the result is
// identical by construction; no boundary is guessed. Pre-tokenization is the cheap stage
// (hundreds of MB/s), the merge the expensive one, so this scales until the calling thread's
// share becomes the bottleneck; it helps with merging whenever the queue is full.
//
// Memory is bounded: at most 2 x threads chunks wait at once. Pieces that lie in the caller's
// text are referenced, not copied (only normalized text is copied into its chunk).
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/tokenizer.hpp>
#include <tokenmeter/types.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

struct batch_options {
  encode_options encode{};
  unsigned threads = 0;                  // 0: std::thread::hardware_concurrency(); 1: the calling thread only
  std::size_t chunk_bytes = 256 * 1024;  // texts larger than this are split into chunks of pieces
};

// The threads a batch with batch_options::threads == `requested` uses.
inline unsigned batch_thread_count(unsigned requested) {
  return requested != 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
}

namespace batch_detail {

// One unit of work: a whole text, or a run of consecutive pieces and added tokens of one text.
struct job {
  std::size_t text = 0;
  bool whole = true;
  struct item {
    std::uint64_t offset;  // into the caller's text, or into `copied` when the top bit is set
    std::uint32_t len;
    token_id added;  // no_token for a piece
  };
  std::vector<item> items;
  std::string copied;  // piece bytes not in the caller's text (normalized text)
  std::size_t bytes = 0;
};

inline constexpr std::uint64_t copied_bit = std::uint64_t{1} << 63;

// Runs `texts` as jobs on `threads` threads. Op supplies: Out (per job), whole(tok, text, out)
// -> result<void>, and piece_sink(out) -> a sink for ids.
template <class Op>
result<std::vector<typename Op::total>> run(const tokenizer& tok, std::span<const std::string_view> texts,
                                            const batch_options& opt, Op op) {
  using out_t = typename Op::out;
  const unsigned threads = batch_thread_count(opt.threads);
  const std::size_t chunk_bytes = std::max<std::size_t>(opt.chunk_bytes, 1);
  std::vector<typename Op::total> totals(texts.size());

  std::mutex mu;
  std::condition_variable work_ready;
  std::deque<std::pair<std::unique_ptr<job>, out_t*>> pending;
  // (text, output) per job in job order; written by whichever thread ran the job (a deque: stable)
  std::deque<std::pair<std::size_t, out_t>> slots;
  bool producing = true;
  // The lowest-indexed text that failed: jobs of later texts are skipped, earlier ones finish, so
  // the error reported does not depend on thread timing.
  // (Atomic: the producer asks once per piece.)
  std::atomic<std::size_t> failed_text{std::numeric_limits<std::size_t>::max()};
  std::optional<error> failure;
  const auto fail = [&](std::size_t text, error e) {
    std::lock_guard lock(mu);
    if (text < failed_text.load()) {
      failed_text.store(text);
      e.message = "text " + std::to_string(text) + ": " + e.message;
      failure = std::move(e);
    }
  };
  const auto skipped = [&](std::size_t text) { return text > failed_text.load(std::memory_order_relaxed); };

  const auto execute = [&](const job& j, out_t& out) {
    if (skipped(j.text)) return;
    const std::string_view text = texts[j.text];
    if (j.whole) {
      if (auto r = op.whole(tok, text, opt.encode, out); !r) fail(j.text, r.error_value());
      return;
    }
    auto sink = op.piece_sink(out);
    tok.with_piece_merger([&](const auto& merge) {
      for (const job::item& it : j.items) {
        if (it.added != no_token) {
          sink(it.added);
          continue;
        }
        const char* base = (it.offset & copied_bit) != 0 ? j.copied.data() + (it.offset & ~copied_bit) : text.data() + it.offset;
        merge(std::string_view(base, it.len), sink);
      }
      return true;
    });
  };

  const auto worker = [&] {
    for (;;) {
      std::unique_lock lock(mu);
      work_ready.wait(lock, [&] { return !pending.empty() || !producing; });
      if (pending.empty()) return;
      auto [j, s] = std::move(pending.front());
      pending.pop_front();
      lock.unlock();
      execute(*j, *s);
    }
  };

  // Queues a job; runs one itself while the queue is full (the producer helps merging).
  const std::size_t max_pending = 2 * static_cast<std::size_t>(threads);
  const auto submit = [&](std::unique_ptr<job> j) {
    std::unique_lock lock(mu);
    slots.emplace_back(j->text, out_t{});
    out_t* s = &slots.back().second;
    while (pending.size() >= max_pending) {
      auto [oldest, os] = std::move(pending.front());
      pending.pop_front();
      lock.unlock();
      execute(*oldest, *os);
      lock.lock();
    }
    pending.emplace_back(std::move(j), s);
    lock.unlock();
    work_ready.notify_one();
  };

  // Splits one large text into chunks of pieces on this thread.
  const auto split = [&](std::size_t t) {
    const std::string_view text = texts[t];
    const auto inside = [&](std::string_view piece) {
      return !text.empty() && piece.data() >= text.data() && piece.data() + piece.size() <= text.data() + text.size();
    };
    std::unique_ptr<job> j;
    const auto start_job = [&] {
      j = std::make_unique<job>();
      j->text = t;
      j->whole = false;
    };
    start_job();
    const auto flush_if_full = [&] {
      if (j->bytes < chunk_bytes) return;
      submit(std::move(j));
      start_job();
    };
    auto r = tok.split_each(
        text,
        [&](std::string_view piece) {
          job::item it{0, static_cast<std::uint32_t>(piece.size()), no_token};
          if (inside(piece)) {
            it.offset = static_cast<std::uint64_t>(piece.data() - text.data());
          } else {
            it.offset = copied_bit | j->copied.size();
            j->copied.append(piece);
          }
          j->items.push_back(it);
          j->bytes += piece.size();
          flush_if_full();
          return !skipped(t);
        },
        [&](token_id id) {
          j->items.push_back({0, 0, id});
          ++j->bytes;
          flush_if_full();
          return !skipped(t);
        },
        opt.encode);
    if (!r) fail(t, r.error_value());
    if (!j->items.empty()) submit(std::move(j));
  };

  std::vector<std::thread> pool;
  std::exception_ptr thrown;
  try {
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
    for (std::size_t t = 0; t < texts.size() && !skipped(t); ++t) {
      if (threads > 1 && texts[t].size() > chunk_bytes) {
        split(t);
      } else {
        auto j = std::make_unique<job>();
        j->text = t;
        submit(std::move(j));
      }
    }
  } catch (...) {
    thrown = std::current_exception();  // allocation failure: stop the workers before rethrowing
  }
  {
    std::lock_guard lock(mu);
    producing = false;
  }
  work_ready.notify_all();
  worker();  // the calling thread drains the queue with the others
  for (std::thread& th : pool) th.join();
  if (thrown) std::rethrow_exception(thrown);
  if (failure) return std::move(*failure);
  for (auto& [t, out] : slots) op.add(totals[t], std::move(out));
  return totals;
}

struct count_op {
  using out = std::size_t;
  using total = std::size_t;
  static result<void> whole(const tokenizer& tok, std::string_view text, const encode_options& o, std::size_t& out) {
    TOKENMETER_TRY(n, tok.count(text, o));
    out = n;
    return {};
  }
  static auto piece_sink(std::size_t& out) {
    return [&out](token_id) {
      ++out;
      return true;
    };
  }
  static void add(std::size_t& total, std::size_t n) { total += n; }
};

struct encode_op {
  using out = std::vector<token_id>;
  using total = std::vector<token_id>;
  static result<void> whole(const tokenizer& tok, std::string_view text, const encode_options& o, out& ids) {
    TOKENMETER_TRY(v, tok.encode(text, o));
    ids = std::move(v);
    return {};
  }
  static auto piece_sink(out& ids) {
    return [&ids](token_id id) {
      ids.push_back(id);
      return true;
    };
  }
  static void add(total& all, out&& part) {
    if (all.empty())
      all = std::move(part);
    else
      all.insert(all.end(), part.begin(), part.end());
  }
};

}  // namespace batch_detail

// Token count of each text, in order. Fails with the error of the lowest-indexed text that
// failed (its message starts "text N: ").
inline result<std::vector<std::size_t>> count_batch(const tokenizer& tok, std::span<const std::string_view> texts,
                                                    const batch_options& opt = {}) {
  return batch_detail::run(tok, texts, opt, batch_detail::count_op{});
}

// Ids of each text, in order.
inline result<std::vector<std::vector<token_id>>> encode_batch(const tokenizer& tok,
                                                               std::span<const std::string_view> texts,
                                                               const batch_options& opt = {}) {
  return batch_detail::run(tok, texts, opt, batch_detail::encode_op{});
}

// One large text on several threads.
inline result<std::size_t> count_parallel(const tokenizer& tok, std::string_view text, const batch_options& opt = {}) {
  TOKENMETER_TRY(v, count_batch(tok, std::span<const std::string_view>(&text, 1), opt));
  return v.front();
}

inline result<std::vector<token_id>> encode_parallel(const tokenizer& tok, std::string_view text,
                                                     const batch_options& opt = {}) {
  TOKENMETER_TRY(v, encode_batch(tok, std::span<const std::string_view>(&text, 1), opt));
  return std::move(v.front());
}

TOKENMETER_END_NAMESPACE
