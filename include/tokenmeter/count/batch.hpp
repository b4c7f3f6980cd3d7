// Counting and encoding on several threads: many texts, or one large text, exactly as
// tokenizer::count / encode would give them one by one.
//
// Small texts are whole jobs (the worker runs the full pipeline; consecutive ones share a job up
// to ~16 KiB, so many short texts do not pay a queue round trip each). A text larger than
// batch_options::chunk_bytes is split on the calling thread, in one of two ways:
//
//  * Parts (tokenizers whose pre-tokenizer resumes at piece ends: streamed regexes that never
//    look left, pretokenizer::resumes_at_piece_ends; every family but gemma3). The calling
//    thread runs only the stages before pre-tokenization (UTF-8 check, added tokens,
//    normalization -- tokenizer::split_parts_each) and hands the parts to the workers, which
//    pre-tokenize and merge them. A part larger than chunk_bytes is cut into chunks at arbitrary
//    character boundaries, each pre-tokenized and merged from its start to where it meets the
//    next: chunk k runs on past its end until one of its resumable piece ends is also one of
//    chunk k+1's own run, within that run's first `window` bytes. From an end resumable in both
//    runs the two give the same pieces (pretokenizer::for_each_resumable_piece), so chunk k's
//    output up to there and chunk k+1's after it are the one-thread run's, wherever the cut
//    fell. A chunk whose successor's window holds no common end (a piece longer than the window:
//    one long word) carries on to the chunk after; a chunk with no resumable end in its own
//    window cannot be met and stops at its first piece past it, so one long word costs its
//    merge once, not once per chunk.
//  * Pieces (the others: gemma3, whose Metaspace builds piece lists). The calling thread runs
//    every stage but the merge (tokenizer::split_each) and hands the pieces, in chunks, to the
//    workers, which merge them. This scales until the calling thread's share becomes the
//    bottleneck (~1.1x on two cores for English; gemma3's costlier merge 1.7x).
//
// Either way BPE merges each piece on its own and the pieces are the one-thread run's, so the
// result is identical by construction. Memory is bounded: at most 2 x threads jobs wait at once,
// and a part is cut into at most 8 x threads chunks. Text that lies in the caller's text is
// referenced, not copied (only normalized text is copied into its job).
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
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

TOKENMETER_BEGIN_NAMESPACE

struct batch_options {
  encode_options encode{};
  unsigned threads = 0;                  // 0: std::thread::hardware_concurrency(); 1: the calling thread only
  std::size_t chunk_bytes = 256 * 1024;  // texts larger than this are split into chunks of pieces
  // How an error names the text it came from: "NAME: message" (called only on failure, on any of
  // the batch's threads; an empty name leaves the message as the text's own error); unset:
  // "text N".
  std::function<std::string(std::size_t)> text_name;
};

// The threads a batch with batch_options::threads == `requested` asks for (a pool keeps fewer
// if the system cannot start them all: batch_pool::threads).
inline unsigned batch_thread_count(unsigned requested) {
  return requested != 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
}

// Threads kept for batch calls: a service that counts per request pays neither thread start-up
// nor cold per-thread piece caches on each call (a call without a pool starts and joins its
// own). threads() counts the calling thread, which works too, so threads() - 1 wait here. One
// batch runs on a pool at a time; calls from several threads take turns.
class batch_pool {
 public:
  // Starts threads - 1 threads, or as many as the system allows (threads() says how many are
  // kept): a thread that cannot start (a process or memory limit) makes the batches slower, not
  // impossible, as the work is shared out as it is taken.
  explicit batch_pool(unsigned threads = 0) {
    const unsigned wanted = batch_thread_count(threads);
    workers_.reserve(wanted - 1);
    try {
      for (unsigned i = 1; i < wanted; ++i) workers_.emplace_back([this] { serve(); });
    } catch (const std::system_error&) {
    }
    threads_ = static_cast<unsigned>(workers_.size()) + 1;
  }
  ~batch_pool() { stop(); }
  batch_pool(const batch_pool&) = delete;
  batch_pool& operator=(const batch_pool&) = delete;

  [[nodiscard]] unsigned threads() const noexcept { return threads_; }

