/*
 * test_search.c: cmocka tests of trawl_db_search over a small database built in a
 * mkdtemp directory: ranking sanity, phrases, boolean operators, filter fields (singular
 * names, case), title:, date ranges and date sort, the partial last word, stemming-aware
 * snippets with highlight spans (in short texts, and in long ones, cut around the densest
 * hits), bad queries and limits. When $TRAWL_SHARED holds the
 * Reuters corpus, one test indexes all of it and checks real queries (else it skips,
 * saying why). Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "tests/engine/reuters.h"
#include "trawl.h"
#include "tests/tmpdir.h"

static const char *const articles[] = {
    "{\"id\":\"s1\",\"title\":\"Cocoa production rises in Ghana\",\"body\":\"Farmers expect a "
    "record harvest of beans this season.\",\"topics\":[\"cocoa\"],\"places\":[\"ghana\"],"
    "\"date\":\"1987-03-05\"}",
    "{\"id\":\"s2\",\"title\":\"Weekly review\",\"body\":\"Cocoa prices were steady while "
    "coffee fell. Oil markets were calm.\",\"topics\":[\"cocoa\",\"coffee\"],\"places\":"
    "[\"USA\"],\"date\":\"1987-03-20T10:00:00Z\"}",
    "{\"id\":\"s3\",\"title\":\"Oil prices climb\",\"body\":\"Crude oil priced higher as "
    "OPEC cut output; the price of oil rose.\",\"topics\":[\"crude\"],\"places\":[\"usa\"],"
    "\"date\":\"1987-04-02\"}",
    "{\"id\":\"s4\",\"title\":\"Grain shipments\",\"body\":\"Wheat and corn shipments to the "
    "Soviet Union rose sharply.\",\"topics\":[\"grain\",\"wheat\"],\"places\":[\"ussr\"],"
    "\"date\":\"1987-02-15\"}",
    "{\"id\":\"s5\",\"title\":\"Undated note\",\"body\":\"A note about the market with no "
    "date.\",\"topics\":[]}",
    "{\"id\":\"s6\",\"title\":\"Bank rates\",\"body\":\"The bank raised rates. The rates "
    "market and the bank market.\",\"date\":\"1987-03-31T23:30:00Z\"}",
    "{\"id\":\"s7\",\"title\":\"Study\",\"body\":\"The zygote study continues.\"}",
    "{\"id\":\"s8\",\"title\":\"Title only about sugar prices\"}",
};

struct fix {
    char dir[256], path[300];
    trawl_db *db;
};

static int make_dir(struct fix *f, const char *what)
{
    if (tmpdir_make(f->dir, sizeof f->dir, what) < 0)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/db", f->dir);
    return 0;
}

static void remove_dir(struct fix *f)
{
    tmpdir_remove(f->dir);
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    trawl_db *w = NULL;
    if (!f || make_dir(f, "search") < 0 ||
        trawl_db_open(f->path, TRAWL_DB_WRITABLE, &w, NULL) != TRAWL_OK)
        return -1;
    for (size_t i = 0; i < sizeof articles / sizeof articles[0]; i++) {
        trawl_article *a = NULL;
        char *msg = NULL;
        if (trawl_article_from_json(articles[i], strlen(articles[i]), &a, &msg) != TRAWL_OK ||
            trawl_db_put(w, a, NULL) != TRAWL_OK) {
            fprintf(stderr, "fixture article %zu: %s\n", i, msg ? msg : trawl_db_errmsg(w));
            return -1;
        }
        trawl_article_free(a);
    }
    if (trawl_db_commit(w) != TRAWL_OK)
        return -1;
    trawl_db_close(w);
    if (trawl_db_open(f->path, TRAWL_DB_READONLY, &f->db, NULL) != TRAWL_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    trawl_db_close(f->db);
    remove_dir(f);
    free(f);
    return 0;
}

static trawl_results *search(trawl_db *db, const trawl_query *q)
{
    trawl_results *r = NULL;
    trawl_status st = trawl_db_search(db, q, &r);
    if (st != TRAWL_OK)
        fail_msg("query '%s': %s: %s", q->query, trawl_status_name(st), trawl_db_errmsg(db));
    return r;
}

/* The ids of the hits, space-separated, in rank order ("" for none). */
static void ids_of(const trawl_results *r, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < trawl_results_count(r); i++)
        n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", i ? " " : "",
                      trawl_results_hit(r, i)->id);
}

