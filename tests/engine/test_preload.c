/*
 * test_preload.c: cmocka tests of the record preload (trawl_db_set_preload,
 * engine/records.h) over a small database built in a temporary directory: a handle that
 * holds the articles' bodies in memory answers exactly as one that reads the records from
 * the files, and really takes them from memory (an article without a body from the files);
 * a limit the bodies exceed but the records fit holds the records instead, answering the
 * same; after another process replaces articles and the handle reopens, snippets show the
 * new text, never the held old one, and the bodies are loaded again for the new revision;
 * a database whose records exceed the limit is not held; 0 frees what is held; a writable
 * handle refuses; a handle closed while its thread loads stops it. Run by `make check`
 * (and under valgrind and the sanitizers by check-valgrind and the ASan build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/db_debug.h"
#include "tests/tmpdir.h"
#include "trawl.h"

#define NARTICLES 120

static const char *const words[] = {"cocoa", "harvest", "tanker", "barley", "copper",
                                    "freight", "dividend", "tariff", "zinc", "yield"};
#define NWORDS (sizeof words / sizeof words[0])

static const char *const queries[] = {"cocoa",          "harvest tanker", "\"copper freight\"",
                                      "zinc OR yield",  "tariff -barley", "divid*",
                                      "nothingmatches", "barley AND cocoa", "warehouse"};
#define NQUERIES (sizeof queries / sizeof queries[0])

struct fix {
    char dir[256], path[300];
};

/* Article i's JSON, its body a mix of the words above chosen by i and `salt` (so a second
 * version of the database differs), with `extra` added when not NULL. */
static void article_json(char *buf, size_t size, size_t i, unsigned salt, const char *extra)
{
    size_t n = (size_t)snprintf(buf, size, "{\"id\":\"a%zu\",\"title\":\"Report %zu\",\"body\":\"",
                                i, i);
    for (size_t k = 0; k < 40 + i % 50; k++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s ", k % 7 ? "" : "The ",
                              words[(i * 7 + k * (k + salt)) % NWORDS]);
    snprintf(buf + n, size - n, "%s end.\"}", extra ? extra : "");
}

/* The bytes of the bodies of articles [0, NARTICLES) as article_json makes them. */
static size_t body_bytes(unsigned salt)
{
    char json[4096];
    size_t sum = 0;
    for (size_t i = 0; i < NARTICLES; i++) {
        article_json(json, sizeof json, i, salt, NULL);
        const char *b = strstr(json, "\"body\":\"") + 8;
        sum += (size_t)(strrchr(json, '"') - b); /* no escapes in them */
    }
    return sum;
}

/* An article without a body: the preload holds nothing for it, and its snippet is its
 * title, from its record read from the files. */
static const char no_body[] = "{\"id\":\"nobody\",\"title\":\"Cocoa warehouse audit\"}";

