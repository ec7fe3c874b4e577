/*
 * test_format.c: unit tests of the shared result formatters (protocol/format.c), the
 * response writers (protocol/response.c) and the text helpers they use
 * (protocol/text.c): JSON hit shape, highlight offsets in code points and bytes, dates
 * left out, ill-formed UTF-8 repaired, text-mode escaping and highlight marks, error
 * responses with and without an id, and message scrubbing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/format.h"
#include "protocol/response.h"
#include "protocol/text.h"

/* Dumps a JSON value compactly (caller frees). */
static char *dump(const json_t *j)
{
    char *s = json_dumps(j, FORMAT_SCORE_FLAGS | JSON_ENCODE_ANY);
    assert_non_null(s);
    return s;
}

static void test_hit_json(void **state)
{
    (void)state;
    /* "Öl price: crude" — Ö is two bytes, so byte and char offsets differ by one */
    static const trawl_span spans[] = {{0, 3}, {11, 16}};
    trawl_hit h = {.rank = 3, .id = "r-1", .score = 17.25, .title = "Oil",
                   .date = "1987-03-02", .snippet = "\xc3\x96l price: crude",
                   .nhighlights = 2, .highlights = spans};
    json_t *j = format_hit_json(&h, FORMAT_OFFSETS_CHARS);
    char *s = dump(j);
    assert_string_equal(s, "{\"rank\":3,\"doc\":\"r-1\",\"score\":17.25,\"title\":\"Oil\","
                           "\"date\":\"1987-03-02\",\"snippet\":\"\xc3\x96l price: crude\","
                           "\"highlights\":[[0,2],[10,15]]}");
    free(s);
    json_decref(j);

    j = format_hit_json(&h, FORMAT_OFFSETS_BYTES);
    s = dump(json_object_get(j, "highlights"));
    assert_string_equal(s, "[[0,3],[11,16]]");
    free(s);
    json_decref(j);

    h.date = NULL; /* no date: no "date" key */
    j = format_hit_json(&h, FORMAT_OFFSETS_CHARS);
    assert_null(json_object_get(j, "date"));
    json_decref(j);
}

static void test_hit_json_robust(void **state)
{
    (void)state;
    /* spans past the end and reversed are clamped; bad UTF-8 becomes U+FFFD */
    static const trawl_span spans[] = {{2, 99}, {5, 1}};
    trawl_hit h = {.rank = 1, .id = "x", .title = "a\xff", .snippet = "abc",
                   .nhighlights = 2, .highlights = spans};
    json_t *j = format_hit_json(&h, FORMAT_OFFSETS_CHARS);
    char *s = dump(j);
    assert_string_equal(s, "{\"rank\":1,\"doc\":\"x\",\"score\":0.0,\"title\":\"a\xef\xbf\xbd\","
                           "\"snippet\":\"abc\",\"highlights\":[[2,3],[3,3]]}");
    free(s);
    json_decref(j);
    trawl_hit empty = {.rank = 1};
    j = format_hit_json(&empty, FORMAT_OFFSETS_BYTES);
    assert_non_null(j);
    json_decref(j);
}

/* The direct writer gives byte for byte what jansson dumps, on random hits full of quotes,
 * backslashes, control characters, non-ASCII and ill-formed UTF-8, random spans and
 * scores of every magnitude. */
