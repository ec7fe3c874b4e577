/*
 * test_serve.c: integration tests of `trawl serve`, driving the real program over pipes
 * (serve_driver.c) against a small database built with the real `trawl index`: every op
 * and error code, text mode and its escaping, a burst of 50 searches cancelled, 200
 * pipelined requests, over-long lines, malformed input of every kind, EOF, quit, SIGTERM,
 * a closed stdout, a database that appears late, and articles indexed (and replaced) by a
 * second process while the server runs. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/protocol/serve_driver.h"
#include "tests/tmpdir.h"

#define TIMEOUT_MS 30000
#define NARTICLES 20

static char tmpdir[256];
static char dbpath[300];

/* ---- fixture ------------------------------------------------------------------------ */

/* Writes the fixture articles as JSON Lines (ids a1..a20; a2 has a tab and a newline in
 * its title; a3 has no date and non-ASCII text; a5..a20 are about wheat, the even ones
 * mention oil too). */
static int write_corpus(const char *path, const char *prefix, int n, const char *word)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int i = 1; i <= n; i++) {
        char id[32], date[16], title[64], body[256];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        snprintf(date, sizeof date, "1987-04-%02d", i);
        snprintf(title, sizeof title, "%s report %d", word, i);
        snprintf(body, sizeof body, "The %s harvest report number %d.%s", word, i,
                 i % 2 == 0 ? " Oil prices were mentioned." : "");
        json_t *a = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "id", id, "title", title, "date",
                              date, "body", body, "topics", "grain");
        if (strcmp(word, "wheat") == 0 && i == 1) {
            json_object_set_new(a, "title", json_string("Oil prices rise"));
            json_object_set_new(a, "date", json_string("1987-03-02"));
            json_object_set_new(a, "body", json_string(
                "Crude oil prices rose sharply on Monday as OPEC members met in Vienna."));
        } else if (strcmp(word, "wheat") == 0 && i == 2) {
            json_object_set_new(a, "title", json_string("Tab\there and\nnewline"));
            json_object_set_new(a, "date", json_string("1987-03-01"));
            json_object_set_new(a, "body", json_string("An oil tanker\twith tabs and a\\."));
        } else if (strcmp(word, "wheat") == 0 && i == 3) {
            json_object_set_new(a, "title", json_string("\xc3\x96lpreis steigt"));
            json_object_del(a, "date");
            json_object_set_new(a, "body", json_string(
                "Der \xc3\x96lpreis f\xc3\xbcr \xc3\xa9t\xc3\xa9 oil ist gestiegen."));
        }
        char *line = json_dumps(a, JSON_COMPACT);
        fprintf(f, "%s\n", line);
        free(line);
        json_decref(a);
    }
    return fclose(f);
}

/* Indexes n articles about `word` with ids PREFIX1..PREFIXn into db with `trawl index`. */
static int index_articles(const char *db, const char *prefix, int n, const char *word)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s.jsonl", tmpdir, prefix);
    if (write_corpus(path, prefix, n, word) != 0)
        return -1;
    const char *args[] = {drv_trawl_bin(), "index", "--db", db, path, NULL};
    int st = drv_run(args);
    unlink(path);
    return st;
}

static int setup(void **state)
{
    (void)state;
    if (tmpdir_make(tmpdir, sizeof tmpdir, "serve") < 0)
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/db", tmpdir);
    signal(SIGPIPE, SIG_IGN);
    if (index_articles(dbpath, "a", NARTICLES, "wheat") != 0) {
        fprintf(stderr, "cannot build the test database with %s index\n", drv_trawl_bin());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove(tmpdir);
}

/* ---- helpers ------------------------------------------------------------------------ */

static void start(struct srv *s, const char *db, const char *extra)
{
    assert_int_equal(drv_start(s, tmpdir, db, extra), 0);
}

/* Stops the server, expecting exit status 0 and (when quiet) nothing on stderr. */
static void stop_ok(struct srv *s, int quiet)
{
    int st = drv_stop(s, TIMEOUT_MS);
    long errsize = drv_stderr_size(s);
    if (st != 0 || (quiet && errsize != 0)) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "cat '%s' >&2", s->errpath);
        if (system(cmd) != 0)
            print_error("cannot show the server's stderr\n");
    }
    assert_int_equal(st, 0);
    if (quiet)
        assert_int_equal(errsize, 0);
    drv_free(s);
}

static const char *line(struct srv *s)
{
    const char *l = drv_line(s, TIMEOUT_MS);
    assert_non_null(l);
    return l;
}

