/*
 * cmd_query.c: `trawl-bench query`, the latency and throughput benchmark. Called from
 * main.c's subcommand table.
 *
 * It spawns P servers (default `trawl serve --db PATH`, or the command after `--`), pings
 * each (the time from spawn to the answer is the startup time), then runs one client
 * thread per server. Each thread sends every query as a JSON search request, warm-up
 * passes first (not counted), then --runs passes, keeping up to --pipeline requests in
 * flight, and times each round trip on the client side with CLOCK_MONOTONIC: from just
 * before its line is written to just after its response line is read. The threads start
 * their counted passes together (a barrier), so QPS = counted requests / wall time of the
 * counted phase. With --snippet A,B each query is sent once per snippet length, the order
 * of the lengths rotating from query to query, and each length is reported on its own.
 * Peak RSS is the server's VmHWM, read after the run before it is told to quit.
 */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_VARIANTS = 8, MAX_PARALLEL = 256, MAX_PIPELINE = 4096 };

typedef struct {
    const char *db, *queries_file, *plot, *label;
    long runs, warmup, limit, parallel, pipeline;
    long snippets[MAX_VARIANTS]; /* -1: leave the field out (server default) */
    size_t nvariants;
    int json;
    char **server_argv; /* NULL-terminated */
} options;

/* The request lines: job j is query j / nvariants at variant (j + j / nvariants) %
 * nvariants, so the lengths' order rotates from query to query. */
typedef struct {
    char **line;        /* "...\n" */
    size_t *len;
    size_t *query;      /* job -> query index */
    size_t *variant;    /* job -> variant index */
    size_t njobs;
} jobs;

typedef struct {
    bench_proc proc;
    const jobs *jobs;
    const options *opt;
    size_t rotation;       /* the job this thread starts each pass with */
    double *lat_us;        /* runs * njobs round trips, by sequence position */
    double *took_us;       /* the server's own "took_us" for each, or -1 when absent */
    unsigned char *ok;     /* 1 when the response said "ok":true */
    int64_t t_start, t_end;
    int failed;
    pthread_barrier_t *barrier;
} worker;

static int parse_long(const char *s, long lo, long hi, long *out, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "trawl-bench query: %s must be a number from %ld to %ld, not '%s'\n",
                what, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_snippets(const char *s, options *o)
{
    char *copy = strdup(s), *save = NULL;
    int rc = copy ? 0 : -1;
    o->nvariants = 0;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && rc == 0;
         t = strtok_r(NULL, ",", &save)) {
        if (o->nvariants == MAX_VARIANTS) {
            fprintf(stderr, "trawl-bench query: at most %d snippet lengths\n", MAX_VARIANTS);
            rc = -1;
        } else {
            rc = parse_long(t, 0, 100000, &o->snippets[o->nvariants++], "--snippet");
        }
    }
    free(copy);
    return rc == 0 && o->nvariants > 0 ? 0 : -1;
}

static void usage(FILE *f)
{
    fputs("usage: trawl-bench query --db PATH --queries FILE [--runs N] [--warmup N]\n"
          "         [--limit K] [--snippet N[,N...]] [--parallel P] [--pipeline D]\n"
          "         [--json] [--plot FILE.svg] [--label NAME] [-- SERVER COMMAND...]\n"
          "Times search round trips over the pipe protocol. The default server is\n"
          "`trawl serve --db PATH` ($TRAWL_BIN, or trawl next to trawl-bench, or on PATH).\n",
          f);
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},       {"queries", required_argument, NULL, 'q'},
        {"runs", required_argument, NULL, 'r'},     {"warmup", required_argument, NULL, 'w'},
        {"limit", required_argument, NULL, 'l'},    {"snippet", required_argument, NULL, 's'},
        {"parallel", required_argument, NULL, 'P'}, {"pipeline", required_argument, NULL, 'D'},
        {"json", no_argument, NULL, 'j'},           {"plot", required_argument, NULL, 'p'},
        {"label", required_argument, NULL, 'L'},    {"help", no_argument, NULL, 'h'},
        {0}};
    *o = (options){.runs = 3, .warmup = 1, .limit = 10, .parallel = 1, .pipeline = 1,
                   .snippets = {-1}, .nvariants = 1};
    int c, rc = 0;
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, "+d:q:r:w:l:s:P:D:jp:L:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 'q': o->queries_file = optarg; break;
        case 'r': rc = parse_long(optarg, 1, 1000000, &o->runs, "--runs"); break;
        case 'w': rc = parse_long(optarg, 0, 1000000, &o->warmup, "--warmup"); break;
        case 'l': rc = parse_long(optarg, 1, 1000, &o->limit, "--limit"); break;
        case 's': rc = parse_snippets(optarg, o); break;
        case 'P': rc = parse_long(optarg, 1, MAX_PARALLEL, &o->parallel, "--parallel"); break;
        case 'D': rc = parse_long(optarg, 1, MAX_PIPELINE, &o->pipeline, "--pipeline"); break;
        case 'j': o->json = 1; break;
        case 'p': o->plot = optarg; break;
        case 'L': o->label = optarg; break;
        case 'h': usage(stdout); return 1;
        default: rc = -1;
        }
    }
    if (rc == 0 && (!o->queries_file || (!o->db && optind >= argc))) {
        fprintf(stderr, "trawl-bench query: %s is required\n",
                !o->queries_file ? "--queries" : "--db (or a server command after --)");
        rc = -1;
    }
    if (rc < 0) {
        usage(stderr);
        return -1;
    }
    o->server_argv = optind < argc ? argv + optind : NULL;
    return 0;
}

