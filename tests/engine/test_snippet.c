/*
 * test_snippet.c: cmocka tests of engine/snippet.c: cleaning text before snippeting and
 * turning a snippet marked by Xapian into plain text with highlight spans. No database.
 * Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_unmark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