static void test_hit_line_matches_jansson(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "oil ", "\"", "\\", "\n", "\t", "\x01", "\x1f",
                                         "\x7f", "/", "\xc3\xa9", "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xed\xa0\x80",
                                         "\xe2\x80\xa8", " "};
    static const double scores[] = {0, 1, 17.25, 0.1, 1e-5, 123456789.0, 1e21, 3.14159265,
                                    -2.5, 1e100, 0.000123456};
    srand(42);
    for (int iter = 0; iter < 2000; iter++) {
        char snip[256] = "", title[64] = "", id[32] = "";
        int np = rand() % 20;
        for (int k = 0; k < np; k++)
            strcat(snip, pieces[rand() % (sizeof pieces / sizeof pieces[0])]);
        for (int k = rand() % 4; k > 0; k--)
            strcat(title, pieces[rand() % (sizeof pieces / sizeof pieces[0])]);
        snprintf(id, sizeof id, "r-%d%s", iter, iter % 7 ? "" : "\"q\"");
        size_t len = strlen(snip);
        trawl_span spans[4];
        size_t nh = (size_t)(rand() % 5);
        for (size_t k = 0; k < nh; k++) {
            spans[k].start = len ? (size_t)rand() % (len + 3) : 0;
            spans[k].end = spans[k].start + (size_t)(rand() % 6);
        }
        trawl_hit h = {.rank = (unsigned)iter + 1, .id = id,
                       .score = scores[iter % (sizeof scores / sizeof scores[0])] * (iter % 3 + 1),
                       .title = title, .date = iter % 2 ? "1987-03-02" : NULL,
                       .snippet = snip, .nhighlights = nh, .highlights = spans};
        for (int off = 0; off < 2; off++) {
            json_t *j = format_hit_json(&h, (format_offsets)off);
            assert_non_null(j);
            char *want = dump(j);
            struct buf b = BUF_INIT;
            format_hit_line(&b, &h, (format_offsets)off);
            if (strcmp(b.data, want) != 0) {
                print_error("iteration %d offsets %d:\n got  %s\n want %s\n", iter, off, b.data,
                            want);
                fail();
            }
            buf_free(&b);
            free(want);
            json_decref(j);
        }
    }
}

/* text_json_string skips plain ASCII eight bytes at a time: a byte that needs escaping
 * or decoding at any offset of such a word, or in the tail after the last whole word, is
 * still seen (byte for byte what jansson writes). */
static void test_json_string_every_offset(void **state)
{
    (void)state;
    static const char *const specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f",
                                           "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " "};
    for (size_t len = 0; len <= 24; len++)
        for (size_t pos = 0; pos <= len; pos++)
            for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
                char text[64];
                memset(text, 'a', len);
                size_t n = strlen(specials[k]);
                memmove(text + pos + n, text + pos, len - pos);
                memcpy(text + pos, specials[k], n);
                json_t *j = json_stringn(text, len + n);
                assert_non_null(j);
                char *want = dump(j);
                struct buf b = BUF_INIT;
                text_json_string(&b, text, len + n);
                if (strcmp(b.data, want) != 0) {
                    print_error("len %zu pos %zu special %zu:\n got  %s\n want %s\n", len, pos, k,
                                b.data, want);
                    fail();
                }
                buf_free(&b);
                free(want);
                json_decref(j);
            }
}

static void test_hit_text(void **state)
{
    (void)state;
    static const trawl_span spans[] = {{0, 3}, {8, 11}};
    trawl_hit h = {.rank = 2, .id = "a\tb", .score = 1.5, .title = "T\\1\r\n",
                   .snippet = "oil\tand\ngas", .nhighlights = 2, .highlights = spans};
    struct buf b = BUF_INIT;
    format_hit_text(&b, &h, 0);
    assert_string_equal(b.data, "2\ta\\tb\t1.5\t\tT\\\\1\\r\\n\t[[oil]]\\tand\\n[[gas]]\n");
    buf_reset(&b);
    h.date = "1987-01-01";
    format_hit_text(&b, &h, FORMAT_TEXT_ANSI);
    assert_string_equal(b.data, "2\ta\\tb\t1.5\t1987-01-01\tT\\\\1\\r\\n\t"
                                "\033[1moil\033[0m\\tand\\n\033[1mgas\033[0m\n");
    buf_free(&b);
    /* one line per hit, whatever the fields hold */
    trawl_hit nasty = {.rank = 1, .id = "\n", .title = "\n\n", .snippet = "\r\n.\n"};
    format_hit_text(&b, &nasty, 0);
    assert_non_null(b.data);
    assert_int_equal(strchr(b.data, '\n') - b.data, (long)b.len - 1);
    buf_free(&b);
}

