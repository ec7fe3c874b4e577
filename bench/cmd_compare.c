/*
 * cmd_compare.c: `trawl-bench compare`, which puts two JSON reports of the same
 * benchmark side by side (say trawl and the FTS5 baseline) with the ratio left/right for
 * every figure. Called from main.c's table; `make bench` (bench/run-bench.sh) uses it to
 * write bench/RESULTS.md. Every numeric field found in both reports is a row, named by its
 * path (results.snippet=200.all.p50_us); the machine description and the run settings,
 * equal on both sides by construction, are left out. `--get PATH REPORT.json` prints one
 * figure instead (PATH's keys separated by '/': results/snippet=200/all/p50_us), for
 * scripts that check targets. `trawl-bench median` makes one report of several rounds of
 * the same benchmark, every figure the median of the rounds, so that a burst of another
 * job's load during one round does not decide a figure (make bench runs three rounds,
 * alternating the engines).
 */
#include "bench.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *const skipped[] = {"machine", "stats",    "runs",    "warmup",
                                      "limit",   "parallel", "pipeline", "queries",
                                      "startup_ms_max", "rounds"};

static int is_skipped(const char *key)
{
    for (size_t i = 0; i < sizeof skipped / sizeof *skipped; i++)
        if (!strcmp(key, skipped[i]))
            return 1;
    return 0;
}

static void print_value(FILE *f, json_t *v)
{
    if (!v)
        fputs("-", f);
    else if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else
        fprintf(f, "%.3f", json_real_value(v));
}

/* Prints a row for every number under `l` (at `path`), with its counterpart in `r`. */
static void walk(FILE *f, const char *path, json_t *l, json_t *r, int markdown)
{
    const char *key;
    json_t *lv;
    json_object_foreach(l, key, lv) {
        if (is_skipped(key))
            continue;
        char *sub;
        if (asprintf(&sub, "%s%s%s", path, *path ? "." : "", key) < 0)
            return;
        json_t *rv = json_object_get(r, key);
        if (json_is_object(lv)) {
            walk(f, sub, lv, json_is_object(rv) ? rv : NULL, markdown);
        } else if (json_is_number(lv)) {
            rv = json_is_number(rv) ? rv : NULL;
            fprintf(f, markdown ? "| %s | " : "%-44s ", sub);
            print_value(f, lv);
            fputs(markdown ? " | " : "\t", f);
            print_value(f, rv);
            fputs(markdown ? " | " : "\t", f);
            double a = json_number_value(lv), b = rv ? json_number_value(rv) : 0;
            if (rv && b != 0)
                fprintf(f, "%.3f", a / b);
            else
                fputs("-", f);
            fputs(markdown ? " |\n" : "\n", f);
        }
        free(sub);
    }
}