  // Runs task() on every waiting thread and body() on the calling one; returns when all are done,
  // also when body throws. The primitive of the batch calls, for work shared out the same way
  // (e.g. through an atomic index); the task must not throw. Calls take turns.
  template <class Task, class Body>
  void run(Task&& task, Body&& body) {
    std::lock_guard turn(turn_);
    {
      std::lock_guard lock(mu_);
      task_ = task;
      busy_ = static_cast<unsigned>(workers_.size());
      ++round_;
    }
    posted_.notify_all();
    struct wait_all {  // even if body throws: the task refers to the caller's state
      batch_pool& p;
      ~wait_all() {
        std::unique_lock lock(p.mu_);
        p.done_.wait(lock, [&] { return p.busy_ == 0; });
        p.task_ = nullptr;
      }
    } waiting{*this};
    body();
  }

 private:
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    posted_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void serve() {
    std::uint64_t seen = 0;
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        posted_.wait(lock, [&] { return stopping_ || round_ != seen; });
        if (stopping_) return;
        seen = round_;
        task = task_;
      }
      task();
      std::lock_guard lock(mu_);
      if (--busy_ == 0) done_.notify_all();
    }
  }

  unsigned threads_;
  std::mutex turn_;  // one batch at a time
  std::mutex mu_;
  std::condition_variable posted_, done_;
  std::function<void()> task_;
  std::uint64_t round_ = 0;
  unsigned busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

namespace batch_detail {

// One large part pre-tokenized and merged in chunks (see the top of this file). Shared by the
// part's chunk jobs; each writes only its own chunk_state.
struct part_chunks {
  std::string_view part;  // in the caller's text or in `copy`
  std::string copy;       // the part when it is not in the caller's text (normalized text)
  std::vector<std::size_t> begins;  // chunk starts: character boundaries, increasing, begins[0] == 0
  std::size_t window = 0;           // a chunk can be met at its resumable piece ends up to begins[k] + window
  struct chunk_state {
    std::vector<std::pair<std::size_t, std::size_t>> marks;  // (resumable piece end, output size there), in the window
    std::size_t stop = 0;   // where this chunk's run stopped, meeting chunk `meets`
    std::size_t meets = 0;  // begins.size(): it ran to the end of the part
  };
  std::vector<chunk_state> chunks;
};

// One unit of work: whole texts (consecutive small ones, so a batch of short texts does not pay
// a queue round trip per text); a run of consecutive pieces, or parts, and added tokens of one
// text; or one chunk of a large part.
struct job {
  std::size_t text = 0;
  std::size_t count = 1;  // whole: the texts [text, text + count)
  bool whole = true;
  bool parts = false;  // items are parts to pre-tokenize, not pieces
  struct item {
    std::uint64_t offset;  // into the caller's text, or into `copied` when copied_bit is set; first_bit: the part starts the input
    std::uint32_t len;
    token_id added;  // no_token for a piece or part
  };
  std::vector<item> items;
  std::string copied;  // text not in the caller's text (normalized text)
  std::size_t bytes = 0;
  std::shared_ptr<part_chunks> chunked;  // set: this job is chunk `chunk` of a large part
  std::size_t chunk = 0;
};

inline constexpr std::uint64_t copied_bit = std::uint64_t{1} << 63;
inline constexpr std::uint64_t first_bit = std::uint64_t{1} << 62;

// Resumable piece ends of a run of `tok`'s pre-tokenizer on part[begin..], up to begin + window.
inline result<std::vector<std::size_t>> piece_ends_within(const tokenizer& tok, std::string_view part, std::size_t begin,
                                                          std::size_t window) {
  std::vector<std::size_t> ends;
  TOKENMETER_TRY_VOID(tok.pre_tokenizer().for_each_resumable_piece(part.substr(begin), [&](std::string_view piece, bool resumable) {
    const std::size_t end = static_cast<std::size_t>(piece.data() - part.data()) + piece.size();
    if (end > begin + window) return false;
    if (resumable) ends.push_back(end);
    return true;
  }));
  return ends;
}

// Cuts the part into chunks of about `bytes` each (more if that makes more than `max_chunks`), at
// character boundaries.
inline void cut_part(part_chunks& g, std::size_t bytes, std::size_t max_chunks) {
  const std::string_view p = g.part;
  const std::size_t per = std::max<std::size_t>(bytes, 1);
  const std::size_t n = std::clamp<std::size_t>(p.size() / per + (p.size() % per != 0 ? 1 : 0), 1, std::max<std::size_t>(max_chunks, 1));
  g.begins.clear();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t b = p.size() / n * k;
    while (b < p.size() && (static_cast<unsigned char>(p[b]) & 0xC0) == 0x80) ++b;  // not inside a character
    if (b < p.size() && (g.begins.empty() || b > g.begins.back())) g.begins.push_back(b);
  }
  std::size_t shortest = p.size();
  for (std::size_t k = 0; k < g.begins.size(); ++k)
    shortest = std::min(shortest, (k + 1 < g.begins.size() ? g.begins[k + 1] : p.size()) - g.begins[k]);
  // Half a chunk at most, so a chunk's window closes before its run can meet the next chunk.
  // 4 KiB: runs meet within a few pieces; only a piece longer than the window goes past it.
  g.window = std::max<std::size_t>(1, std::min<std::size_t>(4096, shortest / 2));
  g.chunks.assign(g.begins.size(), {});
}

