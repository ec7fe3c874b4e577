/*
 * jsonl.c: the JSON Lines reader (see jsonl.h for the rules). A line that arrives whole
 * inside one chunk is handed out in place, without copying; only a line split across
 * chunks is gathered in the reader's buffer, which never grows past the line limit plus
 * one byte (room for a CR). Called by index/indexer.c, the tests and the fuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/jsonl.h"

struct jsonl_reader {
    size_t max;      /* longest line accepted, without LF and CR */
    char *buf;       /* the start of a line split across chunks */
    size_t len, cap;
    uint64_t lineno; /* complete lines seen so far */
    int skipping;    /* the current line is over the limit: drop bytes up to its LF */
    int nomem;       /* ... or could not be buffered: report JSONL_NOMEM at its end */
};

jsonl_reader *jsonl_reader_new(size_t max_line)
{
    jsonl_reader *r = calloc(1, sizeof *r);
    if (r) /* clamped so that max + 1 and the buffer's doubling cannot overflow */
        r->max = max_line < SIZE_MAX / 4 ? max_line : SIZE_MAX / 4;
    return r;
}

void jsonl_reader_free(jsonl_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

void jsonl_reset(jsonl_reader *r)
{
    r->len = 0;
    r->lineno = 0;
    r->skipping = 0;
    r->nomem = 0;
}

uint64_t jsonl_lineno(const jsonl_reader *r)
{
    return r->lineno + (r->len > 0 || r->skipping);
}

size_t jsonl_capacity(const jsonl_reader *r)
{
    return r->cap;
}

/* Appends n bytes to the buffer; the caller has checked that len + n <= max + 1. */
static int append(jsonl_reader *r, const char *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n)
            cap *= 2;
        if (cap > r->max + 1)
            cap = r->max + 1;
        char *nb = realloc(r->buf, cap);
        if (!nb)
            return -1;
        r->buf = nb;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    return 0;
}

static int blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return 0;
    return 1;
}

/* Finishes a complete line of n bytes at p (its LF already removed): drops a CR and, on
 * line 1, a byte order mark; decides between a line, too long, and blank (JSONL_NONE). */
static jsonl_event complete(jsonl_reader *r, const char *p, size_t n, jsonl_line *out)
{
    r->lineno++;
    out->lineno = r->lineno;
    out->text = NULL;
    out->len = 0;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (r->lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    if (n > r->max)
        return JSONL_TOO_LONG;
    if (blank(p, n))
        return JSONL_NONE;
    out->text = p;
    out->len = n;
    return JSONL_LINE;
}

/* Counts a line that is handed out without text (too long, or lost to no memory). */
static jsonl_event textless(jsonl_reader *r, jsonl_line *out, jsonl_event ev)
{
    if (r->nomem)
        ev = JSONL_NOMEM;
    r->nomem = 0;
    r->skipping = 0;
    r->lineno++;
    out->lineno = r->lineno;
    out->text = NULL;
    out->len = 0;
    return ev;
}

/* Drops the current over-long line's bytes from the chunk; reports it at its LF. */
static jsonl_event skip_long(jsonl_reader *r, const char **data, size_t *len, jsonl_line *out)
{
    const char *nl = memchr(*data, '\n', *len);
    if (!nl) {
        *data += *len;
        *len = 0;
        return JSONL_NONE;
    }
    *len -= (size_t)(nl + 1 - *data);
    *data = nl + 1;
    return textless(r, out, JSONL_TOO_LONG);
}

/* Takes one piece of the chunk: up to and including the next LF, or all of it. */
static jsonl_event take(jsonl_reader *r, const char **data, size_t *len, jsonl_line *out)
{
    if (r->skipping)
        return skip_long(r, data, len, out);
    const char *p = *data;
    const char *nl = memchr(p, '\n', *len);
    size_t seg = nl ? (size_t)(nl - p) : *len;
    size_t used = nl ? seg + 1 : seg;
    *data += used;
    *len -= used;
    if (r->len + seg > r->max + 1) { /* too long even if it ends in CR */
        r->len = 0;
        if (!nl) {
            r->skipping = 1;
            return JSONL_NONE;
        }
        return textless(r, out, JSONL_TOO_LONG);
    }
    if (nl && r->len == 0)
        return complete(r, p, seg, out);
    if (append(r, p, seg) < 0) {
        r->len = 0;
        if (nl)
            return textless(r, out, JSONL_NOMEM);
        r->skipping = 1; /* drop the rest of the line, then report it */
        r->nomem = 1;
        return JSONL_NONE;
    }
    if (!nl)
        return JSONL_NONE;
    size_t n = r->len;
    r->len = 0;
    return complete(r, r->buf, n, out);
}

jsonl_event jsonl_next(jsonl_reader *r, const char **data, size_t *len, jsonl_line *out)
{
    while (*len > 0) {
        jsonl_event ev = take(r, data, len, out);
        if (ev != JSONL_NONE)
            return ev;
    }
    return JSONL_NONE;
}

jsonl_event jsonl_finish(jsonl_reader *r, jsonl_line *out)
{
    jsonl_event ev = JSONL_NONE;
    if (r->skipping)
        return textless(r, out, JSONL_TOO_LONG);
    if (r->len > 0) {
        size_t n = r->len;
        r->len = 0;
        ev = complete(r, r->buf, n, out);
        if (ev != JSONL_NONE)
            return ev;
    }
    r->lineno = 0;
    return JSONL_NONE;
}

trawl_status jsonl_parse_line(const jsonl_line *line, trawl_article **out, char **errmsg)
{
    return trawl_article_from_json(line->text, line->len, out, errmsg);
}
