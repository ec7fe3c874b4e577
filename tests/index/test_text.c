/*
 * test_text.c: cmocka tests for the plain-text reader (index/text.c): title and body
 * split, leading blank lines, Markdown headings, byte order mark, CRLF, empty text, and
 * binary input (NUL bytes, invalid UTF-8) refused with a message. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "index/text.h"

static const struct {
    const char *name;
    const char *in;
    const char *title; /* NULL: absent */
    const char *body;  /* NULL: absent */
} good[] = {
    {"title and body", "Oil prices rise\nCrude rose 3%.\nMore text.\n", "Oil prices rise",
     "Crude rose 3%.\nMore text."},
    {"leading blank lines", "\n\n  \n  Title here  \n\nBody.\n", "Title here", "Body."},
    {"title only", "Just a title", "Just a title", NULL},
    {"markdown heading", "# Hacking on trawl\n\nText.", "Hacking on trawl", "Text."},
    {"level 2 heading", "## Two\nx", "Two", "x"},
    {"hash tag kept", "#trawl rocks\nx", "#trawl rocks", "x"},
    {"lone hashes kept", "###\nx", "###", "x"},
    {"CRLF", "Title\r\nBody line\r\n", "Title", "Body line"},
    {"BOM", "\xEF\xBB\xBFTitle\nBody", "Title", "Body"},
    {"non-ASCII", "Caf\xC3\xA9 au lait\n\xE2\x82\xAC 5", "Caf\xC3\xA9 au lait", "\xE2\x82\xAC 5"},
};

static void test_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        trawl_article *a = NULL;
        char *msg = NULL;
        trawl_status st = text_to_article("dir/x.txt", good[i].in, strlen(good[i].in), &a, &msg);
        if (st != TRAWL_OK)
            fail_msg("case '%s': status %d (%s)", good[i].name, (int)st, msg ? msg : "");
        assert_string_equal(trawl_article_id(a), "dir/x.txt");
        const char *t = trawl_article_get(a, "title"), *b = trawl_article_get(a, "body");
        if ((t == NULL) != (good[i].title == NULL) || (t && strcmp(t, good[i].title) != 0))
            fail_msg("case '%s': title '%s', want '%s'", good[i].name, t ? t : "(none)",
                     good[i].title ? good[i].title : "(none)");
        if ((b == NULL) != (good[i].body == NULL) || (b && strcmp(b, good[i].body) != 0))
            fail_msg("case '%s': body '%s', want '%s'", good[i].name, b ? b : "(none)",
                     good[i].body ? good[i].body : "(none)");
        assert_null(trawl_article_get(a, "date"));
        trawl_article_free(a);
        free(msg);
    }
}

static const struct {
    const char *name;
    const char *in;
    size_t len;
    const char *reason; /* a word the message must hold */
} bad[] = {
    {"empty", "", 0, "empty"},
    {"blank", " \n\t\r\n", 5, "empty"},
    {"BOM only", "\xEF\xBB\xBF", 3, "empty"},
    {"NUL byte", "abc\0def", 7, "NUL byte at offset 3"},
    {"latin-1", "caf\xE9\n", 5, "offset 3"},
    {"PNG header", "\x89PNG\r\n\x1a\n\0\0", 10, "binary"},
    {"overlong", "\xC0\xAF", 2, "binary"},
    {"surrogate", "\xED\xA0\x80", 3, "binary"},
    {"truncated sequence", "ab\xE2\x82", 4, "offset 2"},
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        trawl_article *a = (trawl_article *)&a;
        char *msg = NULL;
        trawl_status st = text_to_article("x.txt", bad[i].in, bad[i].len, &a, &msg);
        if (st != TRAWL_EINVAL || a != NULL || !msg || !strstr(msg, bad[i].reason))
            fail_msg("case '%s': status %d, message '%s', want one with '%s'", bad[i].name,
                     (int)st, msg ? msg : "(none)", bad[i].reason);
        free(msg);
    }
}

static void test_utf8_check(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t want;
    } cases[] = {
        {"plain", 5},
        {"\xC3\xA9t\xC3\xA9", 5},
        {"\xF0\x9F\x98\x80!", 5},
        {"\xF4\x90\x80\x80", 0}, /* above U+10FFFF */
        {"ok\xF8", 2},
        {"a\x80", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t got = text_utf8_check(cases[i].in, strlen(cases[i].in));
        if (got != cases[i].want)
            fail_msg("case %zu: got %zu, want %zu", i, got, cases[i].want);
    }
}

/* No errmsg wanted: NULL is accepted. */
static void test_null_errmsg(void **state)
{
    (void)state;
    trawl_article *a = NULL;
    assert_int_equal(text_to_article("x", "", 0, &a, NULL), TRAWL_EINVAL);
    assert_null(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_utf8_check),
        cmocka_unit_test(test_null_errmsg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
