/*
 * test_prepare.c: cmocka tests for trawl_db_put in two steps (engine/prepare.c:
 * trawl_preparer, trawl_prepare, trawl_db_put_prepared), on databases in a mkdtemp
 * directory. Articles prepared on another thread and put with trawl_db_put_prepared
 * make a database that answers every query with the same ids, scores and snippets, and
 * has the same statistics, as one filled by trawl_db_put; in each stemming language;
 * bad arguments, invalid articles and read-only handles give statuses with messages.
 * Run by `make check`.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "article.h"
#include "trawl.h"
#include "tests/tmpdir.h"

#define NARTICLES 40

typedef struct {
    char dir[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || tmpdir_make(f->dir, sizeof f->dir, "prepare") < 0)
        return -1;
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

static trawl_db *open_db(fixture *f, const char *name, unsigned flags)
{
    char path[256];
    trawl_db *db = NULL;
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    assert_int_equal(trawl_db_open(path, flags, &db, NULL), TRAWL_OK);
    return db;
}

/* Article i: words from small vocabularies so that queries match several articles with
 * different scores; the last few repeat earlier ids (replacements). */
static trawl_article *make_article(int i)
{
    static const char *const words[] = {"oil", "prices", "rising", "cocoa", "harvest",
                                        "bank", "rates", "falling", "wheat", "exports"};
    static const char *const topics[] = {"[\"crude\"]", "[\"cocoa\",\"trade\"]", "[]"};
    char body[512], json[1024];
    size_t n = 0;
    for (int k = 0; k < 12 + i % 7; k++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s%s", k ? " " : "",
                              words[(i * 7 + k * (i % 3 + 1)) % 10]);
    snprintf(json, sizeof json,
             "{\"id\":\"a%d\",\"title\":\"%s %s\",\"body\":\"%s\",\"date\":\"1987-03-%02d\","
             "\"topics\":%s,\"places\":\"usa\"}",
             i % (NARTICLES - 5), words[i % 10], words[(i + 3) % 10], body, 1 + i % 28,
             topics[i % 3]);
    trawl_article *a = NULL;
    assert_int_equal(trawl_article_from_json(json, strlen(json), &a, NULL), TRAWL_OK);
    return a;
}

typedef struct {
    trawl_preparer *prep;
    trawl_prepared *docs[NARTICLES];
    trawl_status st;
} prep_job;

/* Prepares every article on a thread of its own. */
static void *prepare_all(void *arg)
{
    prep_job *j = arg;
    for (int i = 0; i < NARTICLES && j->st == TRAWL_OK; i++) {
        trawl_article *a = make_article(i);
        j->st = trawl_prepare(j->prep, a, &j->docs[i]);
        trawl_article_free(a);
    }
    return NULL;
}

/* The number of hits of q (at most 50). */
static size_t hits(trawl_db *db, const char *q)
{
    trawl_query query = {.query = q, .limit = 50};
    trawl_results *r = NULL;
    assert_int_equal(trawl_db_search(db, &query, &r), TRAWL_OK);
    size_t n = trawl_results_count(r);
    trawl_results_free(r);
    return n;
}

/* Asserts that both databases answer q alike, hit by hit. */
static void same_results(trawl_db *a, trawl_db *b, const char *q, trawl_ranking ranking)
{
    trawl_query query = {.query = q, .limit = 50, .ranking = ranking, .snippet_chars = 80};
    trawl_results *ra = NULL, *rb = NULL;
    assert_int_equal(trawl_db_search(a, &query, &ra), TRAWL_OK);
    assert_int_equal(trawl_db_search(b, &query, &rb), TRAWL_OK);
    size_t n = trawl_results_count(ra);
    if (n == 0 || n != trawl_results_count(rb))
        fail_msg("query '%s': %zu hits against %zu", q, n, trawl_results_count(rb));
    for (size_t i = 0; i < n; i++) {
        const trawl_hit *ha = trawl_results_hit(ra, i), *hb = trawl_results_hit(rb, i);
        if (strcmp(ha->id, hb->id) || ha->score != hb->score || strcmp(ha->snippet, hb->snippet))
            fail_msg("query '%s', hit %zu: %s %.17g against %s %.17g", q, i, ha->id,
                     ha->score, hb->id, hb->score);
    }
    trawl_results_free(ra);
    trawl_results_free(rb);
}