// Runs `texts` as jobs on the pool's threads. Op supplies: out (per job), total, whole(tok, text,
// options, out) -> result<void>, piece_sink(out) -> a sink for ids, size(out) (ids so far),
// add(total, out) and add_from(total, out, n) (out without its first n ids).
template <class Op>
result<std::vector<typename Op::total>> run(const tokenizer& tok, std::span<const std::string_view> texts,
                                            const batch_options& opt, Op op, batch_pool& threads_pool) {
  using out_t = typename Op::out;
  const unsigned threads = threads_pool.threads();
  const std::size_t chunk_bytes = std::max<std::size_t>(opt.chunk_bytes, 1);
  const bool by_parts = tok.pre_tokenizer().resumes_at_piece_ends();
  std::vector<typename Op::total> totals(texts.size());

  std::mutex mu;
  std::condition_variable work_ready;
  struct slot {
    std::size_t text;
    out_t out{};
    std::shared_ptr<part_chunks> chunked;  // a chunk's output, stitched with its part's others
    std::size_t chunk = 0;
  };
  // A job and its outputs (one per text of a whole job, else one).
  std::deque<std::pair<std::unique_ptr<job>, std::vector<out_t*>>> pending;
  // One per job in job order (a part's chunks consecutive); written by whichever thread ran the
  // job (a deque: stable).
  std::deque<slot> slots;
  bool producing = true;
  // The lowest-indexed text that failed: jobs of later texts are skipped, earlier ones finish, so
  // the error reported does not depend on thread timing.
  // (Atomic: the producer asks once per piece.)
  std::atomic<std::size_t> failed_text{std::numeric_limits<std::size_t>::max()};
  std::optional<error> failure;
  const auto fail = [&](std::size_t text, error e) {
    std::lock_guard lock(mu);
    if (text < failed_text.load()) {
      try {
        const std::string name = opt.text_name ? opt.text_name(text) : "text " + std::to_string(text);
        if (!name.empty()) e.message = name + ": " + e.message;
      } catch (const std::bad_alloc&) {  // out of memory: the error unnamed rather than lost
      }
      failure = std::move(e);
      failed_text.store(text);
    }
  };
  const auto skipped = [&](std::size_t text) { return text > failed_text.load(std::memory_order_relaxed); };

  // Pre-tokenizes and merges chunk k of a large part: from its start until one of its resumable
  // piece ends (pretokenizer::for_each_resumable_piece) is one of a later chunk's own first ones
  // (part_chunks). Writes `me` (its chunk's state), which the caller stores when it is done.
  const auto run_chunk = [&](const job& j, out_t& out, part_chunks::chunk_state& me) -> result<bool> {
    const part_chunks& g = *j.chunked;
    const std::size_t k = j.chunk, n = g.begins.size(), begin = g.begins[k];
    me.stop = g.part.size();
    me.meets = n;
    std::size_t next = k + 1;
    std::vector<std::size_t> next_ends;  // piece ends in chunk `next`'s window, once known
    bool known = false;
    std::size_t at = 0;
    std::optional<error> failed;
    auto sink = op.piece_sink(out);
    return tok.with_piece_merger([&](const auto& merge) -> result<bool> {
      auto r = tok.pre_tokenizer().for_each_resumable_piece(g.part.substr(begin), [&](std::string_view piece, bool resumable) {
        const std::size_t end = static_cast<std::size_t>(piece.data() - g.part.data()) + piece.size();
        // No earlier chunk can stop where this one has no mark: its output would go unused.
        if (k > 0 && me.marks.empty() && end > begin + g.window) return false;
        merge(piece, sink);
        if (!resumable) return true;
        if (k > 0 && end <= begin + g.window) me.marks.emplace_back(end, op.size(out));
        while (next < n && end >= g.begins[next]) {
          if (!known) {
            auto e = piece_ends_within(tok, g.part, g.begins[next], g.window);
            if (!e) {
              failed = std::move(e).error_value();
              return false;
            }
            next_ends = std::move(*e);
            known = true;
            at = 0;
          }
          while (at < next_ends.size() && next_ends[at] < end) ++at;
          if (at < next_ends.size() && next_ends[at] == end) {
            me.stop = end;
            me.meets = next;
            return false;
          }
          if (end <= g.begins[next] + g.window) break;  // a later piece end may still meet one
          ++next;  // past chunk `next`'s window: its run cannot be met; try the chunk after
          known = false;
        }
        return true;
      });
      if (failed) return std::move(*failed);
      return r;
    });
  };

  // Runs a job into a local output and chunk state, stored at the end: slots and chunk states of
  // different jobs share cache lines, and a sink that wrote its slot per token would make the
  // threads take those lines from each other (English scaled 1.1x on two threads that way).
  const auto execute = [&](const job& j, const std::vector<out_t*>& outs) {
    if (j.whole) {
      for (std::size_t i = 0; i < j.count; ++i) {
        if (skipped(j.text + i)) return;
        out_t out{};
        if (auto r = op.whole(tok, texts[j.text + i], opt.encode, out); !r) fail(j.text + i, r.error_value());
        *outs[i] = std::move(out);
      }
      return;
    }
    if (skipped(j.text)) return;
    const std::string_view text = texts[j.text];
    out_t& result_slot = *outs.front();
    out_t out{};
    if (j.chunked) {
      part_chunks::chunk_state me;
      if (auto r = run_chunk(j, out, me); !r) fail(j.text, r.error_value());
      j.chunked->chunks[j.chunk] = std::move(me);
      result_slot = std::move(out);
      return;
    }
    auto sink = op.piece_sink(out);
    auto r = tok.with_piece_merger([&](const auto& merge) -> result<bool> {
      const auto merge_into_sink = [&](std::string_view piece) { return merge(piece, sink); };
      for (const job::item& it : j.items) {
        if (it.added != no_token) {
          sink(it.added);
          continue;
        }
        const std::uint64_t off = it.offset & ~(copied_bit | first_bit);
        const char* base = (it.offset & copied_bit) != 0 ? j.copied.data() + off : text.data() + off;
        const std::string_view s(base, it.len);
        if (!j.parts) {
          merge(s, sink);
          continue;
        }
        TOKENMETER_TRY_VOID(tok.pieces_each(s, (it.offset & first_bit) != 0, merge_into_sink));
      }
      return true;
    });
    if (!r) fail(j.text, r.error_value());
    result_slot = std::move(out);
  };

  // An exception on a worker (an allocation failure) becomes the error of the job's (first) text.
  const auto execute_caught = [&](const job& j, const std::vector<out_t*>& outs) {
    try {
      execute(j, outs);
    } catch (const std::exception& e) {
      fail(j.text, error_from_exception(e));
    }
  };

  const auto worker = [&] {
    for (;;) {
      std::unique_lock lock(mu);
      work_ready.wait(lock, [&] { return !pending.empty() || !producing; });
      if (pending.empty()) return;
      auto [j, s] = std::move(pending.front());
      pending.pop_front();
      lock.unlock();
      execute_caught(*j, s);
    }
  };

  // Queues a job; runs one itself while the queue is full (the producer helps merging).
  const std::size_t max_pending = 2 * static_cast<std::size_t>(threads);
  const auto submit = [&](std::unique_ptr<job> j) {
    const std::size_t outputs = j->whole ? j->count : 1;
    std::vector<out_t*> s;
    s.reserve(outputs);
    std::unique_lock lock(mu);
    for (std::size_t i = 0; i < outputs; ++i) {
      slots.push_back(slot{j->text + i, out_t{}, j->chunked, j->chunk});
      s.push_back(&slots.back().out);
    }
    while (pending.size() >= max_pending) {
      auto [oldest, os] = std::move(pending.front());
      pending.pop_front();
      lock.unlock();
      execute_caught(*oldest, os);
      lock.lock();
    }
    pending.emplace_back(std::move(j), std::move(s));
    lock.unlock();
    work_ready.notify_one();
  };

  // Splits one large text into jobs on this thread: of parts (by_parts) or of pieces.
  const auto split = [&](std::size_t t) {
    const std::string_view text = texts[t];
    const auto inside = [&](std::string_view s) {
      return !text.empty() && s.data() >= text.data() && s.data() + s.size() <= text.data() + text.size();
    };
    std::unique_ptr<job> j;
    const auto start_job = [&] {
      j = std::make_unique<job>();
      j->text = t;
      j->whole = false;
      j->parts = by_parts;
    };
    start_job();
    const auto flush = [&] {
      if (j->items.empty()) return;
      submit(std::move(j));
      start_job();
    };
    const auto add_text = [&](std::string_view s, std::uint64_t flags) {
      job::item it{flags, static_cast<std::uint32_t>(s.size()), no_token};
      if (inside(s)) {
        it.offset |= static_cast<std::uint64_t>(s.data() - text.data());
      } else {
        it.offset |= copied_bit | j->copied.size();
        j->copied.append(s);
      }
      j->items.push_back(it);
      j->bytes += s.size();
      if (j->bytes >= chunk_bytes) flush();
      return !skipped(t);
    };
    const auto on_added = [&](token_id id) {
      j->items.push_back({0, 0, id});
      ++j->bytes;
      if (j->bytes >= chunk_bytes) flush();
      return !skipped(t);
    };
    const auto on_part = [&](std::string_view part, bool first) {
      if (part.size() <= chunk_bytes && part.size() <= 0xFFFFFFFFu) return add_text(part, first ? first_bit : 0);
      flush();
      auto g = std::make_shared<part_chunks>();
      if (inside(part)) {
        g->part = part;
      } else {
        g->copy.assign(part);
        g->part = g->copy;
      }
      cut_part(*g, chunk_bytes, 8 * static_cast<std::size_t>(threads));
      for (std::size_t k = 0; k < g->begins.size(); ++k) {
        auto c = std::make_unique<job>();
        c->text = t;
        c->whole = false;
        c->chunked = g;
        c->chunk = k;
        c->bytes = 1;
        submit(std::move(c));
      }
      return !skipped(t);
    };
    auto r = by_parts ? tok.split_parts_each(text, on_part, on_added, opt.encode)
                      : tok.split_each(text, [&](std::string_view piece) { return add_text(piece, 0); }, on_added, opt.encode);
    if (!r) fail(t, r.error_value());
    flush();
  };

  std::exception_ptr thrown;
  // Consecutive small texts share a job up to ~16 KiB (or 256 texts): enough work to outweigh
  // the queue's lock and wake-up, small enough to spread over the threads.
  const std::size_t group_bytes = std::min<std::size_t>(chunk_bytes, 16 * 1024);
  std::unique_ptr<job> group;
  const auto submit_group = [&] {
    if (group) submit(std::move(group));  // leaves it empty
  };
  threads_pool.run(worker, [&] {
    try {
      for (std::size_t t = 0; t < texts.size() && !skipped(t); ++t) {
        if (threads > 1 && texts[t].size() > chunk_bytes) {
          submit_group();
          split(t);
          continue;
        }
        if (!group) {
          group = std::make_unique<job>();
          group->text = t;
          group->count = 0;
        }
        ++group->count;
        group->bytes += texts[t].size();
        if (group->bytes >= group_bytes || group->count >= 256) submit_group();
      }
      submit_group();
    } catch (...) {
      thrown = std::current_exception();  // allocation failure: stop the workers before rethrowing
    }
    {
      std::lock_guard lock(mu);
      producing = false;
    }
    work_ready.notify_all();
    worker();  // the calling thread drains the queue with the others
  });
  if (thrown) std::rethrow_exception(thrown);
  if (failure) return std::move(*failure);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    slot& s = slots[i];
    if (!s.chunked) {
      op.add(totals[s.text], std::move(s.out));
      continue;
    }
    if (s.chunk != 0) continue;  // stitched with its part's first chunk, below
    // Follow the runs from chunk 0: each stopped where its output meets a later chunk's mark.
    const part_chunks& g = *s.chunked;
    std::size_t k = 0, from = 0;
    for (;;) {
      op.add_from(totals[s.text], std::move(slots[i + k].out), from);
      const part_chunks::chunk_state& c = g.chunks[k];
      if (c.meets >= g.begins.size()) break;
      const auto& marks = g.chunks[c.meets].marks;
      const auto m = std::lower_bound(marks.begin(), marks.end(), std::make_pair(c.stop, std::size_t{0}));
      // The chunk met computed the same piece ends in its window; anything else is a bug.
      if (m == marks.end() || m->first != c.stop)
        return make_error(errc::internal_error, "chunk " + std::to_string(c.meets) + " of text " +
                                                      std::to_string(s.text) + " has no piece end at " + std::to_string(c.stop));
      from = m->second;
      k = c.meets;
    }
  }
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
  static std::size_t size(std::size_t out) { return out; }
  static void add(std::size_t& total, std::size_t n) { total += n; }
  static void add_from(std::size_t& total, std::size_t n, std::size_t from) { total += n - from; }
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
  static std::size_t size(const out& ids) { return ids.size(); }
  static void add(total& all, out&& part) {
    if (all.empty())
      all = std::move(part);
    else
      all.insert(all.end(), part.begin(), part.end());
  }
  static void add_from(total& all, out&& part, std::size_t from) {
    if (from == 0) return add(all, std::move(part));
    all.insert(all.end(), part.begin() + static_cast<std::ptrdiff_t>(from), part.end());
  }
};

}  // namespace batch_detail

