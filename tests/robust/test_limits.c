/*
 * test_limits.c: `trawl serve` under inputs far past its limits (issue 6, doc/limits.md),
 * run by `make check`: a 100 MB request line (JSON and text command), a million-term
 * query (on one line under the default --max-line, and parsed under --max-line 64 MiB),
 * queries over and at the word limit (TRAWL_MAX_QUERY_WORDS),
 * a query at the 65536-byte limit, and a pipelined stream of requests whose ids are
 * huge JSON trees (the read-ahead queue must charge for them), and searches whose hit is a
 * 12 MiB article (snippets read its first SNIPPET_MAX_SCAN bytes). Each must get its
 * too_large (or a bad_query / a result, at the limit) answer, the server must go on answering, and its peak resident
 * memory (VmHWM) may not grow past the bounds documented in doc/limits.md over what it
 * used after its first search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/robust/robust.h"

#define TIMEOUT_MS 120000
#define MIB ((size_t)1 << 20)
#define BIG_LINE (100 * MIB)
#define MILLION 1000000
/* The documented bounds on VmHWM growth (doc/limits.md): with the default --max-line
 * (1 MiB), whatever the input; with --max-line M, per request line of length L <= M. */
#define GROWTH_DEFAULT_KIB (32 * 1024)
#define GROWTH_PER_LINE(len) (4 * (len) / 1024 + 16 * 1024) /* KiB: 4 x L + 16 MiB */

static char tmp[256], db[300];

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    if (tmpdir_make(tmp, sizeof tmp, "limits") != 0)
        return -1;
    char corpus[400];
    snprintf(db, sizeof db, "%s/db", tmp);
    snprintf(corpus, sizeof corpus, "%s/c.jsonl", tmp);
    const char *args[] = {drv_trawl_bin(), "index", "--quiet", "--db", db, corpus, NULL};
    return robust_write_corpus(corpus, "m", 200) == 0 && drv_run(args) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove(tmp);
    return 0;
}

/* Starts a server and warms it up with a ping and a search; returns its VmHWM (KiB). */
static long start_warm(struct srv *s, const char *extra)
{
    assert_int_equal(drv_start(s, tmp, db, extra), 0);
    json_t *r = robust_call(s, json_pack("{s:s,s:s}", "op", "search", "q", "common prices"),
                            TIMEOUT_MS);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    long kib = robust_vmhwm_kib(s->pid);
    assert_true(kib > 0);
    return kib;
}

/* Writes `prefix`, then n bytes made of `unit` repeated, then `suffix` and a LF, in
 * pieces of 1 MiB, never holding the whole line. */
static void send_long(struct srv *s, const char *prefix, const char *unit, size_t n,
                      const char *suffix)
{
    size_t ul = strlen(unit), chunk = MIB - MIB % ul;
    char *piece = malloc(chunk);
    assert_non_null(piece);
    for (size_t i = 0; i < chunk; i += ul)
        memcpy(piece + i, unit, ul);
    assert_int_equal(drv_send(s, prefix), 0);
    for (size_t done = 0; done < n; done += chunk)
        assert_int_equal(drv_write(s, piece, n - done < chunk ? n - done : chunk), 0);
    assert_int_equal(drv_send(s, suffix), 0);
    assert_int_equal(drv_send(s, "\n"), 0);
    free(piece);
}

/* Writes a query of `terms` distinct words "w0 w1 ..." after prefix, then suffix + LF;
 * returns the bytes of the query. */
static size_t send_terms(struct srv *s, const char *prefix, long terms, const char *suffix)
{
    size_t cap = (size_t)terms * 9 + 16, len = 0;
    char *q = malloc(cap);
    assert_non_null(q);
    for (long i = 0; i < terms; i++)
        len += (size_t)snprintf(q + len, cap - len, i ? " w%ld" : "w%ld", i);
    assert_int_equal(drv_send(s, prefix), 0);
    assert_int_equal(drv_write(s, q, len), 0);
    assert_int_equal(drv_send(s, suffix), 0);
    assert_int_equal(drv_send(s, "\n"), 0);
    free(q);
    return len;
}