static void test_same_as_put(void **state)
{
    static const char *const languages[] = {"english", "none", "french"};
    static const char *const queries[] = {"oil", "title:cocoa", "\"oil prices\"", "rates",
                                          "topic:cocoa AND wheat", "bank OR exports",
                                          "date:1987-03-05..1987-03-20 harvest", "pri"};
    fixture *f = *state;
    for (size_t l = 0; l < sizeof languages / sizeof languages[0]; l++) {
        char name[32];
        snprintf(name, sizeof name, "put-%zu", l);
        trawl_db *a = open_db(f, name, TRAWL_DB_WRITABLE);
        snprintf(name, sizeof name, "prepared-%zu", l);
        trawl_db *b = open_db(f, name, TRAWL_DB_WRITABLE);
        assert_int_equal(trawl_db_set_language(a, languages[l]), TRAWL_OK);
        assert_int_equal(trawl_db_set_language(b, languages[l]), TRAWL_OK);

        prep_job j = {0};
        pthread_t t;
        assert_int_equal(trawl_preparer_new(b, &j.prep), TRAWL_OK);
        assert_int_equal(pthread_create(&t, NULL, prepare_all, &j), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        assert_int_equal(j.st, TRAWL_OK);
        int replaced_a = 0, replaced_b = 0;
        for (int i = 0; i < NARTICLES; i++) {
            trawl_article *art = make_article(i);
            trawl_put_result ra = 0, rb = 0;
            assert_int_equal(trawl_db_put(a, art, &ra), TRAWL_OK);
            assert_string_equal(trawl_prepared_id(j.docs[i]), trawl_article_id(art));
            assert_int_equal(trawl_db_put_prepared(b, j.docs[i], &rb), TRAWL_OK);
            replaced_a += ra == TRAWL_PUT_REPLACED;
            replaced_b += rb == TRAWL_PUT_REPLACED;
            trawl_prepared_free(j.docs[i]);
            trawl_article_free(art);
        }
        trawl_preparer_free(j.prep);
        assert_int_equal(replaced_a, 5);
        assert_int_equal(replaced_b, 5);
        assert_int_equal(trawl_db_commit(a), TRAWL_OK);
        assert_int_equal(trawl_db_commit(b), TRAWL_OK);

        trawl_stats sa, sb;
        assert_int_equal(trawl_db_stats(a, &sa), TRAWL_OK);
        assert_int_equal(trawl_db_stats(b, &sb), TRAWL_OK);
        assert_int_equal(sa.articles, NARTICLES - 5);
        assert_int_equal(sb.articles, sa.articles);
        assert_int_equal(sb.terms, sa.terms);
        assert_int_equal(sb.store_bytes, sa.store_bytes);
        assert_int_equal(sb.text_bytes, sa.text_bytes);
        for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
            same_results(a, b, queries[q], TRAWL_RANK_DEFAULT);
            same_results(a, b, queries[q], TRAWL_RANK_BM25);
        }
        /* The preparer stems in the database's language: "rate" finds "rates" only when
         * words are stemmed (the text has no "rate"; the space keeps it from being taken
         * as a partial word). */
        size_t stemmed = hits(b, "rate ");
        if (strcmp(languages[l], "none") == 0 ? stemmed != 0 : stemmed == 0)
            fail_msg("language %s: 'rate' has %zu hits", languages[l], stemmed);
        assert_int_equal(hits(a, "rate "), stemmed);
        trawl_article *ga = NULL, *gb = NULL;
        char *ja = NULL, *jb = NULL;
        assert_int_equal(trawl_db_get(a, "a7", &ga), TRAWL_OK);
        assert_int_equal(trawl_db_get(b, "a7", &gb), TRAWL_OK);
        assert_int_equal(trawl_article_to_json(ga, &ja), TRAWL_OK);
        assert_int_equal(trawl_article_to_json(gb, &jb), TRAWL_OK);
        assert_string_equal(ja, jb);
        free(ja);
        free(jb);
        trawl_article_free(ga);
        trawl_article_free(gb);
        trawl_db_close(a);
        trawl_db_close(b);
    }
}

static void test_errors(void **state)
{
    fixture *f = *state;
    trawl_db *w = open_db(f, "errors", TRAWL_DB_WRITABLE);
    trawl_preparer *p = NULL;
    trawl_prepared *doc = (trawl_prepared *)1;
    trawl_put_result what = TRAWL_PUT_ADDED;

    assert_int_equal(trawl_preparer_new(NULL, &p), TRAWL_EINVAL);
    assert_null(p);
    assert_int_equal(trawl_preparer_new(w, NULL), TRAWL_EINVAL);
    assert_int_equal(trawl_preparer_new(w, &p), TRAWL_OK);
    assert_string_equal(trawl_preparer_errmsg(p), "");
    assert_int_equal(trawl_prepare(NULL, NULL, &doc), TRAWL_EINVAL);
    assert_null(doc);
    assert_int_equal(trawl_prepare(p, NULL, &doc), TRAWL_EINVAL);
    assert_string_not_equal(trawl_preparer_errmsg(p), "");

    /* An article that is not valid (its object lacks an id) is refused, and said so. */
    trawl_article bad = {json_pack("{s:s}", "title", "no id")};
    assert_int_equal(trawl_prepare(p, &bad, &doc), TRAWL_EINVAL);
    assert_null(doc);
    assert_non_null(strstr(trawl_preparer_errmsg(p), "not valid"));
    json_decref(bad.obj);

    assert_int_equal(trawl_db_put_prepared(w, NULL, &what), TRAWL_EINVAL);
    assert_int_equal(what, 0);
    assert_int_equal(trawl_db_put_prepared(NULL, NULL, NULL), TRAWL_EINVAL);

    /* A read-only handle makes no preparer and takes no prepared article. */
    trawl_article *a = make_article(1);
    assert_int_equal(trawl_prepare(p, a, &doc), TRAWL_OK);
    trawl_db_close(w); /* the preparer and its document need the handle no more */
    trawl_db *r = open_db(f, "errors", TRAWL_DB_READONLY);
    trawl_preparer *p2 = (trawl_preparer *)1;
    assert_int_equal(trawl_preparer_new(r, &p2), TRAWL_EINVAL);
    assert_null(p2);
    assert_non_null(strstr(trawl_db_errmsg(r), "read-only"));
    assert_int_equal(trawl_db_put_prepared(r, doc, &what), TRAWL_EINVAL);
    assert_non_null(strstr(trawl_db_errmsg(r), "read-only"));
    trawl_db_close(r);

    trawl_prepared_free(doc);
    trawl_article_free(a);
    trawl_preparer_free(p);
    trawl_preparer_free(NULL);
    trawl_prepared_free(NULL);
    assert_string_equal(trawl_preparer_errmsg(NULL), "");
    assert_string_equal(trawl_prepared_id(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_as_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
