// The C API (c_api/tokenmeter.h) over the header-only library. Every entry point catches
// everything: no C++ exception crosses the C ABI.
#include "tokenmeter.h"

#include <tokenmeter/count/batch.hpp>
#include <tokenmeter/count/stream_counter.hpp>
#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/pricing/usage_adapters.hpp>
#include <tokenmeter/tokenmeter.hpp>

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <vector>

struct tm_tokenizer {
  std::shared_ptr<const tokenmeter::tokenizer> tok;
  bool exact = true;
  // Stream plans per flag set, built on first use: a plan compiles the split patterns' engines
  // (and the normalizer's tables), too costly to repeat per stream.
  mutable std::mutex mu;
  mutable std::map<unsigned, std::shared_ptr<const tokenmeter::stream_plan>> plans;
};

struct tm_pool {
  tokenmeter::batch_pool pool;
};

struct tm_stream {
  tokenmeter::stream_counter counter;
};

namespace {

// string_view: called from catch handlers inside noexcept functions, so it must not allocate.
tm_status set_error(tm_error* err, tm_status code, std::string_view message) {
  if (err != nullptr) {
    err->code = code;
    const std::size_t n = std::min(message.size(), sizeof err->message - 1);
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
  }
  return code;
}

tm_status set_error(tm_error* err, const tokenmeter::error& e) {
  if (e.code == tokenmeter::errc::internal_error) return set_error(err, TM_E_INTERNAL, e.message);
  return set_error(err, static_cast<tm_status>(static_cast<int>(e.code)), e.message);
}

tm_status clear(tm_error* err) {
  if (err != nullptr) {
    err->code = TM_OK;
    err->message[0] = '\0';
  }
  return TM_OK;
}

// Runs f, turning any escaping exception into TM_E_INTERNAL.
template <class F>
auto guarded(tm_error* err, F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    set_error(err, TM_E_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    set_error(err, TM_E_INTERNAL, e.what());
  } catch (...) {
    set_error(err, TM_E_INTERNAL, "unknown failure");
  }
  if constexpr (std::is_same_v<decltype(f()), tm_status>) return TM_E_INTERNAL;
  else return decltype(f()){};
}

tokenmeter::encode_options options_from(unsigned flags) {
  tokenmeter::encode_options o;
  if (flags & TM_SPECIAL_PLAIN) o.special = tokenmeter::special_tokens::plain;
  if (flags & TM_SPECIAL_RECOGNIZE) o.special = tokenmeter::special_tokens::recognize;
  if (flags & TM_INVALID_UTF8_REPLACE) o.on_invalid_utf8 = tokenmeter::invalid_utf8::replace;
  return o;
}

tm_status bad_flags(unsigned flags, tm_error* err) {
  if ((flags & TM_SPECIAL_PLAIN) && (flags & TM_SPECIAL_RECOGNIZE))
    return set_error(err, TM_E_INVALID_ARGUMENT, "choose one of TM_SPECIAL_PLAIN and TM_SPECIAL_RECOGNIZE");
  if (flags & ~(TM_SPECIAL_PLAIN | TM_SPECIAL_RECOGNIZE | TM_INVALID_UTF8_REPLACE))
    return set_error(err, TM_E_INVALID_ARGUMENT, "unknown flag bits");
  return TM_OK;
}

// femto (1e-15) -> nano (1e-9): one half-even rounding step.
tm_status to_price_result(const tokenmeter::pricing::price_breakdown& pb, tm_price_result* out, tm_error* err) {
  namespace tp = tokenmeter::pricing;
  const tp::int128 nano = tp::round_femto(pb.total_femto, 9) / 1000000;
  if (nano > INT64_MAX || nano < INT64_MIN) return set_error(err, TM_E_OVERFLOW, "price does not fit in 64-bit nano-units");
  if (pb.currency.size() >= sizeof out->currency) return set_error(err, TM_E_INTERNAL, "currency code too long");
  out->nano = static_cast<int64_t>(nano);
  std::memset(out->currency, 0, sizeof out->currency);
  std::memcpy(out->currency, pb.currency.data(), pb.currency.size());
  return clear(err);
}

}  // namespace

