/*
 * test_snippet.c: cmocka tests of engine/snippet.c: cleaning text in place before
 * snippeting, making the marked snippet from a text's words (the densest window, "..."
 * marks, leading and trailing punctuation, highlighted words and phrases) with an ASCII
 * stand-in for the shim's character classes, and turning a marked snippet into plain
 * text with highlight spans, and the text's bit masks (snippet_index, SSE2 and byte by
 * byte, against a byte-by-byte reading). No database; test_snippet_quality compares whole snippets
 * with Xapian's. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snippet.h"

static void test_clean(void **state)
{
    static const struct {
        const char *in, *out;
        size_t chars;
    } cases[] = {
        {"plain", "plain", 5},
        {"  two\n\n  lines\t\r\n", "two lines", 9},
        {"mark\x01" "ers\x02 gone", "mark ers gone", 13},
        {"caf\xc3\xa9 ok", "caf\xc3\xa9 ok", 7},
        {"", "", 0},
        {" \n ", "", 0},
        {"one two  three\nfour", "one two three four", 18},
        {"a \x03 b", "a \x03 b", 5},
        {"end ", "end", 3},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        size_t len, chars = 0;
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        len = snippet_clean(buf, strlen(buf), &chars);
        if (strcmp(buf, cases[i].out) != 0 || len != strlen(cases[i].out) ||
            chars != cases[i].chars)
            fail_msg("case %zu: got '%s' (%zu bytes, %zu chars)", i, buf, len, chars);
    }
}

static void test_bytes(void **state)
{
    (void)state;
    assert_int_equal(snippet_bytes(200, 1000, 1000), 200);
    assert_int_equal(snippet_bytes(200, 2000, 1000), 400);
    assert_int_equal(snippet_bytes(3, 10, 4), 8); /* rounded up */
    assert_int_equal(snippet_bytes(50, 0, 0), 50);
}

static void test_unmark(void **state)
{
    static const struct {
        const char *in;
        size_t max;
        const char *plain;
        size_t n;
        size_t spans[4][2];
    } cases[] = {
        {"no marks", 100, "no marks", 0, {{0}}},
        {"\x01Oil\x02 \x01prices\x02 rose", 100, "Oil prices rose", 2, {{0, 3}, {4, 10}}},
        {"a &amp; b &lt;\x01x\x02&gt; &amp;lt;", 100, "a & b <x> &lt;", 1, {{7, 8}}},
        {"...in the \x01" "caf\xc3\xa9\x02...", 100, "...in the caf\xc3\xa9...", 1, {{10, 15}}},
        {"one\n two  \x01three\x02", 100, "one two three", 1, {{8, 13}}},
        {"abc \x01" "defgh\x02 ij", 6, "abc", 0, {{0}}},
        {"abc \x01" "defgh\x02 ij", 9, "abc defgh", 1, {{4, 9}}},
        {"abc \x01" "defgh\x02 ij", 10, "abc defgh", 1, {{4, 9}}},
        {"abcdefgh", 3, "abc", 0, {{0}}},
        {"\x01" "abcdefgh\x02", 3, "abc", 1, {{0, 3}}},
        {"\xc3\xa9\xc3\xa9\xc3\xa9", 2, "\xc3\xa9\xc3\xa9", 0, {{0}}},
        {"abc \x01\x02 d", 100, "abc d", 0, {{0}}},
        {"cut here \x01x\x02", 9, "cut here", 0, {{0}}},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *plain = NULL;
        trawl_span *spans = NULL;
        size_t n = 99;
        assert_int_equal(snippet_unmark(cases[i].in, 1, cases[i].max, &plain, &spans, &n),
                         TRAWL_OK);
        if (strcmp(plain, cases[i].plain) != 0 || n != cases[i].n)
            fail_msg("case %zu: got '%s' with %zu spans", i, plain, n);
        for (size_t k = 0; k < n; k++)
            if (spans[k].start != cases[i].spans[k][0] || spans[k].end != cases[i].spans[k][1])
                fail_msg("case %zu span %zu: [%zu,%zu)", i, k, spans[k].start, spans[k].end);
        assert_true(n > 0 || spans == NULL);
        free(plain);
        free(spans);
    }

    /* snippet_make's snippets are not XML: an entity stays as it is. */
    char *plain = NULL;
    trawl_span *spans = NULL;
    size_t n = 0;
    assert_int_equal(snippet_unmark("a &amp; \x01" "b\x02", 0, 100, &plain, &spans, &n),
                     TRAWL_OK);
    assert_string_equal(plain, "a &amp; b");
    assert_int_equal(n, 1);
    assert_int_equal(spans[0].start, 8);
    free(plain);
    free(spans);
}