/* Reads one JSON response line; the caller json_decref()s it. */
static json_t *read_json(struct srv *s)
{
    const char *l = line(s);
    json_error_t e;
    json_t *j = json_loads(l, 0, &e);
    if (!j || !json_is_object(j))
        print_error("not a JSON object: %s\n", l);
    assert_non_null(j);
    assert_true(json_is_object(j));
    assert_true(json_is_boolean(json_object_get(j, "ok")));
    return j;
}

/* Sends one request line and reads its JSON response. */
static json_t *rpc(struct srv *s, const char *req)
{
    assert_int_equal(drv_send(s, req), 0);
    assert_int_equal(drv_send(s, "\n"), 0);
    return read_json(s);
}

/* The error code of a response, or "ok" for a success. */
static const char *code_of(json_t *j)
{
    if (json_is_true(json_object_get(j, "ok")))
        return "ok";
    json_t *err = json_object_get(j, "error");
    const char *c = json_string_value(json_object_get(err, "code"));
    const char *m = json_string_value(json_object_get(err, "message"));
    assert_non_null(c);
    assert_non_null(m);
    assert_null(strchr(m, '\n'));
    assert_null(strchr(m, '\r'));
    return c;
}

/* Reads one JSON response and checks its code and its id (as compact JSON; NULL when the
 * response must have none). `req` names the request in a failure message. */
static void check_next(struct srv *s, const char *req, const char *code, const char *id)
{
    json_t *j = read_json(s);
    char *got_id = json_object_get(j, "id")
                       ? json_dumps(json_object_get(j, "id"), JSON_COMPACT | JSON_ENCODE_ANY)
                       : NULL;
    int ok = strcmp(code_of(j), code) == 0 &&
             (id ? got_id && strcmp(got_id, id) == 0 : got_id == NULL);
    if (!ok) {
        char *txt = json_dumps(j, JSON_COMPACT);
        print_error("request %.200s\n  got %s\n  want code %s id %s\n", req, txt, code,
                    id ? id : "(none)");
        free(txt);
    }
    free(got_id);
    json_decref(j);
    assert_true(ok);
}

/* Sends a request line and checks its response as check_next does. */
static void expect(struct srv *s, const char *req, const char *code, const char *id)
{
    assert_int_equal(drv_send(s, req), 0);
    assert_int_equal(drv_send(s, "\n"), 0);
    check_next(s, req, code, id);
}

/* Checks that the last line read is exactly what jansson dumps for it (compact, reals
 * with 6 digits): the server's direct JSON writer must agree with the library. */
static void check_canonical(struct srv *s, json_t *j)
{
    char *again = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
    assert_non_null(again);
    if (strcmp(again, s->line) != 0)
        print_error("not canonical:\n got  %s\n want %s\n", s->line, again);
    assert_string_equal(again, s->line);
    free(again);
}

/* Reads a text response: returns the status line's copy (caller frees) and fills
 * lines[0..*n) with the body lines (caller frees each). */
static char *read_text(struct srv *s, char **lines, size_t max, size_t *n)
{
    char *status = strdup(line(s));
    *n = 0;
    for (;;) {
        const char *l = line(s);
        if (strcmp(l, ".") == 0)
            return status;
        assert_true(*n < max);
        lines[(*n)++] = strdup(l);
    }
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
}

