/*
 * test_request.c: unit tests of the request codec (protocol/request.c): every op, every
 * field, and the malformed inputs of issue 3 (invalid JSON and UTF-8, NUL bytes, deep
 * nesting, wrong types, negative and huge numbers, unknown fields and ops), checking the
 * error code and that the id is echoed whenever it could be read. Table-driven; a failing
 * case is printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/request.h"

static const struct {
    const char *in;
    request_op op;
    request_error err;
    const char *id; /* the id as compact JSON, NULL when none should be read */
} cases[] = {
    /* every op, JSON and text */
    {"{\"id\":1,\"op\":\"search\",\"q\":\"oil\"}", REQ_SEARCH, ERR_NONE, "1"},
    {"{\"op\":\"get\",\"doc\":\"r-1\"}", REQ_GET, ERR_NONE, NULL},
    {"{\"op\":\"stats\",\"id\":\"s\"}", REQ_STATS, ERR_NONE, "\"s\""},
    {"{\"op\":\"ping\",\"id\":[1,{\"a\":null}]}", REQ_PING, ERR_NONE, "[1,{\"a\":null}]"},
    {"{\"op\":\"quit\"}", REQ_QUIT, ERR_NONE, NULL},
    {"{\"op\":\"cancel\",\"target\":3}", REQ_CANCEL, ERR_NONE, NULL},
    {"  \t{\"op\":\"ping\"}  ", REQ_PING, ERR_NONE, NULL},
    {"search oil prices", REQ_SEARCH, ERR_NONE, NULL},
    {"  get   reuters-1  ", REQ_GET, ERR_NONE, NULL},
    {"stats", REQ_STATS, ERR_NONE, NULL},
    {"ping", REQ_PING, ERR_NONE, NULL},
    {"quit\r", REQ_QUIT, ERR_NONE, NULL},
    {"help", REQ_HELP, ERR_NONE, NULL},
    /* bad_json */
    {"{", REQ_NONE, ERR_BAD_JSON, NULL},
    {"{\"op\":\"ping\"} x", REQ_NONE, ERR_BAD_JSON, NULL},
    {"{\"op\":\"ping\",}", REQ_NONE, ERR_BAD_JSON, NULL},
    {"{\"op\":\"p\xff\"}", REQ_NONE, ERR_BAD_JSON, NULL},
    {"{\"op\":\"p\xc0\x80\"}", REQ_NONE, ERR_BAD_JSON, NULL},
    {"{\"op\":\"ping\",\"id\":\"\\u0000\"}", REQ_NONE, ERR_BAD_JSON, NULL},
    {"{\"op\":\"ping\",\"id\":\"\\ud800\"}", REQ_NONE, ERR_BAD_JSON, NULL},
    /* bad_request: missing, mistyped, out of range, unknown fields */
    {"{\"id\":2}", REQ_NONE, ERR_BAD_REQUEST, "2"},
    {"{\"id\":2,\"op\":7}", REQ_NONE, ERR_BAD_REQUEST, "2"},
    {"{\"id\":2,\"op\":null}", REQ_NONE, ERR_BAD_REQUEST, "2"},
    {"{\"id\":3,\"op\":\"search\"}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":5}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"\"}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"limit\":0}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"limit\":1001}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"limit\":-1}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"limit\":10.0}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"limit\":\"10\"}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"limit\":1e300}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"offset\":-5}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"offset\":9223372036854775807}", REQ_NONE,
     ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"offset\":99999999999999999999999}", REQ_NONE,
     ERR_BAD_REQUEST, NULL},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"snippet\":-1}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"snippet\":true}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"sort\":\"size\"}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"sort\":1}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"offsets\":\"words\"}", REQ_NONE, ERR_BAD_REQUEST,
     "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"ranking\":\"pl2\"}", REQ_NONE, ERR_BAD_REQUEST,
     "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"ranking\":0}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"search\",\"q\":\"a\",\"lmit\":5}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"ping\",\"q\":\"a\"}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"get\"}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"get\",\"doc\":[]}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"cancel\"}", REQ_NONE, ERR_BAD_REQUEST, "3"},
    {"{\"id\":3,\"op\":\"ping\",\"op\":\"quit\"}", REQ_NONE, ERR_BAD_REQUEST, NULL},
    {"search", REQ_NONE, ERR_BAD_REQUEST, NULL},
    {"get  ", REQ_NONE, ERR_BAD_REQUEST, NULL},
    {"ping now", REQ_NONE, ERR_BAD_REQUEST, NULL},
    {"search caf\xe9", REQ_NONE, ERR_BAD_REQUEST, NULL},
    /* unknown_op */
    {"{\"id\":4,\"op\":\"delete\"}", REQ_NONE, ERR_UNKNOWN_OP, "4"},
    {"{\"id\":4,\"op\":\"help\"}", REQ_NONE, ERR_UNKNOWN_OP, "4"},
    {"{\"id\":4,\"op\":\"PING\"}", REQ_NONE, ERR_UNKNOWN_OP, "4"},
    {"cancel 3", REQ_NONE, ERR_UNKNOWN_OP, NULL},
    {"[1,2]", REQ_NONE, ERR_UNKNOWN_OP, NULL},
    {"frobnicate", REQ_NONE, ERR_UNKNOWN_OP, NULL},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct request r;
        request_parse(cases[i].in, strlen(cases[i].in), &r);
        char *id = r.id ? json_dumps(r.id, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        int ok = r.op == cases[i].op && r.err == cases[i].err &&
                 (cases[i].id ? id && strcmp(id, cases[i].id) == 0 : id == NULL) &&
                 (r.err == ERR_NONE || (r.errmsg && *r.errmsg));
        if (!ok)
            print_error("case %zu: %s\n  got op %d err %s id %s msg %s\n", i, cases[i].in,
                        r.op, request_error_name(r.err), id ? id : "(none)",
                        r.errmsg ? r.errmsg : "(none)");
        free(id);
        request_clear(&r);
        assert_true(ok);
    }
}

