/*
 * snippet.c: cleaning article text for snippets, indexing a text's bytes as bit masks
 * (for the shim's tokeniser and the window's offsets), making the marked snippet from the
 * words the shim found (as Xapian's MSet::snippet makes it), and turning a marked snippet into
 * plain text with highlight spans. Called by engine/db.c for each hit of a search; see
 * snippet.h for the flow and doc/snippets.md for why it is not Xapian's own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snippet.h"

/* For the small functions of the per-word loops, which GCC at -O2 called for every word
 * instead of inlining them when they were used in two places (doc/snippets.md). */
#if defined(__GNUC__)
#define HOT_INLINE inline __attribute__((always_inline))
#else
#define HOT_INLINE inline
#endif

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* 1 for the first byte of a UTF-8 character (not a continuation byte). */
static int char_start(unsigned char c)
{
    return (c & 0xC0) != 0x80;
}

/* 1 for the bytes snippet_clean turns into a space: white space and the markers. */
static int blank_byte(unsigned char c)
{
    return c <= ' ' && (is_space(c) || c == SNIPPET_HI_START[0] || c == SNIPPET_HI_END[0]);
}

size_t snippet_clean(char *text, size_t len, size_t *nchars)
{
    size_t n = 0, cont = 0, i = 0;
    int space = 1; /* the last byte kept is a space (or none is kept yet) */

    /* Nothing moves until the first change: most texts are one line with single spaces
     * for a while. */
    while (i < len && ((unsigned char)text[i] > ' ' ||
                       (text[i] == ' ' && !space && !blank_byte((unsigned char)text[i + 1])))) {
        space = text[i] == ' ';
        cont += ((unsigned char)text[i] & 0xC0) == 0x80;
        i++;
    }
    n = i;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c > ' ') {
            text[n++] = (char)c;
            space = 0;
            cont += (c & 0xC0) == 0x80;
        } else if (!blank_byte(c)) {
            text[n++] = (char)c;
            space = 0;
        } else if (!space) {
            text[n++] = ' '; /* the first of a run; n <= i: never ahead of the reading */
            space = 1;
        }
    }
    if (space && n > 0)
        n--; /* a run at the end */
    text[n] = '\0';
    *nchars = n - cont;
    return n;
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

/* 1 for a byte snippet_unmark copies as it is: not white space, a marker or, in XML, the
 * '&' of an entity (the NUL at the end is not one either). */
static int plain_byte(unsigned char c, int xml)
{
    return c > ' ' && !(xml && c == '&');
}

/* Appends the run of plain bytes at s (the text between markers, runs of white space and
 * entities: words with single spaces between them) and returns where it ends: in one copy
 * when its characters all fit, else byte by byte with put, which stops at max_chars. */
static const char *put_run(struct plain *p, const char *s, int xml)
{
    const char *r = s;
    size_t starts = 0;
    for (;; r++) {
        if (plain_byte((unsigned char)*r, xml))
            starts += char_start((unsigned char)*r);
        else if (*r == ' ' && plain_byte((unsigned char)r[1], xml))
            starts++; /* one space between words: put_space would add it as it is */
        else
            break;
    }
    if (p->chars + starts <= p->max_chars) {
        memcpy(p->text + p->len, s, (size_t)(r - s));
        p->len += (size_t)(r - s);
        p->chars += starts;
        return r;
    }
    for (; s < r && !p->full; s++)
        put(p, (unsigned char)*s);
    return p->full ? s : r;
}