/* Checks the ranked ids of a query, or with `sorted` 0 the set of ids in any order. */
static void expect(trawl_db *db, const char *query, trawl_sort sort, int ordered,
                   const char *want)
{
    trawl_query q = {.query = query, .limit = 100, .sort = sort};
    trawl_results *r = search(db, &q);
    char got[512];
    ids_of(r, got, sizeof got);
    if (!ordered) { /* compare as sets: every wanted id present, same count */
        char copy[512], *save = NULL;
        size_t n = 0;
        snprintf(copy, sizeof copy, "%s", want);
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), n++) {
            int found = 0;
            for (size_t i = 0; i < trawl_results_count(r); i++)
                found |= strcmp(trawl_results_hit(r, i)->id, w) == 0;
            if (!found)
                fail_msg("query '%s': want {%s}, got {%s}", query, want, got);
        }
        if (n != trawl_results_count(r))
            fail_msg("query '%s': want {%s}, got {%s}", query, want, got);
    } else if (strcmp(got, want) != 0) {
        fail_msg("query '%s' (sort %d): want [%s], got [%s]", query, (int)sort, want, got);
    }
    trawl_results_free(r);
}

static void test_ranking(void **state)
{
    struct fix *f = *state;
    trawl_query q = {.query = "cocoa"};
    trawl_results *r;
    /* a title match outranks a body-only match */
    expect(f->db, "cocoa", TRAWL_SORT_RELEVANCE, 1, "s1 s2");
    /* a rarer term outranks a common one */
    r = search(f->db, &(trawl_query){.query = "market zygote"});
    assert_true(trawl_results_count(r) >= 2);
    assert_string_equal(trawl_results_hit(r, 0)->id, "s7");
    trawl_results_free(r);
    /* scores descend, ranks count from 1, plain BM25 agrees here */
    for (int ranking = TRAWL_RANK_DEFAULT; ranking <= TRAWL_RANK_BM25; ranking++) {
        q.ranking = (trawl_ranking)ranking;
        r = search(f->db, &q);
        assert_int_equal(trawl_results_count(r), 2);
        assert_int_equal(trawl_results_total(r), 2);
        assert_int_equal(trawl_results_hit(r, 0)->rank, 1);
        assert_int_equal(trawl_results_hit(r, 1)->rank, 2);
        assert_true(trawl_results_hit(r, 0)->score > trawl_results_hit(r, 1)->score);
        assert_true(trawl_results_hit(r, 1)->score > 0);
        assert_null(trawl_results_hit(r, 2));
        trawl_results_free(r);
    }
}

static void test_offset_and_fields(void **state)
{
    struct fix *f = *state;
    trawl_query q = {.query = "cocoa", .offset = 1, .limit = 1};
    trawl_results *r = search(f->db, &q);
    trawl_stats st;
    const trawl_hit *h;
    assert_int_equal(trawl_results_count(r), 1);
    assert_true(trawl_results_total(r) >= 2); /* an estimate once the limit is reached */
    h = trawl_results_hit(r, 0);
    assert_string_equal(h->id, "s2");
    assert_int_equal(h->rank, 2);
    assert_string_equal(h->title, "Weekly review");
    assert_string_equal(h->date, "1987-03-20T10:00:00Z");
    assert_string_equal(h->snippet, "");
    assert_int_equal(h->nhighlights, 0);
    assert_int_equal(trawl_db_stats(f->db, &st), TRAWL_OK);
    assert_int_equal(trawl_results_revision(r), st.revision);
    trawl_results_free(r);
    r = search(f->db, &(trawl_query){.query = "zygote"});
    assert_null(trawl_results_hit(r, 0)->date); /* undated */
    trawl_results_free(r);
}

