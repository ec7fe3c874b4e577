/*
 * test_metrics.c: cmocka tests of bench/metrics.c, the ranking metrics behind
 * `trawl-bench eval`. A small example is worked out by hand in the comments and checked
 * against the code, then trec_eval's conventions one by one (ties broken by doc id in
 * descending order, unjudged = not relevant, queries with no relevant document excluded,
 * the 1000 cut of MAP, linear graded gains in nDCG), then the qrels reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/metrics.h"

#define EPS 1e-6

/*
 * The worked example. Judgments: d1 gain 2, d2 gain 1, d3 gain 0 (judged not relevant),
 * d4 gain 1 (never retrieved). Relevant (gain >= 1): d1, d2, d4, so R = 3.
 *
 * Run, in file order: d3 5.0, d2 4.0, dX 4.0 (unjudged), d1 3.0, d5 1.0 (unjudged).
 * trec_eval order: by score, and the tie at 4.0 by doc id descending: "dX" > "d2" in
 * strcmp ('X' = 88 > '2' = 50), so dX comes first:
 *     rank 1 d3 (gain 0), rank 2 dX (unjudged: 0), rank 3 d2 (gain 1),
 *     rank 4 d1 (gain 2), rank 5 d5 (unjudged: 0).
 *
 * AP        = (precision at each relevant retrieved doc) / R
 *           = (1/3 + 2/4) / 3 = 0.833333 / 3 = 0.277778
 *             (d4 is never retrieved: it adds 0 but still counts in R)
 * P@10      = 2 relevant in the top 10 / 10 = 0.2
 * Recall@100 = 2 of 3 relevant = 0.666667
 * RR        = 1 / (rank of first relevant) = 1/3 = 0.333333
 * DCG@10    = gain / log2(rank + 1) summed: 1/log2(4) + 2/log2(5) = 0.5 + 0.861353
 *           = 1.361353
 * ideal     = gains 2, 1, 1 at ranks 1, 2, 3: 2/log2(2) + 1/log2(3) + 1/log2(4)
 *           = 2 + 0.630930 + 0.5 = 3.130930
 * nDCG@10   = 1.361353 / 3.130930 = 0.434808
 *
 * Had the tie been broken by ascending id (d2 before dX), AP would be (1/2 + 2/4) / 3 =
 * 0.333333 and RR 0.5: the test tells the conventions apart.
 */
static void example(metrics_hit *hits, metrics_judgment *judged)
{
    metrics_hit h[5] = {{"d3", 5.0}, {"d2", 4.0}, {"dX", 4.0}, {"d1", 3.0}, {"d5", 1.0}};
    metrics_judgment j[4] = {{"d1", 2}, {"d2", 1}, {"d3", 0}, {"d4", 1}};
    memcpy(hits, h, sizeof h);
    memcpy(judged, j, sizeof j);
}

static void test_hand_example(void **state)
{
    (void)state;
    metrics_hit hits[5];
    metrics_judgment judged[4];
    example(hits, judged);
    metrics_scores s;
    assert_int_equal(metrics_score_query(hits, 5, judged, 4, &s), 3);
    assert_float_equal(s.ap, 0.277778, EPS);
    assert_float_equal(s.p10, 0.2, EPS);
    assert_float_equal(s.recall100, 2.0 / 3.0, EPS);
    assert_float_equal(s.rr, 1.0 / 3.0, EPS);
    assert_float_equal(s.ndcg10, 0.434808, EPS);
}

/* The run's own order does not matter: the same hits reversed score the same. */
static void test_input_order_ignored(void **state)
{
    (void)state;
    metrics_hit hits[5], rev[5];
    metrics_judgment judged[4];
    example(hits, judged);
    for (int i = 0; i < 5; i++)
        rev[i] = hits[4 - i];
    metrics_scores a, b;
    metrics_score_query(hits, 5, judged, 4, &a);
    example(hits, judged);
    metrics_score_query(rev, 5, judged, 4, &b);
    assert_memory_equal(&a, &b, sizeof a);
}