trawl_status snippet_unmark(const char *marked, int xml, size_t max_chars, char **plain,
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
        if (plain_byte((unsigned char)*s, xml)) {
            s = put_run(&p, s, xml) - 1; /* the loop's s++ goes on from the run's end */
            continue;
        }
        if (*s == SNIPPET_HI_START[0]) {
            if (open_span(&p) < 0)
                goto nomem;
        } else if (*s == SNIPPET_HI_END[0]) {
            close_span(&p);
        } else if (is_space((unsigned char)*s)) {
            put_space(&p);
        } else if (xml && *s == '&' && (c = entity(s, &n))) {
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

/* ---- making the snippet ---------------------------------------------------------------- */

void snippet_scratch_free(snippet_scratch *s)
{
    if (!s)
        return;
    free(s->words);
    free(s->toks);
    free(s->idx);
    free(s->cur);
    free(s->out);
    free(s->masks.word);
    free(s->masks.high);
    free(s->masks.removed);
    free(s->masks.removed_before);
    *s = (snippet_scratch){0};
}

void snippet_scratch_trim(snippet_scratch *s, size_t keep)
{
    if (s && s->capwords * sizeof *s->words + s->captoks * sizeof *s->toks +
                     s->capidx * sizeof *s->idx +
                     s->capcur * sizeof *s->cur + s->capout +
                     s->masks.capmask * (3 * sizeof(uint64_t) + sizeof(size_t)) >
                 keep)
        snippet_scratch_free(s);
}

/* Grows *buf (of *cap elements of `size` bytes) to hold at least n; -1 when out of memory. */
static int grow(void **buf, size_t *cap, size_t n, size_t size)
{
    size_t c = *cap ? *cap : 64;
    void *p;
    if (n <= *cap)
        return 0;
    while (c < n)
        c *= 2;
    if (!(p = realloc(*buf, c * size)))
        return -1;
    *buf = p;
    *cap = c;
    return 0;
}

size_t snippet_scan_length(const char *text, size_t len)
{
    size_t n = SNIPPET_MAX_SCAN;
    if (len <= n)
        return len;
    for (size_t k = n; k > n - 256; k--)
        if (blank_byte((unsigned char)text[k]))
            return k; /* text[k] is the first byte left out */
    while (n > 0 && !char_start((unsigned char)text[n]))
        n--;
    return n;
}

/* ---- the text's bit masks (snippet_index) ---------------------------------------------- */

/* The set bits of x. Inline: baseline x86-64 has no popcnt instruction, so GCC's builtin
 * calls libgcc's __popcountdi2, which costs more than these few operations. */
static inline size_t popcount64(uint64_t x)
{
#ifdef __POPCNT__
    return (size_t)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (size_t)((x * 0x0101010101010101ULL) >> 56);
#endif
}

/* A byte's classes for the masks. */
enum { MASK_WORD = 1, MASK_HIGH = 2, MASK_BLANK = 4 };

static unsigned mask_class(unsigned char c)
{
    int letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z', digit = c >= '0' && c <= '9';
    return (letter || digit || c == '_' ? MASK_WORD : 0) | (c >= 0x80 ? MASK_HIGH : 0) |
           (blank_byte(c) ? MASK_BLANK : 0);
}

/* The masks of the 64 bytes at p, byte by byte; *blank gets the blank bytes. */
static void masks64_scalar(const unsigned char *p, uint64_t *word, uint64_t *high,
                           uint64_t *blank)
{
    uint64_t w = 0, h = 0, b = 0;
    for (unsigned k = 0; k < 64; k++) {
        unsigned c = mask_class(p[k]);
        w |= (uint64_t)(c & MASK_WORD) << k;
        h |= (uint64_t)((c & MASK_HIGH) >> 1) << k;
        b |= (uint64_t)((c & MASK_BLANK) >> 2) << k;
    }
    *word = w;
    *high = h;
    *blank = b;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* The same sixteen bytes at a time. Bytes >= 0x80 are negative as signed bytes, so the
 * signed comparisons below never take them for ASCII. */
static void masks64_sse2(const unsigned char *p, uint64_t *word, uint64_t *high,
                         uint64_t *blank)
{
    uint64_t w = 0, h = 0, b = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        /* (v | 0x20) - 'a' < 26 as unsigned: shifted by 128 into a signed comparison */
        __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
        __m128i letter = _mm_cmplt_epi8(_mm_sub_epi8(lower, _mm_set1_epi8((char)('a' + 128))),
                                        _mm_set1_epi8((char)(-128 + 26)));
        __m128i digit = _mm_cmplt_epi8(_mm_sub_epi8(v, _mm_set1_epi8((char)('0' + 128))),
                                       _mm_set1_epi8((char)(-128 + 10)));
        __m128i under = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
        /* blank: ' ', '\t'..'\r' (9..13), and the highlight markers 1 and 2 */
        __m128i space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
        __m128i ctl = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(8)),
                                    _mm_cmplt_epi8(v, _mm_set1_epi8(14)));
        __m128i marker = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0)),
                                       _mm_cmplt_epi8(v, _mm_set1_epi8(3)));
        __m128i wm = _mm_or_si128(_mm_or_si128(letter, digit), under);
        __m128i bm = _mm_or_si128(_mm_or_si128(space, ctl), marker);
        w |= (uint64_t)(unsigned)_mm_movemask_epi8(wm) << (16 * k);
        h |= (uint64_t)(unsigned)_mm_movemask_epi8(v) << (16 * k);
        b |= (uint64_t)(unsigned)_mm_movemask_epi8(bm) << (16 * k);
    }
    *word = w;
    *high = h;
    *blank = b;
}
#endif

