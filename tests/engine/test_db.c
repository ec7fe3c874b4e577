/*
 * test_db.c: cmocka tests of engine/db.c (with the shim under it): opening, creating and
 * locking databases; adding, replacing, deleting and fetching articles; commit and
 * reopen; statistics; the stemming language; a corrupted stored record or hit summary;
 * articles stored the old way (version 1 record, no summary) read and searched alongside
 * new ones; the body's place among the fields kept through the version 2 record. Each
 * test builds its database in a mkdtemp directory. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "db_debug.h"
#include "prepare.h"
#include "shim.h"
#include "store.h"
#include "trawl.h"
#include "tests/tmpdir.h"

/* ---- fixture: a fresh directory per test ------------------------------------------------ */

struct fix {
    char dir[256];
    char path[300]; /* the database inside dir */
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    if (tmpdir_make(f->dir, sizeof f->dir, "test-db") < 0) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/db", f->dir);
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

static trawl_db *open_or_fail(const char *path, unsigned flags)
{
    trawl_db *db = NULL;
    char *msg = NULL;
    trawl_status st = trawl_db_open(path, flags, &db, &msg);
    if (st != TRAWL_OK)
        fail_msg("open %s: %s: %s", path, trawl_status_name(st), msg ? msg : "");
    return db;
}

static trawl_article *article(const char *json)
{
    trawl_article *a = NULL;
    char *msg = NULL;
    if (trawl_article_from_json(json, strlen(json), &a, &msg) != TRAWL_OK)
        fail_msg("bad test article %s: %s", json, msg ? msg : "");
    return a;
}

static void put_json(trawl_db *db, const char *json, trawl_put_result want)
{
    trawl_article *a = article(json);
    trawl_put_result r = 0;
    trawl_status st = trawl_db_put(db, a, &r);
    if (st != TRAWL_OK || r != want)
        fail_msg("put %s: %s (%d): %s", json, trawl_status_name(st), (int)r,
                 trawl_db_errmsg(db));
    trawl_article_free(a);
}

static size_t count_hits(trawl_db *db, const char *query)
{
    trawl_query q = {.query = query, .limit = 100};
    trawl_results *r = NULL;
    size_t n;
    if (trawl_db_search(db, &q, &r) != TRAWL_OK)
        fail_msg("search '%s': %s", query, trawl_db_errmsg(db));
    n = trawl_results_count(r);
    trawl_results_free(r);
    return n;
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_open_missing(void **state)
{
    struct fix *f = *state;
    trawl_db *db = (trawl_db *)1;
    char *msg = NULL;
    assert_int_equal(trawl_db_open(f->path, TRAWL_DB_READONLY, &db, &msg), TRAWL_ENOTFOUND);
    assert_null(db);
    assert_non_null(msg);
    assert_non_null(strstr(msg, f->path));
    free(msg);
    assert_int_equal(trawl_db_open("", TRAWL_DB_READONLY, &db, NULL), TRAWL_EINVAL);
    trawl_db_close(NULL);
}

static void test_create_nested(void **state)
{
    struct fix *f = *state;
    char deep[400];
    trawl_db *db;
    snprintf(deep, sizeof deep, "%s/a/b/db", f->dir);
    db = open_or_fail(deep, TRAWL_DB_WRITABLE);
    assert_string_equal(trawl_db_path(db), deep);
    assert_string_equal(trawl_db_language(db), "english");
    assert_string_equal(trawl_db_errmsg(db), "");
    trawl_db_close(db);
    db = open_or_fail(deep, TRAWL_DB_READONLY);
    trawl_db_close(db);
}

static void test_locked(void **state)
{
    struct fix *f = *state;
    int up[2], down[2];
    char c = 0, *msg = NULL;
    trawl_db *db = NULL;
    pid_t pid;

    trawl_db_close(open_or_fail(f->path, TRAWL_DB_WRITABLE));
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* the other writer: holds the lock until told to stop */
        trawl_db *w = NULL;
        int ok = trawl_db_open(f->path, TRAWL_DB_WRITABLE, &w, NULL) == TRAWL_OK;
        if (write(up[1], ok ? "y" : "n", 1) != 1 || read(down[0], &c, 1) < 0)
            ok = 0;
        trawl_db_close(w);
        _exit(ok ? 0 : 1);
    }
    assert_int_equal(read(up[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    assert_int_equal(trawl_db_open(f->path, TRAWL_DB_WRITABLE, &db, &msg), TRAWL_ELOCKED);
    assert_null(db);
    assert_non_null(strstr(msg, "locked"));
    assert_non_null(strstr(msg, f->path));
    free(msg);
    /* readers are not locked out */
    db = open_or_fail(f->path, TRAWL_DB_READONLY);
    trawl_db_close(db);
    assert_int_equal(write(down[1], "x", 1), 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(up[0]), close(up[1]), close(down[0]), close(down[1]);
    /* released: a writer can open again */
    trawl_db_close(open_or_fail(f->path, TRAWL_DB_WRITABLE));
}

static void test_put_get_replace_delete(void **state)
{
    struct fix *f = *state;
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    trawl_article *a = NULL;
    char *json = NULL;
    const char *nested = "{\"id\":\"n1\",\"title\":\"Nested\",\"extra\":{\"k\":[1,2,{\"x\":null}]},"
                         "\"score\":3.5,\"flag\":true,\"tags\":[\"a\",\"b\"]}";

    put_json(db, nested, TRAWL_PUT_ADDED);
    put_json(db, "{\"id\":\"u1\",\"title\":\"Z\\u00fcrich caf\\u00e9\",\"body\":"
                 "\"\\u6771\\u4eac \\u00e9t\\u00e9 na\\u00efve \\ud83d\\ude00\"}",
             TRAWL_PUT_ADDED);
    /* nested objects, numbers and booleans come back as stored */
    assert_int_equal(trawl_db_get(db, "n1", &a), TRAWL_OK);
    assert_int_equal(trawl_article_to_json(a, &json), TRAWL_OK);
    assert_string_equal(json, nested[0] == '{' ? "{\"id\":\"n1\",\"title\":\"Nested\",\"extra\":"
                                                 "{\"k\":[1,2,{\"x\":null}]},\"score\":3.5,"
                                                 "\"flag\":true,\"tags\":[\"a\",\"b\"]}"
                                               : "");
    free(json);
    trawl_article_free(a);
    /* non-ASCII text round-trips and is searchable */
    assert_int_equal(trawl_db_get(db, "u1", &a), TRAWL_OK);
    assert_string_equal(trawl_article_get(a, "title"), "Z\xc3\xbcrich caf\xc3\xa9");
    trawl_article_free(a);
    assert_int_equal(count_hits(db, "z\xc3\xbcrich"), 1);
    assert_int_equal(count_hits(db, "CAF\xc3\x89"), 1);
    assert_int_equal(count_hits(db, "\xc3\xa9t\xc3\xa9"), 1);

    /* replace keeps one article under the id and shows the new text */
    put_json(db, "{\"id\":\"n1\",\"title\":\"Replaced\"}", TRAWL_PUT_REPLACED);
    assert_int_equal(trawl_db_get(db, "n1", &a), TRAWL_OK);
    assert_string_equal(trawl_article_get(a, "title"), "Replaced");
    trawl_article_free(a);
    assert_int_equal(count_hits(db, "nested"), 0);
    assert_int_equal(count_hits(db, "replaced"), 1);
    assert_int_equal(trawl_db_commit(db), TRAWL_OK);

    /* delete */
    assert_int_equal(trawl_db_delete(db, "n1"), TRAWL_OK);
    assert_int_equal(trawl_db_delete(db, "n1"), TRAWL_ENOTFOUND);
    assert_non_null(strstr(trawl_db_errmsg(db), "n1"));
    assert_int_equal(trawl_db_get(db, "n1", &a), TRAWL_ENOTFOUND);
    assert_null(a);
    assert_non_null(strstr(trawl_db_errmsg(db), "n1"));
    assert_int_equal(trawl_db_commit(db), TRAWL_OK);
    trawl_db_close(db);

    db = open_or_fail(f->path, TRAWL_DB_READONLY);
    assert_int_equal(trawl_db_get(db, "n1", &a), TRAWL_ENOTFOUND);
    assert_int_equal(trawl_db_get(db, "u1", &a), TRAWL_OK);
    trawl_article_free(a);
    /* a read-only handle refuses writes with a message */
    a = article("{\"id\":\"x\"}");
    assert_int_equal(trawl_db_put(db, a, NULL), TRAWL_EINVAL);
    assert_non_null(strstr(trawl_db_errmsg(db), "read-only"));
    assert_int_equal(trawl_db_delete(db, "u1"), TRAWL_EINVAL);
    assert_int_equal(trawl_db_commit(db), TRAWL_EINVAL);
    trawl_article_free(a);
    trawl_db_close(db);
}

static void test_long_ids(void **state)
{
    struct fix *f = *state;
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    char id1[1000], id2[1000], json[1200];
    trawl_article *a = NULL;
    memset(id1, 'x', 999);
    id1[999] = '\0';
    memcpy(id2, id1, sizeof id1);
    id2[500] = 'y'; /* same first 160 bytes */
    snprintf(json, sizeof json, "{\"id\":\"%s\",\"title\":\"one\"}", id1);
    put_json(db, json, TRAWL_PUT_ADDED);
    snprintf(json, sizeof json, "{\"id\":\"%s\",\"title\":\"two\"}", id2);
    put_json(db, json, TRAWL_PUT_ADDED);
    assert_int_equal(trawl_db_get(db, id2, &a), TRAWL_OK);
    assert_string_equal(trawl_article_get(a, "title"), "two");
    assert_string_equal(trawl_article_id(a), id2);
    trawl_article_free(a);
    assert_int_equal(trawl_db_delete(db, id1), TRAWL_OK);
    assert_int_equal(trawl_db_get(db, id1, &a), TRAWL_ENOTFOUND);
    trawl_db_close(db);
}

static void test_commit_and_reopen(void **state)
{
    struct fix *f = *state;
    trawl_db *w = open_or_fail(f->path, TRAWL_DB_WRITABLE), *r;
    int changed = -1;
    put_json(w, "{\"id\":\"a\",\"title\":\"first\"}", TRAWL_PUT_ADDED);
    assert_int_equal(trawl_db_commit(w), TRAWL_OK);
    r = open_or_fail(f->path, TRAWL_DB_READONLY);
    assert_int_equal(count_hits(r, "first"), 1);

    put_json(w, "{\"id\":\"b\",\"title\":\"second\",\"region\":\"north\"}", TRAWL_PUT_ADDED);
    assert_int_equal(count_hits(r, "second"), 0); /* not committed */
    assert_int_equal(trawl_db_reopen(r, &changed), TRAWL_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(trawl_db_commit(w), TRAWL_OK);
    assert_int_equal(count_hits(r, "second"), 0); /* committed, not reopened */
    assert_int_equal(trawl_db_reopen(r, &changed), TRAWL_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(count_hits(r, "second"), 1);
    /* the reader learned the new filter field on reopen */
    assert_int_equal(count_hits(r, "region:north"), 1);
    assert_int_equal(trawl_db_reopen(r, NULL), TRAWL_OK);
    trawl_db_close(r);
    /* close commits what is pending */
    put_json(w, "{\"id\":\"c\",\"title\":\"third\"}", TRAWL_PUT_ADDED);
    trawl_db_close(w);
    r = open_or_fail(f->path, TRAWL_DB_READONLY);
    assert_int_equal(count_hits(r, "third"), 1);
    trawl_db_close(r);
}

/* A 10 MB article goes in, comes back byte for byte, and is found. */
static void test_big_article(void **state)
{
    struct fix *f = *state;
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    const size_t size = 10 * 1024 * 1024;
    char *body = malloc(size + 1);
    trawl_article *a = NULL, *back = NULL;
    size_t n = 0;
    trawl_put_result r = 0;
    assert_non_null(body);
    for (unsigned k = 0; n + 64 < size; k++)
        n += (size_t)sprintf(body + n, "w%040u ", (k * 2654435761u) % 50021); /* few words */
    memcpy(body + n, "needle", 7);
    assert_int_equal(trawl_article_new("big", &a), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "title", "A very long article"), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "body", body), TRAWL_OK);
    assert_int_equal(trawl_db_put(db, a, &r), TRAWL_OK);
    assert_int_equal(r, TRAWL_PUT_ADDED);
    assert_int_equal(trawl_db_commit(db), TRAWL_OK);
    assert_int_equal(trawl_db_get(db, "big", &back), TRAWL_OK);
    assert_string_equal(trawl_article_get(back, "body"), body);
    assert_int_equal(count_hits(db, "needle"), 1);
    trawl_article_free(back);
    trawl_article_free(a);
    free(body);
    trawl_db_close(db);
}

/* A reader left behind by several commits: Xapian raises DatabaseModifiedError when the
 * blocks of its revision were reused; the engine reopens and retries, so reads succeed. */
static void test_modified_retry(void **state)
{
    struct fix *f = *state;
    trawl_db *w = open_or_fail(f->path, TRAWL_DB_WRITABLE), *r;
    char json[1024];
    trawl_article *a = NULL;
    for (int i = 0; i < 500; i++) {
        snprintf(json, sizeof json, "{\"id\":\"m%d\",\"title\":\"first version of m%d\"}", i, i);
        put_json(w, json, TRAWL_PUT_ADDED);
    }
    assert_int_equal(trawl_db_commit(w), TRAWL_OK);
    r = open_or_fail(f->path, TRAWL_DB_READONLY);
    for (int round = 0; round < 6; round++) { /* enough churn to reuse the reader's blocks */
        for (int i = 0; i < 500; i++) {
            int n = snprintf(json, sizeof json, "{\"id\":\"m%d\",\"title\":\"round %d of m%d\","
                             "\"body\":\"", i, round, i);
            for (int k = 0; k < 40; k++)
                n += snprintf(json + n, sizeof json - n, "w%d ", (i * 7 + k * 13 + round) % 997);
            snprintf(json + n, sizeof json - n, "\"}");
            put_json(w, json, TRAWL_PUT_REPLACED);
        }
        assert_int_equal(trawl_db_commit(w), TRAWL_OK);
    }
    if (trawl_db_get(r, "m7", &a) != TRAWL_OK)
        fail_msg("get after commits: %s", trawl_db_errmsg(r));
    assert_non_null(strstr(trawl_article_get(a, "title"), "m7"));
    if (getenv("TRAWL_TEST_VERBOSE"))
        printf("reader saw: %s\n", trawl_article_get(a, "title"));
    trawl_article_free(a);
    assert_true(count_hits(r, "round") == 100 || count_hits(r, "first") == 100); /* limit 100 */
    trawl_db_close(r);
    trawl_db_close(w);
}

/* Sum of the stored record lengths, as the stats should report them. */
static size_t json_len(const char *json)
{
    trawl_article *a = article(json);
    char *out = NULL;
    size_t n;
    assert_int_equal(trawl_article_to_json(a, &out), TRAWL_OK);
    n = strlen(out);
    free(out);
    trawl_article_free(a);
    return n;
}

static void test_stats(void **state)
{
    struct fix *f = *state;
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE), *r;
    trawl_stats s, s2;
    const char *a1 = "{\"id\":\"s1\",\"title\":\"Alpha beta\",\"body\":\"gamma delta epsilon\"}";
    const char *a2 = "{\"id\":\"s2\",\"title\":\"Zeta\"}";
    const char *a2b = "{\"id\":\"s2\",\"title\":\"Zeta replaced with a longer title\"}";
    time_t before = time(NULL);

    assert_int_equal(trawl_db_stats(db, &s), TRAWL_OK);
    assert_int_equal(s.articles, 0);
    assert_int_equal(s.last_commit, 0);
    put_json(db, a1, TRAWL_PUT_ADDED);
    put_json(db, a2, TRAWL_PUT_ADDED);
    put_json(db, a2b, TRAWL_PUT_REPLACED);
    assert_int_equal(trawl_db_commit(db), TRAWL_OK);
    assert_int_equal(trawl_db_stats(db, &s), TRAWL_OK);
    assert_int_equal(s.articles, 2);
    assert_true(s.terms >= 8);
    assert_int_equal(s.text_bytes, json_len(a1) + json_len(a2b));
    assert_true(s.store_bytes > 0);
    assert_true(s.db_bytes > 0);
    assert_true(s.revision >= 1);
    assert_true(s.last_commit >= before && s.last_commit <= time(NULL) + 1);

    r = open_or_fail(f->path, TRAWL_DB_READONLY);
    assert_int_equal(trawl_db_stats(r, &s2), TRAWL_OK);
    assert_int_equal(s2.articles, s.articles);
    assert_int_equal(s2.terms, s.terms);
    assert_int_equal(s2.text_bytes, s.text_bytes);
    assert_int_equal(s2.store_bytes, s.store_bytes);
    assert_int_equal(s2.revision, s.revision);
    assert_int_equal(s2.last_commit, s.last_commit);

    assert_int_equal(trawl_db_delete(db, "s1"), TRAWL_OK);
    assert_int_equal(trawl_db_commit(db), TRAWL_OK);
    assert_int_equal(trawl_db_reopen(r, NULL), TRAWL_OK);
    assert_int_equal(trawl_db_stats(r, &s2), TRAWL_OK);
    assert_int_equal(s2.articles, 1);
    assert_int_equal(s2.text_bytes, json_len(a2b));
    assert_true(s2.revision > s.revision);
    assert_true(s2.terms < s.terms);
    uint64_t rev = 0;
    assert_int_equal(trawl_db_revision(r, &rev), TRAWL_OK);
    assert_int_equal(rev, s2.revision);
    assert_int_equal(trawl_db_revision(r, NULL), TRAWL_EINVAL);
    trawl_db_close(r);
    trawl_db_close(db);
}

static void test_language(void **state)
{
    struct fix *f = *state;
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    assert_int_equal(trawl_db_set_language(db, "klingon"), TRAWL_EINVAL);
    assert_non_null(strstr(trawl_db_errmsg(db), "klingon"));
    assert_int_equal(trawl_db_set_language(db, "french"), TRAWL_OK);
    assert_string_equal(trawl_db_language(db), "french");
    put_json(db, "{\"id\":\"f1\",\"body\":\"les chevaux mangeaient\"}", TRAWL_PUT_ADDED);
    assert_int_equal(trawl_db_set_language(db, "english"), TRAWL_EINVAL);
    assert_int_equal(trawl_db_commit(db), TRAWL_OK);
    trawl_db_close(db);
    db = open_or_fail(f->path, TRAWL_DB_READONLY);
    assert_string_equal(trawl_db_language(db), "french");
    assert_int_equal(count_hits(db, "cheval"), 1); /* French stemming: chevaux -> cheval */
    assert_int_equal(trawl_db_set_language(db, "german"), TRAWL_EINVAL);
    trawl_db_close(db);
}

/* Writes a document whose stored record is `data`, through the shim, as a damaged
 * database would hold it. */
static void write_raw(const char *path, const char *id, const void *data, size_t len)
{
    shim_db *s = NULL;
    shim_doc *d = NULL;
    char *msg = NULL, *term = NULL;
    void *old = NULL;
    size_t oldlen = 0;
    assert_int_equal(shim_open(path, 1, &s, &msg), TRAWL_OK);
    assert_int_equal(article_id_term(id, &term), TRAWL_OK);
    assert_int_equal(shim_doc_new(s, &d), TRAWL_OK);
    assert_int_equal(shim_doc_index_text(s, d, "damaged record", 1, ""), TRAWL_OK);
    assert_int_equal(shim_doc_add_boolean_term(s, d, term), TRAWL_OK);
    assert_int_equal(shim_doc_set_data(s, d, data, len), TRAWL_OK);
    assert_int_equal(shim_put(s, term, d, &old, &oldlen), TRAWL_OK);
    assert_int_equal(shim_commit(s), TRAWL_OK);
    free(old);
    free(term);
    shim_doc_free(d);
    shim_close(s);
}

/* As write_raw, with `summary` (slen bytes) in value slot 1, the hit summary's slot. */
static void write_raw_summary(const char *path, const char *id, const void *data, size_t len,
                              const void *summary, size_t slen)
{
    shim_db *s = NULL;
    shim_doc *d = NULL;
    char *msg = NULL, *term = NULL;
    void *old = NULL;
    size_t oldlen = 0;
    assert_int_equal(shim_open(path, 1, &s, &msg), TRAWL_OK);
    assert_int_equal(article_id_term(id, &term), TRAWL_OK);
    assert_int_equal(shim_doc_new(s, &d), TRAWL_OK);
    assert_int_equal(shim_doc_index_text(s, d, "damaged summary", 1, ""), TRAWL_OK);
    assert_int_equal(shim_doc_add_boolean_term(s, d, term), TRAWL_OK);
    assert_int_equal(shim_doc_set_data(s, d, data, len), TRAWL_OK);
    assert_int_equal(shim_doc_set_value_bytes(s, d, 1, summary, slen), TRAWL_OK);
    assert_int_equal(shim_put(s, term, d, &old, &oldlen), TRAWL_OK);
    assert_int_equal(shim_commit(s), TRAWL_OK);
    free(old);
    free(term);
    shim_doc_free(d);
    shim_close(s);
}

/* An article stored as trawl did before the hit summary and version 2 records (its whole
 * JSON in a version 1 record, no summary value) is fetched, found and snippeted like one
 * stored now, in the same database. */
static void test_version1_article(void **state)
{
    struct fix *f = *state;
    static const char old_json[] =
        "{\"id\":\"old-1\",\"date\":\"1987-02-26T15:01:01Z\",\"title\":\"OLD COCOA\","
        "\"body\":\"Cocoa prices rose in London.\",\"topics\":[\"cocoa\"]}";
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    trawl_results *res = NULL;
    trawl_article *a = NULL;
    unsigned char *rec = NULL;
    size_t reclen = 0;
    char *json = NULL;

    put_json(db, "{\"id\":\"new-1\",\"title\":\"NEW COCOA\",\"body\":\"Cocoa fell.\"}",
             TRAWL_PUT_ADDED);
    trawl_db_close(db);
    assert_int_equal(store_encode(old_json, strlen(old_json), &rec, &reclen), TRAWL_OK);
    write_raw(f->path, "old-1", rec, reclen);
    free(rec);
    db = open_or_fail(f->path, TRAWL_DB_READONLY);
    assert_int_equal(trawl_db_get(db, "old-1", &a), TRAWL_OK);
    assert_int_equal(trawl_article_to_json(a, &json), TRAWL_OK);
    assert_string_equal(json, old_json);
    free(json);
    trawl_article_free(a);
    for (unsigned chars = 0; chars <= 100; chars += 100) {
        /* write_raw indexed old-1 under "damaged" only; its snippet still marks cocoa */
        trawl_query q = {.query = "cocoa OR damaged", .snippet_chars = chars};
        assert_int_equal(trawl_db_search(db, &q, &res), TRAWL_OK);
        assert_int_equal(trawl_results_count(res), 2);
        int seen = 0;
        for (size_t i = 0; i < 2; i++) {
            const trawl_hit *h = trawl_results_hit(res, i);
            if (strcmp(h->id, "old-1") == 0) {
                seen |= 1;
                assert_string_equal(h->title, "OLD COCOA");
                assert_string_equal(h->date, "1987-02-26T15:01:01Z");
                assert_string_equal(h->snippet, chars ? "Cocoa prices rose in London." : "");
            } else {
                seen |= 2;
                assert_string_equal(h->id, "new-1");
                assert_string_equal(h->title, "NEW COCOA");
                assert_null(h->date);
                assert_string_equal(h->snippet, chars ? "Cocoa fell." : "");
            }
            assert_int_equal(h->nhighlights, chars ? 1 : 0);
        }
        assert_int_equal(seen, 3);
        trawl_results_free(res);
    }
    trawl_db_close(db);
}

/* The body goes into the record's tail and comes back in its place among the fields,
 * whatever that place, with NULs and non-ASCII intact; an empty or missing body too. */
static void test_body_placement(void **state)
{
    struct fix *f = *state;
    static const char *const cases[] = {
        "{\"id\":\"b1\",\"body\":\"first field after the id\",\"title\":\"T\"}",
        "{\"id\":\"b2\",\"title\":\"T\",\"topics\":[\"x\"],\"body\":\"last\\n line\"}",
        "{\"body\":\"before the id, caf\u00e9 \\\"q\\\" \\t \\u20ac\",\"id\":\"b3\"}",
        "{\"id\":\"b4\",\"title\":\"no body\"}",
        "{\"id\":\"b5\",\"title\":\"T\",\"body\":\"\"}",
    };
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trawl_article *in = article(cases[i]), *out = NULL;
        char *a = NULL, *b = NULL;
        assert_int_equal(trawl_db_put(db, in, NULL), TRAWL_OK);
        assert_int_equal(trawl_db_get(db, trawl_article_id(in), &out), TRAWL_OK);
        assert_int_equal(trawl_article_to_json(in, &a), TRAWL_OK);
        assert_int_equal(trawl_article_to_json(out, &b), TRAWL_OK);
        if (strcmp(a, b) != 0)
            fail_msg("case %zu: stored %s, read back %s", i, a, b);
        free(a);
        free(b);
        trawl_article_free(in);
        trawl_article_free(out);
    }
    trawl_db_close(db);
}

/* A damaged hit summary fails the search with a message naming the article. */
static void test_corrupt_summary(void **state)
{
    struct fix *f = *state;
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    trawl_results *res = NULL;
    trawl_query q = {.query = "damaged"};
    static const char json[] = "{\"id\":\"bad-summary\",\"body\":\"damaged summary\"}";
    unsigned char *rec = NULL;
    size_t reclen = 0;

    put_json(db, "{\"id\":\"fine\",\"title\":\"intact\"}", TRAWL_PUT_ADDED);
    trawl_db_close(db);
    assert_int_equal(store_encode(json, strlen(json), &rec, &reclen), TRAWL_OK);
    write_raw_summary(f->path, "bad-summary", rec, reclen, "\1\x09short", 7);
    free(rec);
    db = open_or_fail(f->path, TRAWL_DB_READONLY);
    assert_int_equal(trawl_db_search(db, &q, &res), TRAWL_ECORRUPT);
    assert_null(res);
    if (!strstr(trawl_db_errmsg(db), "bad-summary") || !strstr(trawl_db_errmsg(db), "summary"))
        fail_msg("message: %s", trawl_db_errmsg(db));
    trawl_db_close(db);
}

static void test_corrupt_record(void **state)
{
    struct fix *f = *state;
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    trawl_article *a = NULL;
    trawl_results *res = NULL;
    trawl_query q = {.query = "damaged", .snippet_chars = 100};
    unsigned char *rec = NULL;
    size_t reclen = 0;
    const char *notjson = "this is not json";

    put_json(db, "{\"id\":\"fine\",\"title\":\"intact\"}", TRAWL_PUT_ADDED);
    trawl_db_close(db);
    write_raw(f->path, "broken-1", "\x00\x01garbage", 9);
    /* a record that decodes but is not an article */
    assert_int_equal(store_encode(notjson, strlen(notjson), &rec, &reclen), TRAWL_OK);
    write_raw(f->path, "broken-2", rec, reclen);
    free(rec);
    /* a truncated real record */
    assert_int_equal(store_encode("{\"id\":\"broken-3\"}", 17, &rec, &reclen), TRAWL_OK);
    write_raw(f->path, "broken-3", rec, reclen - 1);
    free(rec);

    db = open_or_fail(f->path, TRAWL_DB_READONLY);
    static const char *const ids[] = {"broken-1", "broken-2", "broken-3"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(trawl_db_get(db, ids[i], &a), TRAWL_ECORRUPT);
        assert_null(a);
        if (!strstr(trawl_db_errmsg(db), ids[i]))
            fail_msg("message for %s: %s", ids[i], trawl_db_errmsg(db));
    }
    assert_int_equal(trawl_db_get(db, "fine", &a), TRAWL_OK);
    trawl_article_free(a);
    /* a search reaching a damaged record says which article */
    assert_int_equal(trawl_db_search(db, &q, &res), TRAWL_ECORRUPT);
    assert_null(res);
    assert_non_null(strstr(trawl_db_errmsg(db), "broken-"));
    trawl_db_close(db);
}

/* A damaged record with an intact hit summary, searched with snippets through a handle
 * that preloads: the loading thread holds nothing for it (and does not fail on it), and
 * every search with snippets that reaches it, before and after the load, fails naming it,
 * while the intact article's snippets come from memory. */
static void test_corrupt_record_preloaded(void **state)
{
    struct fix *f = *state;
    trawl_db *db = open_or_fail(f->path, TRAWL_DB_WRITABLE);
    trawl_results *res = NULL;
    trawl_query bad = {.query = "damaged", .snippet_chars = 100, .limit = 10};
    trawl_query good = {.query = "intact", .snippet_chars = 100, .limit = 10};
    const char *fields[SUMMARY_FIELDS] = {"bad-record", "A title", ""};
    unsigned char *rec = NULL, *sum = NULL;
    size_t reclen = 0, sumlen = 0;
    uint64_t served = 0;
    int bodies = 0;

    put_json(db, "{\"id\":\"fine\",\"title\":\"t\",\"body\":\"an intact body\"}",
             TRAWL_PUT_ADDED);
    trawl_db_close(db);
    assert_int_equal(store_encode("{\"id\":\"bad-record\"}", 19, &rec, &reclen), TRAWL_OK);
    assert_int_equal(store_summary_encode(fields, SUMMARY_FIELDS, &sum, &sumlen), TRAWL_OK);
    write_raw_summary(f->path, "bad-record", rec, reclen - 1, sum, sumlen); /* truncated */
    free(rec);
    free(sum);

    db = open_or_fail(f->path, TRAWL_DB_READONLY);
    assert_int_equal(trawl_db_set_preload(db, 1 << 20), TRAWL_OK);
    for (int round = 0; round < 2; round++) { /* round 0 starts the load, round 1 after it */
        assert_int_equal(trawl_db_search(db, &bad, &res), TRAWL_ECORRUPT);
        assert_null(res);
        if (!strstr(trawl_db_errmsg(db), "bad-record"))
            fail_msg("round %d: %s", round, trawl_db_errmsg(db));
        assert_true(db_preload_wait(db, &served, &bodies) > 0);
        assert_int_equal(bodies, 1);
    }
    assert_int_equal(trawl_db_search(db, &good, &res), TRAWL_OK);
    assert_int_equal(trawl_results_count(res), 1);
    assert_non_null(strstr(trawl_results_hit(res, 0)->snippet, "intact"));
    trawl_results_free(res);
    db_preload_wait(db, &served, &bodies);
    assert_int_equal(served, 1);
    trawl_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_get_replace_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_article, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modified_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version1_article, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_summary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_record_preloaded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
