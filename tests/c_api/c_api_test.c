/* The C API from C11: every expected count comes from the library itself (tm_count vs tm_encode
 * vs streaming in 1-byte chunks). Exits 77 (skipped) when the vocabulary is not installed. */
#include "tokenmeter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                 \
  do {                                                              \
    if (!(cond)) {                                                  \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                   \
    }                                                               \
  } while (0)

static const char* text =
    "Hello, world! <|endoftext|> caf\xC3\xA9 \xE2\x80\x94 na\xC3\xAFve r\xC3\xA9sum\xC3\xA9, 12345 tokens\n"
    "    def f(x):\n        return x * 2  # \xF0\x9F\x98\x80 emoji\n";

int main(void) {
  tm_error err;
  tm_tokenizer* tok = tm_tokenizer_load("gpt-4o", NULL, &err);
  if (tok == NULL) {
    if (err.code == TM_E_VOCAB_NOT_FOUND) {
      printf("SKIPPED: %s\n", err.message);
      return 77;
    }
    fprintf(stderr, "load failed: %s (%s)\n", err.message, tm_status_string(err.code));
    return 1;
  }
  CHECK(tm_tokenizer_is_exact(tok) == 1);

  size_t n = 0;
  CHECK(tm_count(tok, text, strlen(text), 0, &n, &err) == TM_OK);
  CHECK(n > 0);

  /* encode: too small a buffer reports the size needed, then the ids fit */
  size_t need = 0;
  uint32_t small[2];
  CHECK(tm_encode(tok, text, strlen(text), 0, small, 2, &need, &err) == TM_E_BUFFER_TOO_SMALL);
  CHECK(need == n);
  uint32_t* ids = malloc(need * sizeof *ids);
  size_t got = 0;
  CHECK(tm_encode(tok, text, strlen(text), 0, ids, need, &got, &err) == TM_OK);
  CHECK(got == n);
  free(ids);

  /* streaming in 1-byte chunks, both special-token modes */
  const unsigned modes[2] = {TM_SPECIAL_PLAIN, TM_SPECIAL_RECOGNIZE};
  for (int m = 0; m < 2; ++m) {
    size_t expected = 0;
    CHECK(tm_count(tok, text, strlen(text), modes[m], &expected, &err) == TM_OK);
    tm_stream* s = tm_stream_new(tok, modes[m], TM_NO_LIMIT, &err);
    CHECK(s != NULL);
    int reached = 0;
    for (size_t i = 0; i < strlen(text); ++i) CHECK(tm_stream_push(s, text + i, 1, &reached, &err) == TM_OK);
    CHECK(reached == 0);
    size_t so_far = 0, total = 0;
    CHECK(tm_stream_count(s, &so_far, &err) == TM_OK);
    CHECK(tm_stream_finish(s, &total, &reached, &err) == TM_OK);
    CHECK(so_far == expected);
    CHECK(total == expected);
    tm_stream_free(s);
  }

  /* a token limit stops the stream: count = limit + 1 */
  tm_stream* lim = tm_stream_new(tok, 0, 5, &err);
  int reached = 0;
  for (size_t i = 0; i < strlen(text) && !reached; i += 3) CHECK(tm_stream_push(lim, text + i, 3, &reached, &err) == TM_OK);
  size_t capped = 0;
  CHECK(tm_stream_finish(lim, &capped, &reached, &err) == TM_OK);
  CHECK(reached == 1);
  CHECK(capped == 6);
  tm_stream_free(lim);

  /* what a stream holds at once is bounded: one unbroken run passes a 4 KiB bound */
  tm_stream* held = tm_stream_new(tok, 0, TM_NO_LIMIT, &err);
  CHECK(tm_stream_set_max_held_bytes(held, 4096) == 4096);
  char run[1000];
  memset(run, 'x', sizeof run);
  tm_status st = TM_OK;
  for (int i = 0; i < 10 && st == TM_OK; ++i) st = tm_stream_push(held, run, sizeof run, &reached, &err);
  CHECK(st == TM_E_LIMIT_EXCEEDED);
  CHECK(err.code == TM_E_LIMIT_EXCEEDED);
  tm_stream_free(held);

  /* invalid UTF-8: an error by default, U+FFFD with the flag */
  const char bad[] = "ok \xC0\xAF end";
  CHECK(tm_count(tok, bad, sizeof bad - 1, 0, &n, &err) == TM_E_INVALID_UTF8);
  CHECK(strstr(err.message, "byte offset 3") != NULL);
  CHECK(tm_count(tok, bad, sizeof bad - 1, TM_INVALID_UTF8_REPLACE, &n, &err) == TM_OK);
  CHECK(tm_count(tok, text, strlen(text), TM_SPECIAL_PLAIN | TM_SPECIAL_RECOGNIZE, &n, &err) == TM_E_INVALID_ARGUMENT);

  /* unknown model */
  /* batch: three texts, one of them 1 MB (cut into chunks), on a pool of two threads and on
   * threads of the call's own; each count equals tm_count's */
  {
    const size_t unit = strlen(text), big_len = 1u << 20;
    char* big = malloc(big_len);
    for (size_t i = 0; i < big_len; ++i) { /* text's bytes shuffled; ASCII only, so no UTF-8 sequence is cut */
      const char c = text[(i * 7 + i / unit) % unit];
      big[i] = (unsigned char)c >= 0x80 ? 'x' : c;
    }
    const char* texts[3] = {text, big, ""};
    const size_t lens[3] = {unit, big_len, 0};
    size_t expected[3];
    for (int i = 0; i < 3; ++i) CHECK(tm_count(tok, texts[i], lens[i], 0, &expected[i], &err) == TM_OK);
    tm_pool* pool = tm_pool_new(2, &err);
    CHECK(pool != NULL);
    for (int round = 0; round < 2; ++round) {
      size_t counts[3] = {0, 0, 0};
      CHECK(tm_count_batch(tok, round == 0 ? pool : NULL, texts, lens, 3, 0, counts, &err) == TM_OK);
      for (int i = 0; i < 3; ++i) CHECK(counts[i] == expected[i]);
    }
    /* the lowest-indexed failing text's error, named by its index */
    const char* with_bad[3] = {text, "ok \xFF", "\xC0\xAF"};
    const size_t bad_lens[3] = {unit, 4, 2};
    size_t counts[3];
    CHECK(tm_count_batch(tok, pool, with_bad, bad_lens, 3, 0, counts, &err) == TM_E_INVALID_UTF8);
    CHECK(strncmp(err.message, "text 1: ", 8) == 0);
    CHECK(tm_count_batch(tok, pool, with_bad, bad_lens, 3, TM_INVALID_UTF8_REPLACE, counts, &err) == TM_OK);
    CHECK(tm_count_batch(tok, pool, NULL, lens, 3, 0, counts, &err) == TM_E_INVALID_ARGUMENT);
    CHECK(tm_count_batch(tok, pool, texts, lens, 0, 0, NULL, &err) == TM_OK);
    tm_pool_free(pool);
    free(big);
  }

  CHECK(tm_tokenizer_load("no-such-model-xyz", NULL, &err) == NULL);
  CHECK(err.code == TM_E_UNKNOWN_MODEL);
  CHECK(strcmp(tm_status_string(TM_E_UNKNOWN_MODEL), "unknown_model") == 0);

  /* prices: integer nano-units, additive in tokens for a flat card */
  tm_usage u = {0};
  u.input = 1000000;
  tm_price_result p1, p2, p3;
  CHECK(tm_price("gpt-4o", &u, &p1, &err) == TM_OK);
  CHECK(strcmp(p1.currency, "USD") == 0);
  CHECK(p1.nano > 0);
  u.input = 2000000;
  CHECK(tm_price("gpt-4o", &u, &p2, &err) == TM_OK);
  CHECK(p2.nano == 2 * p1.nano);
  const char* response = "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0}}";
  CHECK(tm_price_response(NULL, response, strlen(response), &p3, &err) == TM_OK);
  CHECK(p3.nano == p1.nano);
  CHECK(tm_price("no-such-model-xyz", &u, &p3, &err) != TM_OK);

  tm_tokenizer_free(tok);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