/* The default server command, `trawl serve --db PATH`, into argv[4]; argv[0] is freed by
 * the caller. */
static void default_server(const options *o, char *argv[5])
{
    argv[0] = bench_find_program("trawl", "TRAWL_BIN");
    argv[1] = "serve";
    argv[2] = "--db";
    argv[3] = (char *)o->db;
    argv[4] = NULL;
}

static void jobs_free(jobs *j)
{
    for (size_t i = 0; j->line && i < j->njobs; i++)
        free(j->line[i]);
    free(j->line);
    free(j->len);
    free(j->query);
    free(j->variant);
}

static char *request_line(const options *o, size_t job, const char *q, long snippet)
{
    json_t *req = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)job, "op", "search", "q",
                            q, "limit", (json_int_t)o->limit);
    if (req && snippet >= 0)
        json_object_set_new(req, "snippet", json_integer(snippet));
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    char *line = NULL;
    if (text && asprintf(&line, "%s\n", text) < 0)
        line = NULL;
    free(text);
    return line;
}

static int jobs_build(const options *o, const bench_queries *qs, jobs *j)
{
    size_t nv = o->nvariants;
    *j = (jobs){0};
    j->njobs = qs->n * nv;
    j->line = calloc(j->njobs, sizeof *j->line);
    j->len = calloc(j->njobs, sizeof *j->len);
    j->query = calloc(j->njobs, sizeof *j->query);
    j->variant = calloc(j->njobs, sizeof *j->variant);
    if (!j->line || !j->len || !j->query || !j->variant)
        goto nomem;
    for (size_t k = 0; k < j->njobs; k++) {
        j->query[k] = k / nv;
        j->variant[k] = (k + k / nv) % nv;
        j->line[k] = request_line(o, k, qs->v[j->query[k]].text, o->snippets[j->variant[k]]);
        if (!j->line[k])
            goto nomem;
        j->len[k] = strlen(j->line[k]);
    }
    return 0;
nomem:
    fputs("trawl-bench query: out of memory building requests\n", stderr);
    jobs_free(j);
    return -1;
}

/* The "took_us" the server reported in its response, or -1. */
static double server_took_us(const char *line)
{
    const char *p = strstr(line, "\"took_us\":");
    if (!p)
        return -1;
    char *end;
    double v = strtod(p + 10, &end);
    return end == p + 10 || v < 0 ? -1 : v;
}

static int response_ok(const char *line)
{
    return strstr(line, "\"ok\":true") || strstr(line, "\"ok\": true");
}

/* Runs `count` requests (sequence positions from 0, job = (rotation + s) % njobs) with up
 * to --pipeline in flight, recording round trips when `lat_us` is not NULL. */
