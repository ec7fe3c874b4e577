/*
 * test_merge.c: cmocka tests of trawl_db_merge and trawl_db_count (engine/db.c, with the
 * shim's compaction under them), the pieces behind `trawl index --jobs`: two or three
 * databases merge into one that finds, fetches and counts every article, keeps every
 * filter field and the language, and sums the store totals; the refusals (no source, an
 * existing destination, a missing source, different languages, an id in two sources) each
 * give their status and a message naming the culprit. Each test works in a mkdtemp
 * directory. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "trawl.h"
#include "tests/tmpdir.h"

struct fix {
    char dir[256];
    char src[3][300];
    char dest[300];
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    if (tmpdir_make(f->dir, sizeof f->dir, "test-merge") < 0) {
        free(f);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        snprintf(f->src[i], sizeof f->src[i], "%s/src%d", f->dir, i);
    snprintf(f->dest, sizeof f->dest, "%s/merged", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* Builds a database at `path` in `language` (NULL: the default) from JSON articles. */
static void build(const char *path, const char *language, const char *const *json, size_t n)
{
    trawl_db *db = NULL;
    char *msg = NULL;
    if (trawl_db_open(path, TRAWL_DB_WRITABLE, &db, &msg) != TRAWL_OK)
        fail_msg("open %s: %s", path, msg ? msg : "");
    if (language && trawl_db_set_language(db, language) != TRAWL_OK)
        fail_msg("language %s: %s", language, trawl_db_errmsg(db));
    for (size_t i = 0; i < n; i++) {
        trawl_article *a = NULL;
        if (trawl_article_from_json(json[i], strlen(json[i]), &a, &msg) != TRAWL_OK)
            fail_msg("bad test article %s: %s", json[i], msg ? msg : "");
        if (trawl_db_put(db, a, NULL) != TRAWL_OK)
            fail_msg("put %s: %s", json[i], trawl_db_errmsg(db));
        trawl_article_free(a);
    }
    if (trawl_db_commit(db) != TRAWL_OK)
        fail_msg("commit %s: %s", path, trawl_db_errmsg(db));
    trawl_db_close(db);
}

static trawl_db *open_ro(const char *path)
{
    trawl_db *db = NULL;
    char *msg = NULL;
    if (trawl_db_open(path, TRAWL_DB_READONLY, &db, &msg) != TRAWL_OK)
        fail_msg("open %s: %s", path, msg ? msg : "");
    return db;
}

static trawl_stats stats_of(const char *path)
{
    trawl_stats st;
    trawl_db *db = open_ro(path);
    assert_int_equal(trawl_db_stats(db, &st), TRAWL_OK);
    trawl_db_close(db);
    return st;
}

static size_t hits(trawl_db *db, const char *query)
{
    trawl_query q = {.query = query, .limit = 100};
    trawl_results *r = NULL;
    if (trawl_db_search(db, &q, &r) != TRAWL_OK)
        fail_msg("search '%s': %s", query, trawl_db_errmsg(db));
    size_t n = trawl_results_count(r);
    trawl_results_free(r);
    return n;
}

static const char *const first[] = {
    "{\"id\":\"a1\",\"title\":\"Cocoa harvest\",\"body\":\"Rain in Bahia.\",\"topics\":[\"cocoa\"]}",
    "{\"id\":\"a2\",\"title\":\"Grain exports\",\"body\":\"Wheat shipments rose.\",\"topics\":[\"grain\"]}",
};
static const char *const second[] = {
    "{\"id\":\"b1\",\"title\":\"Oil prices\",\"body\":\"Crude fell.\",\"places\":[\"kuwait\"]}",
    "{\"id\":\"b2\",\"title\":\"Cocoa again\",\"body\":\"Cocoa rose.\",\"date\":\"1987-03-01\"}",
    "{\"id\":\"b3\",\"title\":\"Gold\",\"body\":\"Gold was steady.\"}",
};

static void merge_ok(const char *const *src, size_t n, const char *dest)
{
    char *msg = NULL;
    trawl_status st = trawl_db_merge(src, n, dest, &msg);
    if (st != TRAWL_OK)
        fail_msg("merge: %s: %s", trawl_status_name(st), msg ? msg : "");
    assert_null(msg);
}

static void test_merge_two(void **state)
{
    struct fix *f = *state;
    const char *src[] = {f->src[0], f->src[1]};
    time_t before = time(NULL);
    build(f->src[0], NULL, first, 2);
    build(f->src[1], NULL, second, 3);
    trawl_stats s0 = stats_of(f->src[0]), s1 = stats_of(f->src[1]);
    merge_ok(src, 2, f->dest);

    trawl_stats m = stats_of(f->dest);
    assert_int_equal(m.articles, 5);
    assert_int_equal(m.store_bytes, s0.store_bytes + s1.store_bytes);
    assert_int_equal(m.text_bytes, s0.text_bytes + s1.text_bytes);
    assert_true(m.last_commit >= (int64_t)before);

    trawl_db *db = open_ro(f->dest);
    uint64_t count = 0;
    assert_int_equal(trawl_db_count(db, &count), TRAWL_OK);
    assert_int_equal(count, 5);
    assert_string_equal(trawl_db_language(db), "english");
    assert_int_equal(hits(db, "cocoa"), 2);
    assert_int_equal(hits(db, "topic:grain"), 1); /* a field of the first source */
    assert_int_equal(hits(db, "place:kuwait"), 1); /* a field of the second only */
    assert_int_equal(hits(db, "date:1987..1987"), 1);
    for (size_t i = 0; i < 2; i++) {
        trawl_article *a = NULL;
        const char *id = i ? "b3" : "a1";
        assert_int_equal(trawl_db_get(db, id, &a), TRAWL_OK);
        assert_string_equal(trawl_article_id(a), id);
        trawl_article_free(a);
    }
    trawl_db_close(db);

    /* The sources are as they were. */
    assert_int_equal(stats_of(f->src[0]).articles, 2);
    assert_int_equal(stats_of(f->src[1]).articles, 3);
}

