/*
 * test_shards.c: cmocka tests of index/shards.c, the parallel build behind
 * `trawl index --jobs`: articles spread over the workers and merged give one database
 * holding each id once (the last copy of a duplicate wins), with the workers' counts;
 * the target is untouched until the merge, and stays empty when the shards are dropped;
 * no shard directory outlives the shards, and shards_clean removes stale ones of this
 * target only; the indexing loop feeds shards like a database. Each test works in a
 * mkdtemp directory. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/indexer.h"
#include "index/shards.h"
#include "tests/tmpdir.h"

typedef struct {
    char dir[128];
    char db[160];
    trawl_db *target;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || tmpdir_make(f->dir, sizeof f->dir, "shards") < 0)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/db", f->dir);
    if (trawl_db_open(f->db, TRAWL_DB_WRITABLE, &f->target, NULL) != TRAWL_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    trawl_db_close(f->target);
    if (tmpdir_remove(f->dir) < 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* How many entries of the fixture's directory contain `part` in their name. */
static int entries_with(fixture *f, const char *part)
{
    DIR *d = opendir(f->dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += strstr(e->d_name, part) != NULL;
    closedir(d);
    return n;
}

static trawl_article *article(const char *id, const char *title)
{
    trawl_article *a = NULL;
    assert_int_equal(trawl_article_new(id, &a), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "title", title), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "body", "some body text"), TRAWL_OK);
    return a;
}

static uint64_t count(trawl_db *db)
{
    uint64_t n = 0;
    assert_int_equal(trawl_db_count(db, &n), TRAWL_OK);
    return n;
}

static shards *make(fixture *f, unsigned n)
{
    shards *s = NULL;
    char *msg = NULL;
    if (shards_new(f->target, n, 10, 1 << 20, &s, &msg) != TRAWL_OK)
        fail_msg("shards_new: %s", msg ? msg : "");
    assert_int_equal(entries_with(f, ".trawl-shards."), 1);
    return s;
}

static void test_put_finish_merge(void **state)
{
    fixture *f = *state;
    shards *s = make(f, 3);
    shards_counts c;
    char id[16], *msg = NULL;
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "r%d", i);
        assert_int_equal(shards_put(s, article(id, "First"), "in.jsonl", (uint64_t)i + 1, 100),
                         TRAWL_OK);
    }
    assert_int_equal(shards_put(s, article("r7", "Last"), "in.jsonl", 51, 100), TRAWL_OK);
    assert_int_equal(count(f->target), 0); /* nothing reaches the target before the merge */
    assert_int_equal(shards_finish(s, &c), TRAWL_OK);
    assert_int_equal(c.added, 50);
    assert_int_equal(c.replaced, 1);
    assert_true(c.commits >= 5); /* batches of 10 in each shard */
    assert_null(shards_next_message(s));
    assert_null(shards_error(s));
    assert_int_equal(count(f->target), 0);

    if (shards_merge(s, &f->target, &msg) != TRAWL_OK)
        fail_msg("merge: %s", msg ? msg : "");
    assert_non_null(f->target); /* now read-only, on the merged database */
    assert_int_equal(count(f->target), 50);
    trawl_article *a = NULL;
    assert_int_equal(trawl_db_get(f->target, "r7", &a), TRAWL_OK);
    assert_string_equal(trawl_article_get(a, "title"), "Last");
    trawl_article_free(a);
    shards_free(s);
    assert_int_equal(entries_with(f, ".trawl-shards."), 0);

    /* The merged database is a normal one: writable again, with the ids in it. */
    trawl_db *w = NULL;
    trawl_put_result r = 0;
    trawl_db_close(f->target);
    f->target = NULL;
    assert_int_equal(trawl_db_open(f->db, TRAWL_DB_WRITABLE, &w, NULL), TRAWL_OK);
    a = article("r3", "Replaced");
    assert_int_equal(trawl_db_put(w, a, &r), TRAWL_OK);
    assert_int_equal(r, TRAWL_PUT_REPLACED);
    trawl_article_free(a);
    assert_int_equal(count(w), 50);
    trawl_db_close(w);
}