/* Makes every mask array of m hold at least n words; -1 when out of memory (the arrays
 * that did grow stay valid, and capmask keeps the smallest capacity). */
static int grow_masks(snippet_masks *m, size_t n)
{
    size_t cap = n < 64 ? 64 : 2 * n;
    void **arrays[] = {(void **)&m->word, (void **)&m->high, (void **)&m->removed,
                       (void **)&m->removed_before};
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++) {
        /* the three masks hold uint64_t, removed_before (the last) size_t */
        void *p = realloc(*arrays[k], cap * (k == 3 ? sizeof(size_t) : sizeof(uint64_t)));
        if (!p)
            return -1;
        *arrays[k] = p;
    }
    m->capmask = cap;
    return 0;
}

typedef void (*masks64_fn)(const unsigned char *, uint64_t *, uint64_t *, uint64_t *);

static trawl_status index_text(snippet_scratch *s, const char *text, size_t len,
                               masks64_fn masks64)
{
    snippet_masks *m = &s->masks;
    size_t n = len / 64 + 1, removed = 0, cont = 0;
    uint64_t carry = 1; /* the byte before the text counts as blank: a leading blank goes */
    unsigned char last[64];

    m->text = NULL;
    m->len = 0;
    if (n + 1 > m->capmask && grow_masks(m, n + 1) < 0)
        return TRAWL_ENOMEM;
    for (size_t j = 0; j < n; j++) {
        const unsigned char *p = (const unsigned char *)text + 64 * j;
        uint64_t blank;
        if (64 * j + 64 > len) { /* the last, partial block: zeros are in no class */
            memset(last, 0, sizeof last);
            memcpy(last, p, len - 64 * j);
            p = last;
        }
        masks64(p, &m->word[j], &m->high[j], &blank);
        for (uint64_t h = m->high[j]; h; h &= h - 1) /* none in an ASCII block */
            cont += (p[__builtin_ctzll(h)] & 0xC0) == 0x80;
        m->removed[j] = blank & ((blank << 1) | carry);
        carry = blank >> 63;
        m->removed_before[j] = removed;
        removed += popcount64(m->removed[j]);
    }
    m->removed_before[n] = removed;
    m->nmask = n;
    m->continuation = cont;
    m->text = text;
    m->len = len;
    return TRAWL_OK;
}

trawl_status snippet_index(snippet_scratch *s, const char *text, size_t len)
{
#ifdef __SSE2__
    return index_text(s, text, len, masks64_sse2);
#else
    return index_text(s, text, len, masks64_scalar);
#endif
}

trawl_status snippet_index_scalar(snippet_scratch *s, const char *text, size_t len)
{
    return index_text(s, text, len, masks64_scalar);
}

/* The code point at text[i] (of len bytes), decoded as Xapian's Utf8Iterator decodes it
 * (a byte that starts no valid sequence stands for itself); returns its length. */