/* The merged database takes new articles, replacements and deletions like any other. */
static void test_merged_is_writable(void **state)
{
    struct fix *f = *state;
    const char *src[] = {f->src[0], f->src[1]};
    build(f->src[0], NULL, first, 2);
    build(f->src[1], NULL, second, 3);
    merge_ok(src, 2, f->dest);
    const char *more[] = {
        "{\"id\":\"b1\",\"title\":\"Oil steady\",\"body\":\"Crude unchanged.\"}",
        "{\"id\":\"c1\",\"title\":\"Copper\",\"body\":\"Copper rose.\"}",
    };
    build(f->dest, NULL, more, 2);
    trawl_db *db = open_ro(f->dest);
    trawl_article *a = NULL;
    assert_int_equal(hits(db, "copper"), 1);
    assert_int_equal(hits(db, "steady"), 2); /* b1 replaced, b3 kept */
    assert_int_equal(trawl_db_get(db, "b1", &a), TRAWL_OK);
    assert_string_equal(trawl_article_get(a, "title"), "Oil steady");
    trawl_article_free(a);
    trawl_db_close(db);
    assert_int_equal(stats_of(f->dest).articles, 6);
}

/* An empty source (a shard that got no article) merges as nothing; so do three. */
static void test_merge_empty_and_three(void **state)
{
    struct fix *f = *state;
    const char *src[] = {f->src[0], f->src[1], f->src[2]};
    build(f->src[0], "french", NULL, 0);
    const char *fr[] = {"{\"id\":\"f1\",\"title\":\"Les marchés\",\"body\":\"Les prix montaient.\"}"};
    build(f->src[1], "french", fr, 1);
    build(f->src[2], "french", NULL, 0);
    merge_ok(src, 3, f->dest);
    trawl_db *db = open_ro(f->dest);
    assert_string_equal(trawl_db_language(db), "french");
    assert_int_equal(hits(db, "prix"), 1);
    assert_int_equal(hits(db, "montait"), 1); /* French stemming still applies */
    trawl_db_close(db);
}

static void expect_refusal(const char *const *src, size_t n, const char *dest,
                           trawl_status want, const char *in_msg)
{
    char *msg = NULL;
    trawl_status st = trawl_db_merge(src, n, dest, &msg);
    if (st != want)
        fail_msg("merge gave %s, want %s (%s)", trawl_status_name(st),
                 trawl_status_name(want), msg ? msg : "");
    assert_non_null(msg);
    if (!strstr(msg, in_msg))
        fail_msg("message '%s' does not name '%s'", msg, in_msg);
    free(msg);
}

static void test_refusals(void **state)
{
    struct fix *f = *state;
    const char *src[] = {f->src[0], f->src[1]};
    const char *missing[] = {f->src[0], f->src[2]};
    build(f->src[0], NULL, first, 2);
    build(f->src[1], NULL, second, 3);
    expect_refusal(src, 0, f->dest, TRAWL_EINVAL, "source");
    expect_refusal(src, 2, NULL, TRAWL_EINVAL, "destination");
    expect_refusal(src, 2, f->src[1], TRAWL_EINVAL, f->src[1]); /* exists */
    expect_refusal(missing, 2, f->dest, TRAWL_ENOTFOUND, f->src[2]);
    assert_int_equal(trawl_db_merge(src, 2, f->src[0], NULL), TRAWL_EINVAL); /* no errmsg */
}

static void test_languages_differ(void **state)
{
    struct fix *f = *state;
    const char *src[] = {f->src[0], f->src[1]};
    build(f->src[0], NULL, first, 2);
    build(f->src[1], "german", NULL, 0);
    expect_refusal(src, 2, f->dest, TRAWL_EINVAL, "german");
}

static void test_duplicate_id(void **state)
{
    struct fix *f = *state;
    const char *src[] = {f->src[0], f->src[1]};
    const char *dup[] = {"{\"id\":\"a2\",\"title\":\"Again\",\"body\":\"Twice.\"}"};
    build(f->src[0], NULL, first, 2);
    build(f->src[1], NULL, dup, 1);
    expect_refusal(src, 2, f->dest, TRAWL_EINVAL, "'a2'");
}

static void test_count(void **state)
{
    struct fix *f = *state;
    trawl_db *w = NULL;
    uint64_t n = 99;
    assert_int_equal(trawl_db_count(NULL, &n), TRAWL_EINVAL);
    assert_int_equal(trawl_db_open(f->src[0], TRAWL_DB_WRITABLE, &w, NULL), TRAWL_OK);
    assert_int_equal(trawl_db_count(w, NULL), TRAWL_EINVAL);
    assert_int_equal(trawl_db_count(w, &n), TRAWL_OK);
    assert_int_equal(n, 0);
    trawl_article *a = NULL;
    assert_int_equal(trawl_article_new("x", &a), TRAWL_OK);
    assert_int_equal(trawl_db_put(w, a, NULL), TRAWL_OK);
    trawl_article_free(a);
    assert_int_equal(trawl_db_count(w, &n), TRAWL_OK);
    assert_int_equal(n, 1); /* a writer counts its uncommitted articles */
    trawl_db_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_two, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merged_is_writable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_empty_and_three, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_languages_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
