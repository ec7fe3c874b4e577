/*
 * test_indexer.c: cmocka tests for the indexing loop (index/indexer.c) and its summary
 * line (index/progress.c), on databases in a mkdtemp directory: commits come in batches
 * by count and by bytes (a second, read-only handle sees only whole batches before the
 * end), with the database written on a second thread or on the caller's, bad records are counted and skipped or, with strict, stop the loop, a stop flag
 * interrupts it, and the input size is known only for regular files. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "index/indexer.h"
#include "index/progress.h"
#include "tests/tmpdir.h"

typedef struct {
    char dir[128];
    char db[160];
    char input[160];
    trawl_db *w;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || tmpdir_make(f->dir, sizeof f->dir, "indexer") < 0)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/db", f->dir);
    snprintf(f->input, sizeof f->input, "%s/in.jsonl", f->dir);
    if (trawl_db_open(f->db, TRAWL_DB_WRITABLE, &f->w, NULL) != TRAWL_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    trawl_db_close(f->w);
    if (tmpdir_remove(f->dir) < 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* Record i as one JSON line (without its LF) in buf; broken when `bad`. Its length. */
static int record(char *buf, size_t size, int i, int bad)
{
    if (bad)
        return snprintf(buf, size, "{\"id\":\"r%d\",\"title\":7}", i);
    return snprintf(buf, size, "{\"id\":\"r%d\",\"title\":\"Record %d\",\"body\":\"text\"}",
                    i, i);
}

/* Writes n records "r0".."r(n-1)" to the input file; record `bad` (if < n) is broken. */
static void write_records(fixture *f, int n, int bad)
{
    char line[128];
    FILE *fp = fopen(f->input, "w");
    assert_non_null(fp);
    for (int i = 0; i < n; i++) {
        record(line, sizeof line, i, i == bad);
        fprintf(fp, "%s\n", line);
    }
    fclose(fp);
}

/* The number of articles committed, as a separate read-only handle sees it. */
static uint64_t committed(fixture *f)
{
    trawl_db *r = NULL;
    trawl_stats st;
    assert_int_equal(trawl_db_open(f->db, TRAWL_DB_READONLY, &r, NULL), TRAWL_OK);
    assert_int_equal(trawl_db_stats(r, &st), TRAWL_OK);
    trawl_db_close(r);
    return st.articles;
}

/* Batches of 10 out of 25 articles, written on a second thread or (one_thread) not. */
static void batches_by_count(fixture *f, int one_thread)
{
    indexer_options o = {.batch = 10, .total_bytes = -1, .one_thread = one_thread};
    write_records(f, 25, 99);
    indexer *ix = indexer_new(f->w, &o);
    assert_non_null(ix);
    assert_int_equal(indexer_add(ix, f->input), INDEXER_OK);
    assert_int_equal(committed(f), 20); /* two whole batches; five in flight */
    assert_int_equal(indexer_finish(ix), INDEXER_OK);
    assert_int_equal(committed(f), 25);
    const indexer_counts *c = indexer_get_counts(ix);
    assert_int_equal(c->added, 25);
    assert_int_equal(c->replaced, 0);
    assert_int_equal(c->skipped, 0);
    assert_int_equal(c->commits, 3);
    struct stat st;
    assert_int_equal(stat(f->input, &st), 0);
    assert_int_equal(c->bytes, (uint64_t)st.st_size);
    indexer_free(ix);

    /* Again: all replaced, none added, still 25. */
    ix = indexer_new(f->w, &o);
    assert_int_equal(indexer_add(ix, f->input), INDEXER_OK);
    assert_int_equal(indexer_finish(ix), INDEXER_OK);
    assert_int_equal(indexer_get_counts(ix)->replaced, 25);
    assert_int_equal(indexer_get_counts(ix)->added, 0);
    assert_int_equal(committed(f), 25);
    indexer_free(ix);
}

static void test_batches_by_count(void **state)
{
    batches_by_count(*state, 0);
}

static void test_batches_by_count_one_thread(void **state)
{
    batches_by_count(*state, 1);
}

