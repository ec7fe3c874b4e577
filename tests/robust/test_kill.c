/*
 * test_kill.c: crash safety of `trawl index` (issue 6), run by `make check`. The real
 * program indexes the Reuters corpus ($TRAWL_SHARED/corpora/reuters21578.jsonl.gz; a
 * generated corpus of GEN_ARTICLES articles when ../shared is absent) and is killed with
 * SIGKILL at random moments, each run starting again on the same database, in its two
 * modes:
 *  - one job (--jobs 1), committing every BATCH_N articles: after every kill the database
 *    must open and hold exactly the articles of the batches committed before it (a
 *    prefix of the input, whole batches, never fewer than before), each reading back
 *    intact through `trawl serve`;
 *  - the default into an empty database (parallel shards merged at the end): after every
 *    kill the database must open and hold nothing or everything, never part of it.
 * In both, the same command run to the end must complete the index with every article
 * once and intact.
 *
 * Under sanitizers ($SAN_FLAGS set) only the one-job mode runs, to keep CI in its budget.
 *
 * The moments are random; the seed is printed and TRAWL_TEST_SEED=N repeats a run.
 * TRAWL_KILLS=N changes the number of kills of the one-job mode (default KILLS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/robust/robust.h"

#define BATCH "250"
#define BATCH_N 250
#define KILLS 6
#define SHARD_KILLS 3
#define GEN_ARTICLES 20000
/* A kill falls at a random moment in (50 ms, window) after the start. The window starts
 * at FIRST_WINDOW_MS and doubles (up to MAX_WINDOW_MS) after each kill that found no new
 * batch committed, so slow builds (sanitizers, valgrind) still get kills between commits. */
#define FIRST_WINDOW_MS 2000
#define MAX_WINDOW_MS 64000

static char tmp[256], corpus[1024];
static json_t *all;

static int setup(void **state)
{
    (void)state;
    if (tmpdir_make(tmp, sizeof tmp, "kill") != 0)
        return -1;
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
    tmpdir_remove(tmp);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, ms % 1000 * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Opens the database through a server and checks that it holds a prefix of the input of
 * at least `floor` articles, all intact: whole batches of `batch` (0: nothing or all).
 * Returns the count. */
static long long check_database(const char *db, long long floor, long long batch)
{
    struct stat st;
    if (stat(db, &st) != 0)
        return 0; /* killed before the database was even created */
    struct srv s;
    assert_int_equal(drv_start(&s, tmp, db, NULL), 0);
    long long n = robust_count(&s);
    assert_true(n >= 0); /* the database opens */
    long long total = (long long)json_array_size(all);
    if (n != total && (batch ? n % batch != 0 : n != 0))
        fail_msg("the database holds %lld articles: not whole batches of %lld", n, batch);
    if (n < floor)
        fail_msg("the database holds %lld articles, fewer than the %lld committed before", n,
                 floor);
    assert_int_equal(robust_check_prefix(&s, all, (size_t)n), 0);
    assert_int_equal(drv_stop(&s, 60000), 0);
    drv_free(&s);
    return n;
}

/* Kills the command `kills` times at random moments (see FIRST_WINDOW_MS), checking the
 * database after each, then runs it to the end. Returns the kills that left part of the
 * articles (never allowed with batch 0). */
static int kill_and_finish(const char *const *args, const char *db, int kills,
                           long long batch)
{
    long long kept = 0, total = (long long)json_array_size(all);
    long window = FIRST_WINDOW_MS;
    int mid_run = 0;
    for (int k = 0; k < kills; k++) {
        long delay = 50 + rand() % (window - 50);
        pid_t pid = robust_spawn(args, NULL);
        assert_true(pid > 0);
        sleep_ms(delay);
        kill(pid, SIGKILL);
        int st = robust_wait(pid);
        assert_true(st == 128 + SIGKILL || st == 0);
        long long before = kept;
        kept = check_database(db, kept, batch);
        printf("  kill %d after %ld ms (%s): %lld articles kept, all intact\n", k + 1, delay,
               st == 0 ? "it had finished" : "SIGKILL", kept);
        mid_run += kept > 0 && kept < total;
        if (kept == before && window < MAX_WINDOW_MS)
            window *= 2;
    }
    /* The same command again, to the end: complete, no duplicates, every article intact. */
    pid_t pid = robust_spawn(args, NULL);
    assert_true(pid > 0);
    assert_int_equal(robust_wait(pid), 0);
    assert_int_equal(check_database(db, kept, batch), total);
    printf("  re-run to the end: %lld articles, each once, all intact\n", total);
    return mid_run;
}

/* How many shard directories ("DB.trawl-shards.*") killed runs left beside the database. */
static int leftover_shards(void)
{
    DIR *d = opendir(tmp);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".trawl-shards.") != NULL;
    if (d)
        closedir(d);
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
    printf("corpus %s (%zu articles), seed %u (TRAWL_TEST_SEED=%u repeats it)\n", corpus,
           json_array_size(all), seed, seed);

    char db[300];
    snprintf(db, sizeof db, "%s/db1", tmp);
    printf("one job, batches of %d, %d kills:\n", BATCH_N, kills);
    const char *one[] = {drv_trawl_bin(), "index", "--quiet", "--jobs", "1", "--db", db,
                         "--batch", BATCH, corpus, NULL};
    if (kill_and_finish(one, db, kills, BATCH_N) == 0 && kills >= 3)
        fail_msg("no kill fell between two commits: nothing was tested");

    /* Under sanitizers each full run of Reuters takes a minute: the sharded mode is
     * left to the plain build (and to tests/index/jobs.sh), to keep CI under its budget. */
    const char *san = getenv("SAN_FLAGS");
    if (san && *san) {
        printf("--jobs 2 (parallel shards): not run under sanitizers (SAN_FLAGS set)\n");
        return;
    }
    snprintf(db, sizeof db, "%s/db2", tmp);
    printf("--jobs 2 (parallel shards into an empty database), %d kills:\n", SHARD_KILLS);
    const char *par[] = {drv_trawl_bin(), "index", "--quiet", "--jobs", "2", "--db", db,
                         corpus, NULL};
    assert_int_equal(kill_and_finish(par, db, SHARD_KILLS, 0), 0);
    int left = leftover_shards();
    if (left)
        printf("  note: the killed runs left %d shard directories beside the database\n",
               left);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