/* Reads a JSON response that must be the error `code`. */
static void expect_json_error(struct srv *s, const char *code)
{
    const char *line = drv_line(s, TIMEOUT_MS);
    assert_non_null(line);
    json_t *r = json_loads(line, 0, NULL);
    assert_non_null(r);
    assert_true(json_is_false(json_object_get(r, "ok")));
    const char *got = json_string_value(json_object_get(json_object_get(r, "error"), "code"));
    if (!got || strcmp(got, code) != 0)
        fail_msg("want the error %s, got: %.300s", code, line);
    json_decref(r);
}

/* Reads a text response that must be the error `code`. */
static void expect_text_error(struct srv *s, const char *code)
{
    char want[64];
    snprintf(want, sizeof want, "error %s ", code);
    const char *line = drv_line(s, TIMEOUT_MS);
    assert_non_null(line);
    if (strncmp(line, want, strlen(want)) != 0)
        fail_msg("want '%s...', got: %.300s", want, line);
    line = drv_line(s, TIMEOUT_MS);
    assert_non_null(line);
    assert_string_equal(line, ".");
}

/* The server still answers, and its peak memory grew by at most bound_kib. */
static void check_alive_and_bounded(struct srv *s, long base_kib, long bound_kib,
                                    const char *what)
{
    json_t *r = robust_call(s, json_pack("{s:s}", "op", "ping"), TIMEOUT_MS);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    long kib = robust_vmhwm_kib(s->pid);
    /* ASan's redzones and quarantine change what the allocator keeps: the bounds are
     * those of the plain build, where they are checked. */
    const char *san = getenv("SAN_FLAGS");
    int checked = !(san && *san);
    printf("%s: VmHWM %ld KiB, %+ld KiB over the warm server (bound %+ld KiB%s)\n", what,
           kib, kib - base_kib, bound_kib, checked ? "" : ", not checked under sanitizers");
    if (checked && kib - base_kib > bound_kib)
        fail_msg("%s: peak memory grew by %ld KiB, over the bound of %ld KiB", what,
                 kib - base_kib, bound_kib);
}

static void test_default_line_limit(void **state)
{
    (void)state;
    struct srv s;
    long base = start_warm(&s, NULL);
    send_long(&s, "{\"id\":1,\"op\":\"search\",\"q\":\"", "oil ", BIG_LINE, "\"}");
    expect_json_error(&s, "too_large");
    check_alive_and_bounded(&s, base, GROWTH_DEFAULT_KIB, "100 MB JSON line");
    send_long(&s, "search ", "oil ", BIG_LINE, "");
    expect_text_error(&s, "too_large");
    check_alive_and_bounded(&s, base, GROWTH_DEFAULT_KIB, "100 MB text command");
    send_terms(&s, "{\"id\":2,\"op\":\"search\",\"q\":\"", MILLION, "\"}");
    expect_json_error(&s, "too_large");
    check_alive_and_bounded(&s, base, GROWTH_DEFAULT_KIB, "million-term query (1 MiB lines)");
    /* 32767 one-letter words (every one a term of every article): over the word limit. */
    send_long(&s, "{\"id\":5,\"op\":\"search\",\"q\":\"", "a ", 65534, "\"}");
    expect_json_error(&s, "too_large");
    /* At the word limit, each word in every article: answered, within the bound. */
    send_long(&s, "{\"id\":6,\"op\":\"search\",\"q\":\"", "common ", 7 * 1024, "\"}");
    const char *ok = drv_line(&s, TIMEOUT_MS);
    assert_non_null(ok);
    assert_true(strncmp(ok, "{\"id\":6,\"ok\":true", 17) == 0);
    check_alive_and_bounded(&s, base, GROWTH_DEFAULT_KIB, "1024 words, each in every article");
    /* At both limits: 1020 words of 63 letters (65280 bytes) the database does not hold. */
    send_long(&s, "{\"id\":3,\"op\":\"search\",\"q\":\"",
              "zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponmlkjihgfedcbazyxwvutsrqp ", 1020 * 64,
              "\"}");
    const char *line = drv_line(&s, TIMEOUT_MS);
    assert_non_null(line);
    json_t *r = json_loads(line, 0, NULL);
    const char *code = json_string_value(json_object_get(json_object_get(r, "error"), "code"));
    if (!json_is_true(json_object_get(r, "ok")) && !(code && !strcmp(code, "bad_query")))
        fail_msg("a query at the limit got neither results nor bad_query: %.300s", line);
    json_decref(r);
    check_alive_and_bounded(&s, base, GROWTH_DEFAULT_KIB, "1020 absent 63-letter words");
    assert_int_equal(drv_stop(&s, TIMEOUT_MS), 0);
    drv_free(&s);
}