/* Number of tab-separated fields in a line. */
static int nfields(const char *l)
{
    int n = 1;
    for (; *l; l++)
        n += *l == '\t';
    return n;
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_ping_stats_get(void **state)
{
    (void)state;
    struct srv s;
    start(&s, dbpath, NULL);
    json_t *j = rpc(&s, "{\"id\":\"p\",\"op\":\"ping\"}");
    assert_string_equal(code_of(j), "ok");
    assert_int_equal(json_integer_value(json_object_get(j, "protocol")), 1);
    assert_non_null(json_string_value(json_object_get(j, "version")));
    json_decref(j);

    j = rpc(&s, "{\"id\":1,\"op\":\"stats\"}");
    assert_string_equal(code_of(j), "ok");
    assert_int_equal(json_integer_value(json_object_get(j, "articles")), NARTICLES);
    assert_true(json_integer_value(json_object_get(j, "terms")) > 0);
    assert_true(json_integer_value(json_object_get(j, "revision")) > 0);
    assert_true(json_is_integer(json_object_get(j, "db_bytes")));
    assert_true(json_is_integer(json_object_get(j, "store_bytes")));
    assert_true(json_is_integer(json_object_get(j, "text_bytes")));
    assert_non_null(strstr(json_string_value(json_object_get(j, "db")), "/db"));
    const char *lc = json_string_value(json_object_get(j, "last_commit"));
    assert_non_null(lc);
    assert_int_equal(strlen(lc), 20); /* 2026-11-26T09:00:00Z */
    json_decref(j);

    j = rpc(&s, "{\"id\":2,\"op\":\"get\",\"doc\":\"a2\"}");
    assert_string_equal(code_of(j), "ok");
    assert_string_equal(json_string_value(json_object_get(j, "doc")), "a2");
    assert_true(json_is_integer(json_object_get(j, "revision")));
    json_t *art = json_object_get(j, "article");
    assert_string_equal(json_string_value(json_object_get(art, "title")),
                        "Tab\there and\nnewline");
    assert_string_equal(json_string_value(json_object_get(art, "id")), "a2");
    assert_true(json_is_array(json_object_get(art, "topics")));
    json_decref(j);

    expect(&s, "{\"id\":3,\"op\":\"get\",\"doc\":\"nope\"}", "not_found", "3");
    expect(&s, "{\"id\":4,\"op\":\"quit\"}", "ok", "4");
    stop_ok(&s, 1);
}

static void test_search(void **state)
{
    (void)state;
    struct srv s;
    start(&s, dbpath, NULL);
    json_t *j = rpc(&s, "{\"id\":[1,{\"k\":\"\\n\"}],\"op\":\"search\",\"q\":\"oil\",\"limit\":5}");
    assert_string_equal(code_of(j), "ok");
    check_canonical(&s, j);
    assert_true(json_integer_value(json_object_get(j, "total")) >= 5);
    assert_true(json_is_integer(json_object_get(j, "took_us")));
    assert_true(json_integer_value(json_object_get(j, "revision")) > 0);
    json_t *hits = json_object_get(j, "hits");
    assert_int_equal(json_array_size(hits), 5);
    for (size_t i = 0; i < json_array_size(hits); i++) {
        json_t *h = json_array_get(hits, i);
        assert_int_equal(json_integer_value(json_object_get(h, "rank")), (json_int_t)i + 1);
        assert_non_null(json_string_value(json_object_get(h, "doc")));
        assert_true(json_is_number(json_object_get(h, "score")));
        assert_non_null(json_string_value(json_object_get(h, "title")));
        const char *snip = json_string_value(json_object_get(h, "snippet"));
        assert_non_null(snip);
        json_t *hl = json_object_get(h, "highlights");
        assert_true(json_array_size(hl) >= 1);
        size_t nchars = json_string_length(json_object_get(h, "snippet")); /* bytes */
        for (size_t k = 0; k < json_array_size(hl); k++) {
            json_int_t a = json_integer_value(json_array_get(json_array_get(hl, k), 0));
            json_int_t e = json_integer_value(json_array_get(json_array_get(hl, k), 1));
            assert_true(0 <= a && a < e && (size_t)e <= nchars);
        }
    }
    json_decref(j);

    /* bytes and chars offsets agree on the non-ASCII article */
    j = rpc(&s, "{\"op\":\"search\",\"q\":\"gestiegen\",\"offsets\":\"bytes\"}");
    check_canonical(&s, j);
    json_t *h = json_array_get(json_object_get(j, "hits"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "doc")), "a3");
    assert_null(json_object_get(h, "date")); /* a3 has no date */
    const char *snip = json_string_value(json_object_get(h, "snippet"));
    json_t *hl = json_array_get(json_object_get(h, "highlights"), 0);
    json_int_t ba = json_integer_value(json_array_get(hl, 0));
    json_int_t be = json_integer_value(json_array_get(hl, 1));
    assert_memory_equal(snip + ba, "gestiegen", 9);
    assert_int_equal(be - ba, 9);
    json_int_t chars_before = 0;
    for (json_int_t i = 0; i < ba; i++)
        chars_before += ((unsigned char)snip[i] & 0xC0) != 0x80;
    assert_true(chars_before < ba); /* there are multi-byte characters before it */
    json_decref(j);
    j = rpc(&s, "{\"op\":\"search\",\"q\":\"gestiegen\"}");
    hl = json_array_get(json_object_get(json_array_get(json_object_get(j, "hits"), 0),
                                        "highlights"), 0);
    assert_int_equal(json_integer_value(json_array_get(hl, 0)), chars_before);
    assert_int_equal(json_integer_value(json_array_get(hl, 1)), chars_before + 9);
    json_decref(j);

    /* sort by date both ways, offset, snippet 0 */
    j = rpc(&s, "{\"op\":\"search\",\"q\":\"wheat\",\"sort\":\"date\",\"limit\":3,\"snippet\":0}");
    hits = json_object_get(j, "hits");
    assert_int_equal(json_array_size(hits), 3);
    const char *d0 = json_string_value(json_object_get(json_array_get(hits, 0), "date"));
    const char *d1 = json_string_value(json_object_get(json_array_get(hits, 1), "date"));
    assert_true(d0 && d1 && strcmp(d0, d1) <= 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "snippet")), "");
    json_decref(j);
    j = rpc(&s, "{\"op\":\"search\",\"q\":\"wheat\",\"sort\":\"-date\",\"limit\":2,\"offset\":1}");
    hits = json_object_get(j, "hits");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hits, 0), "rank")), 2);
    d0 = json_string_value(json_object_get(json_array_get(hits, 0), "date"));
    d1 = json_string_value(json_object_get(json_array_get(hits, 1), "date"));
    assert_true(d0 && d1 && strcmp(d0, d1) >= 0);
    json_decref(j);
    j = rpc(&s, "{\"op\":\"search\",\"q\":\"topic:grain\",\"limit\":1000}");
    check_canonical(&s, j);
    assert_int_equal(json_array_size(json_object_get(j, "hits")), NARTICLES);
    json_decref(j);
    stop_ok(&s, 1);
}

