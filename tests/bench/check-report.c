/*
 * check-report.c: checks a trawl-bench JSON report for the shell tests in tests/bench/: its structure
 * (every field a reader relies on, with the right type), that percentiles are ordered
 * (min <= p50 <= p90 <= p99 <= p99.9 <= max, min <= mean <= max) and plausible (positive
 * times, counts adding up), and optional expectations given as options. Prints what is
 * wrong and exits 1; exits 0 when the report passes.
 *
 * usage: check-report [--count N] [--errors N] [--variants N] [--kind NAME]
 *                     [--p50-min-us X] [--p50-max-us Y] [--index ARTICLES] REPORT.json
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    long count, errors, variants, index_articles;
    const char *kind;
    double p50_min, p50_max;
} expect;

static int failures;

static void fail(const char *where, const char *what)
{
    fprintf(stderr, "check-report: %s: %s\n", where, what);
    failures++;
}

static double need_num(json_t *o, const char *key, const char *where)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "\"%s\" is missing or not a number", key);
        fail(where, msg);
        return 0;
    }
    return json_number_value(v);
}

static void need_str(json_t *o, const char *key, const char *where)
{
    if (!json_is_string(json_object_get(o, key))) {
        char msg[128];
        snprintf(msg, sizeof msg, "\"%s\" is missing or not a string", key);
        fail(where, msg);
    }
}

/* Checks one stats object; returns its count. */
static long check_stats(json_t *s, const char *where, long *errors)
{
    static const char *const order[] = {"min_us", "p50_us", "p90_us", "p99_us", "p99.9_us",
                                        "max_us"};
    long count = (long)need_num(s, "count", where);
    *errors = (long)need_num(s, "errors", where);
    double prev = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        double v = need_num(s, order[i], where);
        if (count > 0 && (v < prev || v <= 0)) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s = %.3f is not positive or below the previous "
                     "percentile %.3f", order[i], v, prev);
            fail(where, msg);
        }
        prev = v;
    }
    double mean = need_num(s, "mean_us", where);
    if (count > 0 && (mean < need_num(s, "min_us", where) || mean > need_num(s, "max_us", where)))
        fail(where, "the mean is outside [min, max]");
    return count;
}

static void check_variant(const char *name, json_t *v, const expect *e)
{
    long errors, kerr, ksum = 0, kerrsum = 0;
    long count = check_stats(json_object_get(v, "all"), name, &errors);
    json_t *kinds = json_object_get(v, "kinds");
    if (!json_is_object(kinds) || json_object_size(kinds) == 0)
        fail(name, "\"kinds\" is missing or empty");
    const char *k;
    json_t *ks;
    json_object_foreach(kinds, k, ks) {
        ksum += check_stats(ks, k, &kerr);
        kerrsum += kerr;
    }
    if (ksum != count || kerrsum != errors)
        fail(name, "the kinds' counts or errors do not add up to the total");
    if (e->kind && !json_object_get(kinds, e->kind))
        fail(name, "the expected kind is missing");
    if (e->count >= 0 && count != e->count) {
        fprintf(stderr, "check-report: %s: count %ld, expected %ld\n", name, count, e->count);
        failures++;
    }
    if (e->errors >= 0 && errors != e->errors) {
        fprintf(stderr, "check-report: %s: errors %ld, expected %ld\n", name, errors, e->errors);
        failures++;
    }
    double p50 = need_num(json_object_get(v, "all"), "p50_us", name);
    if ((e->p50_min > 0 && p50 < e->p50_min) || (e->p50_max > 0 && p50 >= e->p50_max)) {
        fprintf(stderr, "check-report: %s: p50 %.1f us is outside [%.1f, %.1f)\n", name, p50,
                e->p50_min, e->p50_max);
        failures++;
    }
}

static void check_query(json_t *r, const expect *e)
{
    json_t *m = json_object_get(r, "machine");
    need_str(m, "cpu", "machine");
    if (need_num(m, "cores", "machine") < 1)
        fail("machine", "cores < 1");
    need_str(r, "queries_file", "report");
    need_str(r, "version", "report");
    need_str(r, "server", "report");
    if (need_num(r, "startup_ms", "report") <= 0)
        fail("report", "startup_ms is not positive");
    if (need_num(r, "peak_rss_kib", "report") <= 0)
        fail("report", "peak_rss_kib is not positive");
    if (need_num(r, "qps", "report") <= 0 || need_num(r, "wall_s", "report") <= 0)
        fail("report", "qps or wall_s is not positive");
    json_t *res = json_object_get(r, "results");
    if (!json_is_object(res) || json_object_size(res) == 0)
        fail("report", "\"results\" is missing or empty");
    if (e->variants >= 0 && (long)json_object_size(res) != e->variants)
        fail("report", "wrong number of result variants");
    const char *name;
    json_t *v;
    json_object_foreach(res, name, v) check_variant(name, v, e);
}

static void check_index(json_t *r, const expect *e)
{
    if (need_num(r, "wall_s", "report") <= 0)
        fail("report", "wall_s is not positive");
    if ((long)need_num(r, "articles", "report") != e->index_articles)
        fail("report", "wrong article count");
    if (need_num(r, "articles_per_s", "report") <= 0 || need_num(r, "raw_bytes", "report") <= 0 ||
        need_num(r, "gzip6_bytes", "report") <= 0 || need_num(r, "db_bytes", "report") <= 0)
        fail("report", "a speed or size is not positive");
    if (need_num(r, "gzip6_bytes", "report") >= need_num(r, "raw_bytes", "report") * 1.2)
        fail("report", "gzip -6 size is implausibly large");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'c'},  {"errors", required_argument, NULL, 'e'},
        {"variants", required_argument, NULL, 'v'}, {"kind", required_argument, NULL, 'k'},
        {"p50-min-us", required_argument, NULL, 'a'}, {"p50-max-us", required_argument, NULL, 'b'},
        {"index", required_argument, NULL, 'i'},  {0}};
    expect e = {.count = -1, .errors = -1, .variants = -1, .index_articles = -1};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': e.count = strtol(optarg, NULL, 10); break;
        case 'e': e.errors = strtol(optarg, NULL, 10); break;
        case 'v': e.variants = strtol(optarg, NULL, 10); break;
        case 'k': e.kind = optarg; break;
        case 'a': e.p50_min = strtod(optarg, NULL); break;
        case 'b': e.p50_max = strtod(optarg, NULL); break;
        case 'i': e.index_articles = strtol(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    if (optind + 1 != argc) {
        fputs("usage: check-report [OPTIONS] REPORT.json\n", stderr);
        return 2;
    }
    json_error_t err;
    json_t *r = json_load_file(argv[optind], 0, &err);
    if (!json_is_object(r)) {
        fprintf(stderr, "check-report: %s: not a JSON object: %s\n", argv[optind], err.text);
        return 1;
    }
    const char *kind = json_string_value(json_object_get(r, "benchmark"));
    if (kind && !strcmp(kind, "query"))
        check_query(r, &e);
    else if (kind && !strcmp(kind, "index"))
        check_index(r, &e);
    else
        fail("report", "\"benchmark\" is neither query nor index");
    json_decref(r);
    return failures ? 1 : 0;
}
