/*
 * bench_serve.c: measures what an editor plugin feels from `trawl serve` (issue 3's
 * performance figures; the full harness is trawl-bench): the time from process start to
 * the answer of the first `ping`, and the protocol overhead per search (the round trip over
 * the pipes minus the in-engine time the server reports as took_us). Built by
 * `make check`, not run by it:
 *
 *   tests/protocol/bench_serve DB QUERIES [RUNS]
 *
 * QUERIES is a file of queries, one a line (e.g. ../shared/bench/queries-reuters.txt).
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/protocol/serve_driver.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints min, p50, p90, p99 and max of v[0..n) (sorted in place). */
static void report(const char *what, double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    printf("%-28s n=%-5zu min %8.1f  p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f us\n", what, n,
           v[0], v[n / 2], v[n * 9 / 10], v[n * 99 / 100], v[n - 1]);
}

static int first_ping(const char *db, int runs)
{
    double *t = calloc((size_t)runs, sizeof *t);
    for (int i = 0; i < runs; i++) {
        struct srv s;
        double t0 = now_us();
        if (drv_start(&s, "/tmp", db, NULL) != 0 || drv_send(&s, "{\"op\":\"ping\"}\n") != 0 ||
            !drv_line(&s, 10000)) {
            fprintf(stderr, "bench_serve: no answer to ping\n");
            return 1;
        }
        t[i] = now_us() - t0;
        drv_stop(&s, 10000);
        drv_free(&s);
    }
    report("start to first ping", t, (size_t)runs);
    free(t);
    return 0;
}

static int searches(const char *db, const char *qfile)
{
    FILE *f = fopen(qfile, "r");
    if (!f) {
        perror(qfile);
        return 1;
    }
    char **reqs = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        json_t *r = json_pack("{s:I,s:s,s:s,s:i}", "id", (json_int_t)n, "op", "search", "q",
                              line, "limit", 10);
        if (n == cap)
            reqs = realloc(reqs, (cap = cap ? cap * 2 : 1024) * sizeof *reqs);
        char *s = json_dumps(r, JSON_COMPACT);
        json_decref(r);
        reqs[n] = malloc(strlen(s) + 2);
        sprintf(reqs[n++], "%s\n", s);
        free(s);
    }
    free(line);
    fclose(f);
    struct srv s;
    if (n == 0 || drv_start(&s, "/tmp", db, NULL) != 0)
        return 1;
    double *rt = calloc(n, sizeof *rt), *eng = calloc(n, sizeof *eng),
           *ovh = calloc(n, sizeof *ovh);
    size_t errors = 0;
    double *ping = calloc(n, sizeof *ping);
    for (size_t i = 0; i < n; i++) { /* the transport alone: no engine, no formatting */
        double t0 = now_us();
        if (drv_send(&s, "{\"id\":0,\"op\":\"ping\"}\n") != 0 || !drv_line(&s, 30000))
            return 1;
        ping[i] = now_us() - t0;
    }
    for (int pass = 0; pass < 2; pass++) { /* pass 0 warms the caches */
        for (size_t i = 0; i < n; i++) {
            double t0 = now_us();
            if (drv_send(&s, reqs[i]) != 0 || !drv_line(&s, 30000))
                return 1;
            double t1 = now_us();
            json_t *j = json_loads(s.line, 0, NULL);
            json_t *took = json_object_get(j, "took_us");
            if (!took)
                errors += pass;
            rt[i] = t1 - t0;
            eng[i] = took ? (double)json_integer_value(took) : 0;
            ovh[i] = rt[i] - eng[i];
            json_decref(j);
        }
    }
    printf("searches: %zu queries from %s, %zu errors (e.g. bad_query)\n", n, qfile, errors);
    report("ping round trip", ping, n);
    report("search round trip", rt, n);
    report("in engine (took_us)", eng, n);
    report("protocol overhead", ovh, n);
    drv_stop(&s, 10000);
    drv_free(&s);
    for (size_t i = 0; i < n; i++)
        free(reqs[i]);
    free(reqs);
    free(rt);
    free(eng);
    free(ovh);
    free(ping);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_serve DB QUERIES [RUNS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int runs = argc > 3 ? atoi(argv[3]) : 100;
    printf("trawl: %s\ndatabase: %s\n", drv_trawl_bin(), argv[1]);
    return first_ping(argv[1], runs > 0 ? runs : 100) || searches(argv[1], argv[2]);
}