/* The shim's character classes, for ASCII. */
static unsigned ascii_class(unsigned ch)
{
    unsigned c = 0;
    if (ch < 0x80 && (isalnum((int)ch) || ch == '_'))
        c |= SNIPPET_CHAR_WORD;
    if (ch < 0x80 && (isspace((int)ch) || iscntrl((int)ch)))
        c |= SNIPPET_CHAR_SPACE;
    if (ch < 0x80 && strchr("\"#%&'+-/<@\\`~($[{", (int)ch) && ch)
        c |= SNIPPET_CHAR_LEADING;
    if (ch < 0x80 && strchr("\"%'+-/>@\\`~)$]}", (int)ch) && ch)
        c |= SNIPPET_CHAR_TRAILING;
    return c;
}

/* Reads text into s->words as runs of letters and digits; a word listed in `match` gets
 * the probe of its place there (a "a b" entry is a phrase, matched at its last word). */
static void read_words(const char *text, const char *const *match, size_t nmatch,
                       snippet_scratch *s)
{
    const char *p = text;
    s->nwords = 0;
    while (*p) {
        const char *b;
        size_t probe = SNIPPET_NO_PROBE, highlight = 0;
        while (*p && !isalnum((unsigned char)*p))
            p++;
        if (!*p)
            break;
        for (b = p; isalnum((unsigned char)*p); p++)
            ;
        for (size_t m = 0; m < nmatch; m++) {
            const char *last = strrchr(match[m], ' ');
            size_t n = strlen(last ? last + 1 : match[m]);
            if ((size_t)(p - b) == n && strncasecmp(b, last ? last + 1 : match[m], n) == 0) {
                size_t words = 1;
                for (const char *q = match[m]; *q; q++)
                    words += *q == ' ';
                /* a phrase: its earlier words must precede, as the shim checks */
                if (words > 1 && !(p - text >= (ptrdiff_t)strlen(match[m]) &&
                                   strncasecmp(p - strlen(match[m]), match[m],
                                               strlen(match[m])) == 0))
                    continue;
                probe = m;
                highlight = words;
                break;
            }
        }
        if (s->nwords == s->capwords) {
            s->capwords = s->capwords ? 2 * s->capwords : 16;
            s->words = realloc(s->words, s->capwords * sizeof *s->words);
            assert_non_null(s->words);
        }
        s->words[s->nwords++] =
            (snippet_word){(size_t)(b - text), (size_t)(p - text), probe, highlight};
    }
}