static void test_phrases_and_booleans(void **state)
{
    struct fix *f = *state;
    expect(f->db, "\"oil prices\"", 0, 1, "s3");
    expect(f->db, "\"prices oil\"", 0, 1, "");
    expect(f->db, "\"bank market\"", 0, 1, "s6");
    expect(f->db, "\"climb crude\"", 0, 1, ""); /* no phrase across title and body */
    expect(f->db, "cocoa AND coffee", 0, 0, "s2");
    expect(f->db, "cocoa OR grain", 0, 0, "s1 s2 s4");
    expect(f->db, "cocoa NOT coffee", 0, 0, "s1");
    expect(f->db, "+cocoa -coffee", 0, 0, "s1");
    expect(f->db, "(cocoa OR wheat) AND NOT ghana", 0, 0, "s2 s4");
    expect(f->db, "NOT cocoa", 0, 0, "s3 s4 s5 s6 s7 s8");
    /* lower-case and/or are words, not operators (nor syntax errors); the default
     * ranking drops them as stop words, plain BM25 keeps them */
    expect(f->db, "and zygote", 0, 0, "s7");
    expect(f->db, "zygote and", 0, 0, "s4 s6 s7"); /* a partial last word is never stopped */
    trawl_results *r = search(f->db, &(trawl_query){.query = "and zygote",
                                                    .ranking = TRAWL_RANK_BM25});
    assert_int_equal(trawl_results_count(r), 3); /* s7, and s4 s6 which hold "and" */
    assert_string_equal(trawl_results_hit(r, 0)->id, "s7");
    trawl_results_free(r);
}

static void test_filters(void **state)
{
    struct fix *f = *state;
    expect(f->db, "topic:cocoa", 0, 0, "s1 s2");
    expect(f->db, "topics:cocoa", 0, 0, "s1 s2");
    expect(f->db, "topic:COCOA", 0, 0, "s1 s2");
    expect(f->db, "place:usa", 0, 0, "s2 s3");
    expect(f->db, "place:USA", 0, 0, "s2 s3");
    expect(f->db, "place:usa topic:cocoa", 0, 0, "s2");
    expect(f->db, "topic:cocoa topic:grain", 0, 0, "s1 s2 s4");
    expect(f->db, "topic:cocoa topics:grain", 0, 0, "s1 s2 s4");
    expect(f->db, "oil place:usa", 0, 0, "s2 s3");
    expect(f->db, "topic:nosuch", 0, 0, "");
    expect(f->db, "title:oil", 0, 0, "s3");
    expect(f->db, "title:prices", 0, 0, "s3 s8");
}

static void test_dates(void **state)
{
    struct fix *f = *state;
    expect(f->db, "date:1987-03-01..1987-03-31", 0, 0, "s1 s2 s6");
    expect(f->db, "date:1987-04-01..", 0, 0, "s3");
    expect(f->db, "date:..1987-02-28", 0, 0, "s4");
    expect(f->db, "date:..", 0, 0, "s1 s2 s3 s4 s6"); /* the dated ones */
    expect(f->db, "date:1987-03..1987-03", 0, 0, "s1 s2 s6");
    expect(f->db, "date:1987..1987", 0, 0, "s1 s2 s3 s4 s6");
    expect(f->db, "date:1987-03-20T09:00..1987-03-20T10:00", 0, 0, "s2");
    expect(f->db, "cocoa date:1987-03-10..1987-03-31", 0, 0, "s2");
    /* date sort, both ways, undated last both ways; scores are 0 */
    expect(f->db, "NOT nosuchword", TRAWL_SORT_DATE, 1, "s4 s1 s2 s6 s3 s5 s7 s8");
    expect(f->db, "NOT nosuchword", TRAWL_SORT_DATE_DESC, 1, "s3 s6 s2 s1 s4 s5 s7 s8");
    trawl_results *r = search(f->db, &(trawl_query){.query = "cocoa", .sort = TRAWL_SORT_DATE});
    assert_int_equal(trawl_results_count(r), 2);
    assert_true(trawl_results_hit(r, 0)->score == 0.0);
    trawl_results_free(r);
}