static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int valid;
    } cases[] = {
        {"", 1}, {"plain", 1}, {"\xc3\xa9", 1}, {"\xe2\x82\xac", 1}, {"\xf0\x9f\x98\x80", 1},
        {"\xc3", 0}, {"\xc0\xaf", 0}, {"\xe0\x80\xaf", 0}, {"\xed\xa0\x80", 0},
        {"\xf4\x90\x80\x80", 0}, {"\xff", 0}, {"\x80", 0}, {"a\xe2\x82", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (text_utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].valid) {
            print_error("utf8 case %zu\n", i);
            fail();
        }
    }
    struct buf b = BUF_INIT;
    text_utf8_repair(&b, "a\xffz\xc3", 4);
    assert_string_equal(b.data, "a\xef\xbf\xbdz\xef\xbf\xbd");
    buf_free(&b);
    assert_int_equal(text_chars_before("\xc3\xa9t\xc3\xa9", 5, 3), 2);
    assert_int_equal(text_chars_before("ab", 2, 99), 2);
}

static void test_scrub(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    text_scrub(&b, "bad\r\nline\tx\x01", 100);
    assert_string_equal(b.data, "bad  line x ");
    buf_reset(&b);
    text_scrub(&b, "0123456789", 4);
    assert_string_equal(b.data, "0123...");
    buf_reset(&b);
    text_scrub(&b, "\xc3\xa9\xc3\xa9", 3); /* never cuts a character in two */
    assert_string_equal(b.data, "\xc3\xa9...");
    buf_free(&b);
}

static void test_errors(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    json_t *id = json_pack("[i,s]", 1, "a");
    response_error(&b, 1, id, ERR_BAD_QUERY, "syntax error\nat 3");
    assert_string_equal(b.data, "{\"id\":[1,\"a\"],\"ok\":false,\"error\":{\"code\":\"bad_query\","
                                "\"message\":\"syntax error at 3\"}}\n");
    buf_reset(&b);
    response_error(&b, 1, NULL, ERR_BAD_JSON, NULL);
    assert_string_equal(b.data, "{\"ok\":false,\"error\":{\"code\":\"bad_json\","
                                "\"message\":\"bad_json\"}}\n");
    buf_reset(&b);
    response_error(&b, 0, id, ERR_NOT_FOUND, "no\r\narticle");
    assert_string_equal(b.data, "error not_found no  article\n.\n");
    buf_reset(&b);
    json_t *o = response_ok_json(id);
    json_object_set_new(o, "cancelled", json_integer(2));
    response_json(&b, o, id);
    assert_string_equal(b.data, "{\"id\":[1,\"a\"],\"ok\":true,\"cancelled\":2}\n");
    buf_reset(&b);
    response_text_ok(&b, "total=%d", 5);
    response_text_field(&b, "title", "a\tb", 3);
    response_text_end(&b);
    assert_string_equal(b.data, "ok total=5\ntitle\ta\\tb\n.\n");
    buf_reset(&b);
    b.failed = 1; /* out of memory while building: a fixed internal error instead */
    response_check(&b, 0);
    assert_string_equal(b.data, "error internal out of memory\n.\n");
    buf_free(&b);
    json_decref(id);
    /* ids are echoed without loss: a real keeps enough digits to read back the same */
    id = json_real(1.0000001);
    response_error(&b, 1, id, ERR_CANCELLED, NULL);
    json_t *back = json_loads(b.data, 0, NULL);
    assert_true(json_real_value(json_object_get(back, "id")) == 1.0000001);
    json_decref(back);
    json_decref(id);
    buf_free(&b);
}

static void test_buf(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%04d", i);
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.data + 3996, "0999", 4);
    char big[1000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_reset(&b);
    buf_printf(&b, "<%s>", big);
    assert_int_equal(b.len, 1001);
    assert_false(buf_failed(&b));
    buf_reset(&b);
    buf_addu(&b, 0);
    buf_addc(&b, ' ');
    buf_addu(&b, 18446744073709551615ULL);
    assert_string_equal(b.data, "0 18446744073709551615");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_json),
        cmocka_unit_test(test_hit_json_robust),
        cmocka_unit_test(test_hit_line_matches_jansson),
        cmocka_unit_test(test_json_string_every_offset),
        cmocka_unit_test(test_hit_text),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_buf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