// Token count of each text, in order. Fails with the error of the lowest-indexed text that
// failed (its message starts "text N: ", or with batch_options::text_name's name). With a pool,
// its threads are used (opt.threads is not); without, the call starts opt.threads - 1 threads
// and joins them.
inline result<std::vector<std::size_t>> count_batch(const tokenizer& tok, std::span<const std::string_view> texts,
                                                    const batch_options& opt, batch_pool& pool) {
  return batch_detail::run(tok, texts, opt, batch_detail::count_op{}, pool);
}
inline result<std::vector<std::size_t>> count_batch(const tokenizer& tok, std::span<const std::string_view> texts,
                                                    const batch_options& opt = {}) {
  batch_pool pool(opt.threads);
  return count_batch(tok, texts, opt, pool);
}

// Ids of each text, in order.
inline result<std::vector<std::vector<token_id>>> encode_batch(const tokenizer& tok, std::span<const std::string_view> texts,
                                                               const batch_options& opt, batch_pool& pool) {
  return batch_detail::run(tok, texts, opt, batch_detail::encode_op{}, pool);
}
inline result<std::vector<std::vector<token_id>>> encode_batch(const tokenizer& tok, std::span<const std::string_view> texts,
                                                               const batch_options& opt = {}) {
  batch_pool pool(opt.threads);
  return encode_batch(tok, texts, opt, pool);
}

// One large text on several threads.
inline result<std::size_t> count_parallel(const tokenizer& tok, std::string_view text, const batch_options& opt,
                                          batch_pool& pool) {
  TOKENMETER_TRY(v, count_batch(tok, std::span<const std::string_view>(&text, 1), opt, pool));
  return v.front();
}
inline result<std::size_t> count_parallel(const tokenizer& tok, std::string_view text, const batch_options& opt = {}) {
  batch_pool pool(opt.threads);
  return count_parallel(tok, text, opt, pool);
}

inline result<std::vector<token_id>> encode_parallel(const tokenizer& tok, std::string_view text, const batch_options& opt,
                                                     batch_pool& pool) {
  TOKENMETER_TRY(v, encode_batch(tok, std::span<const std::string_view>(&text, 1), opt, pool));
  return std::move(v.front());
}
inline result<std::vector<token_id>> encode_parallel(const tokenizer& tok, std::string_view text,
                                                     const batch_options& opt = {}) {
  batch_pool pool(opt.threads);
  return encode_parallel(tok, text, opt, pool);
}

TOKENMETER_END_NAMESPACE