static int run_requests(worker *w, size_t count, double *lat_us, double *took_us,
                        unsigned char *ok)
{
    const jobs *j = w->jobs;
    size_t depth = (size_t)w->opt->pipeline;
    int64_t *sent = malloc(depth * sizeof *sent);
    if (!sent)
        return -1;
    size_t next_send = 0, next_recv = 0, woff = 0; /* woff: bytes of line next_send written */
    while (next_recv < count) {
        /* Write while there is room in flight and the pipe takes it. */
        while (next_send < count && next_send - next_recv < depth) {
            size_t job = (w->rotation + next_send) % j->njobs;
            if (woff == 0)
                sent[next_send % depth] = bench_now_ns();
            ssize_t n = bench_proc_write_some(&w->proc, j->line[job] + woff, j->len[job] - woff);
            if (n < 0)
                goto gone;
            woff += (size_t)n;
            if (woff < j->len[job])
                break;
            woff = 0;
            next_send++;
        }
        int writing = next_send < count && next_send - next_recv < depth;
        char *line = bench_proc_read_line(&w->proc, writing, NULL);
        if (!line && writing) {
            struct pollfd pf[2] = {{.fd = w->proc.from_fd, .events = POLLIN},
                                   {.fd = w->proc.to_fd, .events = POLLOUT}};
            poll(pf, 2, -1);
            continue;
        }
        if (!line)
            goto gone;
        int64_t now = bench_now_ns();
        if (lat_us) {
            lat_us[next_recv] = (double)(now - sent[next_recv % depth]) / 1e3;
            took_us[next_recv] = server_took_us(line);
            ok[next_recv] = (unsigned char)(response_ok(line) != 0);
        }
        next_recv++;
    }
    free(sent);
    return 0;
gone:
    fprintf(stderr, "trawl-bench query: the server (pid %d) stopped answering after %zu of %zu "
            "requests\n", (int)w->proc.pid, next_recv, count);
    free(sent);
    return -1;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    size_t per_pass = w->jobs->njobs;
    if (w->opt->warmup > 0 &&
        run_requests(w, per_pass * (size_t)w->opt->warmup, NULL, NULL, NULL) < 0)
        w->failed = 1;
    pthread_barrier_wait(w->barrier);
    w->t_start = bench_now_ns();
    if (!w->failed && run_requests(w, per_pass * (size_t)w->opt->runs, w->lat_us, w->took_us, w->ok) < 0)
        w->failed = 1;
    w->t_end = bench_now_ns();
    return NULL;
}

/* Spawns and pings every server; fills startup times (ms) and the version. */
static int start_servers(worker *ws, size_t n, char **argv, double *startup_ms, char **version)
{
    for (size_t i = 0; i < n; i++) {
        if (bench_proc_spawn(argv, &ws[i].proc) < 0)
            return -1;
        if (bench_proc_ping(&ws[i].proc, i == 0 ? version : NULL) < 0) {
            fprintf(stderr, "trawl-bench query: '%s' did not answer a ping\n", argv[0]);
            return -1;
        }
        startup_ms[i] = (double)(bench_now_ns() - ws[i].proc.spawned_ns) / 1e6;
    }
    return 0;
}

/* Collects the round trips of (variant, kind) (kind NULL: any) into `buf`; returns how
 * many, and counts errors in *errors. */
/* What collect() gathers for each answered request. */
typedef enum { ROUND_TRIP, SERVER_TIME, OVERHEAD } measure;

static size_t collect(const worker *ws, size_t nw, const jobs *j, const bench_queries *qs,
                      size_t nseq, size_t variant, const char *kind, measure m, double *buf,
                      size_t *errors)
{
    size_t n = 0;
    *errors = 0;
    for (size_t t = 0; t < nw; t++)
        for (size_t s = 0; s < nseq; s++) {
            size_t job = (ws[t].rotation + s) % j->njobs;
            if (j->variant[job] != variant ||
                (kind && strcmp(qs->v[j->query[job]].kind, kind)))
                continue;
            double took = ws[t].took_us[s];
            if (!ws[t].ok[s])
                (*errors)++;
            else if (m == ROUND_TRIP)
                buf[n++] = ws[t].lat_us[s];
            else if (took >= 0)
                buf[n++] = m == SERVER_TIME ? took : ws[t].lat_us[s] - took;
        }
    return n;
}

static char *command_string(char **argv)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f)
        return NULL;
    for (size_t i = 0; argv[i]; i++)
        fprintf(f, "%s%s", i ? " " : "", argv[i]);
    fclose(f);
    return s;
}

static json_t *kinds_json(const worker *ws, size_t nw, const jobs *j, const bench_queries *qs,
                          size_t nseq, size_t v, double *buf)
{
    json_t *kinds = json_object();
    for (size_t i = 0; i < qs->n; i++) {
        const char *k = qs->v[i].kind;
        if (json_object_get(kinds, k))
            continue;
        size_t errors, n = collect(ws, nw, j, qs, nseq, v, k, ROUND_TRIP, buf, &errors);
        bench_stats st;
        bench_stats_compute(buf, n, errors, &st);
        json_object_set_new(kinds, k, bench_stats_json(&st));
    }
    return kinds;
}