extern "C" {

tm_tokenizer* tm_tokenizer_load(const char* model, const char* vocab_dir, tm_error* err) {
  return guarded(err, [&]() -> tm_tokenizer* {
    if (model == nullptr) {
      set_error(err, TM_E_INVALID_ARGUMENT, "model is NULL");
      return nullptr;
    }
    tokenmeter::load_options lo;
    if (vocab_dir != nullptr) lo.path = vocab_dir;
    auto m = tokenmeter::load_model(model, lo);  // model names, aliases and family ids alike
    if (!m) {
      set_error(err, m.error_value());
      return nullptr;
    }
    clear(err);
    auto* t = new tm_tokenizer();
    t->tok = std::move(m->tok);
    t->exact = m->exactness == tokenmeter::exactness::exact;
    return t;
  });
}

void tm_tokenizer_free(tm_tokenizer* tok) { delete tok; }

int tm_tokenizer_is_exact(const tm_tokenizer* tok) { return tok != nullptr && tok->exact ? 1 : 0; }

tm_status tm_count(const tm_tokenizer* tok, const char* text, size_t len, unsigned flags, size_t* out_count, tm_error* err) {
  return guarded(err, [&]() -> tm_status {
    if (tok == nullptr || out_count == nullptr || (text == nullptr && len > 0))
      return set_error(err, TM_E_INVALID_ARGUMENT, "tm_count: NULL argument");
    if (const tm_status s = bad_flags(flags, err)) return s;
    auto n = tok->tok->count(std::string_view(text ? text : "", len), options_from(flags));
    if (!n) return set_error(err, n.error_value());
    *out_count = *n;
    return clear(err);
  });
}

tm_status tm_encode(const tm_tokenizer* tok, const char* text, size_t len, unsigned flags, uint32_t* ids, size_t capacity,
                    size_t* out_len, tm_error* err) {
  return guarded(err, [&]() -> tm_status {
    if (tok == nullptr || out_len == nullptr || (text == nullptr && len > 0) || (ids == nullptr && capacity > 0))
      return set_error(err, TM_E_INVALID_ARGUMENT, "tm_encode: NULL argument");
    if (const tm_status s = bad_flags(flags, err)) return s;
    std::size_t n = 0;
    auto r = tok->tok->encode_each(std::string_view(text ? text : "", len), [&](tokenmeter::token_id id) {
      if (n < capacity) ids[n] = id;
      ++n;
      return true;
    }, options_from(flags));
    if (!r) return set_error(err, r.error_value());
    *out_len = n;
    if (n > capacity)
      return set_error(err, TM_E_BUFFER_TOO_SMALL, "tm_encode: " + std::to_string(n) + " ids do not fit in " + std::to_string(capacity));
    return clear(err);
  });
}

tm_pool* tm_pool_new(unsigned threads, tm_error* err) {
  return guarded(err, [&]() -> tm_pool* {
    auto* p = new tm_pool{tokenmeter::batch_pool(threads)};
    clear(err);
    return p;
  });
}

void tm_pool_free(tm_pool* pool) { delete pool; }

tm_status tm_count_batch(const tm_tokenizer* tok, tm_pool* pool, const char* const* texts, const size_t* lens, size_t n,
                         unsigned flags, size_t* out_counts, tm_error* err) {
  return guarded(err, [&]() -> tm_status {
    if (tok == nullptr || (n > 0 && (texts == nullptr || lens == nullptr || out_counts == nullptr)))
      return set_error(err, TM_E_INVALID_ARGUMENT, "tm_count_batch: NULL argument");
    if (const tm_status s = bad_flags(flags, err)) return s;
    std::vector<std::string_view> views(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (texts[i] == nullptr && lens[i] > 0)
        return set_error(err, TM_E_INVALID_ARGUMENT, "tm_count_batch: text " + std::to_string(i) + " is NULL");
      views[i] = std::string_view(texts[i] ? texts[i] : "", lens[i]);
    }
    tokenmeter::batch_options opt;
    opt.encode = options_from(flags);
    auto counts = pool != nullptr ? tokenmeter::count_batch(*tok->tok, views, opt, pool->pool)
                                  : tokenmeter::count_batch(*tok->tok, views, opt);
    if (!counts) return set_error(err, counts.error_value());
    std::copy(counts->begin(), counts->end(), out_counts);
    return clear(err);
  });
}

tm_stream* tm_stream_new(const tm_tokenizer* tok, unsigned flags, uint64_t max_tokens, tm_error* err) {
  return guarded(err, [&]() -> tm_stream* {
    if (tok == nullptr) {
      set_error(err, TM_E_INVALID_ARGUMENT, "tm_stream_new: NULL tokenizer");
      return nullptr;
    }
    if (bad_flags(flags, err) != TM_OK) return nullptr;
    std::shared_ptr<const tokenmeter::stream_plan> plan;
    {
      std::lock_guard<std::mutex> lock(tok->mu);
      auto& slot = tok->plans[flags];
      if (!slot) {
        auto made = tokenmeter::stream_plan::make(tok->tok, options_from(flags));
        if (!made) {
          set_error(err, made.error_value());
          return nullptr;
        }
        slot = std::move(*made);
      }
      plan = slot;
    }
    clear(err);
    return new tm_stream{tokenmeter::stream_counter(
        std::move(plan), max_tokens >= SIZE_MAX ? tokenmeter::stream_counter::no_limit : static_cast<std::size_t>(max_tokens))};
  });
}

tm_status tm_stream_push(tm_stream* s, const char* chunk, size_t len, int* limit_reached, tm_error* err) {
  return guarded(err, [&]() -> tm_status {
    if (s == nullptr || (chunk == nullptr && len > 0)) return set_error(err, TM_E_INVALID_ARGUMENT, "tm_stream_push: NULL argument");
    auto r = s->counter.push(std::string_view(chunk ? chunk : "", len));
    if (!r) return set_error(err, r.error_value());
    if (limit_reached != nullptr) *limit_reached = *r ? 0 : 1;
    return clear(err);
  });
}

tm_status tm_stream_count(const tm_stream* s, size_t* out_count, tm_error* err) {
  return guarded(err, [&]() -> tm_status {
    if (s == nullptr || out_count == nullptr) return set_error(err, TM_E_INVALID_ARGUMENT, "tm_stream_count: NULL argument");
    auto r = s->counter.count();
    if (!r) return set_error(err, r.error_value());
    *out_count = r->count;
    return clear(err);
  });
}

tm_status tm_stream_finish(tm_stream* s, size_t* out_count, int* limit_reached, tm_error* err) {
  return guarded(err, [&]() -> tm_status {
    if (s == nullptr || out_count == nullptr) return set_error(err, TM_E_INVALID_ARGUMENT, "tm_stream_finish: NULL argument");
    auto r = s->counter.finish();
    if (!r) return set_error(err, r.error_value());
    *out_count = r->count;
    if (limit_reached != nullptr) *limit_reached = r->exceeded ? 1 : 0;
    return clear(err);
  });
}

void tm_stream_free(tm_stream* s) { delete s; }

size_t tm_stream_set_max_held_bytes(tm_stream* s, size_t max_bytes) {
  if (s == nullptr) return 0;
  s->counter.set_max_held_bytes(max_bytes);
  return s->counter.max_held_bytes();
}

tm_status tm_price(const char* model, const tm_usage* usage, tm_price_result* out, tm_error* err) {
  return guarded(err, [&]() -> tm_status {
    namespace tp = tokenmeter::pricing;
    if (model == nullptr || usage == nullptr || out == nullptr) return set_error(err, TM_E_INVALID_ARGUMENT, "tm_price: NULL argument");
    tp::usage u;
    u.input = usage->input;
    u.cache_read = usage->cache_read;
    u.cache_write_5m = usage->cache_write_5m;
    u.cache_write_1h = usage->cache_write_1h;
    u.output = usage->output;
    u.reasoning = usage->reasoning;
    u.requests = usage->requests == 0 ? 1 : usage->requests;
    auto pb = tp::price(tp::builtin_rate_table(), u, model, "", tp::now_utc());
    if (!pb) return set_error(err, pb.error_value());
    return to_price_result(*pb, out, err);
  });
}

tm_status tm_price_response(const char* model, const char* json, size_t len, tm_price_result* out, tm_error* err) {
  return guarded(err, [&]() -> tm_status {
    namespace tp = tokenmeter::pricing;
    if (json == nullptr || out == nullptr) return set_error(err, TM_E_INVALID_ARGUMENT, "tm_price_response: NULL argument");
    auto u = tp::usage_from_json_text(std::string_view(json, len));
    if (!u) return set_error(err, u.error_value());
    const std::string m = model != nullptr ? std::string(model) : u->model;
    if (m.empty()) return set_error(err, TM_E_INVALID_ARGUMENT, "tm_price_response: no model given and the response names none");
    auto pb = tp::price(tp::builtin_rate_table(), *u, m, "", u->created.value_or(tp::now_utc()), u->tier.value_or(tp::service_tier::standard));
    if (!pb) return set_error(err, pb.error_value());
    return to_price_result(*pb, out, err);
  });
}

const char* tm_status_string(tm_status code) {
  switch (code) {
    case TM_OK: return "ok";
    case TM_E_BUFFER_TOO_SMALL: return "buffer_too_small";
    case TM_E_INTERNAL: return "internal";
    default: break;
  }
  const int c = static_cast<int>(code);
  if (c >= 1 && c <= 13) return tokenmeter::to_string(static_cast<tokenmeter::errc>(c)).data();
  return "unknown";
}

}  // extern "C"
