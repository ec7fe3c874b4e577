/*
 * fuzz_db.c: the helpers the fuzz targets share (see fuzz.h): the abort-on-invariant
 * function, the small real database that fuzz_request.c and fuzz_text_command.c answer
 * from, and the checker of `trawl serve` responses. Linked into every fuzz_* program and
 * every replay_* program of tests/fuzz/local.mk.
 */
#include "tests/fuzz/fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tmpdir.h"
#include "trawl.h"

void fuzz_fail(const char *file, int line, const char *cond, const char *what)
{
    fprintf(stderr, "fuzz: %s:%d: invariant failed: %s (%s)\n", file, line, cond,
            what ? what : "");
    abort();
}

/* The fixture: varied enough to reach every response shape (hits with and without a
 * date, highlights, filter fields, non-ASCII text, a long body, a nested extra field). */
static const char *const articles[] = {
    "{\"id\":\"r1\",\"title\":\"Oil prices rise\",\"date\":\"1987-03-02\","
    "\"body\":\"Crude oil prices rose sharply on Monday as OPEC met in Vienna.\","
    "\"topics\":[\"crude\",\"opec\"],\"places\":[\"austria\"]}",
    "{\"id\":\"r2\",\"title\":\"Wheat exports\",\"date\":\"1987-04-10T12:30:00Z\","
    "\"body\":\"Wheat and grain exports to the Soviet Union grew. Oil was not mentioned.\","
    "\"topics\":[\"grain\",\"wheat\"],\"author\":\"A. Writer\",\"url\":\"http://x/2\"}",
    "{\"id\":\"r3\",\"title\":\"Caf\\u00e9 na\\u00efve \\u65e5\\u672c\",\"body\":"
    "\"Stra\\u00dfe \\u0645\\u0631\\u062d\\u0628\\u0627 \\ud83d\\ude00 emoji and\\ttabs\\nand lines\","
    "\"source\":\"wire\",\"extra\":{\"n\":[1,2.5,true,null]}}",
    "{\"id\":\"id with spaces\\tand tab\",\"body\":\"no title, no date: interest rates\"}",
    "{\"id\":\"r5\",\"title\":\"Interest rates\",\"date\":\"2001-09-11T08:46:00-04:00\","
    "\"body\":\"The central bank cut interest rates. Rates fell. Oil rose. Markets closed.\","
    "\"people\":[\"greenspan\"]}",
};

static char dbdir[256];

static void remove_db(void)
{
    tmpdir_remove(dbdir);
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz: cannot build the fixture database: %s: %s\n", what,
            msg ? msg : "");
    exit(1);
}

/* A body long enough to need snippet windows and several highlight ranges. */
static trawl_status put_long(trawl_db *db)
{
    trawl_article *a = NULL;
    trawl_status st = trawl_article_new("long", &a);
    char *body = malloc(20000);
    if (st != TRAWL_OK || !body) {
        trawl_article_free(a);
        free(body);
        return TRAWL_ENOMEM;
    }
    size_t n = 0;
    while (n + 40 < 20000)
        n += (size_t)sprintf(body + n, "oil wheat rates %zu grain market. ", n);
    st = trawl_article_set(a, "body", body);
    if (st == TRAWL_OK)
        st = trawl_article_set(a, "title", "A long article about oil");
    if (st == TRAWL_OK)
        st = trawl_db_put(db, a, NULL);
    trawl_article_free(a);
    free(body);
    return st;
}

const char *fuzz_db_path(void)
{
    if (dbdir[0])
        return dbdir;
    if (tmpdir_make(dbdir, sizeof dbdir, "fuzz") < 0) {
        dbdir[0] = '\0'; /* nothing to remove */
        die("a temporary directory", "see above");
    }
    atexit(remove_db);
    trawl_db *db = NULL;
    char *msg = NULL;
    if (trawl_db_open(dbdir, TRAWL_DB_WRITABLE, &db, &msg) != TRAWL_OK)
        die(dbdir, msg);
    for (size_t i = 0; i < sizeof articles / sizeof *articles; i++) {
        trawl_article *a = NULL;
        if (trawl_article_from_json(articles[i], strlen(articles[i]), &a, &msg) != TRAWL_OK)
            die(articles[i], msg);
        if (trawl_db_put(db, a, NULL) != TRAWL_OK)
            die(articles[i], trawl_db_errmsg(db));
        trawl_article_free(a);
    }
    if (put_long(db) != TRAWL_OK || trawl_db_commit(db) != TRAWL_OK)
        die(dbdir, trawl_db_errmsg(db));
    trawl_db_close(db);
    return dbdir;
}

/* Checks one JSON response line; returns 1. */
static size_t check_json(const char *line, size_t len)
{
    json_error_t err;
    json_t *j = json_loadb(line, len, 0, &err);
    FUZZ_CHECK(j != NULL, err.text);
    FUZZ_CHECK(json_is_object(j), "a JSON response is an object");
    json_t *ok = json_object_get(j, "ok");
    FUZZ_CHECK(json_is_boolean(ok), "\"ok\" is a boolean");
    if (json_is_false(ok)) {
        json_t *e = json_object_get(j, "error");
        FUZZ_CHECK(json_is_object(e), "\"error\" is an object");
        FUZZ_CHECK(json_is_string(json_object_get(e, "code")), "error code is a string");
        FUZZ_CHECK(json_is_string(json_object_get(e, "message")), "message is a string");
    }
    json_decref(j);
    return 1;
}

size_t fuzz_check_responses(const char *out, size_t len)
{
    size_t n = 0, off = 0;
    int in_text = 0;
    while (off < len) {
        const char *lf = memchr(out + off, '\n', len - off);
        FUZZ_CHECK(lf != NULL, "every response line ends with LF");
        size_t ll = (size_t)(lf - (out + off));
        const char *line = out + off;
        FUZZ_CHECK(memchr(line, '\r', ll) == NULL, "no CR inside a response line");
        if (in_text) {
            if (ll == 1 && line[0] == '.')
                in_text = 0, n++;
        } else if (ll > 0 && line[0] == '{') {
            n += check_json(line, ll);
        } else {
            FUZZ_CHECK((ll == 2 && !memcmp(line, "ok", 2)) ||
                           (ll > 2 && !memcmp(line, "ok ", 3)) ||
                           (ll > 6 && !memcmp(line, "error ", 6)),
                       "a text status line starts with ok or error");
            in_text = 1;
        }
        off += ll + 1;
    }
    FUZZ_CHECK(!in_text, "a text response ends with a \".\" line");
    return n;
}