/* When the server reports "took_us", adds its own time ("server") and the rest of each
 * round trip ("overhead": pipes, JSON, scheduling) to a variant's results. */
static void add_server_side(json_t *r, const worker *ws, size_t nw, const jobs *j,
                            const bench_queries *qs, size_t nseq, size_t v, double *buf)
{
    static const struct {
        const char *name;
        measure m;
    } parts[] = {{"server", SERVER_TIME}, {"overhead", OVERHEAD}};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        size_t errors, n = collect(ws, nw, j, qs, nseq, v, NULL, parts[i].m, buf, &errors);
        if (n == 0)
            return;
        bench_stats st;
        bench_stats_compute(buf, n, 0, &st);
        json_object_set_new(r, parts[i].name, bench_stats_json(&st));
    }
}

static char *variant_name(const options *o, size_t v)
{
    char *name = NULL;
    if (o->snippets[v] < 0)
        return strdup("snippet=default");
    return asprintf(&name, "snippet=%ld", o->snippets[v]) < 0 ? NULL : name;
}

/* Builds the results object, and plots it when asked. */
static json_t *results_json(const options *o, const worker *ws, const jobs *j,
                            const bench_queries *qs, int *plot_failed)
{
    size_t nw = (size_t)o->parallel, nseq = j->njobs * (size_t)o->runs;
    json_t *results = json_object();
    double *series[MAX_VARIANTS] = {0};
    size_t counts[MAX_VARIANTS] = {0};
    char *names[MAX_VARIANTS] = {0};
    double *buf = malloc(nw * nseq * sizeof *buf);
    for (size_t v = 0; buf && v < o->nvariants; v++) {
        size_t errors, n = collect(ws, nw, j, qs, nseq, v, NULL, ROUND_TRIP, buf, &errors);
        bench_stats st;
        bench_stats_compute(buf, n, errors, &st);
        series[v] = malloc((n ? n : 1) * sizeof *buf);
        if (series[v])
            memcpy(series[v], buf, n * sizeof *buf);
        counts[v] = n;
        names[v] = variant_name(o, v);
        json_t *r = json_pack("{s:o, s:o}", "all", bench_stats_json(&st), "kinds",
                              kinds_json(ws, nw, j, qs, nseq, v, buf));
        add_server_side(r, ws, nw, j, qs, nseq, v, buf);
        json_object_set_new(results, names[v] ? names[v] : "?", r);
    }
    if (o->plot)
        *plot_failed = bench_plot_cdf(o->plot, "trawl-bench query: round-trip latency",
                                      series, counts, (const char *const *)names,
                                      o->nvariants) < 0;
    for (size_t v = 0; v < o->nvariants; v++) {
        free(series[v]);
        free(names[v]);
    }
    free(buf);
    return results;
}