static size_t decode(const char *text, size_t len, size_t i, unsigned *ch)
{
    const unsigned char *p = (const unsigned char *)text + i;
    size_t left = len - i, n;
    unsigned c = p[0];

    if (c < 0x80 || c < 0xC2 || c > 0xF4) {
        *ch = c;
        return 1;
    }
    n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > left) {
        *ch = c;
        return 1;
    }
    c &= 0x7F >> n;
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            *ch = p[0];
            return 1;
        }
        c = (c << 6) | (p[k] & 0x3F);
    }
    *ch = c;
    return n;
}

/* The marked snippet being written into s->out. */
struct marked {
    snippet_scratch *s;
    int nomem;
};

static void put_bytes(struct marked *m, const char *b, size_t n)
{
    snippet_scratch *s = m->s;
    if (m->nomem || grow((void **)&s->out, &s->capout, s->outlen + n + 1, 1) < 0) {
        m->nomem = 1;
        return;
    }
    memcpy(s->out + s->outlen, b, n);
    s->outlen += n;
}

/* Appends text[b, e), its marker bytes as spaces (snippet_unmark collapses white space). */
static void put_text(struct marked *m, const char *text, size_t b, size_t e)
{
    snippet_scratch *s = m->s;
    size_t from = s->outlen;
    char *p;
    put_bytes(m, text + b, e - b);
    if (m->nomem)
        return;
    while ((p = memchr(s->out + from, SNIPPET_HI_START[0], s->outlen - from)))
        *p = ' ';
    while ((p = memchr(s->out + from, SNIPPET_HI_END[0], s->outlen - from)))
        *p = ' ';
}

static int sentence_punct(unsigned ch)
{
    return ch == '.' || ch == '?' || ch == '!';
}

/* The window: the run of words w[first..last] whose weights (a probe's weight halving
 * with each repeat in the window) sum highest, the last of equal ones; a window holds the
 * words that end within `length` bytes of the clean text after its begin (the end of the
 * word before it). SnipPipe::pump in Xapian's termgenerator_internal.cc, over an array,
 * one word at a time (window_add), so that the word's checks and clean end can be worked
 * out in the same pass. The window may be empty (first > last: one word longer than
 * `length`); with no words at all, first is 1 and last 0. */
struct window {
    double *cur;         /* each probe's weight now: halved for each repeat in the window */
    double sum, best_sum;
    size_t length;       /* the window's length in clean bytes */
    size_t front, begin; /* the window's first word, and where the word before it ends */
    size_t first, last;  /* the best window so far */
};

static void window_start(struct window *win, double *cur, size_t length)
{
    *win = (struct window){.cur = cur, .length = length, .first = 1, .last = 0};
}

/* Adds word w[i] (its cend set) to the window, after the words before it. */
static HOT_INLINE void window_add(struct window *win, snippet_tok *w, size_t i)
{
    double *cur = win->cur;
    uint32_t r = w[i].probe, h = w[i].highlight;
    size_t t = w[i].cend;
    if (h > 1) {
        /* A phrase's last word: its weight moves onto the phrase's first word, so it
         * leaves the sum when the phrase starts to leave the window. */
        if (i - win->front >= h - 1) {
            snippet_tok *start = &w[i - (h - 1)];
            if (start->probe != SNIPPET_NO_MATCH) {
                cur[start->probe] *= 2;
                win->sum -= cur[start->probe];
            }
            win->sum += cur[r];
            start->probe = r;
            start->highlight = h;
            cur[r] /= 2;
        }
        w[i].probe = r = SNIPPET_NO_MATCH;
        w[i].highlight = 0;
    }
    if (r != SNIPPET_NO_MATCH) {
        win->sum += cur[r];
        cur[r] /= 2;
    }
    while (t - win->begin > win->length) {
        size_t f = win->front;
        if (w[f].probe != SNIPPET_NO_MATCH) {
            cur[w[f].probe] *= 2;
            win->sum -= cur[w[f].probe];
        }
        win->begin = w[f].cend;
        if (++win->front > i)
            break; /* a word longer than the window */
    }
    if (win->sum >= win->best_sum) {
        win->best_sum = win->sum;
        win->first = win->front;
        win->last = i;
    }
}