static json_t *load(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j || !json_is_object(j)) {
        fprintf(stderr, "trawl-bench: cannot read report '%s': %s (line %d)\n", path,
                j ? "not a JSON object" : err.text, err.line);
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Prints the number at `path` ('/'-separated keys) in the report at `file`. */
static int get_figure(const char *path, const char *file)
{
    json_t *root = load(file), *v = root;
    char *copy = strdup(path), *save = NULL;
    for (char *k = copy ? strtok_r(copy, "/", &save) : NULL; k && v;
         k = strtok_r(NULL, "/", &save))
        v = json_object_get(v, k);
    int ok = json_is_number(v);
    if (ok) {
        print_value(stdout, v);
        putchar('\n');
    } else if (root) {
        fprintf(stderr, "trawl-bench compare: '%s' has no number at '%s'\n", file, path);
    }
    free(copy);
    json_decref(root);
    return ok ? BENCH_OK : BENCH_FAILED;
}

int bench_compare_main(int argc, char **argv)
{
    static const struct option opts[] = {{"markdown", no_argument, NULL, 'm'},
                                         {"get", required_argument, NULL, 'g'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    int markdown = 0, c;
    const char *get = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "mg:h", opts, NULL)) != -1) {
        if (c == 'm') {
            markdown = 1;
        } else if (c == 'g') {
            get = optarg;
        } else {
            fputs("usage: trawl-bench compare [--markdown] LEFT.json RIGHT.json\n"
                  "       trawl-bench compare --get KEY/KEY/... REPORT.json\n",
                  c == 'h' ? stdout : stderr);
            return c == 'h' ? BENCH_OK : BENCH_USAGE;
        }
    }
    if (get) {
        if (argc - optind != 1) {
            fputs("trawl-bench compare: --get needs one report\n", stderr);
            return BENCH_USAGE;
        }
        return get_figure(get, argv[optind]);
    }
    if (argc - optind != 2) {
        fputs("trawl-bench compare: two reports are needed: LEFT.json RIGHT.json\n", stderr);
        return BENCH_USAGE;
    }
    json_t *l = load(argv[optind]), *r = load(argv[optind + 1]);
    int rc = BENCH_FAILED;
    if (l && r) {
        const char *ln = json_string_value(json_object_get(l, "label"));
        const char *rn = json_string_value(json_object_get(r, "label"));
        ln = ln && *ln ? ln : "left";
        rn = rn && *rn ? rn : "right";
        if (markdown)
            printf("| figure | %s | %s | %s/%s |\n|---|---:|---:|---:|\n", ln, rn, ln, rn);
        else
            printf("%-44s %s\t%s\t%s/%s\n", "figure", ln, rn, ln, rn);
        walk(stdout, "", l, r, markdown);
        rc = BENCH_OK;
    }
    json_decref(l);
    json_decref(r);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Replaces every number under in[0] (an object) with the median of the numbers at the
 * same place in in[0..n) (the lower of the two middle ones when n is even: always a
 * value one round measured); a figure missing from a round, or not a number there,
 * becomes null. Objects are walked where every round has one; other values stay as the
 * first round has them. -1 when out of memory. */
static int median_walk(json_t **in, size_t n, double *scratch)
{
    const char *key;
    json_t *v;
    void *tmp;
    json_t **sub = malloc(n * sizeof *sub);
    if (!sub)
        return -1;
    json_object_foreach_safe(in[0], tmp, key, v) {
        size_t objects = 0, numbers = 0;
        for (size_t i = 0; i < n; i++) {
            sub[i] = json_object_get(in[i], key);
            objects += json_is_object(sub[i]);
            if (json_is_number(sub[i]))
                scratch[numbers++] = json_number_value(sub[i]);
        }
        if (json_is_object(v)) {
            if (objects == n && median_walk(sub, n, scratch) < 0)
                goto nomem;
            continue;
        }
        if (!json_is_number(v))
            continue;
        json_t *m = json_null();
        if (numbers == n) {
            qsort(scratch, n, sizeof *scratch, cmp_double);
            double mid = scratch[(n - 1) / 2];
            m = json_is_integer(v) ? json_integer((json_int_t)mid) : json_real(mid);
        }
        if (!m || json_object_set_new(in[0], key, m) < 0)
            goto nomem;
    }
    free(sub);
    return 0;
nomem:
    free(sub);
    return -1;
}

int bench_median_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs("usage: trawl-bench median ROUND.json...\n"
              "Prints one report whose every figure is the median of the rounds' (reports of\n"
              "the same benchmark: the same command run several times).\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? BENCH_USAGE : BENCH_OK;
    }
    size_t n = (size_t)argc - 1;
    json_t **in = calloc(n, sizeof *in);
    double *scratch = malloc(n * sizeof *scratch);
    int rc = BENCH_FAILED;
    size_t loaded = 0;
    if (!in || !scratch) {
        fputs("trawl-bench median: out of memory\n", stderr);
        goto done;
    }
    for (; loaded < n; loaded++)
        if (!(in[loaded] = load(argv[loaded + 1])))
            goto done;
    if (median_walk(in, n, scratch) < 0 ||
        json_object_set_new(in[0], "rounds", json_integer((json_int_t)n)) < 0) {
        fputs("trawl-bench median: out of memory\n", stderr);
        goto done;
    }
    if (json_dumpf(in[0], stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0) {
        putchar('\n');
        rc = BENCH_OK;
    }
done:
    for (size_t i = 0; i < loaded; i++)
        json_decref(in[i]);
    free(in);
    free(scratch);
    return rc;
}
