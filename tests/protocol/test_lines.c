/*
 * test_lines.c: unit tests of the bounded line splitter (protocol/lines.c): LF and CRLF,
 * lines split across chunks (fed one byte at a time too), a last line without LF, empty
 * lines, and over-long lines reported once, skipped without being buffered, and followed
 * by a normal line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/lines.h"

/* Collects what the splitter emits as text: each line as "[line]", an over-long line as
 * "<too_large json=N>". */
struct sink {
    char out[4096];
};

static int collect(void *ctx, const char *line, size_t len, int too_large, int json)
{
    struct sink *s = ctx;
    size_t at = strlen(s->out);
    if (too_large)
        snprintf(s->out + at, sizeof s->out - at, "<too_large json=%d>", json);
    else
        snprintf(s->out + at, sizeof s->out - at, "[%.*s]", (int)len, line);
    return 0;
}

/* Splits `in` with lines of at most `max` bytes, fed in chunks of `chunk` bytes. */
static void split(const char *in, size_t max, size_t chunk, struct sink *s)
{
    struct lines l;
    lines_init(&l, max);
    memset(s, 0, sizeof *s);
    size_t n = strlen(in);
    for (size_t i = 0; i < n; i += chunk)
        assert_int_equal(lines_feed(&l, in + i, n - i < chunk ? n - i : chunk, collect, s), 0);
    assert_int_equal(lines_finish(&l, collect, s), 0);
    assert_true(l.cur.cap <= max + 2 || l.cur.cap <= 256); /* never held more */
    lines_free(&l);
}

static const struct {
    const char *in;
    size_t max;
    const char *want;
} cases[] = {
    {"ping\n", 16, "[ping]"},
    {"ping\r\nstats\n", 16, "[ping][stats]"},
    {"a\r\r\n", 16, "[a\r]"},
    {"\n\n", 16, "[][]"},
    {"last", 16, "[last]"},
    {"last\r", 16, "[last]"},
    {"x\ny", 16, "[x][y]"},
    {"0123456789\n", 10, "[0123456789]"},
    {"0123456789\r\n", 10, "[0123456789]"},
    {"01234567890\n", 10, "<too_large json=0>"},
    {"0123456789012345678901234567890\nping\n", 10, "<too_large json=0>[ping]"},
    {"  {\"op\":\"search\",\"q\":\"long long long\"}\n{}\n", 10, "<too_large json=1>[{}]"},
    {"0123456789012345678901234567890", 10, "<too_large json=0>"},
    {"a\n0123456789012345678901234567890\r\nb\r\n", 10, "[a]<too_large json=0>[b]"},
};

static void test_cases(void **state)
{
    (void)state;
    static const size_t chunks[] = {1, 2, 3, 7, 4096};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            struct sink s;
            split(cases[i].in, cases[i].max, chunks[c], &s);
            if (strcmp(s.out, cases[i].want) != 0) {
                print_error("case %zu (chunks of %zu): got %s, want %s\n", i, chunks[c],
                            s.out, cases[i].want);
                fail();
            }
        }
    }
}

static int count_lines(void *ctx, const char *line, size_t len, int too_large, int json)
{
    (void)line, (void)json;
    size_t *n = ctx;
    n[too_large ? 1 : 0]++;
    n[2] += len;
    return 0;
}

/* A 64 MiB line costs no more than max + 1 bytes of memory. */
static void test_huge_line_not_buffered(void **state)
{
    (void)state;
    struct lines l;
    lines_init(&l, 1024);
    char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    size_t n[3] = {0, 0, 0};
    for (int i = 0; i < 1024; i++) {
        assert_int_equal(lines_feed(&l, chunk, sizeof chunk, count_lines, n), 0);
        assert_true(l.cur.cap <= 2048);
    }
    assert_int_equal(lines_feed(&l, "\nok\n", 4, count_lines, n), 0);
    assert_int_equal(n[0], 1); /* "ok" */
    assert_int_equal(n[1], 1); /* reported once */
    assert_int_equal(n[2], 2);
    lines_free(&l);
}

static int refuse(void *ctx, const char *line, size_t len, int too_large, int json)
{
    (void)ctx, (void)line, (void)len, (void)too_large, (void)json;
    return -1;
}

static void test_emit_failure_passed_on(void **state)
{
    (void)state;
    struct lines l;
    lines_init(&l, 16);
    assert_int_equal(lines_feed(&l, "a\n", 2, refuse, NULL), -1);
    assert_int_equal(lines_feed(&l, "b", 1, refuse, NULL), 0);
    assert_int_equal(lines_finish(&l, refuse, NULL), -1);
    lines_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_huge_line_not_buffered),
        cmocka_unit_test(test_emit_failure_passed_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