/* Whether word w[k] is well formed after the word that ends at prev_end: not empty,
 * inside the text (len bytes), its probe among the nweights, a phrase no longer than the
 * words so far. */
static HOT_INLINE int tok_valid(const snippet_tok *w, size_t k, size_t prev_end, size_t len,
                                size_t nweights)
{
    uint32_t h = w[k].highlight;
    return w[k].end > prev_end && w[k].end <= len &&
           (w[k].probe != SNIPPET_NO_MATCH ? w[k].probe < nweights : h == 0) &&
           !(h > 1 && h - 1 > k);
}

/* The length of the indexed text once cleaned (snippet_clean), from its masks alone. */
static size_t clean_length_masked(const snippet_masks *m)
{
    size_t removed = m->removed_before[m->nmask];
    if (m->len > removed && m->len > 0 && blank_byte((unsigned char)m->text[m->len - 1]))
        removed++; /* a space at the end */
    return m->len - removed;
}

/* Where word k of the indexed text ends once cleaned: its end less the removed blank bytes
 * before it (the removed bits before it in the masks). */
static size_t clean_end(const snippet_masks *m, const snippet_tok *w, size_t k)
{
    size_t e = w[k].end;
    uint64_t below = m->removed[e / 64] & ~(~(uint64_t)0 << (e % 64));
    return e - m->removed_before[e / 64] - (below ? popcount64(below) : 0);
}

/* The first word j in [lo, hi) whose clean end is over `bound`; hi when there is none
 * (clean ends grow with j). */