/* Every error code the protocol defines, with the id echoed whenever it can be read.
 * (`internal` stands for bugs and cannot be provoked from outside; `cancelled` and
 * `unavailable` have their own tests below.) */
static void test_error_codes(void **state)
{
    (void)state;
    struct srv s;
    start(&s, dbpath, "--max-line=200");
    expect(&s, "{\"id\":1,\"op\":\"ping\"", "bad_json", NULL);
    expect(&s, "{\"id\":1,\"op\":\"ping\"} trailing", "bad_json", NULL);
    expect(&s, "{\"id\":\"\xff\",\"op\":\"ping\"}", "bad_json", NULL);
    expect(&s, "{\"id\":2,\"op\":\"search\"}", "bad_request", "2");
    expect(&s, "{\"id\":2,\"op\":\"search\",\"q\":\"oil\",\"limit\":\"5\"}", "bad_request", "2");
    expect(&s, "{\"id\":2,\"op\":\"search\",\"q\":\"oil\",\"limit\":-1}", "bad_request", "2");
    expect(&s, "{\"id\":2,\"op\":\"search\",\"q\":\"oil\",\"limit\":1001}", "bad_request", "2");
    expect(&s, "{\"id\":2,\"op\":\"search\",\"q\":\"oil\",\"offset\":1e999}", "bad_request", NULL);
    expect(&s, "{\"id\":2,\"op\":\"search\",\"q\":\"oil\",\"offset\":123456789012345678901}",
           "bad_request", NULL);
    expect(&s, "{\"id\":2,\"op\":\"search\",\"q\":\"oil\",\"colour\":1}", "bad_request", "2");
    expect(&s, "{\"id\":2,\"op\":\"search\",\"q\":[\"oil\"]}", "bad_request", "2");
    expect(&s, "{\"id\":{\"x\":[1]},\"op\":\"frob\"}", "unknown_op", "{\"x\":[1]}");
    expect(&s, "{\"id\":5,\"op\":\"search\",\"q\":\"oil AND\"}", "bad_query", "5");
    expect(&s, "{\"id\":6,\"op\":\"get\",\"doc\":\"missing\"}", "not_found", "6");
    char big[400];
    snprintf(big, sizeof big, "{\"id\":7,\"op\":\"search\",\"q\":\"%0300d\"}", 0);
    expect(&s, big, "too_large", NULL);
    expect(&s, "{\"id\":8,\"op\":\"ping\"}", "ok", "8");
    stop_ok(&s, 1);
}