static void test_make(void **state)
{
    static const char long_text[] =
        "The first sentence is about nothing at all. The second sentence is also about "
        "nothing, though it goes on a bit longer than the first one did. Then cocoa "
        "appears: cocoa prices rose as cocoa farmers held back beans, and the market "
        "watched. After that the text goes on about other things for a long while, "
        "weather and roads and the price of bread in the towns along the river";
    static const struct {
        const char *text;
        const char *match[3];
        size_t chars;
        const char *want;
    } cases[] = {
        /* a short text: all of it, every match highlighted */
        {"Oil prices rose.", {"oil", "prices"}, 100, "\x01Oil\x02 \x01prices\x02 rose."},
        /* the text as stored: its white space is left for snippet_unmark to collapse */
        {"  Oil\n\n prices   rose.\n", {"oil", "prices"}, 100,
         "\x01Oil\x02\n\n \x01prices\x02   rose."},
        /* the densest region of a long text, cut mid-sentence at both ends */
        {long_text, {"cocoa"}, 60,
         "...\x01" "cocoa\x02 appears: \x01" "cocoa\x02 prices rose as \x01" "cocoa\x02 "
         "farmers held back..."},
        /* starting after a sentence's end: no "..." in front */
        {"Nothing here at all. Cocoa rose and fell again and again and again and then",
         {"cocoa"}, 30, "\x01" "Cocoa\x02 rose and fell again and..."},
        /* a phrase is highlighted whole; its words apart are not */
        {"Interest in rates. The interest rates fell.", {"interest rates"}, 100,
         "Interest in rates. The \x01interest rates\x02 fell."},
        /* leading punctuation kept (up to 4 bytes), trailing punctuation kept */
        {"aaaa bbbb cccc dddd (\"Oil\") eeee ffff gggg hhhh iiii jjjj", {"oil"}, 12,
         "...(\"\x01Oil\x02\") eeee..."},
        /* no match at all: Xapian's choice, the last window (the text's end) */
        {"one two three four five six seven", {"zebra"}, 12, "...six seven"},
    };
    snippet_scratch s = {0};
    const double weights[3] = {2.0, 1.5, 1.0};
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *marked = NULL;
        size_t nmatch = 0;
        while (nmatch < 3 && cases[c].match[nmatch])
            nmatch++;
        read_words(cases[c].text, cases[c].match, nmatch, &s);
        assert_int_equal(snippet_make(cases[c].text, strlen(cases[c].text), &s, weights, 3,
                                      cases[c].chars, ascii_class, &marked),
                         TRAWL_OK);
        if (strcmp(marked, cases[c].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", c, marked, cases[c].want);
    }

    /* Words out of order, beyond the text, or with a probe beyond the weights. */
    const char *marked = NULL, *text = "abc def";
    read_words(text, NULL, 0, &s);
    s.words[1].begin = 2;
    assert_int_equal(snippet_make(text, strlen(text), &s, weights, 3, 10, ascii_class, &marked),
                     TRAWL_EINVAL);
    read_words(text, NULL, 0, &s);
    s.words[1].end = 8;
    assert_int_equal(snippet_make(text, strlen(text), &s, weights, 3, 10, ascii_class, &marked),
                     TRAWL_EINVAL);
    read_words(text, NULL, 0, &s);
    s.words[0].probe = 3;
    s.words[0].highlight = 1;
    assert_int_equal(snippet_make(text, strlen(text), &s, weights, 3, 10, ascii_class, &marked),
                     TRAWL_EINVAL);
    assert_null(marked);
    snippet_scratch_free(&s);
    snippet_scratch_free(&s); /* twice: it leaves the scratch empty */
}

/* ---- the text's bit masks (snippet_index) ---- */

/* A random text of n bytes drawn from bytes every mask cares about: letters, digits, '_',
 * each blank (and the highlight markers), NUL, punctuation, and bytes >= 0x80. */
static char *random_text(size_t n, unsigned *seed)
{
    static const char pool[] = "aZq09_ \t\n\r\v\f\x01\x02.,'&+#-\x7f\x80\xc3\xa9\xff";
    char *t = malloc(n + 1);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        unsigned r = (*seed >> 16) % 4;
        /* runs: a quarter of the bytes repeat the one before (blank runs, words) */
        t[i] = i > 0 && r == 0 ? t[i - 1] : pool[(*seed >> 8) % (sizeof pool - 1)];
    }
    t[n] = '\0';
    return t;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 1 || c == 2;
}

static int get_bit(const uint64_t *a, size_t i)
{
    return (int)((a[i / 64] >> (i % 64)) & 1);
}

/* Both builders give the bits a byte-by-byte reading of the text gives, and nothing past
 * its end; the running count of removed bytes and the count of UTF-8 continuation bytes
 * agree. */
