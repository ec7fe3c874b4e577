/*
 * text.c: the plain-text reader (see text.h for the rules): checks that a document is
 * text, splits it into title and body, and builds the article through the public
 * trawl_article_new / trawl_article_set. Called by index/indexer.c, tests and fuzzer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/text.h"

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), or 0 if there is none. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return need;
}

size_t text_utf8_check(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq(p + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

static int space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Why the text cannot be indexed, as a new string, or NULL when it can. */
static char *refuse(const char *data, size_t len)
{
    char *msg = NULL;
    const char *nul = memchr(data, '\0', len);
    size_t bad;
    int rc = 0;
    if (nul)
        rc = asprintf(&msg, "binary file (NUL byte at offset %zu)", (size_t)(nul - data));
    else if ((bad = text_utf8_check(data, len)) < len)
        rc = asprintf(&msg, "binary file (not UTF-8 text: invalid byte at offset %zu)", bad);
    else {
        size_t i = 0;
        while (i < len && space(data[i]))
            i++;
        if (i == len)
            rc = asprintf(&msg, "empty file (no text to index)");
    }
    return rc < 0 ? strdup("out of memory") : msg;
}

/* A NUL-terminated copy of data[start, end), trimmed of white space. */
static char *trimmed(const char *data, size_t start, size_t end)
{
    while (start < end && space(data[start]))
        start++;
    while (end > start && space(data[end - 1]))
        end--;
    /* Not strndup: data is not NUL-terminated, and strndup may look for a NUL past end. */
    char *s = malloc(end - start + 1);
    if (s) {
        memcpy(s, data + start, end - start);
        s[end - start] = '\0';
    }
    return s;
}

/* Splits into a title (the first non-blank line, a Markdown heading's '#'s removed) and
 * a body (the rest, from its first non-blank line). Both are new strings; 0 or -1. */
static int split(const char *data, size_t len, char **title, char **body)
{
    size_t start = 0;
    while (start < len && space(data[start]))
        start++;
    const char *nl = memchr(data + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - data) : len;
    size_t t = start;
    while (t < end && data[t] == '#')
        t++;
    if (t == start || t == end || (data[t] != ' ' && data[t] != '\t'))
        t = start; /* not a heading: keep any '#' */
    *title = trimmed(data, t, end);
    *body = trimmed(data, end, len);
    if (!*title || !*body) {
        free(*title);
        free(*body);
        return -1;
    }
    return 0;
}

static trawl_status fail(trawl_status st, char *msg, char **errmsg)
{
    if (errmsg)
        *errmsg = msg;
    else
        free(msg);
    return st;
}

static trawl_status build(const char *id, const char *title, const char *body,
                          trawl_article **out, char **errmsg)
{
    trawl_article *a = NULL;
    trawl_status st = trawl_article_new(id, &a);
    if (st == TRAWL_OK && title[0])
        st = trawl_article_set(a, "title", title);
    if (st == TRAWL_OK && body[0])
        st = trawl_article_set(a, "body", body);
    if (st != TRAWL_OK) {
        trawl_article_free(a);
        char *msg = NULL;
        if (asprintf(&msg, "cannot build the article '%s': %s", id, trawl_strerror(st)) < 0)
            msg = NULL;
        return fail(st, msg, errmsg);
    }
    *out = a;
    return TRAWL_OK;
}

trawl_status text_to_article(const char *id, const char *data, size_t len,
                             trawl_article **out, char **errmsg)
{
    *out = NULL;
    if (errmsg)
        *errmsg = NULL;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    char *why = refuse(data, len);
    if (why)
        return fail(TRAWL_EINVAL, why, errmsg);
    char *title, *body;
    if (split(data, len, &title, &body) < 0)
        return fail(TRAWL_ENOMEM, strdup("out of memory"), errmsg);
    trawl_status st = build(id, title, body, out, errmsg);
    free(title);
    free(body);
    return st;
}