static size_t first_over(const snippet_masks *m, const snippet_tok *w, size_t lo, size_t hi,
                         size_t bound)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (clean_end(m, w, mid) > bound)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The window's front once word j is its last, as window_add leaves it: the first
 * word f such that word j ends within `length` clean bytes of the end of word f - 1 (of
 * the text's start for f = 0), or j + 1 when word j alone is longer. */
static size_t front_of(const snippet_masks *m, const snippet_tok *w, size_t j, size_t length)
{
    size_t t = clean_end(m, w, j), lo = 0, hi = j;
    if (t <= length)
        return 0;
    /* the first g <= j with clean_end(g) >= t - length (g = j always is) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (clean_end(m, w, mid) >= t - length)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo + 1;
}

/* The words w[0..n) of the indexed text: checks each (tok_valid), then moves the window
 * over them as window_add does one word at a time, but only where its sum can
 * change: at a matched word, which enters the sum, and at the word where a matched word
 * leaves the window (found by a binary search over the clean ends, which the masks give
 * for any word); between two such words the sum stays, and when it is at least the best
 * so far, the last of them becomes the best window's last word. The same operations on
 * the sum in the same order as word by word, so the same window to the last bit; about
 * a tenth of the work on Reuters (115 words a hit, 2 of them matched). -1 when a word is
 * not valid, -2 when out of memory. */
static int window_masked(snippet_scratch *s, snippet_tok *w, size_t n, size_t nweights,
                         struct window *win)
{
    const snippet_masks *m = &s->masks;
    double *cur = win->cur, sum = 0, best_sum = 0;
    size_t length = win->length, nm = 0, mi = 0, qh = 0, qt = 0, last = 0, i = 0;
    uint32_t *matched, *q; /* q[qh..qt): the window's words that count in the sum */

    if (grow((void **)&s->idx, &s->capidx, 2 * n, sizeof *s->idx) < 0)
        return -2;
    matched = s->idx;
    q = s->idx + n;
    for (size_t k = 0, prev = 0; k < n; k++) { /* tok_valid, the rare cases on the rare branch */
        size_t e = w[k].end;
        if (e <= prev || e > m->len)
            return -1;
        prev = e;
        if (w[k].probe != SNIPPET_NO_MATCH) {
            if (!tok_valid(w, k, k ? w[k - 1].end : 0, m->len, nweights))
                return -1;
            matched[nm++] = (uint32_t)k;
        } else if (w[k].highlight) {
            return -1;
        }
    }
    while (i < n) {
        if (mi < nm && matched[mi] == i) { /* word i enters */
            uint32_t r = w[i].probe, h = w[i].highlight;
            mi++;
            if (h > 1) { /* a phrase's last word: see window_add */
                size_t front = i ? front_of(m, w, i - 1, length) : 0;
                if (i - front >= h - 1) {
                    size_t st = i - (h - 1), at = qt;
                    if (w[st].probe != SNIPPET_NO_MATCH) {
                        cur[w[st].probe] *= 2;
                        sum -= cur[w[st].probe];
                    } else { /* it counts from now on: into q, in order */
                        while (at > qh && q[at - 1] > st)
                            at--;
                        memmove(q + at + 1, q + at, (qt - at) * sizeof *q);
                        q[at] = (uint32_t)st;
                        qt++;
                    }
                    sum += cur[r];
                    w[st].probe = r;
                    w[st].highlight = h;
                    cur[r] /= 2;
                }
                w[i].probe = SNIPPET_NO_MATCH;
                w[i].highlight = 0;
            } else {
                sum += cur[r];
                cur[r] /= 2;
                q[qt++] = (uint32_t)i;
            }
        }
        /* the counted words that no longer fit with word i, in order */
        size_t t = clean_end(m, w, i);
        while (qh < qt && t - (q[qh] ? clean_end(m, w, q[qh] - 1) : 0) > length) {
            cur[w[q[qh]].probe] *= 2;
            sum -= cur[w[q[qh]].probe];
            qh++;
        }
        /* the next word where the sum may change: the next matched word, or the one the
         * window's first counted word no longer fits with */
        size_t next = mi < nm ? matched[mi] : n;
        if (qh < qt)
            next = first_over(m, w, i + 1, next,
                              (q[qh] ? clean_end(m, w, q[qh] - 1) : 0) + length);
        if (sum >= best_sum) {
            best_sum = sum;
            last = next - 1;
        }
        i = next;
    }
    win->sum = sum;
    win->best_sum = best_sum;
    win->first = n ? front_of(m, w, last, length) : 1;
    win->last = last;
    return 0;
}

/* Sets each word's cend: where it ends in the text as snippet_clean would leave it.
 * Returns the length of that clean text. Reads the text byte by byte (the masked path
 * counts the same bytes with the masks). */
static size_t clean_ends(const char *text, size_t len, snippet_tok *w, size_t n)
{
    size_t removed = 0, at = 0;
    int space = 1; /* the last byte kept is a space, or none is kept yet */

    for (size_t k = 0; k <= n; k++) {
        size_t to = k < n ? w[k].end : len;
        for (; at < to; at++) {
            if (!blank_byte((unsigned char)text[at]))
                space = 0;
            else if (space)
                removed++;
            else
                space = 1;
        }
        if (k < n)
            w[k].cend = (uint32_t)(w[k].end - removed);
    }
    if (space && len > removed)
        removed++; /* a space at the end */
    return len - removed;
}

/* The UTF-8 continuation bytes of text[0..len), counted eight bytes at a time. */
static size_t continuation_bytes(const char *text, size_t len)
{
    size_t n = 0, i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, text + i, 8);
        v = (v & ~(v << 1) & 0x8080808080808080ULL) >> 7; /* 1 in each such byte */
        n += (size_t)((v * 0x0101010101010101ULL) >> 56);  /* their sum */
    }
    for (; i < len; i++)
        n += ((unsigned char)text[i] & 0xC0) == 0x80;
    return n;
}

/* Where the snippet starts, at or after `begin` (the end of the word before its first
 * word, which ends at `first_end`): at its first word, or up to 4 bytes earlier to keep
 * leading punctuation such as an opening quote. *omit is set when that is not the start
 * of a sentence. */