static void test_masks(void **state)
{
    snippet_scratch a = {0}, b = {0};
    unsigned seed = 7;
    (void)state;
    for (size_t n = 0; n < 600; n += 1 + n / 8) {
        char *t = random_text(n, &seed);
        assert_int_equal(snippet_index(&a, t, n), TRAWL_OK);
        assert_int_equal(snippet_index_scalar(&b, t, n), TRAWL_OK);
        assert_int_equal(a.masks.nmask, n / 64 + 1);
        assert_int_equal(b.masks.nmask, a.masks.nmask);
        size_t removed = 0, cont = 0;
        for (size_t i = 0; i < 64 * a.masks.nmask; i++) {
            unsigned char c = i < n ? (unsigned char)t[i] : 0;
            cont += (c & 0xC0) == 0x80;
            int word = i < n && (isalnum(c) || c == '_') && c < 0x80;
            int high = i < n && c >= 0x80;
            int gone = i < n && is_blank(c) && (i == 0 || is_blank((unsigned char)t[i - 1]));
            if (i % 64 == 0) {
                assert_int_equal(a.masks.removed_before[i / 64], removed);
                assert_int_equal(b.masks.removed_before[i / 64], removed);
            }
            removed += (size_t)gone;
            if (get_bit(a.masks.word, i) != word || get_bit(b.masks.word, i) != word ||
                get_bit(a.masks.high, i) != high || get_bit(b.masks.high, i) != high ||
                get_bit(a.masks.removed, i) != gone || get_bit(b.masks.removed, i) != gone)
                fail_msg("length %zu, byte %zu (0x%02x): masks disagree", n, i, c);
        }
        assert_int_equal(a.masks.removed_before[a.masks.nmask], removed);
        assert_int_equal(a.masks.continuation, cont); /* bytes minus characters */
        assert_int_equal(b.masks.continuation, cont);
        /* the searches, from every position */
        for (size_t i = 0; i <= n; i++) {
            size_t w = i, nw = i;
            while (w < n && !((isalnum((unsigned char)t[w]) && (unsigned char)t[w] < 0x80) ||
                              t[w] == '_' || (unsigned char)t[w] >= 0x80))
                w++;
            while (nw < n && (unsigned char)t[nw] < 0x80 &&
                   (isalnum((unsigned char)t[nw]) || t[nw] == '_'))
                nw++;
            assert_int_equal(snippet_next_word_or_high(&a.masks, i), w);
            assert_int_equal(snippet_next_non_word(&a.masks, i), nw);
        }
        free(t);
    }
    snippet_scratch_free(&a);
    snippet_scratch_free(&b);
}

/* A text of about n bytes of the words below and white space or punctuation between them
 * (where random_text's bytes seldom make phrases). */
static char *random_words(size_t n, unsigned *seed)
{
    static const char *const words[] = {"a", "q0", "09", "aZq", "x", "yy", "a", "q0"};
    static const char *const gaps[] = {" ", " ", "  ", ", ", ". ", "\n", " \"", "\xc3\xa9 "};
    char *t = malloc(n + 16);
    size_t len = 0;
    assert_non_null(t);
    while (len < n) {
        *seed = *seed * 1103515245u + 12345u;
        const char *w = words[(*seed >> 8) % 8], *g = gaps[(*seed >> 16) % 8];
        len += (size_t)sprintf(t + len, "%s%s", w, g);
    }
    t[n] = '\0';
    return t;
}

/* snippet_make gives the same snippet whether it reads white space and characters from the
 * masks (the text indexed) or from the text (indexed masks of another text are not used):
 * the masked path also moves the window from event to event (window_masked), the other
 * word by word (window_add), so this compares the two on random texts, phrases included. */
