/*
 * test_live.c: `trawl serve` answering while `trawl index` commits into the same
 * database (issue 6), run by `make check`. The server answers a stream of stats, search
 * and get requests while the indexer commits N_ARTICLES generated articles in batches of
 * BATCH. Checked: no request fails, every response is well formed and answers its
 * request, the article count and the revision never decrease, every article counted is
 * there to get, and once the indexer has exited the next responses see every article.
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

#define N_ARTICLES 3000
#define BATCH "100"
#define TIMEOUT_MS 60000

static char tmp[256], db[300];

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    return tmpdir_make(tmp, sizeof tmp, "live");
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove(tmp);
    return 0;
}

/* Sends req (stolen) and returns the response, which must be ok:true and carry the id. */
static json_t *call_ok(struct srv *s, json_t *req, json_int_t id)
{
    json_object_set_new(req, "id", json_integer(id));
    json_t *r = robust_call(s, req, TIMEOUT_MS);
    assert_non_null(r);
    if (!json_is_true(json_object_get(r, "ok"))) {
        char *text = json_dumps(r, JSON_COMPACT);
        fail_msg("request %lld failed while indexing: %s", (long long)id, text);
    }
    assert_int_equal(json_integer_value(json_object_get(r, "id")), id);
    return r;
}

static json_int_t field(const json_t *r, const char *name)
{
    const json_t *v = json_object_get(r, name);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* One round of requests; updates the count and revision seen, which may not go back. */
static void round_of_requests(struct srv *s, json_int_t *id, json_int_t *count,
                              json_int_t *rev)
{
    json_t *r = call_ok(s, json_pack("{s:s}", "op", "stats"), ++*id);
    json_int_t n = field(r, "articles"), v = field(r, "revision");
    json_decref(r);
    if (n < *count || v < *rev)
        fail_msg("went back: %lld articles at revision %lld after %lld at %lld", (long long)n,
                 (long long)v, (long long)*count, (long long)*rev);
    *count = n, *rev = v;

    r = call_ok(s, json_pack("{s:s,s:s,s:i,s:i}", "op", "search", "q", "common serial",
                             "limit", 5, "snippet", 60), ++*id);
    assert_true(json_is_array(json_object_get(r, "hits")));
    assert_true(field(r, "revision") >= v);
    json_decref(r);

    if (n > 1) { /* the last article counted (the first is the seed article) */
        char doc[32];
        snprintf(doc, sizeof doc, "L%lld", (long long)(n - 1));
        r = call_ok(s, json_pack("{s:s,s:s}", "op", "get", "doc", doc), ++*id);
        json_decref(r);
    }
}

static void test_serve_while_indexing(void **state)
{
    (void)state;
    char seed[400], corpus[400], err[400];
    snprintf(db, sizeof db, "%s/db", tmp);
    snprintf(seed, sizeof seed, "%s/seed.jsonl", tmp);
    snprintf(corpus, sizeof corpus, "%s/live.jsonl", tmp);
    snprintf(err, sizeof err, "%s/index-stderr", tmp);
    assert_int_equal(robust_write_corpus(seed, "S", 1), 0);
    assert_int_equal(robust_write_corpus(corpus, "L", N_ARTICLES), 0);
    const char *first[] = {drv_trawl_bin(), "index", "--quiet", "--db", db, seed, NULL};
    assert_int_equal(drv_run(first), 0);

    struct srv s;
    assert_int_equal(drv_start(&s, tmp, db, NULL), 0);
    const char *args[] = {drv_trawl_bin(), "index", "--quiet", "--db", db, "--batch", BATCH,
                          corpus, NULL};
    pid_t pid = robust_spawn(args, err);
    assert_true(pid > 0);
    json_int_t id = 0, count = 0, rev = 0, counts_seen = 0, last_count = -1;
    int status = -1;
    for (;;) {
        int st;
        pid_t done = waitpid(pid, &st, WNOHANG);
        round_of_requests(&s, &id, &count, &rev);
        if (count != last_count)
            counts_seen++, last_count = count;
        if (done == pid) {
            status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
    }
    assert_int_equal(status, 0);
    /* The indexer had exited before that last round: it saw everything. */
    assert_int_equal(count, N_ARTICLES + 1);
    char q[64];
    snprintf(q, sizeof q, "uniqL%d", N_ARTICLES);
    json_t *r = call_ok(&s, json_pack("{s:s,s:s}", "op", "search", "q", q), ++id);
    json_t *hit = json_array_get(json_object_get(r, "hits"), 0);
    assert_non_null(hit);
    char want[32];
    snprintf(want, sizeof want, "L%d", N_ARTICLES);
    assert_string_equal(json_string_value(json_object_get(hit, "doc")), want);
    json_decref(r);
    printf("%lld requests answered while indexing; %lld different article counts seen, "
           "last revision %lld\n", (long long)id, (long long)counts_seen, (long long)rev);
    assert_true(counts_seen >= 2); /* the server did run while commits happened */
    assert_int_equal(drv_stop(&s, TIMEOUT_MS), 0);
    drv_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_while_indexing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
