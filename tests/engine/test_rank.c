/*
 * test_rank.c: the fast path of the default ranking (engine/rank.h) against Xapian's own
 * IneB2Weight. Two read-only handles on one database, the second opened with
 * TRAWL_XAPIAN_WEIGHTS=1, must give every query the same hits, in the same order, with
 * bit-identical scores, the same estimated total and the same snippets: over a generated corpus (thousands
 * of documents, so postings span many chunks) with queries of every kind the parser makes
 * (terms, partial last words, phrases, AND/OR/NOT, +/-, title:, filters, dates, stop
 * words, repeated terms), after a writer commits more documents (the length table must
 * follow the revision), and over Reuters with the public query set when $TRAWL_SHARED
 * holds it (skipped, saying so, when it does not).
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
#include <zlib.h>

#include "tests/engine/reuters.h"
#include "trawl.h"
#include "tests/tmpdir.h"

#define NDOCS 3000
#define NWORDS 1500

static char tmpl[1024];
static char *dir;
static char words[NWORDS][12];
static uint64_t rng = 88172645463325252ull;

static unsigned next_rand(void) /* xorshift64: the same corpus on every run */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

/* A word index with a Zipf-like skew: low indexes are common. */
static unsigned zipf_word(void)
{
    unsigned a = next_rand() % NWORDS;
    unsigned b = next_rand() % NWORDS;
    return (a * (b + 1)) / NWORDS;
}

static void make_words(void)
{
    static const char *const syl[] = {"ka", "to", "ri", "men", "sol", "da", "vu", "pre",
                                      "lin", "or", "tax", "ex", "qua", "bel", "no", "im"};
    for (unsigned i = 0; i < NWORDS; i++) {
        unsigned n = 1 + i % 3, x = i;
        words[i][0] = '\0';
        for (unsigned k = 0; k <= n; k++) {
            strcat(words[i], syl[x % 16]);
            x /= 16;
        }
    }
}

static void append(char **p, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = 2 * (*len + n + 1);
        *p = realloc(*p, *cap);
        assert_non_null(*p);
    }
    memcpy(*p + *len, s, n + 1);
    *len += n;
}

/* Article i of the generated corpus (ids gen-<i>), with `salt` varying the text. */
static trawl_article *gen_article(unsigned i, const char *salt)
{
    static const char *const stops[] = {"the", "of", "and", "a", "in", "to"};
    static const char *const topics[] = {"grain", "oil", "gold", "trade", "money-fx"};
    trawl_article *a = NULL;
    char id[32], date[32], *text = NULL;
    size_t len = 0, cap = 0;
    unsigned long_one = next_rand() % 7 == 0; /* one call per statement: a fixed order */
    unsigned n = 5 + next_rand() % (long_one ? 600 : 120), ntitle = 3 + next_rand() % 6;
    unsigned year = next_rand() % 10, month = 1 + next_rand() % 9, day = next_rand() % 10;

    snprintf(id, sizeof id, "gen-%u%s", i, salt);
    assert_int_equal(trawl_article_new(id, &a), TRAWL_OK);
    for (unsigned k = 0; k < ntitle; k++) {
        append(&text, &len, &cap, k ? " " : "");
        append(&text, &len, &cap, words[zipf_word()]);
    }
    assert_int_equal(trawl_article_set(a, "title", text), TRAWL_OK);
    len = 0;
    for (unsigned k = 0; k < n; k++) {
        append(&text, &len, &cap, k ? " " : "");
        unsigned stop = next_rand() % 5 == 0;
        append(&text, &len, &cap, stop ? stops[next_rand() % 6] : words[zipf_word()]);
    }
    append(&text, &len, &cap, salt);
    assert_int_equal(trawl_article_set(a, "body", text), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "topic", topics[next_rand() % 5]), TRAWL_OK);
    snprintf(date, sizeof date, "198%u-0%u-1%u", year, month, day);
    if (i % 11)
        assert_int_equal(trawl_article_set(a, "date", date), TRAWL_OK);
    free(text);
    return a;
}