static void test_partial(void **state)
{
    struct fix *f = *state;
    expect(f->db, "cocoa pro", 0, 1, "s1 s2");
    expect(f->db, "produc", 0, 1, "s1");
    expect(f->db, "zyg", 0, 1, "s7");
}

/* The highlighted words of hit 0, joined by "|". */
static void highlighted(const trawl_hit *h, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < h->nhighlights; i++) {
        const trawl_span *s = &h->highlights[i];
        assert_true(s->start < s->end && s->end <= strlen(h->snippet));
        if (i)
            assert_true(s->start >= h->highlights[i - 1].end);
        n += snprintf(buf + n, n < size ? size - n : 0, "%s%.*s", i ? "|" : "",
                      (int)(s->end - s->start), h->snippet + s->start);
    }
}

static void test_snippets(void **state)
{
    struct fix *f = *state;
    trawl_query q = {.query = "prices", .snippet_chars = 200};
    trawl_results *r = search(f->db, &q);
    char words[256];
    int saw_s3 = 0;
    for (size_t i = 0; i < trawl_results_count(r); i++) {
        const trawl_hit *h = trawl_results_hit(r, i);
        highlighted(h, words, sizeof words);
        if (strcmp(h->id, "s3") == 0) {
            saw_s3 = 1;
            assert_string_equal(h->snippet,
                                "Crude oil priced higher as OPEC cut output; the price of oil rose.");
            assert_string_equal(words, "priced|price");
        } else if (strcmp(h->id, "s8") == 0) { /* no body: the title is snippeted */
            assert_string_equal(h->snippet, "Title only about sugar prices");
            assert_string_equal(words, "prices");
        }
    }
    assert_true(saw_s3);
    trawl_results_free(r);

    /* a short snippet stays within its length and is one line */
    q.query = "shipments";
    q.snippet_chars = 20;
    r = search(f->db, &q);
    assert_int_equal(trawl_results_count(r), 1);
    assert_true(strlen(trawl_results_hit(r, 0)->snippet) <= 20);
    assert_true(trawl_results_hit(r, 0)->nhighlights >= 1);
    assert_null(strchr(trawl_results_hit(r, 0)->snippet, '\n'));
    trawl_results_free(r);
}

/* Long articles: Xapian snippets only a window of them (engine/snippet.c), which must
 * still hold every highlight of the densest region, stems, phrases and partial words
 * included, with "..." only where the text goes on. */