/* Writes `count` copies of line from a child process (so the server's responses can be
 * read meanwhile); returns its pid. */
static pid_t write_in_child(struct srv *s, const char *line, int count)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(s->from);
        for (int i = 0; i < count; i++)
            if (drv_send(s, line) != 0)
                _exit(1);
        _exit(0);
    }
    return pid;
}

/* A line {"id":[{},{},...],"op":"ping"} with n empty objects in the id. */
static char *tree_id_line(size_t n)
{
    char *line = malloc(3 * n + 32);
    assert_non_null(line);
    size_t len = (size_t)sprintf(line, "{\"id\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(line + len, i ? ",{}" : "{}");
    strcpy(line + len, "],\"op\":\"ping\"}\n");
    return line;
}

static void test_pipelined_trees(void **state)
{
    (void)state;
    struct srv s;
    long base = start_warm(&s, NULL);
    /* Under the limit on JSON values (and the driver's 64 KiB response lines): each is
     * parsed and its id kept while queued (jansson spends ~250 bytes on each {}); 60 of
     * them would take 300 MB if the queue counted only their 60 KB lines. */
    char *line = tree_id_line(20000);
    pid_t w = write_in_child(&s, line, 60);
    for (int i = 0; i < 60; i++) {
        const char *resp = drv_line(&s, TIMEOUT_MS);
        assert_non_null(resp);
        assert_true(strncmp(resp, "{\"id\":[{},{}", 12) == 0);
    }
    int st;
    assert_int_equal(waitpid(w, &st, 0), w);
    check_alive_and_bounded(&s, base, GROWTH_DEFAULT_KIB, "60 pipelined 20000-value ids");
    free(line);
    /* Over it: refused before parsing. */
    line = tree_id_line(300000);
    w = write_in_child(&s, line, 20);
    for (int i = 0; i < 20; i++)
        expect_json_error(&s, "too_large");
    assert_int_equal(waitpid(w, &st, 0), w);
    check_alive_and_bounded(&s, base, GROWTH_DEFAULT_KIB, "20 pipelined 300000-value ids");
    free(line);
    assert_int_equal(drv_stop(&s, TIMEOUT_MS), 0);
    drv_free(&s);
}

static void test_parsed_million_terms(void **state)
{
    (void)state;
    struct srv s;
    long base = start_warm(&s, "--max-line=67108864");
    size_t len = send_terms(&s, "{\"id\":4,\"op\":\"search\",\"q\":\"", MILLION, "\"}");
    expect_json_error(&s, "too_large");
    check_alive_and_bounded(&s, base, (long)GROWTH_PER_LINE(len),
                            "million-term JSON query (64 MiB lines)");
    len = send_terms(&s, "search ", MILLION, "");
    expect_text_error(&s, "too_large");
    check_alive_and_bounded(&s, base, (long)GROWTH_PER_LINE(len),
                            "million-term text query (64 MiB lines)");
    assert_int_equal(drv_stop(&s, TIMEOUT_MS), 0);
    drv_free(&s);
}

/* An article of HUGE_BODY bytes: "quokka" near its start, "zebra" only at its end. */
#define HUGE_BODY (12 * MIB)
#define GROWTH_HUGE_KIB (2 * HUGE_BODY / 1024 + 16 * 1024) /* 2 x the text + 16 MiB */

static void write_huge_corpus(const char *path)
{
    static const char *const words[] = {"alpha", "beta", "gamma", "delta", "oil"};
    FILE *f = fopen(path, "w");
    size_t n = 0, k = 0;
    assert_non_null(f);
    fputs("{\"id\":\"huge\",\"title\":\"Huge\",\"body\":\"", f);
    while (n < HUGE_BODY) {
        const char *w = n == 600 ? "quokka" : words[k++ % 5];
        n += (size_t)fprintf(f, "%s ", w);
    }
    fputs("zebra\"}\n{\"id\":\"small\",\"title\":\"Small\",\"body\":\"oil\"}\n", f);
    assert_int_equal(fclose(f), 0);
}

/* A search for q with 200-character snippets: the huge article must be its only hit;
 * returns how many highlights its snippet has, and the snippet in *snippet (caller
 * frees). */
static size_t huge_hit(struct srv *s, const char *q, char **snippet)
{
    json_t *r = robust_call(s, json_pack("{s:s,s:s,s:i}", "op", "search", "q", q, "snippet", 200),
                            TIMEOUT_MS);
    json_t *hits = json_object_get(r, "hits"), *hit = json_array_get(hits, 0);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_int_equal(json_array_size(hits), 1);
    assert_string_equal(json_string_value(json_object_get(hit, "doc")), "huge");
    *snippet = strdup(json_string_value(json_object_get(hit, "snippet")));
    size_t n = json_array_size(json_object_get(hit, "highlights"));
    json_decref(r);
    return n;
}

/* A hit on a 12 MiB article: its snippet comes from its first SNIPPET_MAX_SCAN bytes
 * (a word only at its end is found by the search but not highlighted: the snippet is then
 * cut from the scanned part, "..." at both ends), and the server's peak memory grows by
 * at most twice the text plus 16 MiB (it was 9 times the text, and 0.26 s a hit). */
static void test_huge_article(void **state)
{
    (void)state;
    char corpus[400], hdb[400], *snippet = NULL;
    snprintf(corpus, sizeof corpus, "%s/huge.jsonl", tmp);
    snprintf(hdb, sizeof hdb, "%s/huge-db", tmp);
    write_huge_corpus(corpus);
    const char *args[] = {drv_trawl_bin(), "index", "--quiet", "--db", hdb, corpus, NULL};
    assert_int_equal(drv_run(args), 0);

    struct srv s;
    assert_int_equal(drv_start(&s, tmp, hdb, NULL), 0);
    json_t *r = robust_call(&s, json_pack("{s:s,s:s,s:i}", "op", "search", "q", "nowhere",
                                          "snippet", 200),
                            TIMEOUT_MS);
    assert_true(json_is_true(json_object_get(r, "ok"))); /* warm, not yet on the article */
    json_decref(r);
    r = robust_call(&s, json_pack("{s:s}", "op", "ping"), TIMEOUT_MS);
    json_decref(r);
    long base = robust_vmhwm_kib(s.pid);

    assert_true(huge_hit(&s, "quokka", &snippet) >= 1);
    assert_non_null(strstr(snippet, "quokka"));
    free(snippet);
    assert_int_equal(huge_hit(&s, "zebra", &snippet), 0);
    assert_null(strstr(snippet, "zebra"));
    assert_true(strncmp(snippet, "...", 3) == 0);
    assert_true(strlen(snippet) > 6 && strcmp(snippet + strlen(snippet) - 3, "...") == 0);
    free(snippet);
    check_alive_and_bounded(&s, base, (long)GROWTH_HUGE_KIB, "hits on a 12 MiB article");
    assert_int_equal(drv_stop(&s, TIMEOUT_MS), 0);
    drv_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_line_limit),
        cmocka_unit_test(test_parsed_million_terms),
        cmocka_unit_test(test_pipelined_trees),
        cmocka_unit_test(test_huge_article),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