static void test_text_mode(void **state)
{
    (void)state;
    struct srv s;
    char *body[64];
    size_t n;
    start(&s, dbpath, NULL);

    assert_int_equal(drv_send(&s, "ping\n"), 0);
    char *st = read_text(&s, body, 64, &n);
    assert_true(strncmp(st, "ok version=", 11) == 0 && strstr(st, "protocol=1"));
    assert_int_equal(n, 0);
    free(st);

    /* a response whose fields hold a tab, a newline and a backslash */
    assert_int_equal(drv_send(&s, "search tanker\r\n"), 0);
    st = read_text(&s, body, 64, &n);
    assert_true(strncmp(st, "ok total=", 9) == 0);
    assert_non_null(strstr(st, " revision="));
    assert_int_equal(n, 1);
    assert_int_equal(nfields(body[0]), 6);
    assert_true(strncmp(body[0], "1\ta2\t", 5) == 0);
    assert_non_null(strstr(body[0], "\t1987-03-01\tTab\\there and\\nnewline\t"));
    assert_non_null(strstr(body[0], "[[tanker]]")); /* the snippet may fold the tab */
    assert_non_null(strstr(body[0], "a\\\\."));   /* backslash escaped */
    free(st);
    free_lines(body, n);

    assert_int_equal(drv_send(&s, "search oil\n"), 0);
    st = read_text(&s, body, 64, &n);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(nfields(body[i]), 6);
        assert_int_equal(atoi(body[i]), (int)i + 1);
    }
    free(st);
    free_lines(body, n);

    assert_int_equal(drv_send(&s, "get a2\n"), 0);
    st = read_text(&s, body, 64, &n);
    assert_true(strncmp(st, "ok revision=", 12) == 0);
    int saw_title = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(nfields(body[i]), 2);
        saw_title |= strcmp(body[i], "title\tTab\\there and\\nnewline") == 0;
    }
    assert_true(saw_title);
    free(st);
    free_lines(body, n);

    assert_int_equal(drv_send(&s, "stats\n"), 0);
    st = read_text(&s, body, 64, &n);
    char want[32];
    snprintf(want, sizeof want, "articles\t%d", NARTICLES);
    assert_string_equal(body[0], want);
    free(st);
    free_lines(body, n);

    assert_int_equal(drv_send(&s, "help\n"), 0);
    st = read_text(&s, body, 64, &n);
    assert_string_equal(st, "ok");
    assert_true(n >= 6);
    free(st);
    free_lines(body, n);

    static const struct {
        const char *req, *status_prefix;
    } errors[] = {
        {"frobnicate\n", "error unknown_op "},
        {"get\n", "error bad_request "},
        {"get nope\n", "error not_found "},
        {"search oil AND\n", "error bad_query "},
        {"search caf\xe9\n", "error bad_request "},
        {"search a\0b\n", "error bad_request "},
        {"ping extra\n", "error bad_request "},
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        const char *r = errors[i].req;
        size_t len = strlen(r);
        if (strcmp(r, "search a") == 0)
            len = 11; /* the NUL case */
        assert_int_equal(drv_write(&s, r, len), 0);
        st = read_text(&s, body, 64, &n);
        if (strncmp(st, errors[i].status_prefix, strlen(errors[i].status_prefix)) != 0)
            print_error("text error case %zu: got %s\n", i, st);
        assert_true(strncmp(st, errors[i].status_prefix, strlen(errors[i].status_prefix)) == 0);
        assert_int_equal(n, 0);
        free(st);
    }
    assert_int_equal(drv_send(&s, "quit\n"), 0);
    st = read_text(&s, body, 64, &n);
    assert_string_equal(st, "ok");
    free(st);
    stop_ok(&s, 1);
}

/* 50 searches then cancels of the first 49, written at once: the 49 are answered
 * `cancelled` in their own places (or normally, had one started first), the 50th with
 * hits, and each cancel counts what it cancelled. */
static void test_cancel_burst(void **state)
{
    (void)state;
    struct srv s;
    start(&s, dbpath, NULL);
    char *burst = malloc(50 * 80 + 49 * 80);
    assert_non_null(burst);
    size_t at = 0;
    for (int i = 1; i <= 50; i++)
        at += (size_t)sprintf(burst + at, "{\"id\":%d,\"op\":\"search\",\"q\":\"oil wheat\"}\n", i);
    for (int i = 1; i <= 49; i++)
        at += (size_t)sprintf(burst + at, "{\"id\":\"c%d\",\"op\":\"cancel\",\"target\":%d}\n", i, i);
    assert_int_equal(drv_write(&s, burst, at), 0);
    free(burst);
    int cancelled = 0, counted = 0;
    for (int i = 1; i <= 99; i++) {
        json_t *j = read_json(&s);
        json_t *id = json_object_get(j, "id");
        if (i <= 50) {
            assert_int_equal(json_integer_value(id), i);
            const char *c = code_of(j);
            if (i == 50) {
                assert_string_equal(c, "ok");
                assert_true(json_array_size(json_object_get(j, "hits")) > 0);
            } else if (strcmp(c, "cancelled") == 0) {
                cancelled++;
            } else {
                assert_string_equal(c, "ok");
            }
        } else {
            char want[16];
            snprintf(want, sizeof want, "c%d", i - 50);
            assert_string_equal(json_string_value(id), want);
            assert_string_equal(code_of(j), "ok");
            json_int_t n = json_integer_value(json_object_get(j, "cancelled"));
            assert_true(n == 0 || n == 1);
            counted += (int)n;
        }
        json_decref(j);
    }
    print_message("cancel burst: %d of 49 cancelled\n", cancelled);
    assert_int_equal(cancelled, counted);
    assert_true(cancelled >= 45); /* one write, read ahead whole: nearly all */
    stop_ok(&s, 1);
}