static void test_search_fields(void **state)
{
    (void)state;
    const char *in = "{\"id\":1,\"op\":\"search\",\"q\":\"oil prices\",\"limit\":1000,"
                     "\"offset\":100000,\"sort\":\"-date\",\"snippet\":0,\"offsets\":\"bytes\","
                     "\"ranking\":\"bm25\"}";
    struct request r;
    request_parse(in, strlen(in), &r);
    assert_int_equal(r.op, REQ_SEARCH);
    assert_string_equal(r.q, "oil prices");
    assert_int_equal(r.limit, 1000);
    assert_int_equal(r.offset, REQUEST_MAX_OFFSET);
    assert_int_equal(r.sort, TRAWL_SORT_DATE_DESC);
    assert_int_equal(r.snippet, 0);
    assert_int_equal(r.offsets, FORMAT_OFFSETS_BYTES);
    assert_int_equal(r.ranking, TRAWL_RANK_BM25);
    request_clear(&r);

    in = "{\"op\":\"search\",\"q\":\"x\"}";
    request_parse(in, strlen(in), &r);
    assert_int_equal(r.op, REQ_SEARCH);
    assert_int_equal(r.limit, REQUEST_DEFAULT_LIMIT);
    assert_int_equal(r.offset, 0);
    assert_int_equal(r.sort, TRAWL_SORT_RELEVANCE);
    assert_int_equal(r.snippet, REQUEST_DEFAULT_SNIPPET);
    assert_int_equal(r.offsets, FORMAT_OFFSETS_CHARS);
    assert_int_equal(r.ranking, TRAWL_RANK_DEFAULT);
    request_clear(&r);

    request_parse("search  oil \t prices  ", 22, &r);
    assert_int_equal(r.op, REQ_SEARCH);
    assert_string_equal(r.q, "oil \t prices");
    assert_int_equal(r.limit, REQUEST_DEFAULT_LIMIT);
    request_clear(&r);

    request_parse("get a b", 7, &r);
    assert_string_equal(r.doc, "a b");
    request_clear(&r);
}