static void add_docs(trawl_db *w, unsigned from, unsigned to, const char *salt)
{
    for (unsigned i = from; i < to; i++) {
        trawl_article *a = gen_article(i, salt);
        assert_int_equal(trawl_db_put(w, a, NULL), TRAWL_OK);
        trawl_article_free(a);
        if (i % 700 == 699)
            assert_int_equal(trawl_db_commit(w), TRAWL_OK); /* several chunks, several revisions */
    }
    assert_int_equal(trawl_db_commit(w), TRAWL_OK);
}

static trawl_db *open_ro(const char *path, int xapian_weights)
{
    trawl_db *db = NULL;
    if (xapian_weights)
        setenv("TRAWL_XAPIAN_WEIGHTS", "1", 1);
    assert_int_equal(trawl_db_open(path, TRAWL_DB_READONLY, &db, NULL), TRAWL_OK);
    unsetenv("TRAWL_XAPIAN_WEIGHTS");
    return db;
}

/* Runs q on both handles; fails on any difference. Returns the number of hits compared;
 * a query both reject (a syntax error) compares its status and counts 0. */
static size_t compare(trawl_db *fast, trawl_db *slow, const trawl_query *q)
{
    trawl_results *a = NULL, *b = NULL;
    trawl_status sa = trawl_db_search(fast, q, &a), sb = trawl_db_search(slow, q, &b);
    size_t n;

    if (sa != sb)
        fail_msg("'%s': status %s vs %s (%s)", q->query, trawl_status_name(sa),
                 trawl_status_name(sb), trawl_db_errmsg(sa ? fast : slow));
    if (sa != TRAWL_OK)
        return 0;
    n = trawl_results_count(a);
    if (n != trawl_results_count(b))
        fail_msg("'%s': %zu hits vs %zu", q->query, n, trawl_results_count(b));
    if (trawl_results_total(a) != trawl_results_total(b))
        fail_msg("'%s': total %llu vs %llu", q->query,
                 (unsigned long long)trawl_results_total(a),
                 (unsigned long long)trawl_results_total(b));
    for (size_t i = 0; i < n; i++) {
        const trawl_hit *x = trawl_results_hit(a, i), *y = trawl_results_hit(b, i);
        if (strcmp(x->id, y->id) != 0 || x->score != y->score)
            fail_msg("'%s' hit %zu: %s %.17g vs %s %.17g", q->query, i + 1, x->id, x->score,
                     y->id, y->score);
        /* snippets read the match's term weights: those must be Xapian's too */
        if (strcmp(x->snippet, y->snippet) != 0 || x->nhighlights != y->nhighlights ||
            (x->nhighlights && memcmp(x->highlights, y->highlights,
                                      x->nhighlights * sizeof *x->highlights) != 0))
            fail_msg("'%s' hit %zu (%s): snippet '%s' vs '%s'", q->query, i + 1, x->id,
                     x->snippet, y->snippet);
    }
    trawl_results_free(a);
    trawl_results_free(b);
    return n;
}

static const char *const fixed_queries[] = {
    "tax", "tax ", "taxka", "ka", "k", "zzzz", "zzzz ", "the", "the of and", "of tax",
    "tax tax", "tax tax ", "\"tax ka\"", "\"ka to ri\" men", "tax AND ka", "tax OR ka",
    "tax NOT ka", "NOT tax", "-ka tax", "+ka tax", "+ka +to", "title:tax", "title:ka to",
    "title:ka ", "topic:grain", "topic:grain tax", "tax topic:oil", "date:1983..1985 ka",
    "date:1983..1985", "ka date:..1982", "(tax OR ka) AND to", "tax -topic:gold",
    "sol AND NOT (tax OR ka)", "\"tax\"", "ka*", "tax ka to ri men sol da vu pre lin or",
    "zyxq", "zyxq tax", "quabel ", "OR", "\"unclosed",
};