static void iso_now(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *report_json(const options *o, char **argv, const char *version,
                           const double *startup_ms, const long *rss, const worker *ws,
                           const jobs *j, const bench_queries *qs, int *plot_failed)
{
    size_t nw = (size_t)o->parallel;
    int64_t t0 = ws[0].t_start, t1 = ws[0].t_end;
    double su_max = 0;
    long rss_max = -1;
    for (size_t t = 0; t < nw; t++) {
        t0 = ws[t].t_start < t0 ? ws[t].t_start : t0;
        t1 = ws[t].t_end > t1 ? ws[t].t_end : t1;
        su_max = startup_ms[t] > su_max ? startup_ms[t] : su_max;
        rss_max = rss[t] > rss_max ? rss[t] : rss_max;
    }
    double wall = (double)(t1 - t0) / 1e9;
    double total = (double)(nw * j->njobs * (size_t)o->runs);
    char date[32];
    iso_now(date, sizeof date);
    char *cmd = command_string(argv);
    json_t *r = json_pack(
        "{s:s, s:s, s:s, s:o, s:s?, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "benchmark",
        "query", "label", o->label ? o->label : "", "date", date, "machine",
        bench_machine_json(), "db", o->db, "queries_file", o->queries_file, "queries",
        (json_int_t)qs->n, "server", cmd ? cmd : "?", "version", version ? version : "?",
        "runs", (json_int_t)o->runs, "warmup", (json_int_t)o->warmup, "limit",
        (json_int_t)o->limit, "parallel", (json_int_t)o->parallel, "pipeline",
        (json_int_t)o->pipeline);
    free(cmd);
    json_object_set_new(r, "startup_ms", json_real(startup_ms[0]));
    json_object_set_new(r, "startup_ms_max", json_real(su_max));
    json_object_set_new(r, "peak_rss_kib", json_integer(rss_max));
    json_object_set_new(r, "wall_s", json_real(wall));
    json_object_set_new(r, "qps", json_real(wall > 0 ? total / wall : 0));
    json_object_set_new(r, "results", results_json(o, ws, j, qs, plot_failed));
    return r;
}

/* Runs the benchmark with servers already parsed; returns an exit status. */
static int run(const options *o, char **argv, const bench_queries *qs, const jobs *j)
{
    size_t nw = (size_t)o->parallel, nseq = j->njobs * (size_t)o->runs;
    worker *ws = calloc(nw, sizeof *ws);
    double *startup = calloc(nw, sizeof *startup);
    long *rss = calloc(nw, sizeof *rss);
    char *version = NULL;
    pthread_barrier_t barrier;
    int rc = BENCH_FAILED, started = 0;
    if (!ws || !startup || !rss)
        goto out;
    for (size_t t = 0; t < nw; t++) {
        ws[t] = (worker){.jobs = j, .opt = o, .rotation = t * j->njobs / nw,
                         .barrier = &barrier, .proc = {.pid = -1}};
        ws[t].lat_us = malloc(nseq * sizeof *ws[t].lat_us);
        ws[t].took_us = malloc(nseq * sizeof *ws[t].took_us);
        ws[t].ok = calloc(nseq, 1);
        if (!ws[t].lat_us || !ws[t].took_us || !ws[t].ok)
            goto out;
    }
    if (start_servers(ws, nw, argv, startup, &version) < 0)
        goto out;
    pthread_barrier_init(&barrier, NULL, (unsigned)nw);
    pthread_t *tid = calloc(nw, sizeof *tid);
    for (size_t t = 0; tid && t < nw; t++)
        started += pthread_create(&tid[t], NULL, worker_main, &ws[t]) == 0;
    for (int t = 0; tid && t < started; t++)
        pthread_join(tid[t], NULL);
    free(tid);
    pthread_barrier_destroy(&barrier);
    int failed = started != (int)nw;
    for (size_t t = 0; t < nw; t++) {
        failed |= ws[t].failed;
        rss[t] = bench_proc_peak_rss_kib(&ws[t].proc);
    }
    if (failed)
        goto out;
    int plot_failed = 0;
    json_t *report = report_json(o, argv, version, startup, rss, ws, j, qs, &plot_failed);
    if (o->json) {
        json_dumpf(report, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else {
        bench_report_query_table(stdout, report);
    }
    json_decref(report);
    rc = plot_failed ? BENCH_FAILED : BENCH_OK;
out:
    for (size_t t = 0; ws && t < nw; t++) {
        if (ws[t].proc.pid > 0) {
            struct rusage ru;
            int st = bench_proc_finish(&ws[t].proc, &ru);
            if (st != 0 && rc == BENCH_OK)
                fprintf(stderr, "trawl-bench query: the server exited with status %d\n", st);
        }
        free(ws[t].lat_us);
        free(ws[t].took_us);
        free(ws[t].ok);
    }
    free(ws);
    free(startup);
    free(rss);
    free(version);
    return rc;
}

int bench_query_main(int argc, char **argv)
{
    options o;
    int prc = parse_options(argc, argv, &o);
    if (prc != 0)
        return prc > 0 ? BENCH_OK : BENCH_USAGE;
    if (o.parallel > 1 && o.pipeline > 1) {
        fputs("trawl-bench query: use --parallel or --pipeline, not both\n", stderr);
        return BENCH_USAGE;
    }
    bench_queries qs;
    if (bench_queries_load(o.queries_file, &qs) < 0)
        return BENCH_FAILED;
    char *defargv[5] = {0};
    char **argv_srv = o.server_argv;
    if (!argv_srv) {
        default_server(&o, defargv);
        argv_srv = defargv;
    }
    jobs j;
    int rc = BENCH_FAILED;
    if (defargv[0] || o.server_argv) {
        if (jobs_build(&o, &qs, &j) == 0) {
            rc = run(&o, argv_srv, &qs, &j);
            jobs_free(&j);
        }
    }
    free(defargv[0]);
    bench_queries_free(&qs);
    return rc;
}