static size_t snippet_start(const char *text, size_t begin, size_t first_end,
                            snippet_classify classify, int *omit)
{
    enum { NO, PUNC, YES } boundary = begin == 0 ? YES : NO;
    unsigned ch, cls;

    for (size_t i = begin, n; i < first_end; i += n) {
        n = decode(text, first_end, i, &ch);
        cls = classify(ch);
        if (boundary == NO && sentence_punct(ch))
            boundary = PUNC;
        else if (boundary == PUNC && (cls & SNIPPET_CHAR_SPACE))
            boundary = YES;
        else if (boundary == PUNC && !sentence_punct(ch))
            boundary = NO;
        if (cls & SNIPPET_CHAR_WORD) {
            if (i - begin > 4)
                begin = i;
            break;
        }
        if (!(cls & SNIPPET_CHAR_LEADING))
            begin = i + n;
    }
    *omit = boundary != YES;
    return begin;
}

/* After the snippet's last word, ending at `end`: the end of its sentence, or up to 4
 * characters of trailing punctuation (a closing quote, "%") and SNIPPET_OMIT. */
static void snippet_tail(struct marked *m, const char *text, size_t len, size_t end,
                         snippet_classify classify)
{
    int sentence_end = 0, trailing = 0;
    size_t i = end, n;
    unsigned ch, cls;

    if (end == len) {
        if (m->s->text_goes_on)
            put_bytes(m, SNIPPET_OMIT, strlen(SNIPPET_OMIT));
        return;
    }
    for (; i < len; i += n) {
        n = decode(text, len, i, &ch);
        cls = classify(ch);
        if (sentence_end && (cls & SNIPPET_CHAR_SPACE))
            break;
        sentence_end = sentence_punct(ch);
        if (cls & SNIPPET_CHAR_WORD)
            break;
    }
    if (sentence_end) {
        put_text(m, text, end, i);
        return;
    }
    for (i = end; i < len; i += n) {
        n = decode(text, len, i, &ch);
        if (!(classify(ch) & SNIPPET_CHAR_TRAILING))
            break;
        if (++trailing > 4) {
            trailing = 0;
            break;
        }
    }
    if (trailing) {
        put_text(m, text, end, i);
        if (i == len && !m->s->text_goes_on)
            return;
    }
    put_bytes(m, SNIPPET_OMIT, strlen(SNIPPET_OMIT));
}

/* Where the word ending at `end` starts, from `from` on: its first word character. */
static size_t word_start(const char *text, size_t from, size_t end, snippet_classify classify)
{
    unsigned ch;
    for (size_t i = from, n; i < end; i += n) {
        n = decode(text, end, i, &ch);
        if (classify(ch) & SNIPPET_CHAR_WORD)
            return i;
    }
    return end;
}

/* Writes the words w[first..last) of the window, which starts at `at`: the text from `at`
 * to the last word's end, with markers around the highlighted words (and phrases), each
 * run between two markers copied at once. */
static void put_words(struct marked *m, const char *text, const snippet_tok *w, size_t first,
                      size_t last, size_t at, snippet_classify classify)
{
    size_t phrase = 0, from = at; /* text[from, at) is not written yet */
    for (size_t k = first; k < last; k++) {
        if (w[k].highlight)
            at = word_start(text, at, w[k].end, classify); /* the gap stays outside */
        if (!phrase && (phrase = w[k].highlight)) {
            put_text(m, text, from, at);
            from = at;
            put_bytes(m, SNIPPET_HI_START, 1);
        }
        at = w[k].end;
        if (phrase && --phrase == 0) {
            put_text(m, text, from, at);
            from = at;
            put_bytes(m, SNIPPET_HI_END, 1);
        }
    }
    put_text(m, text, from, at);
}

/* The marked snippet of s->toks[0..s->ntoks) (snippet_make's work once the words are
 * snippet_toks): `masked` when s->masks are of this text. */
