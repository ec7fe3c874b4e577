/*
 * report.c: how trawl-bench shows its reports: the readable tables of `query` and `index`
 * (printed from the same JSON object that --json prints, so both always agree) and the
 * latency CDF plot drawn with gnuplot. Called by cmd_query.c and cmd_index.c.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "?";
}

static double num(json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static void header(FILE *f, json_t *r)
{
    json_t *m = json_object_get(r, "machine");
    const char *label = json_string_value(json_object_get(r, "label"));
    fprintf(f, "trawl-bench %s   %s   %s\n", str(r, "benchmark"), str(r, "date"),
            label ? label : "");
    fprintf(f, "machine:  %s, %lld cores (%s, Linux %s)\n", str(m, "cpu"),
            (long long)json_integer_value(json_object_get(m, "cores")), str(m, "host"),
            str(m, "kernel"));
}

static void stats_row(FILE *f, const char *name, json_t *s)
{
    fprintf(f, "%-22s %7lld %6lld %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n", name,
            (long long)json_integer_value(json_object_get(s, "count")),
            (long long)json_integer_value(json_object_get(s, "errors")),
            num(s, "min_us") / 1e3, num(s, "p50_us") / 1e3, num(s, "p90_us") / 1e3,
            num(s, "p99_us") / 1e3, num(s, "p99.9_us") / 1e3, num(s, "max_us") / 1e3,
            num(s, "mean_us") / 1e3);
}

void bench_report_query_table(FILE *f, json_t *r)
{
    header(f, r);
    fprintf(f, "database: %s\nqueries:  %s (%lld queries)\nserver:   %s (version %s)\n",
            str(r, "db"), str(r, "queries_file"),
            (long long)json_integer_value(json_object_get(r, "queries")), str(r, "server"),
            str(r, "version"));
    fprintf(f, "runs %lld, warm-up %lld, limit %lld, parallel %lld, pipeline %lld\n",
            (long long)json_integer_value(json_object_get(r, "runs")),
            (long long)json_integer_value(json_object_get(r, "warmup")),
            (long long)json_integer_value(json_object_get(r, "limit")),
            (long long)json_integer_value(json_object_get(r, "parallel")),
            (long long)json_integer_value(json_object_get(r, "pipeline")));
    fprintf(f, "startup (spawn to first ping answer): %.2f ms (max over servers %.2f ms)\n",
            num(r, "startup_ms"), num(r, "startup_ms_max"));
    fprintf(f, "server peak RSS: %.1f MiB\nthroughput: %.0f queries/s over %.2f s\n\n",
            num(r, "peak_rss_kib") / 1024.0, num(r, "qps"), num(r, "wall_s"));
    const char *vname;
    json_t *v;
    json_object_foreach(json_object_get(r, "results"), vname, v) {
        fprintf(f, "%-22s %7s %6s %8s %8s %8s %8s %8s %8s %8s   (ms)\n", vname, "count",
                "errors", "min", "p50", "p90", "p99", "p99.9", "max", "mean");
        stats_row(f, "all", json_object_get(v, "all"));
        if (json_object_get(v, "server")) {
            stats_row(f, " server took_us", json_object_get(v, "server"));
            stats_row(f, " rest of round trip", json_object_get(v, "overhead"));
        }
        const char *kname;
        json_t *k;
        json_object_foreach(json_object_get(v, "kinds"), kname, k) {
            char label[64];
            snprintf(label, sizeof label, "  %s", kname);
            stats_row(f, label, k);
        }
        fputc('\n', f);
    }
}

void bench_report_index_table(FILE *f, json_t *r)
{
    header(f, r);
    fprintf(f, "corpus:   %s\ndatabase: %s\ncommand:  %s\n\n", str(r, "corpus"), str(r, "db"),
            str(r, "command"));
    fprintf(f, "wall            %10.2f s\n", num(r, "wall_s"));
    fprintf(f, "cpu (user+sys)  %10.2f s\n", num(r, "cpu_s"));
    fprintf(f, "articles        %10lld\n", (long long)num(r, "articles"));
    fprintf(f, "articles/s      %10.0f\n", num(r, "articles_per_s"));
    fprintf(f, "text MB/s       %10.2f   (%.1f MB of title+body text)\n", num(r, "text_mb_per_s"),
            num(r, "text_bytes") / 1e6);
    fprintf(f, "peak RSS        %10.1f MiB\n", num(r, "peak_rss_kib") / 1024.0);
    fprintf(f, "database size   %10.1f MB\n", num(r, "db_bytes") / 1e6);
    if (num(r, "store_bytes") > 0) {
        fprintf(f, "store size      %10.1f MB\n", num(r, "store_bytes") / 1e6);
        fprintf(f, "store / stored text (stats)   %6.1f %%\n", 100 * num(r, "store_vs_text"));
        fprintf(f, "store / raw corpus            %6.1f %%\n", 100 * num(r, "store_vs_raw"));
        fprintf(f, "store / gzip -6 of corpus     %6.1f %%\n", 100 * num(r, "store_vs_gzip6"));
    }
    fprintf(f, "raw corpus %.1f MB, gzip -6 %.1f MB (%.1f %%)\n", num(r, "raw_bytes") / 1e6,
            num(r, "gzip6_bytes") / 1e6, 100 * num(r, "gzip6_vs_raw"));
}

/* Is `prog` an executable on PATH? */
static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = strdup(path), *save = NULL, buf[4096];
    int found = 0;
    for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(buf, sizeof buf, "%s/%s", d, prog);
        found = access(buf, X_OK) == 0;
    }
    free(copy);
    return found;
}

int bench_plot_cdf(const char *svg, const char *title, double *const series[],
                   const size_t n[], const char *const names[], size_t nseries)
{
    if (!on_path("gnuplot")) {
        fprintf(stderr, "trawl-bench: gnuplot is not installed, so no plot was written to '%s' "
                "(on Debian: apt-get install gnuplot-nox)\n", svg);
        return -1;
    }
    FILE *g = popen("gnuplot", "w");
    if (!g) {
        fprintf(stderr, "trawl-bench: cannot run gnuplot: %s\n", strerror(errno));
        return -1;
    }
    fprintf(g, "set terminal svg size 800,500 dynamic\nset output '%s'\n", svg);
    fprintf(g, "set title '%s'\nset logscale x\nset xlabel 'round trip (ms)'\n"
            "set ylabel 'fraction of queries'\nset key bottom right\nset grid\n", title);
    fputs("plot ", g);
    for (size_t s = 0; s < nseries; s++)
        fprintf(g, "%s'-' using 1:2 with lines title '%s'", s ? ", " : "", names[s] ? names[s] : "?");
    fputc('\n', g);
    for (size_t s = 0; s < nseries; s++) {
        for (size_t i = 0; i < n[s]; i++)
            fprintf(g, "%.6f %.6f\n", series[s][i] / 1e3, (double)(i + 1) / (double)n[s]);
        fputs("e\n", g);
    }
    int st = pclose(g);
    if (st != 0) {
        fprintf(stderr, "trawl-bench: gnuplot failed (status %d) writing '%s'\n", st, svg);
        return -1;
    }
    return 0;
}
