/*
 * test_bench.c: unit tests of trawl-bench's pure parts: percentiles and latency
 * statistics (bench/stats.c), query kinds and query files (bench/queries.c), and the FTS5
 * baseline's query translation (bench/baselines/fts5/fts5-query.c). Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/baselines/fts5/fts5-query.h"

static void test_percentile_nearest_rank(void **state)
{
    (void)state;
    static const double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    static const struct {
        double p, want;
    } cases[] = {{0.5, 5}, {0.9, 9}, {0.99, 10}, {0.999, 10}, {0.1, 1}, {0.11, 2}, {1.0, 10}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double got = bench_percentile(v, 10, cases[i].p);
        if (got != cases[i].want)
            fail_msg("p=%g: got %g, want %g", cases[i].p, got, cases[i].want);
    }
    assert_true(bench_percentile(v, 0, 0.5) == 0);
    assert_true(bench_percentile(v, 1, 0.999) == 1);
}

static void test_stats_compute(void **state)
{
    (void)state;
    enum { N = 1000 };
    double *us = malloc(N * sizeof *us);
    assert_non_null(us);
    for (int i = 0; i < N; i++) /* 1000..1 µs, reversed so the sort matters */
        us[i] = (double)(N - i);
    bench_stats s;
    bench_stats_compute(us, N, 7, &s);
    assert_int_equal(s.count, N);
    assert_int_equal(s.errors, 7);
    assert_true(s.min == 1 && s.max == 1000);
    assert_true(s.p50 == 500 && s.p90 == 900 && s.p99 == 990 && s.p999 == 999);
    assert_true(s.mean > 500.49 && s.mean < 500.51);
    json_t *j = bench_stats_json(&s);
    assert_non_null(json_object_get(j, "p99.9_us"));
    assert_true(json_real_value(json_object_get(j, "p90_us")) == 900);
    json_decref(j);
    bench_stats_compute(us, 0, 0, &s);
    assert_int_equal(s.count, 0);
    assert_true(s.p50 == 0);
    free(us);
}

static void test_query_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *q, *kind;
    } cases[] = {
        {"oil prices", "terms"},
        {"goldsmith", "terms"},
        {"\"restarts operations\"", "phrase"},
        {"oec AND NOT plant's", "boolean"},
        {"avg OR evaluation", "boolean"},
        {"miracle topic:fuel", "filter"},
        {"seven-member place:hong-kong", "filter"},
        {"\"a topic:b\"", "phrase"},     /* inside a phrase: not a filter */
        {"ANDROID sales", "terms"},      /* AND only as a whole word */
        {"rand or not", "terms"},        /* operators are upper case */
        {"http://x", "filter"},
        {"ratio 3:1", "terms"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = bench_query_kind(cases[i].q);
        if (strcmp(got, cases[i].kind))
            fail_msg("'%s': got %s, want %s", cases[i].q, got, cases[i].kind);
    }
}

static void test_queries_load(void **state)
{
    (void)state;
    char path[] = "/tmp/trawl-bench-queries.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# a comment\noil prices\r\n\npartial\tfailed reporti\n\"crude oil\"\n", f);
    fclose(f);
    bench_queries qs;
    assert_int_equal(bench_queries_load(path, &qs), 0);
    assert_int_equal(qs.n, 3);
    assert_string_equal(qs.v[0].text, "oil prices");
    assert_string_equal(qs.v[0].kind, "terms");
    assert_string_equal(qs.v[1].text, "failed reporti");
    assert_string_equal(qs.v[1].kind, "partial");
    assert_string_equal(qs.v[2].kind, "phrase");
    bench_queries_free(&qs);
    f = fopen(path, "w");
    fputs("# only a comment\n\n", f);
    fclose(f);
    assert_int_equal(bench_queries_load(path, &qs), -1);
    unlink(path);
    assert_int_equal(bench_queries_load("/nonexistent/queries.txt", &qs), -1);
}

static void test_fts5_translate(void **state)
{
    (void)state;
    static const struct {
        const char *q, *match; /* match NULL: only filters */
        const char *filters;   /* "field=value;..." */
    } cases[] = {
        {"oil prices", "\"oil\" OR \"prices\" *", ""},
        {"oil prices ", "\"oil\" OR \"prices\"", ""},
        {"\"crude oil\" price", "\"crude oil\" OR \"price\" *", ""},
        {"oec AND NOT plant's", "\"oec\" NOT \"plant's\"", ""},
        {"avg OR evaluation", "\"avg\" OR \"evaluation\" *", ""},
        {"windy AND embarked", "\"windy\" AND \"embarked\" *", ""},
        {"miracle topic:fuel", "\"miracle\"", "topic=fuel;"},
        {"topics:grain place:usa", NULL, "topic=grain;place=usa;"},
        {"a AND place:uk", "\"a\"", "place=uk;"}, /* the filter is the last word */
        {"title:oil gas", "title : \"oil\" OR \"gas\" *", ""},
        {"(a OR b) c", "(\"a\" OR \"b\") OR \"c\" *", ""},
        {"a -b", "\"a\" NOT \"b\" *", ""},
        {"+a b", "\"a\" OR \"b\" *", ""},
        {"today's", "\"today's\"", ""},
        {"one-for-", "\"one-for-\"", ""},
        {"\"unterminated phrase", "\"unterminated phrase\"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fts5q t;
        const char *err = NULL;
        if (fts5q_translate(cases[i].q, &t, &err) != 0)
            fail_msg("'%s': failed: %s", cases[i].q, err);
        if ((cases[i].match == NULL) != (t.match == NULL) ||
            (t.match && strcmp(t.match, cases[i].match)))
            fail_msg("'%s': got [%s], want [%s]", cases[i].q, t.match ? t.match : "(null)",
                     cases[i].match ? cases[i].match : "(null)");
        char got[256] = "";
        for (size_t k = 0; k < t.nfilters; k++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s=%s;",
                     t.filters[k].field, t.filters[k].value);
        if (strcmp(got, cases[i].filters))
            fail_msg("'%s': filters [%s], want [%s]", cases[i].q, got, cases[i].filters);
        fts5q_free(&t);
    }
}

static void test_fts5_translate_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "   ", "a XOR b", "date:1987-01-01..1987-02-01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fts5q t;
        const char *err = NULL;
        if (fts5q_translate(bad[i], &t, &err) == 0)
            fail_msg("'%s': accepted as [%s]", bad[i], t.match ? t.match : "(null)");
        assert_non_null(err);
        assert_null(t.match);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile_nearest_rank),
        cmocka_unit_test(test_stats_compute),
        cmocka_unit_test(test_query_kinds),
        cmocka_unit_test(test_queries_load),
        cmocka_unit_test(test_fts5_translate),
        cmocka_unit_test(test_fts5_translate_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
