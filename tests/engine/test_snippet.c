/*
 * test_snippet.c: cmocka tests of engine/snippet.c: cleaning text before snippeting,
 * turning a snippet marked by Xapian into plain text with highlight spans, picking the
 * window of a long text around its densest hits, and restoring the "..." marks at the
 * window's edges. No database.
 * Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snippet.h"

static void test_prepare(void **state)
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
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        size_t len = 0, chars = 0;
        assert_int_equal(snippet_prepare(cases[i].in, strlen(cases[i].in), &out, &len, &chars),
                         TRAWL_OK);
        if (strcmp(out, cases[i].out) != 0 || len != strlen(cases[i].out) ||
            chars != cases[i].chars)
            fail_msg("case %zu: got '%s' (%zu bytes, %zu chars)", i, out, len, chars);
        free(out);
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
        assert_int_equal(snippet_unmark(cases[i].in, cases[i].max, &plain, &spans, &n),
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
}

/* A text of n filler words ("w0000 w0001 ..."), 6 bytes each, with `word` put in place
 * of the fillers at the given word positions (-1 ends the list). Caller frees. */
static char *filler(size_t n, const char *word, const int *at, snippet_hit *hits,
                    size_t *nhits)
{
    char *t = malloc(n * 6 + strlen(word) * 8 + 1), *p = t;
    size_t k = 0;
    assert_non_null(t);
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ' ';
        if (at[k] >= 0 && (size_t)at[k] == i) {
            hits[k] = (snippet_hit){(size_t)(p - t), (size_t)(p - t) + strlen(word), 0};
            p += sprintf(p, "%s", word);
            k++;
        } else {
            p += sprintf(p, "w%04zu", i);
        }
    }
    *p = '\0';
    *nhits = k;
    return t;
}

static void test_window(void **state)
{
    static const struct {
        int at[8];
        size_t want_from, want_to; /* word positions the window must cover */
    } cases[] = {
        {{5, -1}, 5, 5},                 /* one hit near the start */
        {{150, 152, 160, -1}, 150, 160}, /* a cluster in the middle */
        {{10, 150, 151, 152, -1}, 150, 152}, /* the denser of two places */
        {{295, 299, -1}, 295, 299},      /* at the very end */
    };
    const double weights[] = {2.0};
    const size_t budget = 120;
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        snippet_hit hits[8];
        size_t nhits, start = 99, end = 0;
        char *t = filler(300, "cocoa", cases[c].at, hits, &nhits);
        size_t len = strlen(t), from = 0, to = 0;
        assert_int_equal(snippet_window(t, len, hits, nhits, weights, 1, budget, &start, &end),
                         TRAWL_OK);
        for (size_t k = 0; k < nhits; k++) {
            if ((size_t)cases[c].at[k] == cases[c].want_from)
                from = hits[k].begin;
            if ((size_t)cases[c].at[k] == cases[c].want_to)
                to = hits[k].end;
        }
        if (start > from || end < to || end - start > 2 * budget + 16 || end > len)
            fail_msg("case %zu: window [%zu,%zu) of %zu does not hold [%zu,%zu) within %zu", c,
                     start, end, len, from, to, 2 * budget);
        assert_true(start == 0 || t[start] == ' ');
        assert_true(end == len || t[end] == ' ');
        free(t);
    }
    /* no hits: the first budget, cut at a space */
    char *t = filler(300, "x", (const int[]){-1}, NULL, &(size_t){0});
    size_t start = 9, end = 0;
    assert_int_equal(snippet_window(t, strlen(t), NULL, 0, weights, 1, budget, &start, &end),
                     TRAWL_OK);
    assert_int_equal(start, 0);
    assert_true(end <= budget && end > budget - 7 && t[end] == ' ');
    /* a short text stays whole, hits or not */
    assert_int_equal(snippet_window(t, 2 * budget, NULL, 0, weights, 1, budget, &start, &end),
                     TRAWL_OK);
    assert_int_equal(start, 0);
    assert_int_equal(end, 2 * budget);
    /* a hit naming a missing weight, or outside the text */
    snippet_hit bad = {0, 5, 1};
    assert_int_equal(snippet_window(t, strlen(t), &bad, 1, weights, 1, budget, &start, &end),
                     TRAWL_EINVAL);
    bad = (snippet_hit){0, strlen(t) + 1, 0};
    assert_int_equal(snippet_window(t, strlen(t), &bad, 1, weights, 1, budget, &start, &end),
                     TRAWL_EINVAL);
    free(t);
}

static void test_edges(void **state)
{
    static const char text[] = "First sentence here. Second one has \"cocoa\" in it and "
                               "goes on for a while without end";
    static const struct {
        const char *window_from; /* the window starts at this text (at the space before) */
        const char *window_to;   /* ... and ends before this text ("" = the end) */
        const char *marked, *want;
    } cases[] = {
        /* mid-sentence start, the snippet starts with the window: "..." added */
        {" has", " without", "has \"\x01" "cocoa\x02\" in it and goes on for a while",
         "...has \"\x01" "cocoa\x02\" in it and goes on for a while..."},
        /* after a sentence's end: no "..." in front */
        {" Second", " without", "Second one has \"\x01" "cocoa\x02\" in it",
         "Second one has \"\x01" "cocoa\x02\" in it..."},
        /* Xapian already marked both ends */
        {" has", " without", "...in it and goes...", "...in it and goes..."},
        /* the window reaches the text's end: nothing added there */
        {" has", "", "has \"\x01" "cocoa\x02\" in it", "...has \"\x01" "cocoa\x02\" in it"},
        /* the snippet ends a sentence: no "..." after it */
        {" has", " without", "...one has it.", "...one has it."},
        /* Xapian's snippet starts later in the window: its own choice stands */
        {" has", " without", "in it and goes", "in it and goes..."},
    };
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len = strlen(text), start = (size_t)(strstr(text, cases[c].window_from) - text);
        size_t end = *cases[c].window_to ? (size_t)(strstr(text, cases[c].window_to) - text) : len;
        char *out = NULL;
        assert_int_equal(snippet_edges(text, len, start, end, cases[c].marked, &out), TRAWL_OK);
        if (strcmp(out, cases[c].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", c, out, cases[c].want);
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_unmark),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
