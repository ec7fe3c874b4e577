/*
 * test_jsonl.c: cmocka tests for the JSON Lines reader (index/jsonl.c): line splitting
 * fed in chunks of every awkward size, CRLF, byte order mark, blank lines, a last line
 * without LF, over-long lines (reported, skipped, memory bounded), and turning lines into
 * articles (good, bad JSON, missing id, wrong types, invalid UTF-8). Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "index/jsonl.h"

/* Appends the description of one event to out: "N:text|" for a line, "N:LONG|" for a
 * line over the limit. */
static void describe(char *out, size_t cap, jsonl_event ev, const jsonl_line *line)
{
    size_t used = strlen(out);
    assert_true(ev == JSONL_LINE || ev == JSONL_TOO_LONG);
    if (ev == JSONL_LINE)
        snprintf(out + used, cap - used, "%llu:%.*s|", (unsigned long long)line->lineno,
                 (int)line->len, line->text);
    else
        snprintf(out + used, cap - used, "%llu:LONG|", (unsigned long long)line->lineno);
}

/* Feeds `in` to a reader in chunks of `chunk` bytes and describes every event. */
static char *events(const char *in, size_t inlen, size_t max, size_t chunk)
{
    jsonl_reader *r = jsonl_reader_new(max);
    size_t cap = 4 * inlen + 64;
    char *out = calloc(1, cap);
    jsonl_line line;
    jsonl_event ev;
    assert_non_null(r);
    assert_non_null(out);
    for (size_t off = 0; off < inlen; off += chunk) {
        const char *p = in + off;
        size_t n = inlen - off < chunk ? inlen - off : chunk;
        while ((ev = jsonl_next(r, &p, &n, &line)) != JSONL_NONE)
            describe(out, cap, ev, &line);
        assert_int_equal(n, 0);
    }
    while ((ev = jsonl_finish(r, &line)) != JSONL_NONE)
        describe(out, cap, ev, &line);
    jsonl_reader_free(r);
    return out;
}

static const struct {
    const char *name;
    const char *in;
    size_t max;
    const char *want;
} cases[] = {
    {"two lines", "{\"id\":\"a\"}\n{\"id\":\"b\"}\n", 100, "1:{\"id\":\"a\"}|2:{\"id\":\"b\"}|"},
    {"no final LF", "a\nb", 100, "1:a|2:b|"},
    {"CRLF", "a\r\nb\r\n", 100, "1:a|2:b|"},
    {"CR kept inside", "a\rb\n", 100, "1:a\rb|"},
    {"BOM on line 1", "\xEF\xBB\xBF{}\n{}\n", 100, "1:{}|2:{}|"},
    {"BOM only on line 1", "x\n\xEF\xBB\xBFy\n", 100, "1:x|2:\xEF\xBB\xBFy|"},
    {"blank lines counted", "\n\n  \t\na\n\r\nb\n", 100, "4:a|6:b|"},
    {"empty input", "", 100, ""},
    {"only LF", "\n", 100, ""},
    {"exactly the limit", "abcd\nab\n", 4, "1:abcd|2:ab|"},
    {"limit with CR", "abcd\r\n", 4, "1:abcd|"},
    {"over the limit", "abcde\nab\n", 4, "1:LONG|2:ab|"},
    {"long last line", "ab\nabcdefgh", 4, "1:ab|2:LONG|"},
    {"long then long", "abcdefgh\nabcdefgh\nx\n", 4, "1:LONG|2:LONG|3:x|"},
    {"zero limit", "a\n\nb\n", 0, "1:LONG|3:LONG|"},
};

static void test_cases(void **state)
{
    (void)state;
    static const size_t chunks[] = {1, 2, 3, 5, 7, 4096};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            char *got = events(cases[i].in, strlen(cases[i].in), cases[i].max, chunks[c]);
            if (strcmp(got, cases[i].want) != 0)
                fail_msg("case '%s', chunks of %zu: got '%s', want '%s'", cases[i].name,
                         chunks[c], got, cases[i].want);
            free(got);
        }
    }
}

/* A 10 MB line over a 1 KiB limit, in one chunk and in 64 KiB chunks: reported as too
 * long, the next line read fine, and the buffer never larger than the limit plus one. */