/* The line need not be NUL-terminated, and a NUL inside it is refused. */
static void test_lengths_and_nul(void **state)
{
    (void)state;
    struct request r;
    request_parse("pingXXXX", 4, &r);
    assert_int_equal(r.op, REQ_PING);
    request_clear(&r);
    request_parse("search a\0b", 10, &r);
    assert_int_equal(r.err, ERR_BAD_REQUEST);
    request_clear(&r);
    request_parse("{\"op\":\"ping\"}\0", 14, &r);
    assert_int_equal(r.err, ERR_BAD_JSON);
    request_clear(&r);
}

/* A 1 MB nesting bomb holds too many JSON values to be parsed at all; a 5000-level one
 * is refused by jansson's depth limit without exhausting the stack. */
static void test_deep_nesting(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *s = malloc(n + 32);
    assert_non_null(s);
    strcpy(s, "{\"op\":\"ping\",\"id\":");
    size_t at = strlen(s);
    memset(s + at, '[', n);
    struct request r;
    request_parse(s, at + n, &r);
    assert_int_equal(r.err, ERR_TOO_LARGE);
    assert_null(r.id);
    request_clear(&r);
    request_parse(s, at + 5000, &r);
    assert_int_equal(r.err, ERR_BAD_JSON);
    assert_null(r.id);
    request_clear(&r);
    memset(s, '{', n);
    request_parse(s, n, &r);
    assert_int_equal(r.err, ERR_TOO_LARGE);
    request_clear(&r);
    free(s);
}

/* The read-ahead queue is charged for the JSON values a request keeps (id, target). */
static void test_retained(void **state)
{
    (void)state;
    struct request r;
    const char *ping = "{\"id\":[1,{\"a\":2}],\"op\":\"ping\"}";
    request_parse(ping, strlen(ping), &r);
    assert_int_equal(r.op, REQ_PING);
    assert_int_equal(r.retained, 4 * REQUEST_BYTES_PER_VALUE);
    request_clear(&r);
    const char *cancel = "{\"id\":1,\"op\":\"cancel\",\"target\":[[]]}";
    request_parse(cancel, strlen(cancel), &r);
    assert_int_equal(r.op, REQ_CANCEL);
    assert_int_equal(r.retained, 3 * REQUEST_BYTES_PER_VALUE);
    request_clear(&r);
}

/* Queries over the engine's limit are too_large, in JSON and in text. */
static void test_query_too_large(void **state)
{
    (void)state;
    size_t n = TRAWL_MAX_QUERY_BYTES + 1;
    char *s = malloc(n + 64);
    assert_non_null(s);
    int at = sprintf(s, "{\"id\":9,\"op\":\"search\",\"q\":\"");
    memset(s + at, 'a', n);
    strcpy(s + at + n, "\"}");
    struct request r;
    request_parse(s, strlen(s), &r);
    assert_int_equal(r.err, ERR_TOO_LARGE);
    assert_non_null(r.id);
    request_clear(&r);
    at = sprintf(s, "search ");
    memset(s + at, 'a', n);
    s[at + n] = '\0';
    request_parse(s, strlen(s), &r);
    assert_int_equal(r.err, ERR_TOO_LARGE);
    request_clear(&r);
    free(s);
}

static void test_blank_and_json(void **state)
{
    (void)state;
    assert_true(request_is_blank("", 0));
    assert_true(request_is_blank(" \t\r", 3));
    assert_false(request_is_blank(" x", 2));
    assert_true(request_is_json(" \t{", 3));
    assert_false(request_is_json(" [", 2));
    assert_false(request_is_json("", 0));
    assert_string_equal(request_error_name(ERR_CANCELLED), "cancelled");
    assert_string_equal(request_error_name((request_error)999), "internal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_search_fields),
        cmocka_unit_test(test_lengths_and_nul),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_retained),
        cmocka_unit_test(test_query_too_large),
        cmocka_unit_test(test_blank_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
