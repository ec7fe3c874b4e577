/*
 * test_kill.c: crash safety of `trawl index` (issue 6), run by `make check`. The real
 * program indexes the Reuters corpus ($TRAWL_SHARED/corpora/reuters21578.jsonl.gz; a
 * generated corpus of GEN_ARTICLES articles when ../shared is absent) in batches of
 * BATCH and is killed with SIGKILL at KILLS random moments, each run starting again on
 * the same database. After every kill the database must open and hold exactly the
 * articles of the batches committed before it (a prefix of the input, whole batches,
 * never fewer than before), each reading back intact through `trawl serve`; then the
 * same command, run to the end, must complete the index with every article once.
 *
 * The moments are random; the seed is printed and TRAWL_TEST_SEED=N repeats a run.
 * TRAWL_KILLS=N changes the number of kills (default KILLS).
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/robust/robust.h"

#define BATCH "500"
#define BATCH_N 500
#define KILLS 6
#define GEN_ARTICLES 20000
#define MAX_DELAY_MS 4000 /* kills fall in (50 ms, MAX_DELAY_MS) after the start */

static char tmp[256], db[300], corpus[1024];
static json_t *all;

static int setup(void **state)
{
    (void)state;
    if (robust_tmpdir(tmp, sizeof tmp, "kill") != 0)
        return -1;
    snprintf(db, sizeof db, "%s/db", tmp);
    const char *shared = getenv("TRAWL_SHARED");
    struct stat st;
    snprintf(corpus, sizeof corpus, "%s/corpora/reuters21578.jsonl.gz", shared ? shared : "");
    if (!shared || stat(corpus, &st) != 0) {
        snprintf(corpus, sizeof corpus, "%s/generated.jsonl", tmp);
        printf("no Reuters corpus in $TRAWL_SHARED: using %d generated articles\n",
               GEN_ARTICLES);
        if (robust_write_corpus(corpus, "g", GEN_ARTICLES) != 0)
            return -1;
    }
    all = robust_load_jsonl(corpus);
    signal(SIGPIPE, SIG_IGN);
    return all ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(all);
    robust_rmtree(tmp);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, ms % 1000 * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Opens the database through a server and checks that it holds a whole-batch prefix of
 * the input of at least `floor` articles, all intact. Returns the count. */
static long long check_database(long long floor)
{
    struct stat st;
    if (stat(db, &st) != 0)
        return 0; /* killed before the database was even created */
    struct srv s;
    assert_int_equal(drv_start(&s, tmp, db, NULL), 0);
    long long n = robust_count(&s);
    assert_true(n >= 0); /* the database opens */
    long long total = (long long)json_array_size(all);
    if (n % BATCH_N != 0 && n != total)
        fail_msg("the database holds %lld articles: not whole batches of %d", n, BATCH_N);
    if (n < floor)
        fail_msg("the database holds %lld articles, fewer than the %lld committed before", n,
                 floor);
    assert_int_equal(robust_check_prefix(&s, all, (size_t)n), 0);
    assert_int_equal(drv_stop(&s, 60000), 0);
    drv_free(&s);
    return n;
}

static void test_sigkill(void **state)
{
    (void)state;
    const char *seed_env = getenv("TRAWL_TEST_SEED");
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10)
                             : (unsigned)time(NULL) ^ (unsigned)getpid();
    const char *kills_env = getenv("TRAWL_KILLS");
    int kills = kills_env ? atoi(kills_env) : KILLS;
    srand(seed);
    printf("corpus %s (%zu articles), batches of %s, %d kills, seed %u "
           "(TRAWL_TEST_SEED=%u repeats it)\n",
           corpus, json_array_size(all), BATCH, kills, seed, seed);
    const char *args[] = {drv_trawl_bin(), "index", "--quiet", "--db", db, "--batch", BATCH,
                          corpus, NULL};
    long long kept = 0;
    for (int k = 0; k < kills; k++) {
        long delay = 50 + rand() % (MAX_DELAY_MS - 50);
        pid_t pid = robust_spawn(args, NULL);
        assert_true(pid > 0);
        sleep_ms(delay);
        kill(pid, SIGKILL);
        int st = robust_wait(pid);
        assert_true(st == 128 + SIGKILL || st == 0);
        kept = check_database(kept);
        printf("kill %d after %ld ms (%s): %lld articles kept, all intact\n", k + 1, delay,
               st == 0 ? "it had finished" : "SIGKILL", kept);
    }
    /* The same command again, to the end: complete, no duplicates, every article intact. */
    pid_t pid = robust_spawn(args, NULL);
    assert_true(pid > 0);
    assert_int_equal(robust_wait(pid), 0);
    long long n = check_database(kept);
    assert_int_equal(n, (long long)json_array_size(all));
    printf("re-run to the end: %lld articles, each once, all intact\n", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