/* Puts articles [from, to) into the database at path and commits. */
static int put_articles(const char *path, size_t from, size_t to, unsigned salt,
                        const char *extra)
{
    trawl_db *w = NULL;
    char json[4096];
    if (trawl_db_open(path, TRAWL_DB_WRITABLE, &w, NULL) != TRAWL_OK)
        return -1;
    for (size_t i = from; i < to; i++) {
        trawl_article *a = NULL;
        article_json(json, sizeof json, i, salt, extra);
        if (trawl_article_from_json(json, strlen(json), &a, NULL) != TRAWL_OK ||
            trawl_db_put(w, a, NULL) != TRAWL_OK) {
            trawl_article_free(a);
            trawl_db_close(w);
            return -1;
        }
        trawl_article_free(a);
    }
    trawl_status st = trawl_db_commit(w);
    trawl_db_close(w);
    return st == TRAWL_OK ? 0 : -1;
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    if (!f || tmpdir_make(f->dir, sizeof f->dir, "preload") < 0)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/db", f->dir);
    trawl_db *w = NULL;
    trawl_article *a = NULL;
    if (put_articles(f->path, 0, NARTICLES, 1, NULL) < 0 ||
        trawl_db_open(f->path, TRAWL_DB_WRITABLE, &w, NULL) != TRAWL_OK ||
        trawl_article_from_json(no_body, strlen(no_body), &a, NULL) != TRAWL_OK ||
        trawl_db_put(w, a, NULL) != TRAWL_OK || trawl_db_commit(w) != TRAWL_OK)
        return -1;
    trawl_article_free(a);
    trawl_db_close(w);
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

static trawl_db *open_ro(const struct fix *f, size_t preload)
{
    trawl_db *db = NULL;
    assert_int_equal(trawl_db_open(f->path, TRAWL_DB_READONLY, &db, NULL), TRAWL_OK);
    if (preload)
        assert_int_equal(trawl_db_set_preload(db, preload), TRAWL_OK);
    return db;
}

static trawl_results *search(trawl_db *db, const char *q, unsigned snippet)
{
    trawl_query query = {.query = q, .limit = 10, .snippet_chars = snippet};
    trawl_results *r = NULL;
    if (trawl_db_search(db, &query, &r) != TRAWL_OK)
        fail_msg("search '%s': %s", q, trawl_db_errmsg(db));
    return r;
}

/* The two handles give the same hits, snippets and highlights for every query. */
static void assert_same_answers(trawl_db *a, trawl_db *b)
{
    for (size_t k = 0; k < NQUERIES; k++) {
        trawl_results *ra = search(a, queries[k], 120), *rb = search(b, queries[k], 120);
        assert_int_equal(trawl_results_count(ra), trawl_results_count(rb));
        for (size_t i = 0; i < trawl_results_count(ra); i++) {
            const trawl_hit *ha = trawl_results_hit(ra, i), *hb = trawl_results_hit(rb, i);
            assert_string_equal(ha->id, hb->id);
            assert_string_equal(ha->snippet, hb->snippet);
            assert_int_equal(ha->nhighlights, hb->nhighlights);
            if (ha->nhighlights)
                assert_memory_equal(ha->highlights, hb->highlights,
                                    ha->nhighlights * sizeof *ha->highlights);
        }
        trawl_results_free(ra);
        trawl_results_free(rb);
    }
}

/* A held database answers as one read from the files, and its snippets' bodies come from
 * memory: every article's, inflated, but the one without a body. */
static void test_same_answers(void **state)
{
    struct fix *f = *state;
    trawl_db *plain = open_ro(f, 0), *held = open_ro(f, 64 << 20);
    uint64_t served = 0;
    int bodies = -1;

    assert_int_equal(db_preload_wait(held, &served, &bodies), 0); /* nothing before a search */
    trawl_results_free(search(held, "cocoa", 0));
    assert_int_equal(db_preload_wait(held, &served, &bodies), 0); /* nor after one without */
    trawl_results_free(search(held, "cocoa", 120)); /* starts the thread */
    size_t bytes = db_preload_wait(held, &served, &bodies);
    assert_int_equal(bytes, body_bytes(1));
    assert_int_equal(bodies, 1);
    assert_int_equal(served, 0); /* that search read its records from the files */

    assert_same_answers(plain, held);
    db_preload_wait(held, &served, &bodies);
    assert_true(served > 0);
    uint64_t plain_served;
    db_preload_wait(plain, &plain_served, &bodies);
    assert_int_equal(plain_served, 0);

    /* the article without a body: its record from the files, its title for a snippet */
    uint64_t was = served;
    trawl_results *nb = search(held, "warehouse", 120);
    assert_int_equal(trawl_results_count(nb), 1);
    assert_string_equal(trawl_results_hit(nb, 0)->snippet, "Cocoa warehouse audit");
    assert_int_equal(trawl_results_hit(nb, 0)->nhighlights, 1);
    trawl_results_free(nb);
    db_preload_wait(held, &served, &bodies);
    assert_int_equal(served, was);

    /* trawl_db_get and searches without snippets read as before */
    trawl_results *r = search(held, "harvest", 0);
    uint64_t before = served;
    assert_true(trawl_results_count(r) > 0);
    assert_string_equal(trawl_results_hit(r, 0)->snippet, "");
    trawl_results_free(r);
    db_preload_wait(held, &served, &bodies);
    assert_int_equal(served, before);
    trawl_db_close(plain);
    trawl_db_close(held);
}

/* Articles replaced by another handle: after the reopen, snippets come from the new
 * records, first from the files (the held ones are of the old revision), then from a new
 * load; the old words are gone. */
static void test_reopen_after_replace(void **state)
{
    struct fix *f = *state;
    trawl_db *held = open_ro(f, 64 << 20);
    uint64_t served = 0, before;
    int moved = 0, bodies;

    trawl_results_free(search(held, "cocoa", 120));
    assert_true(db_preload_wait(held, &served, &bodies) > 0);
    trawl_results *r = search(held, "quokka", 120);
    assert_int_equal(trawl_results_count(r), 0);
    trawl_results_free(r);

    assert_int_equal(put_articles(f->path, 0, 10, 2, "quokka"), 0);
    assert_int_equal(trawl_db_reopen(held, &moved), TRAWL_OK);
    assert_int_equal(moved, 1);
    for (int round = 0; round < 2; round++) {
        db_preload_wait(held, &before, &bodies);
        r = search(held, "quokka", 400);
        assert_int_equal(trawl_results_count(r), 10);
        for (size_t i = 0; i < 10; i++) {
            const trawl_hit *h = trawl_results_hit(r, i);
            assert_non_null(strstr(h->snippet, "quokka"));
            assert_true(h->nhighlights > 0);
        }
        trawl_results_free(r);
        db_preload_wait(held, &served, &bodies);
        /* round 0: the table was of the old revision, so nothing came from memory (that
         * search started the new load); round 1: all ten did */
        assert_int_equal(served - before, round == 0 ? 0 : 10);
    }
    trawl_db *plain = open_ro(f, 0);
    assert_same_answers(plain, held);
    trawl_db_close(plain);
    trawl_db_close(held);
    assert_int_equal(put_articles(f->path, 0, 10, 1, NULL), 0); /* as setup left it */
}

/* A database whose records exceed the limit is not held, and still answers the same. */
static void test_over_limit(void **state)
{
    struct fix *f = *state;
    trawl_db *plain = open_ro(f, 0), *held = open_ro(f, 1000);
    uint64_t served = 0;
    int bodies;

    trawl_results_free(search(held, "cocoa", 120));
    assert_int_equal(db_preload_wait(held, &served, &bodies), 0);
    assert_same_answers(plain, held);
    assert_int_equal(db_preload_wait(held, &served, &bodies), 0); /* and is not tried again */
    assert_int_equal(served, 0);
    trawl_db_close(plain);
    trawl_db_close(held);
}

/* Bodies over the limit but records within it: the records are held, the bytes `trawl
 * stats` counts, and the answers are the same. */
static void test_records_when_bodies_exceed(void **state)
{
    struct fix *f = *state;
    trawl_db *plain = open_ro(f, 0);
    trawl_stats st;
    uint64_t served = 0;
    int bodies = -1;

    assert_int_equal(trawl_db_stats(plain, &st), TRAWL_OK);
    assert_true(st.store_bytes < body_bytes(1)); /* else this tests nothing */
    trawl_db *held = open_ro(f, (size_t)st.store_bytes + (body_bytes(1) - st.store_bytes) / 2);
    trawl_results_free(search(held, "cocoa", 120));
    assert_int_equal(db_preload_wait(held, &served, &bodies), st.store_bytes);
    assert_int_equal(bodies, 0);
    assert_same_answers(plain, held);
    db_preload_wait(held, &served, &bodies);
    assert_true(served > 0);
    trawl_db_close(plain);
    trawl_db_close(held);
}

/* 0 frees what is held; a later limit loads it again. */
static void test_off_and_on(void **state)
{
    struct fix *f = *state;
    trawl_db *held = open_ro(f, 64 << 20);
    uint64_t served = 0;
    int bodies;

    trawl_results_free(search(held, "tanker", 120));
    assert_true(db_preload_wait(held, &served, &bodies) > 0);
    assert_int_equal(trawl_db_set_preload(held, 0), TRAWL_OK);
    assert_int_equal(db_preload_wait(held, &served, &bodies), 0);
    trawl_results_free(search(held, "tanker", 120));
    assert_int_equal(db_preload_wait(held, &served, &bodies), 0);
    assert_int_equal(trawl_db_set_preload(held, 64 << 20), TRAWL_OK);
    trawl_results_free(search(held, "tanker", 120));
    assert_true(db_preload_wait(held, &served, &bodies) > 0);
    trawl_db_close(held);
}

/* A writable handle refuses, saying why; a NULL handle is an error. */
static void test_writable(void **state)
{
    struct fix *f = *state;
    trawl_db *w = NULL;
    assert_int_equal(trawl_db_open(f->path, TRAWL_DB_WRITABLE, &w, NULL), TRAWL_OK);
    assert_int_equal(trawl_db_set_preload(w, 1 << 20), TRAWL_EINVAL);
    assert_non_null(strstr(trawl_db_errmsg(w), "open for writing"));
    trawl_db_close(w);
    assert_int_equal(trawl_db_set_preload(NULL, 1 << 20), TRAWL_EINVAL);
}

/* Closing a handle whose thread is loading stops the thread (no leak, no use after free:
 * the sanitizer build and valgrind check that). */
static void test_close_while_loading(void **state)
{
    struct fix *f = *state;
    for (int k = 0; k < 20; k++) {
        trawl_db *held = open_ro(f, 64 << 20);
        trawl_results *r = search(held, "yield", 120);
        assert_true(trawl_results_count(r) > 0);
        trawl_results_free(r);
        trawl_db_close(held); /* the thread may still be reading */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_answers),  cmocka_unit_test(test_reopen_after_replace),
        cmocka_unit_test(test_over_limit),    cmocka_unit_test(test_records_when_bodies_exceed),
        cmocka_unit_test(test_off_and_on),
        cmocka_unit_test(test_writable),      cmocka_unit_test(test_close_while_loading),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