/* 200 mixed requests written at once are answered in order, ids matched. */
static void test_pipelined(void **state)
{
    (void)state;
    static const char *const kinds[] = {
        "{\"id\":%d,\"op\":\"search\",\"q\":\"oil\"}\n",
        "{\"id\":%d,\"op\":\"ping\"}\n",
        "{\"id\":%d,\"op\":\"stats\"}\n",
        "{\"id\":%d,\"op\":\"get\",\"doc\":\"a1\"}\n",
        "{\"id\":%d,\"op\":\"nope\"}\n",
        "{\"id\":%d,\"op\":\"search\",\"q\":\"oil\",\"limit\":0}\n",
        "\n",
    };
    static const char *const codes[] = {"ok", "ok", "ok", "ok", "unknown_op", "bad_request",
                                        NULL};
    struct srv s;
    start(&s, dbpath, NULL);
    char *all = malloc(200 * 80);
    assert_non_null(all);
    size_t at = 0;
    int nk = (int)(sizeof kinds / sizeof kinds[0]);
    for (int i = 0; i < 200; i++)
        at += (size_t)sprintf(all + at, kinds[i % nk], i);
    assert_int_equal(drv_write(&s, all, at), 0);
    free(all);
    for (int i = 0; i < 200; i++) {
        if (!codes[i % nk])
            continue; /* a blank line: no response */
        json_t *j = read_json(&s);
        assert_int_equal(json_integer_value(json_object_get(j, "id")), i);
        assert_string_equal(code_of(j), codes[i % nk]);
        json_decref(j);
    }
    stop_ok(&s, 1);
}

/* Writes `n` bytes of `c` then "\n" + tail into the server from a child process, so the
 * test can read responses while a line larger than the pipe is being written. */
static pid_t write_in_child(struct srv *s, const char *head, char c, size_t n, const char *tail)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char chunk[65536];
        memset(chunk, c, sizeof chunk);
        int ok = drv_send(s, head) == 0;
        for (size_t left = n; ok && left > 0;) {
            size_t k = left < sizeof chunk ? left : sizeof chunk;
            ok = drv_write(s, chunk, k) == 0;
            left -= k;
        }
        ok = ok && drv_send(s, tail) == 0;
        _exit(ok ? 0 : 1);
    }
    return pid;
}

static void test_too_large(void **state)
{
    (void)state;
    struct srv s;
    start(&s, dbpath, NULL); /* default --max-line: 1 MiB */
    /* 20 MB JSON line, then a good request */
    pid_t w = write_in_child(&s, "{\"id\":1,\"op\":\"search\",\"q\":\"", 'x', 20u << 20,
                             "\"}\n{\"id\":2,\"op\":\"ping\"}\n");
    check_next(&s, "(20 MB line)", "too_large", NULL);
    json_t *j = read_json(&s);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 2);
    json_decref(j);
    int st;
    assert_int_equal(waitpid(w, &st, 0), w);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* a long text line gets a text error */
    w = write_in_child(&s, "search ", 'y', 2u << 20, "\nping\n");
    char *body[4];
    size_t n;
    char *status = read_text(&s, body, 4, &n);
    assert_true(strncmp(status, "error too_large ", 16) == 0);
    free(status);
    status = read_text(&s, body, 4, &n);
    assert_true(strncmp(status, "ok version=", 11) == 0);
    free(status);
    assert_int_equal(waitpid(w, &st, 0), w);
    stop_ok(&s, 1);
}