/* trec_eval's comp_sim_docno: score descending, then strcmp descending. */
static void test_tie_break_docid_descending(void **state)
{
    (void)state;
    metrics_hit hits[] = {{"a", 1.0}, {"c", 1.0}, {"b", 2.0}, {"b2", 1.0}, {"10", 1.0},
                          {"9", 1.0}};
    metrics_sort_hits(hits, 6);
    static const char *want[] = {"b", "c", "b2", "a", "9", "10"};
    for (int i = 0; i < 6; i++) {
        if (strcmp(hits[i].doc, want[i]) != 0)
            fail_msg("position %d: got %s, want %s", i, hits[i].doc, want[i]);
    }

    /* One relevant doc tied with an irrelevant one: "z" wins the tie, so the relevant
     * "a" is at rank 2 and RR is 1/2, not 1. */
    metrics_hit tie[] = {{"a", 7.0}, {"z", 7.0}};
    metrics_judgment j[] = {{"a", 1}};
    metrics_scores s;
    metrics_score_query(tie, 2, j, 1, &s);
    assert_float_equal(s.rr, 0.5, EPS);
    assert_float_equal(s.ap, 0.5, EPS);
}

/* Unjudged and judged-irrelevant documents count the same: as not relevant, gain 0. */
static void test_unjudged_not_relevant(void **state)
{
    (void)state;
    metrics_hit a[] = {{"u1", 3.0}, {"r", 2.0}};  /* u1 unjudged */
    metrics_hit b[] = {{"n1", 3.0}, {"r", 2.0}};  /* n1 judged gain 0 */
    metrics_judgment ja[] = {{"r", 1}};
    metrics_judgment jb[] = {{"r", 1}, {"n1", 0}};
    metrics_scores sa, sb;
    metrics_score_query(a, 2, ja, 1, &sa);
    metrics_score_query(b, 2, jb, 2, &sb);
    assert_float_equal(sa.ap, 0.5, EPS);
    assert_memory_equal(&sa, &sb, sizeof sa);

    /* Only unjudged documents retrieved: everything is 0, but the query still counts. */
    metrics_hit c[] = {{"u1", 3.0}, {"u2", 2.0}};
    metrics_scores sc;
    assert_int_equal(metrics_score_query(c, 2, ja, 1, &sc), 1);
    assert_float_equal(sc.ap + sc.ndcg10 + sc.p10 + sc.recall100 + sc.rr, 0.0, EPS);
}

/* A query whose judgments are all gain 0 (or absent) has no scores and says so. */
static void test_no_relevant_excluded(void **state)
{
    (void)state;
    metrics_hit h[] = {{"a", 1.0}};
    metrics_judgment j[] = {{"a", 0}, {"b", 0}};
    metrics_scores s = {1, 1, 1, 1, 1};
    assert_int_equal(metrics_score_query(h, 1, j, 2, &s), 0);
    assert_float_equal(s.ap + s.ndcg10 + s.p10 + s.recall100 + s.rr, 0.0, EPS);
    assert_int_equal(metrics_score_query(h, 1, NULL, 0, &s), 0);

    metrics_mean m = {0};
    metrics_scores one = {1, 1, 1, 1, 1}, zero = {0, 0, 0, 0, 0}, mean;
    metrics_mean_get(&m, &mean);
    assert_float_equal(mean.ap, 0.0, EPS);
    metrics_mean_add(&m, &one);
    metrics_mean_add(&m, &zero);
    metrics_mean_get(&m, &mean);
    assert_int_equal(m.nqueries, 2);
    assert_float_equal(mean.ap, 0.5, EPS);
    assert_float_equal(mean.ndcg10, 0.5, EPS);
    assert_float_equal(mean.rr, 0.5, EPS);
}

/* Graded gains are linear: a perfect order scores 1; putting the gain-1 doc before the
 * gain-3 doc gives (1 + 3/log2(3)) / (3 + 1/log2(3)) = 2.892789 / 3.630930 = 0.796708
 * (with 2^g - 1 gains it would be 0.710). */
static void test_ndcg_graded(void **state)
{
    (void)state;
    metrics_judgment j[] = {{"hi", 3}, {"lo", 1}};
    metrics_hit good[] = {{"hi", 2.0}, {"lo", 1.0}};
    metrics_hit bad[] = {{"hi", 1.0}, {"lo", 2.0}};
    metrics_scores s;
    metrics_score_query(good, 2, j, 2, &s);
    assert_float_equal(s.ndcg10, 1.0, EPS);
    metrics_score_query(bad, 2, j, 2, &s);
    assert_float_equal(s.ndcg10, 0.796708, EPS);
}

/* The ideal DCG keeps the 10 best gains of all judged documents, not of those retrieved:
 * 12 relevant docs of gain 1 and 2, one retrieved (gain 1) at rank 1. The ideal has the
 * two gain-2 docs first: 2 + 2/log2(3) + sum_{r=3..10} 1/log2(r+1). */