static void test_long_snippets(void **state)
{
    static const char filler[] = "The committee met on Tuesday and discussed routine matters "
                                 "at some length. ";
    static const struct {
        const char *query, *want; /* want: the highlighted words, joined by "|" */
        int front, back;          /* "..." wanted at the front, at the back */
    } cases[] = {
        {"cocoa", "Cocoa|cocoa|cocoa", 0, 1},
        {"rising", "rises|rising", 1, 0},
        {"\"cocoa dealers\"", "cocoa dealers", 1, 1},
        {"deale", "dealers", 1, 1},
        {"harvest", "harvest|harvest", 1, 0},
        {"opening", "Opening", 0, 1},
        /* in the second article: words joined by an apostrophe (typographic too) or & */
        {"don't", "don\xe2\x80\x99t", 1, 1},
        {"AT&T", "AT&T", 1, 1},
    };
    struct fix f = {0};
    trawl_db *db = NULL;
    char body[8192], json[9000], got[256];
    size_t n = 0;
    (void)state;

    n += (size_t)snprintf(body + n, sizeof body - n, "Opening words of the article. ");
    for (int i = 0; i < 12; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s", filler);
    n += (size_t)snprintf(body + n, sizeof body - n,
                          "Cocoa prices rises as cocoa dealers bought cocoa, rising. ");
    for (int i = 0; i < 12; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s", filler);
    snprintf(body + n, sizeof body - n, "A record harvest is due, the harvest of the year.");
    snprintf(json, sizeof json, "{\"id\":\"long\",\"title\":\"Report\",\"body\":\"%s\"}",
             body);
    assert_int_equal(make_dir(&f, "long"), 0);
    assert_int_equal(trawl_db_open(f.path, TRAWL_DB_WRITABLE, &db, NULL), TRAWL_OK);
    trawl_article *a = NULL;
    assert_int_equal(trawl_article_from_json(json, strlen(json), &a, NULL), TRAWL_OK);
    assert_int_equal(trawl_db_put(db, a, NULL), TRAWL_OK);
    trawl_article_free(a);
    n = 0;
    for (int i = 0; i < 12; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s", filler);
    n += (size_t)snprintf(body + n, sizeof body - n,
                          "Brokers said they don\xe2\x80\x99t expect AT&T to sell. ");
    for (int i = 0; i < 12; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s", filler);
    snprintf(json, sizeof json, "{\"id\":\"long2\",\"body\":\"%s\"}", body);
    assert_int_equal(trawl_article_from_json(json, strlen(json), &a, NULL), TRAWL_OK);
    assert_int_equal(trawl_db_put(db, a, NULL), TRAWL_OK);
    trawl_article_free(a);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        trawl_query q = {.query = cases[c].query, .snippet_chars = 200};
        trawl_results *r = search(db, &q);
        assert_int_equal(trawl_results_count(r), 1);
        const trawl_hit *h = trawl_results_hit(r, 0);
        size_t len = strlen(h->snippet);
        highlighted(h, got, sizeof got);
        if (strcmp(got, cases[c].want) != 0 || len > 200 ||
            (strncmp(h->snippet, "...", 3) == 0) != cases[c].front ||
            (len >= 3 && strcmp(h->snippet + len - 3, "...") == 0) != cases[c].back)
            fail_msg("query '%s': snippet '%s', highlights '%s' (want '%s', front %d, back %d)",
                     cases[c].query, h->snippet, got, cases[c].want, cases[c].front,
                     cases[c].back);
        trawl_results_free(r);
    }
    trawl_db_close(db);
    remove_dir(&f);
}

static void test_bad_queries(void **state)
{
    struct fix *f = *state;
    trawl_results *r = (trawl_results *)1;
    static const char *const bad[] = {"cocoa AND", "OR oil", "date:bogus..1987",
                                      "date:1987-02-30..1987-03-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        trawl_query q = {.query = bad[i]};
        trawl_status st = trawl_db_search(f->db, &q, &r);
        if (st != TRAWL_EQUERY || r != NULL || !*trawl_db_errmsg(f->db))
            fail_msg("query '%s': %s '%s'", bad[i], trawl_status_name(st),
                     trawl_db_errmsg(f->db));
    }
    assert_non_null(strstr(trawl_db_errmsg(f->db), "not a date"));

    /* limits */
    assert_int_equal(trawl_db_search(f->db, &(trawl_query){.query = "x", .limit = 1001}, &r),
                     TRAWL_EINVAL);
    char *big = malloc(TRAWL_MAX_QUERY_BYTES + 2);
    memset(big, 'a', TRAWL_MAX_QUERY_BYTES + 1);
    big[TRAWL_MAX_QUERY_BYTES + 1] = '\0';
    assert_int_equal(trawl_db_search(f->db, &(trawl_query){.query = big}, &r), TRAWL_ETOOLARGE);
    free(big);
    assert_int_equal(trawl_db_search(f->db, &(trawl_query){.query = NULL}, &r), TRAWL_EINVAL);
    assert_int_equal(
        trawl_db_search(f->db, &(trawl_query){.query = "x", .sort = (trawl_sort)7}, &r),
        TRAWL_EINVAL);

    /* empty queries: no hits, not an error */
    static const char *const empty[] = {"", "   ", "\t\n"};
    for (size_t i = 0; i < 3; i++) {
        r = search(f->db, &(trawl_query){.query = empty[i]});
        assert_int_equal(trawl_results_count(r), 0);
        assert_int_equal(trawl_results_total(r), 0);
        assert_null(trawl_results_hit(r, 0));
        trawl_results_free(r);
    }
    trawl_results_free(NULL);
}

/* ---- the Reuters corpus ------------------------------------------------------------------ */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int mentions(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; p && *p; p++)
        if (strncasecmp(p, word, n) == 0)
            return 1;
    return 0;
}

static void check_reuters_queries(trawl_db *db)
{
    trawl_query q = {.query = "oil prices", .snippet_chars = 200};
    trawl_results *r = search(db, &q);
    assert_int_equal(trawl_results_count(r), 10);
    for (size_t i = 0; i < 10; i++) {
        const trawl_hit *h = trawl_results_hit(r, i);
        trawl_article *a = NULL;
        assert_int_equal(trawl_db_get(db, h->id, &a), TRAWL_OK);
        if (!mentions(trawl_article_get(a, "title"), "oil") &&
            !mentions(trawl_article_get(a, "body"), "oil"))
            fail_msg("'oil prices' hit %zu (%s) does not mention oil", i + 1, h->id);
        assert_true(h->nhighlights > 0);
        trawl_article_free(a);
    }
    trawl_results_free(r);

    q = (trawl_query){.query = "topic:cocoa", .limit = 1000};
    r = search(db, &q);
    assert_true(trawl_results_count(r) > 50);
    for (size_t i = 0; i < trawl_results_count(r); i++) {
        trawl_article *a = NULL;
        char *json = NULL;
        assert_int_equal(trawl_db_get(db, trawl_results_hit(r, i)->id, &a), TRAWL_OK);
        assert_int_equal(trawl_article_to_json(a, &json), TRAWL_OK);
        if (!strstr(json, "\"cocoa\""))
            fail_msg("topic:cocoa hit %s has no cocoa topic: %.200s", trawl_results_hit(r, i)->id,
                     json);
        free(json);
        trawl_article_free(a);
    }
    trawl_results_free(r);
}

static void test_reuters(void **state)
{
    char file[1024];
    struct fix f = {0};
    trawl_db *w = NULL;
    trawl_stats st;
    double t0, t1;
    size_t n;
    (void)state;

    if (!reuters_files("the Reuters test", file, sizeof file, NULL, 0))
        skip();
    assert_int_equal(make_dir(&f, "reuters"), 0);
    assert_int_equal(trawl_db_open(f.path, TRAWL_DB_WRITABLE, &w, NULL), TRAWL_OK);
    t0 = now();
    n = reuters_index(w, file);
    t1 = now();
    assert_int_equal(n, REUTERS_ARTICLES);
    assert_int_equal(trawl_db_stats(w, &st), TRAWL_OK);
    assert_int_equal(st.articles, REUTERS_ARTICLES);
    printf("indexed %zu Reuters articles in %.2f s; store %.1f MB of %.1f MB text (%.1f%%), "
           "database %.1f MB, %llu terms\n",
           n, t1 - t0, st.store_bytes / 1e6, st.text_bytes / 1e6,
           100.0 * st.store_bytes / (st.text_bytes ? st.text_bytes : 1), st.db_bytes / 1e6,
           (unsigned long long)st.terms);
    trawl_db_close(w);
    assert_int_equal(trawl_db_open(f.path, TRAWL_DB_READONLY, &w, NULL), TRAWL_OK);
    check_reuters_queries(w);
    trawl_db_close(w);
    remove_dir(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranking),      cmocka_unit_test(test_offset_and_fields),
        cmocka_unit_test(test_phrases_and_booleans), cmocka_unit_test(test_filters),
        cmocka_unit_test(test_dates),        cmocka_unit_test(test_partial),
        cmocka_unit_test(test_snippets),     cmocka_unit_test(test_bad_queries),
        cmocka_unit_test(test_long_snippets),
    };
    const struct CMUnitTest slow[] = {cmocka_unit_test(test_reuters)};
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed + cmocka_run_group_tests(slow, NULL, NULL);
}