/* Dropped without a merge (a failure elsewhere): the target stays empty, the shard
 * directory goes, queued articles are freed (ASan would see a leak). */
static void test_free_without_merge(void **state)
{
    fixture *f = *state;
    shards *s = make(f, 2);
    for (int i = 0; i < 200; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%d", i);
        assert_int_equal(shards_put(s, article(id, "Dropped"), NULL, 0, 10), TRAWL_OK);
    }
    shards_free(s);
    assert_int_equal(entries_with(f, ".trawl-shards."), 0);
    assert_int_equal(count(f->target), 0);
    shards_free(NULL);
}

static void test_merge_needs_finish(void **state)
{
    fixture *f = *state;
    shards *s = make(f, 2);
    char *msg = NULL;
    trawl_db *before = f->target;
    assert_int_equal(shards_merge(s, &f->target, &msg), TRAWL_EINVAL);
    assert_non_null(msg);
    assert_ptr_equal(f->target, before);
    free(msg);
    shards_free(s);
}

static void test_bad_counts(void **state)
{
    fixture *f = *state;
    static const unsigned bad[] = {0, 1, SHARDS_MAX + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        shards *s = (shards *)1;
        char *msg = NULL;
        assert_int_equal(shards_new(f->target, bad[i], 10, 10, &s, &msg), TRAWL_EINVAL);
        assert_null(s);
        assert_non_null(msg);
        free(msg);
    }
    assert_int_equal(entries_with(f, ".trawl-shards."), 0);
}

static void make_dir(fixture *f, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/%s/shard-0", f->dir, name);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/%s/shard-0/junk", f->dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("left by a killed run\n", fp);
    fclose(fp);
}

/* Stale directories of this target go; another target's (even one whose name starts
 * with this one's) stay. A trailing slash on the path changes nothing. */
static void test_clean(void **state)
{
    fixture *f = *state;
    char path[128];
    make_dir(f, "db.trawl-shards.AbC123");
    make_dir(f, "db.trawl-shards.zzzzzz");
    make_dir(f, "dbx.trawl-shards.AbC123");
    make_dir(f, "db.keep");
    snprintf(path, sizeof path, "%s/", f->db);
    shards_clean(path);
    assert_int_equal(entries_with(f, "db.trawl-shards."), 0);
    assert_int_equal(entries_with(f, "dbx.trawl-shards."), 1);
    assert_int_equal(entries_with(f, "db.keep"), 1);
    assert_int_equal(entries_with(f, "db"), 3); /* db, dbx..., db.keep */
}

/* The indexing loop hands articles to the shards; a bad record is skipped as usual. */
static void test_indexer_feeds_shards(void **state)
{
    fixture *f = *state;
    char input[128], *msg = NULL;
    snprintf(input, sizeof input, "%s/in.jsonl", f->dir);
    FILE *fp = fopen(input, "w");
    assert_non_null(fp);
    for (int i = 0; i < 30; i++)
        fprintf(fp, i == 4 ? "{\"id\":\"x%d\",\"title\":7}\n"
                           : "{\"id\":\"x%d\",\"title\":\"T\",\"body\":\"b\"}\n", i % 25);
    fclose(fp);
    shards *s = make(f, 2);
    indexer_options opt = {.shards = s};
    indexer *ix = indexer_new(f->target, &opt);
    assert_non_null(ix);
    assert_int_equal(indexer_add(ix, input), INDEXER_OK);
    assert_int_equal(indexer_finish(ix), INDEXER_OK);
    const indexer_counts *c = indexer_get_counts(ix);
    assert_int_equal(c->added, 25);   /* x0..x24, x4 from line 30 (line 5 is bad) */
    assert_int_equal(c->replaced, 4); /* x0..x3 again, lines 26..29 */
    assert_int_equal(c->skipped, 1);
    if (shards_merge(s, &f->target, &msg) != TRAWL_OK)
        fail_msg("merge: %s", msg ? msg : "");
    assert_int_equal(count(f->target), 25);
    indexer_free(ix);
    shards_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_finish_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_without_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_needs_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indexer_feeds_shards, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