static void test_make_masked(void **state)
{
    snippet_scratch s = {0};
    const double weights[6] = {3.0, 2.5, 2.0, 1.5, 1.0, 0.5};
    /* phrases (matched at their last word, so listed first), some of whose words are
     * also matched on their own, words, and a short word that repeats within a window */
    const char *const match[] = {"a q0", "09 a", "aZq", "09", "q0", "a"};
    unsigned seed = 11;
    size_t compared = 0, matched = 0, phrases = 0;
    (void)state;
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(round * 7 % 700);
        char *t = round % 2 ? random_words(n, &seed) : random_text(n, &seed),
             *other = random_text(n + 1, &seed);
        for (size_t i = 0; i < n; i++)
            if (t[i] == 0)
                t[i] = ' '; /* no NUL: strlen and read_words see all of it (bytes >= 0x80
                             * stay: they change the budget, counted from the masks) */
        char *plain = NULL;
        for (int masked = 0; masked < 2; masked++) {
            const char *marked = NULL;
            read_words(t, match, 6, &s);
            for (size_t k = 0; k < s.nwords && masked; k++)
                phrases += s.words[k].highlight > 1;
            assert_int_equal(masked ? snippet_index(&s, t, n) : snippet_index(&s, other, n + 1),
                             TRAWL_OK);
            assert_int_equal(snippet_make(t, n, &s, weights, 6, 8 + (size_t)round % 90,
                                          ascii_class, &marked),
                             TRAWL_OK);
            if (!masked) {
                plain = strdup(marked);
                assert_non_null(plain);
            } else if (strcmp(plain, marked) != 0) {
                fail_msg("round %d: '%s' from the text, '%s' from the masks", round, plain,
                         marked);
            }
        }
        matched += strchr(plain, '\x01') != NULL;
        compared++;
        free(plain);
        free(t);
        free(other);
    }
    assert_int_equal(compared, 300);
    assert_true(matched > 30); /* the texts do hold matches to window on */
    assert_true(phrases > 30); /* and phrases */
    snippet_scratch_free(&s);
}

/* Texts over SNIPPET_MAX_SCAN are read up to a blank (no word cut) or, with no blank near
 * the bound, a character boundary; shorter ones whole. */
static void test_scan_length(void **state)
{
    size_t n = SNIPPET_MAX_SCAN + 1000;
    char *t = malloc(n + 1);
    (void)state;
    assert_non_null(t);
    memset(t, 'a', n);
    t[n] = '\0';
    assert_int_equal(snippet_scan_length(t, 10), 10);
    assert_int_equal(snippet_scan_length(t, SNIPPET_MAX_SCAN), SNIPPET_MAX_SCAN);
    t[SNIPPET_MAX_SCAN - 100] = ' ';
    assert_int_equal(snippet_scan_length(t, n), SNIPPET_MAX_SCAN - 100);
    t[SNIPPET_MAX_SCAN - 3] = '\n';
    assert_int_equal(snippet_scan_length(t, n), SNIPPET_MAX_SCAN - 3);
    memset(t, 'a', n);
    memcpy(t + SNIPPET_MAX_SCAN - 1, "\xc3\xa9", 2); /* the bound inside a character */
    assert_int_equal(snippet_scan_length(t, n), SNIPPET_MAX_SCAN - 1);
    free(t);
}

/* With text_goes_on, a snippet that reaches the end of the text it was given ends with
 * "...", even after trailing punctuation; without, it ends there. */
static void test_text_goes_on(void **state)
{
    static const char *const texts[] = {"alpha beta cocoa", "alpha beta cocoa\"", "x cocoa"};
    const char *const match[] = {"cocoa"};
    const double weights[1] = {1.0};
    snippet_scratch s = {0};
    (void)state;
    for (size_t k = 0; k < 3; k++)
        for (int on = 0; on < 2; on++) {
            const char *marked = NULL;
            size_t len = strlen(texts[k]), ml;
            read_words(texts[k], match, 1, &s);
            s.text_goes_on = on;
            assert_int_equal(snippet_make(texts[k], len, &s, weights, 1, 100, ascii_class,
                                          &marked),
                             TRAWL_OK);
            ml = strlen(marked);
            if (on != (ml >= 3 && strcmp(marked + ml - 3, "...") == 0))
                fail_msg("'%s' with text_goes_on %d: '%s'", texts[k], on, marked);
        }
    snippet_scratch_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_unmark),
        cmocka_unit_test(test_make),
        cmocka_unit_test(test_masks),
        cmocka_unit_test(test_make_masked),
        cmocka_unit_test(test_scan_length),
        cmocka_unit_test(test_text_goes_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
