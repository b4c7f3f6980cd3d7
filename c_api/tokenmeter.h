/* tokenmeter C API: exact token counts, streaming counts and integer prices for services written
 * in other languages. Opaque handles, no exceptions, no allocation the caller must free except the
 * handles themselves. A tm_tokenizer is immutable and may be used from many threads at once; a
 * tm_stream belongs to one thread at a time. docs/request-accounting.md describes the API. */
#ifndef TOKENMETER_C_API_H
#define TOKENMETER_C_API_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define TM_API __declspec(dllexport)
#elif defined(__GNUC__)
#define TM_API __attribute__((visibility("default")))
#else
#define TM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: 1..13 are the library's error codes (tokenmeter::errc), same numbers;
   tokenmeter::errc::internal_error (a bug in tokenmeter) is TM_E_INTERNAL. */
typedef enum tm_status {
  TM_OK = 0,
  TM_E_INVALID_ARGUMENT = 1,
  TM_E_UNKNOWN_MODEL = 2,
  TM_E_AMBIGUOUS_MODEL = 3,
  TM_E_VOCAB_NOT_FOUND = 4,
  TM_E_VOCAB_CORRUPT = 5,
  TM_E_CHECKSUM_MISMATCH = 6,
  TM_E_UNSUPPORTED = 7,
  TM_E_INVALID_UTF8 = 8,
  TM_E_IO = 9,
  TM_E_LIMIT_EXCEEDED = 10,
  TM_E_OVERFLOW = 11,
  TM_E_PARSE = 12,
  TM_E_OUT_OF_RANGE = 13,
  TM_E_BUFFER_TOO_SMALL = 100, /* tm_encode: *out_len holds the number of ids needed */
  TM_E_INTERNAL = 101          /* an unexpected failure (e.g. out of memory) */
} tm_status;

/* Error details, filled by any call that fails (pass NULL if not wanted). */
typedef struct tm_error {
  tm_status code;
  char message[512]; /* NUL-terminated, truncated if longer */
} tm_error;

/* Encoding flags (bitwise or). Default: the family's special-token policy, invalid UTF-8 is an error. */
#define TM_SPECIAL_PLAIN 1u          /* special-token text is ordinary text */
#define TM_SPECIAL_RECOGNIZE 2u      /* every added token is matched */
#define TM_INVALID_UTF8_REPLACE 4u   /* ill-formed subparts become U+FFFD instead of failing */

#define TM_NO_LIMIT UINT64_MAX

typedef struct tm_tokenizer tm_tokenizer;
typedef struct tm_stream tm_stream;
typedef struct tm_pool tm_pool;

/* Loads the tokenizer for a model name, alias or family. vocab_dir may be NULL (search
 * $TOKENMETER_VOCAB_DIR, the user cache, the install prefix). Returns NULL on failure. */
TM_API tm_tokenizer* tm_tokenizer_load(const char* model, const char* vocab_dir, tm_error* err);
TM_API void tm_tokenizer_free(tm_tokenizer* tok);
/* 1 when counts are exact for this model, 0 when they are an estimate (current Claude, Gemini). */
TM_API int tm_tokenizer_is_exact(const tm_tokenizer* tok);

TM_API tm_status tm_count(const tm_tokenizer* tok, const char* text, size_t len, unsigned flags, size_t* out_count,
                          tm_error* err);
/* Writes up to `capacity` ids; *out_len receives the number of ids (also when the buffer is too small). */
TM_API tm_status tm_encode(const tm_tokenizer* tok, const char* text, size_t len, unsigned flags, uint32_t* ids,
                           size_t capacity, size_t* out_len, tm_error* err);

/* Threads kept for tm_count_batch across calls (threads: 0 = every core; the calling thread is
 * one of them), so a service pays neither thread start-up nor cold caches per call. One batch
 * runs on a pool at a time; calls from several threads take turns. NULL on failure. */
TM_API tm_pool* tm_pool_new(unsigned threads, tm_error* err);
TM_API void tm_pool_free(tm_pool* pool);
/* Counts n texts (texts[i] of lens[i] bytes) on the pool's threads (pool NULL: threads started
 * and joined for this call, one per core); out_counts[i] is exactly tm_count's count of text i.
 * A text over 256 KiB is cut into chunks counted on several threads. On failure the error is
 * that of the lowest-indexed failing text, its message starting "text <i>: ". */
TM_API tm_status tm_count_batch(const tm_tokenizer* tok, tm_pool* pool, const char* const* texts, const size_t* lens,
                                size_t n, unsigned flags, size_t* out_counts, tm_error* err);

/* Streaming count: chunks may split anywhere (even inside a UTF-8 sequence). max_tokens:
 * TM_NO_LIMIT, or stop once the text so far has more tokens (then *limit_reached = 1 and the
 * count is max_tokens + 1). */
TM_API tm_stream* tm_stream_new(const tm_tokenizer* tok, unsigned flags, uint64_t max_tokens, tm_error* err);
TM_API tm_status tm_stream_push(tm_stream* s, const char* chunk, size_t len, int* limit_reached, tm_error* err);
/* The count of everything pushed so far (exact; costs time proportional to the buffered tail). */
TM_API tm_status tm_stream_count(const tm_stream* s, size_t* out_count, tm_error* err);
TM_API tm_status tm_stream_finish(tm_stream* s, size_t* out_count, int* limit_reached, tm_error* err);
TM_API void tm_stream_free(tm_stream* s);
/* A stream may be any length; the bytes it holds at once (text that cannot be counted yet, such
 * as one unbroken run) may not pass this bound (default and at most 4 GiB - 1): a push that
 * would pass it fails with TM_E_LIMIT_EXCEEDED, as does every later call. Returns the bound set. */
TM_API size_t tm_stream_set_max_held_bytes(tm_stream* s, size_t max_bytes);

/* Token usage in non-overlapping buckets (input excludes cached input, output excludes reasoning). */
typedef struct tm_usage {
  uint64_t input;
  uint64_t cache_read;
  uint64_t cache_write_5m;
  uint64_t cache_write_1h;
  uint64_t output;
  uint64_t reasoning;
  uint64_t requests; /* per-request fees; 0 and 1 both mean one request's counts */
} tm_usage;

/* An exact price in integer nano-units (1e-9) of the card's currency, rounded half-even once. */
typedef struct tm_price_result {
  int64_t nano;
  char currency[8]; /* ISO 4217, e.g. "USD" */
} tm_price_result;

/* Prices usage for a model with the embedded rate table, at the current time. */
TM_API tm_status tm_price(const char* model, const tm_usage* usage, tm_price_result* out, tm_error* err);
/* Prices a provider response (or bare usage object) in any supported shape; model may be NULL
 * to use the response's own "model". */
TM_API tm_status tm_price_response(const char* model, const char* json, size_t len, tm_price_result* out,
                                   tm_error* err);

TM_API const char* tm_status_string(tm_status code);

#ifdef __cplusplus
}
#endif

#endif /* TOKENMETER_C_API_H */