static trawl_status make(const char *text, size_t len, snippet_scratch *s,
                         const double *weights, size_t nweights, size_t chars,
                         snippet_classify classify, int masked, const char **marked)
{
    snippet_tok *w = s->toks;
    size_t n = s->ntoks, first, last, at, clean, end;
    struct marked m = {.s = s};
    struct window win;
    int omit = 0;

    *marked = NULL;
    if (len > SNIPPET_TOK_MAX_TEXT)
        return TRAWL_EINVAL;
    if (grow((void **)&s->cur, &s->capcur, nweights, sizeof *s->cur) < 0)
        return TRAWL_ENOMEM;
    if (nweights)
        memcpy(s->cur, weights, nweights * sizeof *s->cur);
    if (masked) { /* checks, clean ends and window in one pass over the words */
        clean = clean_length_masked(&s->masks);
        window_start(&win, s->cur,
                     snippet_bytes(chars, clean, clean - s->masks.continuation) + 1);
        int bad = window_masked(s, w, n, nweights, &win);
        if (bad < 0)
            return bad == -2 ? TRAWL_ENOMEM : TRAWL_EINVAL;
    } else {
        for (size_t k = 0; k < n; k++)
            if (!tok_valid(w, k, k ? w[k - 1].end : 0, len, nweights))
                return TRAWL_EINVAL;
        clean = clean_ends(text, len, w, n);
        window_start(&win, s->cur,
                     snippet_bytes(chars, clean, clean - continuation_bytes(text, len)) + 1);
        for (size_t k = 0; k < n; k++)
            window_add(&win, w, k);
    }
    first = win.first;
    last = win.last;
    while (len > 0 && blank_byte((unsigned char)text[len - 1]))
        len--; /* as if cleaned: blanks at the end are not there */
    s->outlen = 0;
    end = last < n ? w[last].end : 0;
    if (first <= last) {
        at = snippet_start(text, first ? w[first - 1].end : 0, w[first].end, classify, &omit);
        if (omit)
            put_bytes(&m, SNIPPET_OMIT, strlen(SNIPPET_OMIT));
        put_words(&m, text, w, first, last + 1, at, classify);
    }
    snippet_tail(&m, text, len, end, classify);
    put_bytes(&m, "", 0);
    if (m.nomem)
        return TRAWL_ENOMEM;
    s->out[s->outlen] = '\0';
    *marked = s->out;
    return TRAWL_OK;
}

trawl_status snippet_make(const char *text, size_t len, snippet_scratch *s,
                          const double *weights, size_t nweights, size_t chars,
                          snippet_classify classify, const char **marked)
{
    const snippet_word *w = s->words;
    size_t n = s->nwords;

    *marked = NULL;
    if (len > SNIPPET_TOK_MAX_TEXT)
        return TRAWL_EINVAL;
    if (grow((void **)&s->toks, &s->captoks, n, sizeof *s->toks) < 0)
        return TRAWL_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        int none = w[k].probe == SNIPPET_NO_PROBE;
        if (w[k].begin >= w[k].end || w[k].begin < (k ? w[k - 1].end : 0) ||
            w[k].end > len || (!none && w[k].probe >= nweights) ||
            w[k].highlight > UINT32_MAX)
            return TRAWL_EINVAL; /* the rest tok_valid checks */
        s->toks[k] = (snippet_tok){(uint32_t)w[k].end, 0,
                                   none ? SNIPPET_NO_MATCH : (uint32_t)w[k].probe,
                                   (uint32_t)w[k].highlight};
    }
    s->ntoks = n;
    return make(text, len, s, weights, nweights, chars, classify,
                s->masks.text == text && s->masks.len == len, marked);
}

trawl_status snippet_make_scanned(const char *text, size_t len, snippet_scratch *s,
                                  const double *weights, size_t nweights, size_t chars,
                                  snippet_classify classify, const char **marked)
{
    *marked = NULL;
    if (s->masks.text != text || s->masks.len != len)
        return TRAWL_EINVAL;
    return make(text, len, s, weights, nweights, chars, classify, 1, marked);
}
