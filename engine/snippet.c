/*
 * snippet.c: cleaning article text before Xapian snippets it, and turning Xapian's marked
 * snippet into plain text with highlight spans, and choosing the window of a long text
 * that Xapian is given. Called by engine/db.c for each hit of a search; see snippet.h for
 * the flow.
 */
#include <stdint.h>
#include <stdio.h>
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

/* ---- the window ---------------------------------------------------------------------- */

/* Where the densest region starts: the first hit of the best run of hits spanning at most
 * `budget` bytes, scored as Xapian's snippet scores its window (a probe's weight counts in
 * full for its first hit in the run, half for the second, and so on; the last of equal
 * runs wins). Xapian's own window then runs about `budget` bytes on from there. cur[]
 * holds each probe's current weight. */
static size_t densest(const snippet_hit *h, size_t n, const double *weights, double *cur,
                      size_t nweights, size_t budget)
{
    double sum = 0, best = -1;
    size_t first = 0, at = 0;
    for (size_t p = 0; p < nweights; p++)
        cur[p] = weights[p];
    for (size_t i = 0; i < n; i++) {
        sum += cur[h[i].probe];
        cur[h[i].probe] /= 2;
        while (first < i && h[i].end - h[first].begin > budget) {
            cur[h[first].probe] *= 2;
            sum -= cur[h[first].probe];
            first++;
        }
        if (sum >= best) {
            best = sum;
            at = h[first].begin;
        }
    }
    return at;
}

trawl_status snippet_window(const char *text, size_t len, const snippet_hit *hits,
                            size_t nhits, const double *weights, size_t nweights,
                            size_t budget, size_t *start, size_t *end)
{
    double *cur;
    size_t b, e, slack = budget / 2;

    *start = 0;
    *end = len;
    if (len <= SNIPPET_WINDOW_FACTOR * budget)
        return TRAWL_OK;
    for (size_t i = 0; i < nhits; i++)
        if (hits[i].probe >= nweights || hits[i].end > len || hits[i].begin > hits[i].end)
            return TRAWL_EINVAL;
    if (nhits == 0) {
        e = budget; /* the text's start, whole words only */
        while (e > 0 && text[e] != ' ')
            e--;
        *end = e ? e : budget;
        return TRAWL_OK;
    }
    if (!(cur = malloc(nweights * sizeof *cur)))
        return TRAWL_ENOMEM;
    b = densest(hits, nhits, weights, cur, nweights, budget);
    free(cur);
    e = b + budget + slack < len ? b + budget + slack : len;
    b = b > slack ? b - slack : 0;
    while (b > 0 && text[b] != ' ')
        b--; /* start on the space before a word: Xapian sees what precedes it */
    while (e < len && text[e] != ' ')
        e++;
    *start = b;
    *end = e;
    return TRAWL_OK;
}

/* 1 when the marked snippet s, markers and trailing white space aside, ends with c. */
static int ends_with_char(const char *s, const char *chars)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == SNIPPET_HI_END[0] || s[n - 1] == SNIPPET_HI_START[0] ||
                     is_space((unsigned char)s[n - 1])))
        n--;
    return n > 0 && strchr(chars, s[n - 1]) != NULL;
}

/* 1 when the marked snippet s, its markers aside, starts with the first word of w. */
static int starts_with_word(const char *s, const char *w, size_t wlen)
{
    size_t i = 0;
    while (i < wlen && is_space((unsigned char)w[i]))
        i++;
    for (; i < wlen && !is_space((unsigned char)w[i]); i++, s++) {
        while (*s == SNIPPET_HI_START[0] || *s == SNIPPET_HI_END[0])
            s++;
        if (*s != w[i] && !(*s == '&' && (w[i] == '&' || w[i] == '<' || w[i] == '>')))
            return 0;
        if (*s == '&')
            return 1; /* an escaped character: near enough */
    }
    return 1;
}

trawl_status snippet_edges(const char *text, size_t len, size_t start, size_t end,
                           const char *marked, char **out)
{
    size_t omit = strlen(SNIPPET_OMIT), n = strlen(marked);
    int front = 0, back = 0;

    if (start > 0 && strncmp(marked, SNIPPET_OMIT, omit) != 0 &&
        starts_with_word(marked, text + start, end - start)) {
        size_t b = start;
        while (b > 0 && is_space((unsigned char)text[b - 1]))
            b--;
        front = !(b > 0 && strchr(".!?", text[b - 1]));
    }
    if (end < len && (n < omit || strcmp(marked + n - omit, SNIPPET_OMIT) != 0) &&
        !ends_with_char(marked, ".!?"))
        back = 1;
    if (!(*out = malloc(n + 2 * omit + 1)))
        return TRAWL_ENOMEM;
    snprintf(*out, n + 2 * omit + 1, "%s%s%s", front ? SNIPPET_OMIT : "", marked,
             back ? SNIPPET_OMIT : "");
    return TRAWL_OK;
}