static void test_ndcg_ideal_cut_at_10(void **state)
{
    (void)state;
    metrics_judgment j[12];
    char names[12][8];
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "r%02d", i);
        j[i].doc = names[i];
        j[i].gain = i < 2 ? 2 : 1;
    }
    double ideal = 2.0 + 2.0 / log2(3.0);
    for (int r = 3; r <= 10; r++)
        ideal += 1.0 / log2(r + 1.0);
    metrics_hit h[] = {{"r05", 1.0}};
    metrics_scores s;
    assert_int_equal(metrics_score_query(h, 1, j, 12, &s), 12);
    assert_float_equal(s.ndcg10, 1.0 / ideal, EPS);
    assert_float_equal(s.p10, 0.1, EPS);
    assert_float_equal(s.recall100, 1.0 / 12.0, EPS);
}

/* MAP stops at rank 1000, Recall at 100, P at 10. */
static void test_depth_cuts(void **state)
{
    (void)state;
    enum { N = 1001 };
    metrics_hit *h = calloc(N, sizeof *h);
    char (*names)[8] = calloc(N, sizeof *names);
    assert_non_null(h);
    assert_non_null(names);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "n%04d", i);
        h[i].doc = names[i];
        h[i].score = N - i; /* rank i + 1 */
    }
    /* relevant at ranks 11, 101 and 1001 */
    metrics_judgment j[] = {{"n0010", 1}, {"n0100", 1}, {"n1000", 1}};
    metrics_scores s;
    metrics_score_query(h, N, j, 3, &s);
    assert_float_equal(s.p10, 0.0, EPS);
    assert_float_equal(s.recall100, 1.0 / 3.0, EPS);
    assert_float_equal(s.ap, (1.0 / 11 + 2.0 / 101) / 3, EPS);
    assert_float_equal(s.rr, 1.0 / 11, EPS);
    free(h);
    free(names);
}

static char *write_temp(const char *text)
{
    const char *dir = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/test_metrics.XXXXXX", dir && *dir ? dir : "/tmp") < 0)
        return NULL;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_qrels_load(void **state)
{
    (void)state;
    char *path = write_temp("1 0 d1 2\n1 0 d2 0\n\n2\t0\td9\t1\r\n1 0 d1 3\n");
    char *err = NULL;
    metrics_qrels *q = metrics_qrels_load(path, &err);
    assert_null(err);
    assert_non_null(q);
    metrics_judgment *j;
    size_t n;
    metrics_qrels_get(q, "1", &j, &n);
    assert_int_equal(n, 2);
    assert_string_equal(j[0].doc, "d1");
    assert_int_equal(j[0].gain, 3); /* the later line replaced the first */
    metrics_qrels_get(q, "2", &j, &n);
    assert_int_equal(n, 1);
    assert_string_equal(j[0].doc, "d9");
    metrics_qrels_get(q, "3", &j, &n);
    assert_null(j);
    assert_int_equal(n, 0);
    metrics_qrels_free(q);
    unlink(path);
    free(path);
}

static void test_qrels_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want; /* substring of the message */
    } cases[] = {
        {"1 0 d1 1\n1 0 d2\n", ":2: expected 4 fields"},
        {"1 0 d1 x\n", ":1: the gain is not an integer"},
        {"1 0 d1 1 extra\n", ":1: expected 4 fields (qid iter docid gain), found more"},
        {"1 0 d1 99999999999\n", ":1: the gain is not an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = write_temp(cases[i].text);
        char *err = NULL;
        metrics_qrels *q = metrics_qrels_load(path, &err);
        if (q || !err || !strstr(err, cases[i].want) || !strstr(err, path))
            fail_msg("case %zu: got %s, want a message with '%s'", i, err ? err : "(none)",
                     cases[i].want);
        free(err);
        unlink(path);
        free(path);
    }
    char *err = NULL;
    assert_null(metrics_qrels_load("/nonexistent/qrels.txt", &err));
    assert_non_null(strstr(err, "cannot open '/nonexistent/qrels.txt'"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_example),
        cmocka_unit_test(test_input_order_ignored),
        cmocka_unit_test(test_tie_break_docid_descending),
        cmocka_unit_test(test_unjudged_not_relevant),
        cmocka_unit_test(test_no_relevant_excluded),
        cmocka_unit_test(test_ndcg_graded),
        cmocka_unit_test(test_ndcg_ideal_cut_at_10),
        cmocka_unit_test(test_depth_cuts),
        cmocka_unit_test(test_qrels_load),
        cmocka_unit_test(test_qrels_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
