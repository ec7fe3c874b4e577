/*
 * stats.c: latency statistics for trawl-bench: nearest-rank percentiles over the
 * round-trip times that cmd_query.c measured, and their JSON form. Pure functions, tested
 * by tests/bench/test_stats.c.
 */
#include "bench.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    double rank = ceil(p * (double)n); /* nearest rank, 1-based */
    size_t i = rank < 1 ? 0 : (size_t)rank - 1;
    return sorted[i < n ? i : n - 1];
}

void bench_stats_compute(double *us, size_t n, size_t errors, bench_stats *out)
{
    *out = (bench_stats){.count = n, .errors = errors};
    if (n == 0)
        return;
    qsort(us, n, sizeof *us, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += us[i];
    out->min = us[0];
    out->max = us[n - 1];
    out->mean = sum / (double)n;
    out->p50 = bench_percentile(us, n, 0.50);
    out->p90 = bench_percentile(us, n, 0.90);
    out->p99 = bench_percentile(us, n, 0.99);
    out->p999 = bench_percentile(us, n, 0.999);
}

json_t *bench_stats_json(const bench_stats *s)
{
    return json_pack("{s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "count",
                     (json_int_t)s->count, "errors", (json_int_t)s->errors, "min_us", s->min,
                     "p50_us", s->p50, "p90_us", s->p90, "p99_us", s->p99, "p99.9_us", s->p999,
                     "max_us", s->max, "mean_us", s->mean);
}
