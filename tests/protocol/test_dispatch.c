/*
 * test_dispatch.c: in-process tests of the dispatcher (protocol/dispatch.c), the path a
 * fuzzer takes: request line in, response bytes out, against a small database built with
 * the engine API in a mkdtemp directory. Checks the response shape of each op in both
 * formats, blank lines, the lazy open of a database that appears late, and that a
 * database replaced under a running dispatcher is reopened.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/dispatch.h"
#include "tests/tmpdir.h"

static char tmpdir[256];

/* Creates (or adds to) the database at path with n articles "PREFIX1".. about `word`. */
static void build(const char *path, const char *prefix, int n, const char *word)
{
    trawl_db *db = NULL;
    assert_int_equal(trawl_db_open(path, TRAWL_DB_WRITABLE, &db, NULL), TRAWL_OK);
    for (int i = 1; i <= n; i++) {
        char id[32], body[128];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        snprintf(body, sizeof body, "A %s story, number %d, with a\ttab.", word, i);
        trawl_article *a = NULL;
        assert_int_equal(trawl_article_new(id, &a), TRAWL_OK);
        assert_int_equal(trawl_article_set(a, "title", word), TRAWL_OK);
        assert_int_equal(trawl_article_set(a, "body", body), TRAWL_OK);
        assert_int_equal(trawl_db_put(db, a, NULL), TRAWL_OK);
        trawl_article_free(a);
    }
    assert_int_equal(trawl_db_commit(db), TRAWL_OK);
    trawl_db_close(db);
}

static int setup(void **state)
{
    (void)state;
    return tmpdir_make(tmpdir, sizeof tmpdir, "dispatch");
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove(tmpdir);
}

/* Answers one line; returns the response (borrowed from out). */
static const char *answer(struct dispatch *d, struct buf *out, const char *line)
{
    buf_reset(out);
    dispatch_line(d, line, strlen(line), out);
    assert_false(buf_failed(out));
    return out->data ? out->data : "";
}

static void test_ops(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/db", tmpdir);
    build(path, "s", 3, "sailing");
    struct dispatch d;
    struct buf out = BUF_INIT;
    assert_int_equal(dispatch_init(&d, path), 0);

    assert_string_equal(answer(&d, &out, "  \t "), "");
    assert_null(d.db); /* nothing opened yet: ping and blanks do not need it */
    assert_non_null(strstr(answer(&d, &out, "{\"op\":\"ping\"}"), "\"protocol\":1}\n"));
    assert_null(d.db);

    const char *r = answer(&d, &out, "{\"id\":7,\"op\":\"search\",\"q\":\"sailing\",\"limit\":2}");
    assert_true(strncmp(r, "{\"id\":7,\"ok\":true,\"total\":3,", 28) == 0);
    assert_non_null(strstr(r, "\"rank\":2"));
    assert_null(strstr(r, "\"rank\":3"));
    assert_int_equal(strchr(r, '\n') - r, (long)strlen(r) - 1); /* one line */

    r = answer(&d, &out, "search sailing");
    assert_true(strncmp(r, "ok total=3 hits=3 revision=", 27) == 0);
    assert_non_null(strstr(r, "\n1\ts"));
    assert_true(strlen(r) > 3 && strcmp(r + strlen(r) - 3, "\n.\n") == 0);

    r = answer(&d, &out, "get s2");
    assert_non_null(strstr(r, "\nbody\tA sailing story, number 2, with a\\ttab.\n"));
    r = answer(&d, &out, "{\"op\":\"get\",\"doc\":\"s9\"}");
    assert_non_null(strstr(r, "\"code\":\"not_found\""));
    r = answer(&d, &out, "{\"op\":\"stats\"}");
    assert_non_null(strstr(r, "\"articles\":3,"));
    r = answer(&d, &out, "{\"op\":\"search\",\"q\":\"sailing AND\"}");
    assert_non_null(strstr(r, "\"code\":\"bad_query\""));

    /* a newer revision committed by another handle is seen by the next request */
    build(path, "t", 2, "sailing");
    r = answer(&d, &out, "{\"op\":\"stats\"}");
    assert_non_null(strstr(r, "\"articles\":5,"));

    assert_false(d.quit);
    assert_string_equal(answer(&d, &out, "quit"), "ok\n.\n");
    assert_true(d.quit);
    dispatch_free(&d);
    buf_free(&out);
}

/* A missing database: `unavailable` until it appears, then served; replaced by another
 * database under the same path, the next request sees the new one. */
static void test_late_and_replaced(void **state)
{
    (void)state;
    char path[300], cmd[1000];
    snprintf(path, sizeof path, "%s/late", tmpdir);
    struct dispatch d;
    struct buf out = BUF_INIT;
    assert_int_equal(dispatch_init(&d, path), 0);
    const char *r = answer(&d, &out, "{\"id\":1,\"op\":\"search\",\"q\":\"kites\"}");
    assert_true(strncmp(r, "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"unavailable\"", 48) == 0);
    r = answer(&d, &out, "stats");
    assert_true(strncmp(r, "error unavailable ", 18) == 0);

    build(path, "k", 4, "kites");
    r = answer(&d, &out, "{\"op\":\"search\",\"q\":\"kites\"}");
    assert_non_null(strstr(r, "\"total\":4,"));

    /* replace the directory by another database */
    char other[300];
    snprintf(other, sizeof other, "%s/other", tmpdir);
    build(other, "m", 1, "marbles");
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mv '%s' '%s'", path, other, path);
    assert_int_equal(system(cmd), 0);
    r = answer(&d, &out, "{\"op\":\"search\",\"q\":\"marbles\"}");
    assert_non_null(strstr(r, "\"total\":1,"));
    /* deleted: unavailable, not answers from the deleted files */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
    r = answer(&d, &out, "{\"op\":\"search\",\"q\":\"marbles\"}");
    assert_non_null(strstr(r, "\"code\":\"unavailable\""));
    dispatch_free(&d);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops),
        cmocka_unit_test(test_late_and_replaced),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