/* Malformed input of every kind; the server keeps answering after each. */
static void test_malformed(void **state)
{
    (void)state;
    struct srv s;
    start(&s, dbpath, NULL);
    static const struct {
        const char *req;
        size_t len; /* 0: strlen */
        const char *code;
    } cases[] = {
        {"{\"op\":\"ping\",\"id\":\"\xc3\x28\"}\n", 0, "bad_json"},
        {"{\"op\":\"ping\",\"id\":\"\xed\xa0\x80\"}\n", 0, "bad_json"},
        {"{\"op\":\"ping\",\0\"id\":1}\n", 22, "bad_json"},
        {"{\"op\":\"ping\",\"id\":\"a\\u0000b\"}\n", 0, "bad_json"},
        {"{\"op\":\"ping\",\"id\":1}\r\n", 0, "ok"},
        {"{}\n", 0, "bad_request"},
        {"{\"op\":true}\n", 0, "bad_request"},
        {"{\"op\":\"search\",\"q\":\"oil\",\"limit\":1.5}\n", 0, "bad_request"},
        {"{\"op\":\"search\",\"q\":\"oil\",\"limit\":-9223372036854775808}\n", 0, "bad_request"},
        {"{\"op\":\"search\",\"q\":\"oil\",\"offset\":18446744073709551616}\n", 0, "bad_request"},
        {"{\"op\":\"search\",\"q\":\"oil\",\"snippet\":null}\n", 0, "bad_request"},
        {"{\"op\":\"search\",\"q\":\"oil\",\"sort\":\"up\"}\n", 0, "bad_request"},
        {"{\"op\":\"ping\",\"op\":\"ping\"}\n", 0, "bad_request"},
        {"{\"op\":\"ping\",\"extra\":0}\n", 0, "bad_request"},
        {"{\"op\":\"\"}\n", 0, "unknown_op"},
        {"{\"op\":\"search\",\"q\":\"\\\"unterminated phrase\"}\n", 0, NULL}, /* ok or bad_query */
        {"{\"op\":\"search\",\"q\":\"((((((((((oil\"}\n", 0, NULL},
        {"{\"op\":\"search\",\"q\":\"NOT\"}\n", 0, NULL},
        {"{\"op\":\"search\",\"q\":\"*\"}\n", 0, NULL},
        {"{\"op\":\"search\",\"q\":\"\xe2\x80\xae\xf0\x9f\x98\x80\"}\n", 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].req);
        assert_int_equal(drv_write(&s, cases[i].req, len), 0);
        json_t *j = read_json(&s);
        const char *c = code_of(j);
        int ok = cases[i].code ? strcmp(c, cases[i].code) == 0
                               : strcmp(c, "ok") == 0 || strcmp(c, "bad_query") == 0;
        if (!ok)
            print_error("malformed case %zu: got %s\n", i, c);
        assert_true(ok);
        json_decref(j);
    }
    /* empty and blank lines get no response; CRLF is accepted */
    assert_int_equal(drv_send(&s, "\n\r\n  \t \n{\"id\":\"after\",\"op\":\"ping\"}\r\n"), 0);
    json_t *j = read_json(&s);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "after");
    json_decref(j);
    /* a nesting bomb just under the line limit: too many JSON values, never parsed */
    size_t depth = 1000000;
    pid_t w = write_in_child(&s, "{\"op\":\"ping\",\"id\":", '[', depth, "\n");
    check_next(&s, "(nesting bomb)", "too_large", NULL);
    int st;
    assert_int_equal(waitpid(w, &st, 0), w);
    w = write_in_child(&s, "", '{', depth, "\n");
    check_next(&s, "(nesting bomb)", "too_large", NULL);
    assert_int_equal(waitpid(w, &st, 0), w);
    /* a smaller one, under the value limit: jansson's depth limit refuses it */
    w = write_in_child(&s, "{\"op\":\"ping\",\"id\":", '[', 5000, "\n");
    check_next(&s, "(nesting bomb)", "bad_json", NULL);
    assert_int_equal(waitpid(w, &st, 0), w);
    expect(&s, "{\"id\":9,\"op\":\"ping\"}", "ok", "9");
    stop_ok(&s, 1);
}

/* End of input, quit (nothing after it answered), a last line without LF, SIGTERM. */
static void test_exits(void **state)
{
    (void)state;
    struct srv s;
    start(&s, dbpath, NULL);
    stop_ok(&s, 1); /* EOF at once */

    start(&s, dbpath, NULL);
    assert_int_equal(drv_send(&s, "{\"op\":\"quit\"}\n{\"op\":\"ping\"}\n"), 0);
    json_t *j = read_json(&s);
    assert_string_equal(code_of(j), "ok");
    assert_null(json_object_get(j, "version"));
    json_decref(j);
    assert_null(drv_line(&s, 5000)); /* nothing after quit */
    stop_ok(&s, 1);

    start(&s, dbpath, NULL);
    assert_int_equal(drv_send(&s, "{\"id\":1,\"op\":\"ping\"}"), 0);
    close(s.to); /* EOF without LF: the last line is still answered */
    s.to = -1;
    j = read_json(&s);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 1);
    json_decref(j);
    stop_ok(&s, 1);

    start(&s, dbpath, NULL);
    expect(&s, "{\"op\":\"ping\"}", "ok", NULL);
    kill(s.pid, SIGTERM);
    int st = drv_stop(&s, TIMEOUT_MS);
    assert_int_equal(st, 0);
    drv_free(&s);
}

/* A closed stdout ends the server quietly, with status 0. */
static void test_closed_stdout(void **state)
{
    (void)state;
    struct srv s;
    start(&s, dbpath, NULL);
    expect(&s, "{\"op\":\"ping\"}", "ok", NULL);
    close(s.from);
    s.from = -1;
    for (int i = 0; i < 100; i++)
        if (drv_send(&s, "{\"op\":\"search\",\"q\":\"oil\"}\n") != 0)
            break; /* the server may already be gone */
    stop_ok(&s, 1);
}

