/*
 * test_writer.c: cmocka tests for the one-job indexer's database writer (index/writer.c),
 * on databases in a mkdtemp directory, with a thread and without: prepared articles are
 * put in order and committed in whole batches by count and by bytes (a read-only handle
 * sees a prefix of whole batches after writer_sync), replacements are counted, a database
 * that refuses the articles stops the writer with a message naming it, and a writer freed
 * without finishing drops its queue. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "index/writer.h"
#include "tests/tmpdir.h"

typedef struct {
    char dir[128];
    char db[160];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || tmpdir_make(f->dir, sizeof f->dir, "writer") < 0)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (tmpdir_remove(f->dir) < 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* Article "r<id>" prepared by p (the caller's). */
static trawl_prepared *prepared(trawl_preparer *p, int id)
{
    char json[128];
    trawl_article *a = NULL;
    trawl_prepared *doc = NULL;
    snprintf(json, sizeof json, "{\"id\":\"r%d\",\"title\":\"Record %d\",\"body\":\"text\"}",
             id, id);
    assert_int_equal(trawl_article_from_json(json, strlen(json), &a, NULL), TRAWL_OK);
    assert_int_equal(trawl_prepare(p, a, &doc), TRAWL_OK);
    trawl_article_free(a);
    return doc;
}

/* The number of articles committed, as a separate read-only handle sees it. */
static uint64_t committed(fixture *f)
{
    trawl_db *r = NULL;
    uint64_t n = 0;
    assert_int_equal(trawl_db_open(f->db, TRAWL_DB_READONLY, &r, NULL), TRAWL_OK);
    assert_int_equal(trawl_db_count(r, &n), TRAWL_OK);
    trawl_db_close(r);
    return n;
}

static const struct {
    int threaded;
    uint64_t batch, batch_bytes; /* bytes: each article counts 100 */
    int n;                       /* articles put, ids r0..r(n-1) */
    uint64_t at_sync;            /* committed after writer_sync */
    uint64_t commits;            /* after writer_finish */
} batch_cases[] = {
    {1, 10, 1 << 20, 25, 20, 3},
    {0, 10, 1 << 20, 25, 20, 3},
    {1, 1000, 300, 7, 6, 3},
    {0, 1000, 300, 7, 6, 3},
    {1, 5, 1 << 20, 5, 5, 1},
};

static void test_batches(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof batch_cases / sizeof batch_cases[0]; i++) {
        snprintf(f->db, sizeof f->db, "%s/db%zu", f->dir, i);
        trawl_db *db = NULL;
        trawl_preparer *p = NULL;
        writer *w = NULL;
        char *msg = NULL;
        writer_counts c;
        assert_int_equal(trawl_db_open(f->db, TRAWL_DB_WRITABLE, &db, NULL), TRAWL_OK);
        assert_int_equal(trawl_preparer_new(db, &p), TRAWL_OK);
        assert_int_equal(writer_new(db, batch_cases[i].batch, batch_cases[i].batch_bytes,
                                    batch_cases[i].threaded, &w, &msg),
                         TRAWL_OK);
        for (int k = 0; k < batch_cases[i].n; k++)
            assert_int_equal(writer_put(w, prepared(p, k), 100), TRAWL_OK);
        assert_int_equal(writer_sync(w), TRAWL_OK);
        if (committed(f) != batch_cases[i].at_sync)
            fail_msg("case %zu: %llu committed after sync, not %llu", i,
                     (unsigned long long)committed(f),
                     (unsigned long long)batch_cases[i].at_sync);
        assert_int_equal(writer_put(w, prepared(p, 0), 100), TRAWL_OK); /* replaces r0 */
        assert_int_equal(writer_finish(w), TRAWL_OK);
        assert_int_equal(committed(f), batch_cases[i].n);
        writer_get_counts(w, &c);
        assert_int_equal(c.added, batch_cases[i].n);
        assert_int_equal(c.replaced, 1);
        if (c.commits != batch_cases[i].commits + (batch_cases[i].n % batch_cases[i].batch == 0))
            fail_msg("case %zu: %llu commits", i, (unsigned long long)c.commits);
        assert_null(writer_error(w));
        writer_free(w);
        trawl_preparer_free(p);
        trawl_db_close(db);
    }
}

/* A database that refuses articles (open read-only) stops the writer, whose message
 * names it; later documents are freed, not put. */
static void test_failure(void **state)
{
    fixture *f = *state;
    for (int threaded = 0; threaded <= 1; threaded++) {
        trawl_db *db = NULL;
        trawl_preparer *p = NULL;
        writer *w = NULL;
        char *msg = NULL;
        assert_int_equal(trawl_db_open(f->db, TRAWL_DB_WRITABLE, &db, NULL), TRAWL_OK);
        assert_int_equal(trawl_preparer_new(db, &p), TRAWL_OK);
        trawl_db_close(db);
        assert_int_equal(trawl_db_open(f->db, TRAWL_DB_READONLY, &db, NULL), TRAWL_OK);
        assert_int_equal(writer_new(db, 10, 1 << 20, threaded, &w, &msg), TRAWL_OK);
        trawl_status st = writer_put(w, prepared(p, 1), 100);
        if (st == TRAWL_OK) /* a thread fails later */
            st = writer_sync(w);
        assert_int_equal(st, TRAWL_EINVAL);
        assert_int_equal(writer_put(w, prepared(p, 2), 100), TRAWL_EINVAL);
        assert_int_equal(writer_finish(w), TRAWL_EINVAL);
        assert_non_null(writer_error(w));
        assert_non_null(strstr(writer_error(w), f->db));
        writer_counts c;
        writer_get_counts(w, &c);
        assert_int_equal(c.added + c.replaced + c.commits, 0);
        writer_free(w);
        trawl_preparer_free(p);
        trawl_db_close(db);
    }
}

/* Freed without writer_finish: the queue is dropped (under ASan: freed), nothing crashes,
 * and what was committed is whole batches. */
static void test_free_unfinished(void **state)
{
    fixture *f = *state;
    trawl_db *db = NULL;
    trawl_preparer *p = NULL;
    writer *w = NULL;
    char *msg = NULL;
    assert_int_equal(trawl_db_open(f->db, TRAWL_DB_WRITABLE, &db, NULL), TRAWL_OK);
    assert_int_equal(trawl_preparer_new(db, &p), TRAWL_OK);
    assert_int_equal(writer_new(db, 4, 1 << 20, 1, &w, &msg), TRAWL_OK);
    for (int k = 0; k < WRITER_QUEUE; k++)
        assert_int_equal(writer_put(w, prepared(p, k), 100), TRAWL_OK);
    writer_free(w);
    writer_free(NULL);
    uint64_t n = committed(f);
    if (n % 4 != 0)
        fail_msg("%llu articles committed: not whole batches of 4", (unsigned long long)n);
    trawl_preparer_free(p);
    trawl_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_unfinished, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