static void test_batches_by_bytes(void **state)
{
    fixture *f = *state;
    char line[128];
    int len = record(line, sizeof line, 0, 0);
    indexer_options o = {.batch = 1000, .batch_bytes = 2 * (uint64_t)len, .total_bytes = -1};
    write_records(f, 6, 99); /* records of the same length: a commit every 2 */
    indexer *ix = indexer_new(f->w, &o);
    assert_int_equal(indexer_add(ix, f->input), INDEXER_OK);
    assert_int_equal(committed(f), 6);
    assert_int_equal(indexer_get_counts(ix)->commits, 3);
    indexer_free(ix);
}

static void test_bad_record_skipped(void **state)
{
    fixture *f = *state;
    indexer_options o = {.total_bytes = -1};
    write_records(f, 5, 2);
    indexer *ix = indexer_new(f->w, &o);
    assert_int_equal(indexer_add(ix, f->input), INDEXER_OK);
    assert_int_equal(indexer_finish(ix), INDEXER_OK);
    assert_int_equal(indexer_get_counts(ix)->added, 4);
    assert_int_equal(indexer_get_counts(ix)->skipped, 1);
    assert_int_equal(committed(f), 4);
    indexer_free(ix);
}

static void test_strict(void **state)
{
    fixture *f = *state;
    indexer_options o = {.strict = 1, .total_bytes = -1};
    write_records(f, 5, 2);
    indexer *ix = indexer_new(f->w, &o);
    assert_int_equal(indexer_add(ix, f->input), INDEXER_STRICT_STOP);
    assert_int_equal(indexer_finish(ix), INDEXER_OK);
    assert_int_equal(indexer_get_counts(ix)->added, 2);
    assert_int_equal(indexer_get_counts(ix)->skipped, 1);
    assert_int_equal(committed(f), 2); /* what came before the bad record */
    indexer_free(ix);
}

static void test_stop_flag(void **state)
{
    fixture *f = *state;
    volatile sig_atomic_t stop = 1;
    indexer_options o = {.total_bytes = -1, .stop = &stop};
    write_records(f, 5, 99);
    indexer *ix = indexer_new(f->w, &o);
    assert_int_equal(indexer_add(ix, f->input), INDEXER_INTERRUPTED);
    assert_int_equal(indexer_finish(ix), INDEXER_OK);
    assert_int_equal(indexer_get_counts(ix)->added, 0);
    indexer_free(ix);
}

static void test_missing_and_unknown(void **state)
{
    fixture *f = *state;
    char path[256];
    indexer_options o = {.total_bytes = -1};
    indexer *ix = indexer_new(f->w, &o);
    snprintf(path, sizeof path, "%s/none.jsonl", f->dir);
    assert_int_equal(indexer_add(ix, path), INDEXER_OK);
    assert_int_equal(indexer_add(ix, f->db), INDEXER_OK); /* a directory with no articles */
    assert_int_equal(indexer_get_counts(ix)->skipped, 1);
    indexer_free(ix);
}

static void test_input_size(void **state)
{
    fixture *f = *state;
    write_records(f, 3, 99);
    struct stat st;
    assert_int_equal(stat(f->input, &st), 0);
    char *two[] = {f->input, f->input};
    assert_int_equal(indexer_input_size(two, 2), 2 * (int64_t)st.st_size);
    char *with_stdin[] = {f->input, "-"};
    assert_int_equal(indexer_input_size(with_stdin, 2), -1);
    char *with_dir[] = {f->dir};
    assert_int_equal(indexer_input_size(with_dir, 1), -1);
}

static void test_summary_line(void **state)
{
    (void)state;
    char buf[256] = "";
    FILE *fp = fmemopen(buf, sizeof buf, "w");
    progress_summary(fp, 3, 2, 1, 2500000, 1.25, 1200000, 9000000);
    progress_summary(fp, 1, 0, 0, 0, 0, -1, -1);
    fclose(fp);
    assert_string_equal(buf, "trawl: indexed 5 articles (3 added, 2 replaced, 1 skipped) from "
                             "2.5 MB in 1.2 s; store 1.2 MB, database 9.0 MB\n"
                             "trawl: indexed 1 article (1 added, 0 replaced, 0 skipped) from "
                             "0.0 MB in 0.0 s\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batches_by_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_by_count_one_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_by_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_record_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_size, setup, teardown),
        cmocka_unit_test(test_summary_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