/* A database that does not exist yet: `unavailable`, ping still works, and once
 * `trawl index` creates it the next request sees it. Then articles indexed by a second
 * process while the server runs show up in the next search. */
static void test_late_database_and_live_index(void **state)
{
    (void)state;
    char db[400];
    snprintf(db, sizeof db, "%s/late", tmpdir);
    struct srv s;
    start(&s, db, NULL);
    expect(&s, "{\"id\":1,\"op\":\"search\",\"q\":\"zebra\"}", "unavailable", "1");
    expect(&s, "{\"id\":2,\"op\":\"stats\"}", "unavailable", "2");
    assert_int_equal(drv_send(&s, "get x\n"), 0);
    assert_true(strncmp(line(&s), "error unavailable ", 18) == 0);
    assert_string_equal(line(&s), ".");
    expect(&s, "{\"id\":3,\"op\":\"ping\"}", "ok", "3");

    assert_int_equal(index_articles(db, "z", 3, "zebra"), 0);
    json_t *j = rpc(&s, "{\"op\":\"search\",\"q\":\"zebra\"}");
    assert_string_equal(code_of(j), "ok");
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 3);
    json_int_t rev1 = json_integer_value(json_object_get(j, "revision"));
    json_decref(j);

    j = rpc(&s, "{\"op\":\"search\",\"q\":\"yak\"}");
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 0);
    json_decref(j);
    assert_int_equal(index_articles(db, "y", 4, "yak"), 0); /* a second process commits */
    j = rpc(&s, "{\"op\":\"search\",\"q\":\"yak\"}");
    assert_string_equal(code_of(j), "ok");
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 4);
    assert_true(json_integer_value(json_object_get(j, "revision")) > rev1);
    json_decref(j);
    j = rpc(&s, "{\"op\":\"stats\"}");
    assert_int_equal(json_integer_value(json_object_get(j, "articles")), 7);
    json_decref(j);

    /* The same ids again with new text: snippets show the new words, whether the server
     * had loaded the old records into memory (--preload, on by default) or not. */
    for (int k = 0; k < 20; k++) /* time for the records to load */
        json_decref(rpc(&s, "{\"op\":\"search\",\"q\":\"harvest\"}"));
    assert_int_equal(index_articles(db, "z", 3, "zebu"), 0);
    j = rpc(&s, "{\"op\":\"search\",\"q\":\"harvest\",\"limit\":20}");
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 7);
    size_t zebu = 0;
    for (size_t i = 0; i < 7; i++) {
        const char *snip = json_string_value(
            json_object_get(json_array_get(json_object_get(j, "hits"), i), "snippet"));
        assert_non_null(snip);
        assert_null(strstr(snip, "zebra"));
        zebu += strstr(snip, "zebu") != NULL;
    }
    assert_int_equal(zebu, 3);
    json_decref(j);
    stop_ok(&s, 1);
}

/* Command-line errors are usage errors (exit 2); --help succeeds. */
static void test_usage(void **state)
{
    (void)state;
    static const struct {
        const char *arg1, *arg2;
        int status;
    } cases[] = {
        {"--help", NULL, 0},         {"--max-line", "10", 2},  {"--max-line", "-64", 2},
        {"--max-line", "1e6", 2},    {"--max-line", "", 2},    {"--bogus", NULL, 2},
        {"extra-argument", NULL, 2}, {"--max-line=64", "--help", 0},
        {"--preload", "x", 2},       {"--preload", "-1", 2},   {"--preload", "", 2},
        {"--preload", "1048577", 2}, {"--preload=0", "--help", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[] = {drv_trawl_bin(), "serve", cases[i].arg1, cases[i].arg2, NULL};
        int st = drv_run(args);
        if (st != cases[i].status)
            print_error("usage case %zu (%s %s): status %d\n", i, cases[i].arg1,
                        cases[i].arg2 ? cases[i].arg2 : "", st);
        assert_int_equal(st, cases[i].status);
    }
}

int main(void)
{
    if (access(drv_trawl_bin(), X_OK) != 0) {
        fprintf(stderr, "test_serve: no trawl program at %s (set TRAWL_BIN)\n",
                drv_trawl_bin());
        return 77;
    }
    alarm(600); /* a hung server fails the test instead of hanging make check */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_stats_get),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_text_mode),
        cmocka_unit_test(test_cancel_burst),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_exits),
        cmocka_unit_test(test_closed_stdout),
        cmocka_unit_test(test_late_database_and_live_index),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