static void test_huge_line(void **state)
{
    (void)state;
    const size_t big = 10 * 1024 * 1024, max = 1024;
    const char tail[] = "\n{\"id\":\"next\"}\n";
    char *in = malloc(big + sizeof tail);
    assert_non_null(in);
    memset(in, 'x', big);
    memcpy(in + big, tail, sizeof tail);
    size_t inlen = big + sizeof tail - 1;
    static const size_t chunks[] = {65536, 10 * 1024 * 1024 + 64};
    for (size_t c = 0; c < 2; c++) {
        jsonl_reader *r = jsonl_reader_new(max);
        jsonl_line line;
        int seen = 0;
        for (size_t off = 0; off < inlen; off += chunks[c]) {
            const char *p = in + off;
            size_t n = inlen - off < chunks[c] ? inlen - off : chunks[c];
            jsonl_event ev;
            while ((ev = jsonl_next(r, &p, &n, &line)) != JSONL_NONE) {
                if (seen == 0) {
                    assert_int_equal(ev, JSONL_TOO_LONG);
                    assert_int_equal(line.lineno, 1);
                } else {
                    assert_int_equal(ev, JSONL_LINE);
                    assert_int_equal(line.lineno, 2);
                    assert_int_equal(line.len, strlen("{\"id\":\"next\"}"));
                }
                seen++;
            }
            assert_true(jsonl_capacity(r) <= max + 1);
        }
        assert_int_equal(seen, 2);
        assert_int_equal(jsonl_finish(r, &line), JSONL_NONE);
        jsonl_reader_free(r);
    }
    free(in);
}

/* A line split across chunks is gathered; the buffer is reused, not grown per line. */
static void test_buffer_reuse(void **state)
{
    (void)state;
    jsonl_reader *r = jsonl_reader_new(1 << 20);
    jsonl_line line;
    for (int i = 0; i < 1000; i++) {
        const char *a = "{\"id\":", *b = "\"x\"}\n";
        size_t na = strlen(a), nb = strlen(b);
        assert_int_equal(jsonl_next(r, &a, &na, &line), JSONL_NONE);
        assert_int_equal(jsonl_next(r, &b, &nb, &line), JSONL_LINE);
        assert_int_equal(line.lineno, (uint64_t)i + 1);
        assert_memory_equal(line.text, "{\"id\":\"x\"}", line.len);
    }
    assert_true(jsonl_capacity(r) <= 4096);
    jsonl_reader_free(r);
}

static void test_reset_and_lineno(void **state)
{
    (void)state;
    jsonl_reader *r = jsonl_reader_new(100);
    jsonl_line line;
    const char *p = "a\nb\npartial";
    size_t n = strlen(p);
    assert_int_equal(jsonl_lineno(r), 0);
    assert_int_equal(jsonl_next(r, &p, &n, &line), JSONL_LINE);
    assert_int_equal(jsonl_next(r, &p, &n, &line), JSONL_LINE);
    assert_int_equal(jsonl_next(r, &p, &n, &line), JSONL_NONE);
    assert_int_equal(jsonl_lineno(r), 3); /* the partial line being read */
    jsonl_reset(r);
    assert_int_equal(jsonl_lineno(r), 0);
    assert_int_equal(jsonl_finish(r, &line), JSONL_NONE);
    jsonl_reader_free(r);
}

/* ---- lines to articles ---- */

static trawl_status parse(const char *text, size_t len, trawl_article **a, char **msg)
{
    jsonl_line line = {text, len, 1};
    return jsonl_parse_line(&line, a, msg);
}

static void test_parse_good(void **state)
{
    (void)state;
    const char *in = "{\"id\":\"r1\",\"title\":\"Cocoa\",\"body\":\"Prices rose.\","
                     "\"topics\":[\"cocoa\"],\"n\":3}";
    trawl_article *a = NULL;
    char *msg = NULL;
    assert_int_equal(parse(in, strlen(in), &a, &msg), TRAWL_OK);
    assert_non_null(a);
    assert_string_equal(trawl_article_id(a), "r1");
    assert_string_equal(trawl_article_get(a, "title"), "Cocoa");
    trawl_article_free(a);
    free(msg);
}

static const struct {
    const char *name;
    const char *in;
} bad[] = {
    {"bad JSON", "{\"id\":\"a\""},
    {"not an object", "[1,2]"},
    {"trailing garbage", "{\"id\":\"a\"} x"},
    {"missing id", "{\"title\":\"t\"}"},
    {"numeric id", "{\"id\":7}"},
    {"empty id", "{\"id\":\"\"}"},
    {"numeric title", "{\"id\":\"a\",\"title\":5}"},
    {"object body", "{\"id\":\"a\",\"body\":{}}"},
    {"array date", "{\"id\":\"a\",\"date\":[\"1987\"]}"},
    {"invalid UTF-8", "{\"id\":\"a\",\"title\":\"\xC3\x28\"}"},
    {"invalid UTF-8 in id", "{\"id\":\"\xFF\"}"},
    {"NUL inside", "{\"id\":\"a\"}\0{}"},
};

static void test_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        trawl_article *a = (trawl_article *)&a;
        char *msg = NULL;
        size_t len = strcmp(bad[i].name, "NUL inside") == 0 ? 13 : strlen(bad[i].in);
        trawl_status st = parse(bad[i].in, len, &a, &msg);
        if (st != TRAWL_EINVAL || a != NULL || msg == NULL || msg[0] == '\0')
            fail_msg("case '%s': status %d, article %p, message '%s'", bad[i].name, (int)st,
                     (void *)a, msg ? msg : "(none)");
        free(msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_huge_line),
        cmocka_unit_test(test_buffer_reuse),
        cmocka_unit_test(test_reset_and_lineno),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