/* Queries of every kind over the generated words, then the fixed ones. */
static size_t compare_all(trawl_db *fast, trawl_db *slow, size_t *nqueries)
{
    size_t hits = 0;
    char q[256];
    unsigned limits[] = {10, 1, 50};

    for (size_t i = 0; i < sizeof fixed_queries / sizeof fixed_queries[0]; i++)
        for (unsigned l = 0; l < 3; l++) {
            trawl_query tq = {.query = fixed_queries[i], .limit = limits[l],
                              .snippet_chars = l == 0 ? 80 : 0};
            hits += compare(fast, slow, &tq);
            (*nqueries)++;
        }
    for (unsigned i = 0; i < 400; i++) {
        unsigned n = 1 + next_rand() % 4;
        q[0] = '\0';
        for (unsigned k = 0; k < n; k++) {
            if (k)
                strcat(q, next_rand() % 6 ? " " : next_rand() % 2 ? " AND " : " OR "); /* ?: orders */
            strcat(q, words[zipf_word()]);
        }
        if (i % 3 == 0) /* a partial last word: a prefix of a word */
            q[strlen(q) - 1 - next_rand() % 2] = '\0';
        if (i % 3 == 1)
            strcat(q, " ");
        trawl_query tq = {.query = q, .limit = 10, .offset = i % 7 == 0 ? 5 : 0,
                          .snippet_chars = i % 2 ? 60 : 0};
        hits += compare(fast, slow, &tq);
        (*nqueries)++;
    }
    return hits;
}

static void test_generated(void **state)
{
    trawl_db *w = NULL, *fast, *slow;
    size_t nq = 0, hits;
    int changed = 0;
    (void)state;

    make_words();
    assert_int_equal(trawl_db_open(dir, TRAWL_DB_WRITABLE, &w, NULL), TRAWL_OK);
    add_docs(w, 0, NDOCS, "");
    fast = open_ro(dir, 0);
    slow = open_ro(dir, 1);
    hits = compare_all(fast, slow, &nq);
    printf("generated corpus: %zu queries, %zu hits identical\n", nq, hits);
    assert_true(hits > 4000); /* the comparison is not vacuous */

    /* A writer adds and replaces documents: the length table must follow the revision. */
    add_docs(w, NDOCS - 200, NDOCS + 500, " zyxq quabel");
    assert_int_equal(trawl_db_reopen(fast, &changed), TRAWL_OK);
    assert_true(changed);
    assert_int_equal(trawl_db_reopen(slow, &changed), TRAWL_OK);
    trawl_query salted = {.query = "zyxq", .limit = 1000};
    assert_int_equal(compare(fast, slow, &salted), 700); /* the new and replaced ones */
    nq = 0;
    hits = compare_all(fast, slow, &nq);
    printf("after a writer's commits: %zu queries, %zu hits identical\n", nq, hits);
    assert_true(hits > 4000);
    trawl_db_close(fast);
    trawl_db_close(slow);
    trawl_db_close(w);
}

/* Reuters with the public queries, as typed (a partial last word) and completed. */
static void test_reuters(void **state)
{
    char corpus[1024], queries[1024], line[4096], path[1200];
    trawl_db *w = NULL, *fast, *slow;
    size_t nq = 0, hits = 0;
    FILE *qf;
    (void)state;

    if (!reuters_files("the Reuters comparison", corpus, sizeof corpus, queries,
                       sizeof queries))
        skip();
    snprintf(path, sizeof path, "%s/reuters", dir);
    assert_int_equal(trawl_db_open(path, TRAWL_DB_WRITABLE, &w, NULL), TRAWL_OK);
    assert_int_equal(reuters_index(w, corpus), REUTERS_ARTICLES);
    trawl_db_close(w);
    fast = open_ro(path, 0);
    slow = open_ro(path, 1);
    assert_non_null(qf = fopen(queries, "r"));
    while (fgets(line, sizeof line - 2, qf)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        trawl_query q = {.query = line, .limit = 10, .snippet_chars = nq % 4 ? 0 : 200};
        hits += compare(fast, slow, &q);
        strcat(line, " ");
        hits += compare(fast, slow, &q);
        nq += 2;
    }
    fclose(qf);
    printf("Reuters: %zu queries, %zu hits identical\n", nq, hits);
    assert_true(nq >= 2000 && hits > 10000);
    trawl_db_close(fast);
    trawl_db_close(slow);
}

static int setup(void **state)
{
    (void)state;
    if (tmpdir_make(tmpl, sizeof tmpl, "rank") < 0)
        return -1;
    dir = tmpl;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_reuters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
