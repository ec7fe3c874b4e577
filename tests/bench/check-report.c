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

/* What main() hands to every check: the expectations and the count of failures. */
typedef struct {
    expect e;
    int failures;
} checker;

static void fail(checker *c, const char *where, const char *what)
{
    fprintf(stderr, "check-report: %s: %s\n", where, what);
    c->failures++;
}

static double need_num(checker *c, json_t *o, const char *key, const char *where)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "\"%s\" is missing or not a number", key);
        fail(c, where, msg);
        return 0;
    }
    return json_number_value(v);
}

static void need_str(checker *c, json_t *o, const char *key, const char *where)
{
    if (!json_is_string(json_object_get(o, key))) {
        char msg[128];
        snprintf(msg, sizeof msg, "\"%s\" is missing or not a string", key);
        fail(c, where, msg);
    }
}

/* Checks one stats object; returns its count. */
static long check_stats(checker *c, json_t *s, const char *where, long *errors)
{
    static const char *const order[] = {"min_us", "p50_us", "p90_us", "p99_us", "p99.9_us",
                                        "max_us"};
    long count = (long)need_num(c, s, "count", where);
    *errors = (long)need_num(c, s, "errors", where);
    double prev = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        double v = need_num(c, s, order[i], where);
        if (count > 0 && (v < prev || v <= 0)) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s = %.3f is not positive or below the previous "
                     "percentile %.3f", order[i], v, prev);
            fail(c, where, msg);
        }
        prev = v;
    }
    double mean = need_num(c, s, "mean_us", where);
    if (count > 0 && (mean < need_num(c, s, "min_us", where) || mean > need_num(c, s, "max_us", where)))
        fail(c, where, "the mean is outside [min, max]");
    return count;
}

static void check_variant(checker *c, const char *name, json_t *v)
{
    long errors, kerr, ksum = 0, kerrsum = 0;
    long count = check_stats(c, json_object_get(v, "all"), name, &errors);
    json_t *kinds = json_object_get(v, "kinds");
    if (!json_is_object(kinds) || json_object_size(kinds) == 0)
        fail(c, name, "\"kinds\" is missing or empty");
    const char *k;
    json_t *ks;
    json_object_foreach(kinds, k, ks) {
        ksum += check_stats(c, ks, k, &kerr);
        kerrsum += kerr;
    }
    if (ksum != count || kerrsum != errors)
        fail(c, name, "the kinds' counts or errors do not add up to the total");
    if (c->e.kind && !json_object_get(kinds, c->e.kind))
        fail(c, name, "the expected kind is missing");
    if (c->e.count >= 0 && count != c->e.count) {
        fprintf(stderr, "check-report: %s: count %ld, expected %ld\n", name, count, c->e.count);
        c->failures++;
    }
    if (c->e.errors >= 0 && errors != c->e.errors) {
        fprintf(stderr, "check-report: %s: errors %ld, expected %ld\n", name, errors, c->e.errors);
        c->failures++;
    }
    double p50 = need_num(c, json_object_get(v, "all"), "p50_us", name);
    if ((c->e.p50_min > 0 && p50 < c->e.p50_min) || (c->e.p50_max > 0 && p50 >= c->e.p50_max)) {
        fprintf(stderr, "check-report: %s: p50 %.1f us is outside [%.1f, %.1f)\n", name, p50,
                c->e.p50_min, c->e.p50_max);
        c->failures++;
    }
}

static void check_query(checker *c, json_t *r)
{
    json_t *m = json_object_get(r, "machine");
    need_str(c, m, "cpu", "machine");
    if (need_num(c, m, "cores", "machine") < 1)
        fail(c, "machine", "cores < 1");
    need_str(c, r, "queries_file", "report");
    need_str(c, r, "version", "report");
    need_str(c, r, "server", "report");
    if (need_num(c, r, "startup_ms", "report") <= 0)
        fail(c, "report", "startup_ms is not positive");
    if (need_num(c, r, "peak_rss_kib", "report") <= 0)
        fail(c, "report", "peak_rss_kib is not positive");
    if (need_num(c, r, "qps", "report") <= 0 || need_num(c, r, "wall_s", "report") <= 0)
        fail(c, "report", "qps or wall_s is not positive");
    json_t *res = json_object_get(r, "results");
    if (!json_is_object(res) || json_object_size(res) == 0)
        fail(c, "report", "\"results\" is missing or empty");
    if (c->e.variants >= 0 && (long)json_object_size(res) != c->e.variants)
        fail(c, "report", "wrong number of result variants");
    const char *name;
    json_t *v;
    json_object_foreach(res, name, v) check_variant(c, name, v);
}

static void check_index(checker *c, json_t *r)
{
    if (need_num(c, r, "wall_s", "report") <= 0)
        fail(c, "report", "wall_s is not positive");
    if ((long)need_num(c, r, "articles", "report") != c->e.index_articles)
        fail(c, "report", "wrong article count");
    if (need_num(c, r, "articles_per_s", "report") <= 0 || need_num(c, r, "raw_bytes", "report") <= 0 ||
        need_num(c, r, "gzip6_bytes", "report") <= 0 || need_num(c, r, "db_bytes", "report") <= 0)
        fail(c, "report", "a speed or size is not positive");
    if (need_num(c, r, "gzip6_bytes", "report") >= need_num(c, r, "raw_bytes", "report") * 1.2)
        fail(c, "report", "gzip -6 size is implausibly large");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'c'},  {"errors", required_argument, NULL, 'e'},
        {"variants", required_argument, NULL, 'v'}, {"kind", required_argument, NULL, 'k'},
        {"p50-min-us", required_argument, NULL, 'a'}, {"p50-max-us", required_argument, NULL, 'b'},
        {"index", required_argument, NULL, 'i'},  {0}};
    checker chk = {.e = {.count = -1, .errors = -1, .variants = -1, .index_articles = -1}};
    expect *e = &chk.e;
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': e->count = strtol(optarg, NULL, 10); break;
        case 'e': e->errors = strtol(optarg, NULL, 10); break;
        case 'v': e->variants = strtol(optarg, NULL, 10); break;
        case 'k': e->kind = optarg; break;
        case 'a': e->p50_min = strtod(optarg, NULL); break;
        case 'b': e->p50_max = strtod(optarg, NULL); break;
        case 'i': e->index_articles = strtol(optarg, NULL, 10); break;
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
        check_query(&chk, r);
    else if (kind && !strcmp(kind, "index"))
        check_index(&chk, r);
    else
        fail(&chk, "report", "\"benchmark\" is neither query nor index");
    json_decref(r);
    return chk.failures ? 1 : 0;
}
