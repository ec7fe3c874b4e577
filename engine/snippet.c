/*
 * snippet.c: cleaning article text before Xapian snippets it, and turning Xapian's marked
 * snippet into plain text with highlight spans. Called by engine/db.c for each hit of a
 * search; see snippet.h for the flow.
 */
#include <stdlib.h>
#include <string.h>

#include "snippet.h"

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* 1 for the first byte of a UTF-8 character (not a continuation byte). */
static int char_start(unsigned char c)
{
    return (c & 0xC0) != 0x80;
}

trawl_status snippet_prepare(const char *text, size_t len, char **out, size_t *outlen,
                             size_t *nchars)
{
    char *p = malloc(len + 1);
    size_t n = 0, chars = 0;
    int pending_space = 0;

    *out = NULL;
    if (!p)
        return TRAWL_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (is_space(c) || c == SNIPPET_HI_START[0] || c == SNIPPET_HI_END[0]) {
            pending_space = n > 0;
            continue;
        }
        if (pending_space) {
            p[n++] = ' ';
            chars++;
            pending_space = 0;
        }
        p[n++] = (char)c;
        chars += char_start(c);
    }
    p[n] = '\0';
    *out = p;
    *outlen = n;
    *nchars = chars;
    return TRAWL_OK;
}

size_t snippet_bytes(size_t chars, size_t text_bytes, size_t text_chars)
{
    if (text_chars == 0 || text_bytes <= text_chars)
        return chars;
    return (chars * text_bytes + text_chars - 1) / text_chars;
}

/* The plain text being built, with its spans. */
struct plain {
    char *text;
    size_t len, chars, max_chars;
    trawl_span *spans;
    size_t nspans, cap;
    int open; /* inside a highlight */
    int full; /* max_chars reached */
    int cut_at_space; /* the character that did not fit was a space */
};

/* Appends one byte; a character's first byte counts against max_chars. */
static void put(struct plain *p, unsigned char c)
{
    if (p->full)
        return;
    if (char_start(c)) {
        if (p->chars == p->max_chars) {
            p->full = 1;
            p->cut_at_space = c == ' ';
            return;
        }
        p->chars++;
    }
    p->text[p->len++] = (char)c;
}

static int open_span(struct plain *p)
{
    if (p->full || p->open)
        return 0;
    if (p->nspans == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        trawl_span *s = realloc(p->spans, cap * sizeof *s);
        if (!s)
            return -1;
        p->spans = s;
        p->cap = cap;
    }
    p->spans[p->nspans].start = p->spans[p->nspans].end = p->len;
    p->open = 1;
    return 0;
}

/* Ends the open span at the current length; an empty span is dropped. */
static void close_span(struct plain *p)
{
    if (!p->open)
        return;
    p->open = 0;
    p->spans[p->nspans].end = p->len;
    if (p->len > p->spans[p->nspans].start)
        p->nspans++;
}

/* The byte an XML entity at s stands for, with its length in *n; 0 when none. */
static char entity(const char *s, size_t *n)
{
    static const struct {
        const char *name;
        char c;
    } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}};
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
        *n = strlen(entities[i].name);
        if (strncmp(s, entities[i].name, *n) == 0)
            return entities[i].c;
    }
    return 0;
}

/* Adds one space unless the text is empty or already ends in one. */
static void put_space(struct plain *p)
{
    if (p->len > 0 && p->text[p->len - 1] != ' ')
        put(p, ' ');
}

/* After a cut at max_chars: drops the word cut in two, when a space comes before it. */
static void cut_word(struct plain *p)
{
    size_t end = p->len;
    while (end > 0 && p->text[end - 1] != ' ')
        end--;
    if (end > 0)
        p->len = end;
}

trawl_status snippet_unmark(const char *marked, size_t max_chars, char **plain,
                            trawl_span **spans, size_t *nspans)
{
    size_t len = strlen(marked), n;
    struct plain p = {.max_chars = max_chars};
    char c;

    *plain = NULL;
    *spans = NULL;
    *nspans = 0;
    if (!(p.text = malloc(len + 1)))
        return TRAWL_ENOMEM;
    for (const char *s = marked; *s && !p.full; s++) {
        if (*s == SNIPPET_HI_START[0]) {
            if (open_span(&p) < 0)
                goto nomem;
        } else if (*s == SNIPPET_HI_END[0]) {
            close_span(&p);
        } else if (is_space((unsigned char)*s)) {
            put_space(&p);
        } else if (*s == '&' && (c = entity(s, &n))) {
            put(&p, (unsigned char)c);
            s += n - 1;
        } else {
            put(&p, (unsigned char)*s);
        }
    }
    close_span(&p);
    if (p.full && !p.cut_at_space)
        cut_word(&p);
    while (p.len > 0 && p.text[p.len - 1] == ' ')
        p.len--; /* a trailing space left by a cut */
    while (p.nspans > 0 && p.spans[p.nspans - 1].start >= p.len)
        p.nspans--; /* a highlight wholly cut off */
    for (size_t i = 0; i < p.nspans; i++)
        if (p.spans[i].end > p.len)
            p.spans[i].end = p.len;
    p.text[p.len] = '\0';
    *plain = p.text;
    *spans = p.nspans ? p.spans : NULL;
    if (!p.nspans)
        free(p.spans);
    *nspans = p.nspans;
    return TRAWL_OK;
nomem:
    free(p.text);
    free(p.spans);
    return TRAWL_ENOMEM;
}
