/*
 * fuzz_jsonl.c: libFuzzer target for the JSON Lines article reader (index/jsonl.c) and
 * the article codec behind it (trawl_article_from_json / trawl_article_to_json). The
 * first input byte picks the chunk size the stream is fed in (as index/source.c reads
 * it), the second the line limit; the rest is the stream. Checked: lines are handed out
 * in order, never over the limit, without LF; the line buffer stays bounded by the limit;
 * every line that becomes an article survives to_json -> from_json -> to_json unchanged.
 * Built by tests/fuzz/local.mk as fuzz_jsonl and replay_jsonl (for `make check`).
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "index/jsonl.h"
#include "trawl.h"

/* An article's JSON must read back as the same article. */
static void check_round_trip(const trawl_article *a)
{
    char *json = NULL, *again = NULL, *msg = NULL;
    trawl_article *b = NULL;
    FUZZ_CHECK(trawl_article_id(a) && *trawl_article_id(a), "an article has an id");
    FUZZ_CHECK(trawl_article_to_json(a, &json) == TRAWL_OK, "to_json");
    trawl_status st = trawl_article_from_json(json, strlen(json), &b, &msg);
    FUZZ_CHECK(st == TRAWL_OK, msg);
    FUZZ_CHECK(trawl_article_to_json(b, &again) == TRAWL_OK, "to_json again");
    FUZZ_CHECK(strcmp(json, again) == 0, "the article's JSON reads back unchanged");
    FUZZ_CHECK(strcmp(trawl_article_id(a), trawl_article_id(b)) == 0, "same id");
    trawl_article_free(b);
    free(json);
    free(again);
}

static void on_event(jsonl_event ev, const jsonl_line *line, size_t max, uint64_t *last)
{
    FUZZ_CHECK(ev == JSONL_LINE || ev == JSONL_TOO_LONG, "no allocation failure here");
    FUZZ_CHECK(line->lineno > *last, "line numbers increase");
    *last = line->lineno;
    if (ev == JSONL_TOO_LONG)
        return;
    FUZZ_CHECK(line->len <= max, "a line handed out is within the limit");
    FUZZ_CHECK(!memchr(line->text, '\n', line->len), "a line holds no LF");
    trawl_article *a = NULL;
    char *msg = NULL;
    trawl_status st = jsonl_parse_line(line, &a, &msg);
    if (st == TRAWL_OK) {
        FUZZ_CHECK(msg == NULL, "no message on success");
        check_round_trip(a);
    } else {
        FUZZ_CHECK(a == NULL, "no article on failure");
        FUZZ_CHECK(msg != NULL && *msg, "a refused line says why");
    }
    trawl_article_free(a);
    free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t chunk = 1 + data[0] % 64 * (data[0] & 0x80 ? 64 : 1);
    size_t max = 1 + (size_t)data[1] * 16;
    const char *p = (const char *)data + 2;
    size_t left = size - 2;

    jsonl_reader *r = jsonl_reader_new(max);
    FUZZ_CHECK(r != NULL, "jsonl_reader_new");
    jsonl_line line;
    jsonl_event ev;
    uint64_t last = 0;
    while (left > 0) {
        const char *c = p;
        size_t n = left < chunk ? left : chunk;
        p += n, left -= n;
        while ((ev = jsonl_next(r, &c, &n, &line)) != JSONL_NONE)
            on_event(ev, &line, max, &last);
        FUZZ_CHECK(n == 0, "jsonl_next uses the whole chunk");
        FUZZ_CHECK(jsonl_capacity(r) <= max + 1, "the buffer stays bounded by the limit");
    }
    while ((ev = jsonl_finish(r, &line)) != JSONL_NONE)
        on_event(ev, &line, max, &last);
    jsonl_reader_free(r);
    return 0;
}
