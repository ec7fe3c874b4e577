/*
 * eval.c: `trawl-bench eval`, ranking quality measured the way IR research does. For each
 * collection directory (docs.jsonl, queries.tsv as `qid<TAB>text`, qrels.txt in TREC
 * format) it indexes the documents into a temporary database with `trawl index`, starts
 * one `trawl serve` on it, sends every query as a JSON search for the top 1000 without
 * snippets (the text neutralised into plain terms by bench_eval_neutralise), once per
 * ranking asked for, writes TREC run files when asked, and reports MAP@1000, nDCG@10, P@10,
 * Recall@100 and MRR (bench/metrics.c, trec_eval's conventions) over the queries that have
 * at least one relevant document. Dispatched from bench/main.c; `make eval` runs it
 * through bench/tools/eval-results.sh.
 *
 *   trawl-bench eval --collection DIR [--collection DIR...] [--ranking default|bm25[,...]]
 *                    [--runs-out FILE] [--json] [--trawl PATH]
 *
 * The ranking `default` sends no "ranking" field (the server's default ranking); any
 * other name is sent as "ranking":NAME. With several collections or rankings, the first
 * ranking is the reference the others' changes are reported against, and run files are
 * FILE.COLLECTION.RANKING.
 */
#include "bench/eval.h"
#include "bench/bench.h"
#include "bench/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

extern char **environ;

#define MAX_COLLECTIONS 16
#define MAX_RANKINGS 4

typedef struct {
    const char *dirs[MAX_COLLECTIONS];
    size_t ndirs;
    char *rankings[MAX_RANKINGS]; /* owned */
    size_t nrankings;
    const char *runs_out;
    const char *trawl; /* NULL: bench_find_program */
    int json;
} eval_options;

/* What one ranking scored on one collection. */
typedef struct {
    metrics_scores mean;
    size_t judged;  /* queries with >= 1 relevant document: the ones averaged */
    double seconds; /* wall time of all its searches */
} eval_result;

typedef struct {
    char *name; /* basename of the directory, owned */
    size_t ndocs, nqueries;
    double index_seconds;
    eval_result r[MAX_RANKINGS];
} eval_collection;

typedef struct {
    char *qid, *text; /* owned */
} eval_query;

/* ---- query text --------------------------------------------------------------------- */

char *bench_eval_neutralise(const char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len + 2); /* each character maps to at most as many bytes */
    if (!out)
        return NULL;
    size_t o = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    for (size_t i = 0; i < len;) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, text + i, len - i, &st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) { /* invalid UTF-8: a space */
            memset(&st, 0, sizeof st);
            out[o++] = ' ';
            i++;
            continue;
        }
        if (!iswalnum((wint_t)wc)) {
            out[o++] = ' ';
        } else {
            char buf[MB_LEN_MAX];
            mbstate_t ws;
            memset(&ws, 0, sizeof ws);
            size_t m = wcrtomb(buf, (wchar_t)towlower((wint_t)wc), &ws);
            if (m == (size_t)-1 || m > n) { /* keep the original bytes */
                memcpy(out + o, text + i, n);
                o += n;
            } else {
                memcpy(out + o, buf, m);
                o += m;
            }
        }
        i += n;
    }
    out[o++] = ' ';
    out[o] = '\0';
    return out;
}

/* ---- collection files --------------------------------------------------------------- */

static void free_queries(eval_query *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(q[i].qid);
        free(q[i].text);
    }
    free(q);
}

/* Reads queries.tsv: `qid<TAB>text` a line; blank lines skipped. Returns 0, or -1 with a
 * message naming the file and line. */
static int load_queries(const char *path, eval_query **out, size_t *nout)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "trawl-bench: eval: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    eval_query *q = NULL;
    size_t n = 0, cap = 0, lineno = 0, linecap = 0;
    char *line = NULL;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &linecap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        char *tab = strchr(line, '\t');
        if (!tab || tab == line) {
            fprintf(stderr, "trawl-bench: eval: %s:%zu: expected 'qid<TAB>text'\n", path,
                    lineno);
            rc = -1;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            eval_query *q2 = realloc(q, cap * sizeof *q);
            if (!q2) {
                rc = -1;
                break;
            }
            q = q2;
        }
        q[n].qid = strndup(line, (size_t)(tab - line));
        q[n].text = strdup(tab + 1);
        n++;
        if (!q[n - 1].qid || !q[n - 1].text)
            rc = -1;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "trawl-bench: eval: cannot read '%s': %s\n", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc != 0) {
        free_queries(q, n);
        return -1;
    }
    *out = q;
    *nout = n;
    return 0;
}

/* ---- child processes ---------------------------------------------------------------- */

/* Runs argv with its stdout sent to /dev/null (our stdout carries the report); stderr is
 * inherited. Returns 0 when it exited 0, else -1 with a message. */
static int run_quiet(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "trawl-bench: eval: cannot start '%s': %s\n", argv[0], strerror(rc));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    fprintf(stderr, "trawl-bench: eval: '%s %s' failed (%s %d)\n", argv[0], argv[1],
            WIFEXITED(status) ? "exit status" : "signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return -1;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- one collection ----------------------------------------------------------------- */

/* The request for one query (new reference), or NULL when out of memory. */
static json_t *search_request(const eval_query *q, const char *ranking)
{
    char *terms = bench_eval_neutralise(q->text);
    if (!terms)
        return NULL;
    json_t *req = json_pack("{s:s, s:s, s:s, s:i, s:i}", "id", q->qid, "op", "search", "q",
                            terms, "limit", METRICS_MAP_DEPTH, "snippet", 0);
    free(terms);
    if (req && strcmp(ranking, "default") != 0 &&
        json_object_set_new(req, "ranking", json_string(ranking)) != 0) {
        json_decref(req);
        req = NULL;
    }
    return req;
}

/* Copies the hits of a search response into hits/ids (doc ids owned by *ids). Returns
 * the number of hits, or -1 with a message when the response is an error or malformed. */
static long take_hits(json_t *resp, const eval_query *q, const char *ranking,
                      metrics_hit *hits, char **ids)
{
    if (!resp) {
        fprintf(stderr, "trawl-bench: eval: query %s: no JSON answer from the server\n",
                q->qid);
        return -1;
    }
    if (!json_is_true(json_object_get(resp, "ok"))) {
        json_t *err = json_object_get(resp, "error");
        const char *msg = json_string_value(json_object_get(err, "message"));
        fprintf(stderr, "trawl-bench: eval: query %s (ranking %s): %s: %s\n", q->qid, ranking,
                json_string_value(json_object_get(err, "code")), msg ? msg : "?");
        return -1;
    }
    json_t *arr = json_object_get(resp, "hits");
    size_t i;
    json_t *h;
    if (!json_is_array(arr) || json_array_size(arr) > METRICS_MAP_DEPTH) {
        fprintf(stderr, "trawl-bench: eval: query %s: the answer has no usable 'hits'\n",
                q->qid);
        return -1;
    }
    json_array_foreach(arr, i, h) {
        const char *doc = json_string_value(json_object_get(h, "doc"));
        json_t *score = json_object_get(h, "score");
        if (!doc || !json_is_number(score) || !(ids[i] = strdup(doc))) {
            fprintf(stderr, "trawl-bench: eval: query %s: hit %zu has no doc or score\n",
                    q->qid, i + 1);
            return -1;
        }
        hits[i].doc = ids[i];
        hits[i].score = json_number_value(score);
    }
    return (long)json_array_size(arr);
}

static void write_run(FILE *runs, const eval_query *q, const metrics_hit *hits, long n,
                      const char *ranking)
{
    for (long i = 0; i < n; i++)
        fprintf(runs, "%s Q0 %s %ld %.6f trawl-%s\n", q->qid, hits[i].doc, i + 1,
                hits[i].score, ranking);
}

/* Runs every query under one ranking; fills *res. Returns 0 or -1. */
static int eval_ranking(bench_proc *srv, const eval_query *qs, size_t nq, metrics_qrels *qrels,
                        const char *ranking, FILE *runs, eval_result *res)
{
    metrics_hit *hits = calloc(METRICS_MAP_DEPTH, sizeof *hits);
    char **ids = calloc(METRICS_MAP_DEPTH, sizeof *ids);
    metrics_mean mean = {0};
    int rc = hits && ids ? 0 : -1;
    int64_t t0 = bench_now_ns();
    for (size_t k = 0; k < nq && rc == 0; k++) {
        json_t *req = search_request(&qs[k], ranking);
        json_t *resp = req ? bench_proc_call(srv, req) : NULL;
        long n = take_hits(resp, &qs[k], ranking, hits, ids);
        json_decref(req);
        json_decref(resp);
        if (n < 0) {
            rc = -1;
        } else {
            if (runs)
                write_run(runs, &qs[k], hits, n, ranking); /* in the server's order */
            metrics_judgment *judged;
            size_t nj;
            metrics_scores s;
            metrics_qrels_get(qrels, qs[k].qid, &judged, &nj);
            if (metrics_score_query(hits, (size_t)n, judged, nj, &s) > 0)
                metrics_mean_add(&mean, &s);
        }
        for (size_t i = 0; ids && i < METRICS_MAP_DEPTH && ids[i]; i++) {
            free(ids[i]);
            ids[i] = NULL;
        }
    }
    res->seconds = (double)(bench_now_ns() - t0) / 1e9;
    metrics_mean_get(&mean, &res->mean);
    res->judged = mean.nqueries;
    free(hits);
    free(ids);
    return rc;
}

static FILE *open_runs(const eval_options *o, const char *coll, const char *ranking)
{
    if (!o->runs_out)
        return NULL;
    char *path = NULL;
    if (o->ndirs == 1 && o->nrankings == 1)
        path = strdup(o->runs_out);
    else if (asprintf(&path, "%s.%s.%s", o->runs_out, coll, ranking) < 0)
        path = NULL;
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f)
        fprintf(stderr, "trawl-bench: eval: cannot write run file '%s': %s\n",
                path ? path : o->runs_out, strerror(errno));
    free(path);
    return f;
}

static char *base_name(const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    return strndup(dir + start, len - start);
}

/* Indexes `dir` into `db` with `trawl index` and counts its documents. */
static int index_collection(const char *trawl, const char *dir, const char *db,
                            eval_collection *c)
{
    char *docs = NULL;
    if (asprintf(&docs, "%s/docs.jsonl", dir) < 0)
        return -1;
    FILE *f = fopen(docs, "r");
    if (!f) {
        fprintf(stderr, "trawl-bench: eval: cannot open '%s': %s\n", docs, strerror(errno));
        free(docs);
        return -1;
    }
    int ch, last = '\n';
    while ((ch = getc(f)) != EOF) {
        c->ndocs += ch == '\n';
        last = ch;
    }
    c->ndocs += last != '\n';
    fclose(f);
    char *argv[] = {(char *)trawl, "index", "--db", (char *)db, docs, NULL};
    int64_t t0 = bench_now_ns();
    int rc = run_quiet(argv);
    c->index_seconds = (double)(bench_now_ns() - t0) / 1e9;
    free(docs);
    return rc;
}

/* Loads the collection's queries and qrels, indexes it, and runs every ranking. */
static int eval_collection_run(const eval_options *o, const char *trawl, const char *dir,
                               eval_collection *c)
{
    char *qpath = NULL, *rpath = NULL, *err = NULL;
    eval_query *qs = NULL;
    size_t nq = 0;
    metrics_qrels *qrels = NULL;
    char tmpl[4096];
    const char *tmpdir = getenv("TMPDIR");
    int tl = snprintf(tmpl, sizeof tmpl, "%s/trawl-eval.XXXXXX",
                      tmpdir && *tmpdir ? tmpdir : "/tmp");
    char *work = tl > 0 && (size_t)tl < sizeof tmpl ? mkdtemp(tmpl) : NULL;
    char *db = NULL;
    int rc = -1;
    bench_proc srv = {.pid = -1};

    if (!work) {
        fprintf(stderr, "trawl-bench: eval: cannot create a temporary directory: %s\n",
                strerror(errno));
        return -1;
    }
    if (asprintf(&qpath, "%s/queries.tsv", dir) < 0 ||
        asprintf(&rpath, "%s/qrels.txt", dir) < 0 || asprintf(&db, "%s/db", work) < 0)
        goto out;
    if (load_queries(qpath, &qs, &nq) < 0)
        goto out;
    c->nqueries = nq;
    if (!(qrels = metrics_qrels_load(rpath, &err))) {
        fprintf(stderr, "trawl-bench: eval: %s\n", err ? err : "out of memory");
        goto out;
    }
    if (index_collection(trawl, dir, db, c) < 0)
        goto out;
    char *argv[] = {(char *)trawl, "serve", "--db", db, NULL};
    if (bench_proc_spawn(argv, &srv) < 0)
        goto out;
    rc = 0;
    for (size_t r = 0; r < o->nrankings && rc == 0; r++) {
        FILE *runs = open_runs(o, c->name, o->rankings[r]);
        if (o->runs_out && !runs)
            rc = -1;
        else
            rc = eval_ranking(&srv, qs, nq, qrels, o->rankings[r], runs, &c->r[r]);
        if (runs && fclose(runs) != 0) {
            fprintf(stderr, "trawl-bench: eval: cannot write run file for %s: %s\n", c->name,
                    strerror(errno));
            rc = -1;
        }
    }
out:
    if (srv.pid > 0)
        bench_proc_finish(&srv, NULL);
    nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    metrics_qrels_free(qrels);
    free_queries(qs, nq);
    free(qpath);
    free(rpath);
    free(db);
    free(err);
    return rc;
}

/* ---- report ------------------------------------------------------------------------- */

static double pct(double x, double ref)
{
    return ref > 0 ? 100.0 * (x - ref) / ref : 0.0;
}

static void mean_over(const eval_collection *cs, size_t n, size_t r, metrics_scores *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        m->ndcg10 += cs[i].r[r].mean.ndcg10 / (double)n;
        m->ap += cs[i].r[r].mean.ap / (double)n;
        m->p10 += cs[i].r[r].mean.p10 / (double)n;
        m->recall100 += cs[i].r[r].mean.recall100 / (double)n;
        m->rr += cs[i].r[r].mean.rr / (double)n;
    }
}

static void print_row(const char *name, const char *ranking, const char *judged,
                      const metrics_scores *m, const metrics_scores *ref)
{
    printf("| %-10s | %-8s | %7s | %.4f | %.4f | %.4f | %.4f | %.4f |", name, ranking, judged,
           m->ndcg10, m->ap, m->p10, m->recall100, m->rr);
    if (ref)
        printf(" %+6.1f%% | %+6.1f%% |\n", pct(m->ndcg10, ref->ndcg10), pct(m->ap, ref->ap));
    else
        printf("        |        |\n");
}

static void print_table(const eval_options *o, const eval_collection *cs, size_t n)
{
    printf("| collection | ranking  | queries | nDCG@10 | MAP    | P@10   | R@100  | MRR    "
           "| ΔnDCG@10 | ΔMAP  |\n");
    printf("|------------|----------|--------:|-------:|-------:|-------:|-------:|-------:|"
           "-------:|-------:|\n");
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < o->nrankings; r++) {
            char judged[32];
            snprintf(judged, sizeof judged, "%zu", cs[i].r[r].judged);
            print_row(cs[i].name, o->rankings[r], judged, &cs[i].r[r].mean,
                      r ? &cs[i].r[0].mean : NULL);
        }
    if (n < 2)
        return;
    metrics_scores ref;
    mean_over(cs, n, 0, &ref);
    for (size_t r = 0; r < o->nrankings; r++) {
        metrics_scores m;
        mean_over(cs, n, r, &m);
        print_row("mean", o->rankings[r], "", &m, r ? &ref : NULL);
    }
}

static json_t *scores_json(const metrics_scores *m)
{
    return json_pack("{s:f, s:f, s:f, s:f, s:f}", "ndcg10", m->ndcg10, "map", m->ap, "p10",
                     m->p10, "recall100", m->recall100, "mrr", m->rr);
}

static int print_json(const eval_options *o, const eval_collection *cs, size_t n)
{
    json_t *root = json_object(), *arr = json_array(), *means = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *rk = json_object();
        for (size_t r = 0; r < o->nrankings; r++) {
            json_t *s = scores_json(&cs[i].r[r].mean);
            json_object_set_new(s, "queries", json_integer((json_int_t)cs[i].r[r].judged));
            json_object_set_new(s, "seconds", json_real(cs[i].r[r].seconds));
            json_object_set_new(rk, o->rankings[r], s);
        }
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:I, s:I, s:f, s:o}", "name", cs[i].name, "dir",
                           o->dirs[i], "docs", (json_int_t)cs[i].ndocs, "queries",
                           (json_int_t)cs[i].nqueries, "index_seconds", cs[i].index_seconds,
                           "rankings", rk));
    }
    for (size_t r = 0; r < o->nrankings; r++) {
        metrics_scores m;
        mean_over(cs, n, r, &m);
        json_object_set_new(means, o->rankings[r], scores_json(&m));
    }
    json_object_set_new(root, "depth", json_integer(METRICS_MAP_DEPTH));
    json_object_set_new(root, "collections", arr);
    json_object_set_new(root, "mean", means);
    int rc = json_dumpf(root, stdout, JSON_INDENT(2)) == 0 && putchar('\n') != EOF ? 0 : -1;
    json_decref(root);
    return rc;
}

/* ---- options ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fputs("usage: trawl-bench eval --collection DIR [--collection DIR...]\n"
          "                        [--ranking default|bm25[,...]] [--runs-out FILE] [--json]\n"
          "                        [--trawl PATH]\n"
          "Indexes DIR/docs.jsonl with `trawl index` into a temporary database, sends every\n"
          "query of DIR/queries.tsv through `trawl serve` (top 1000, as plain terms), and\n"
          "reports nDCG@10, MAP@1000, P@10, Recall@100 and MRR against DIR/qrels.txt, over\n"
          "the queries with at least one relevant document (trec_eval's conventions).\n"
          "  --collection DIR   a test collection (repeatable)\n"
          "  --ranking LIST     rankings to compare, comma-separated (default: default);\n"
          "                     the first is the reference for the change columns\n"
          "  --runs-out FILE    write the TREC run (FILE.COLLECTION.RANKING when several)\n"
          "  --json             a JSON report instead of the table\n"
          "  --trawl PATH       the trawl program (default: $TRAWL_BIN, else beside\n"
          "                     trawl-bench, else on PATH)\n",
          f);
}

static int add_rankings(eval_options *o, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    int rc = copy ? 0 : -1;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && rc == 0;
         t = strtok_r(NULL, ",", &save)) {
        if (o->nrankings == MAX_RANKINGS) {
            fprintf(stderr, "trawl-bench: eval: at most %d rankings\n", MAX_RANKINGS);
            rc = -1;
        } else if (strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(t)) {
            fprintf(stderr, "trawl-bench: eval: bad ranking name '%s'\n", t);
            rc = -1;
        } else if (!(o->rankings[o->nrankings++] = strdup(t))) {
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, eval_options *o)
{
    static const struct option longopts[] = {
        {"collection", required_argument, NULL, 'c'}, {"ranking", required_argument, NULL, 'r'},
        {"runs-out", required_argument, NULL, 'o'},   {"json", no_argument, NULL, 'j'},
        {"trawl", required_argument, NULL, 't'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, "c:r:o:jt:h", longopts, NULL)) != -1;) {
        switch (ch) {
        case 'c':
            if (o->ndirs == MAX_COLLECTIONS) {
                fprintf(stderr, "trawl-bench: eval: at most %d collections\n",
                        MAX_COLLECTIONS);
                return BENCH_USAGE;
            }
            o->dirs[o->ndirs++] = optarg;
            break;
        case 'r':
            if (add_rankings(o, optarg) < 0)
                return BENCH_USAGE;
            break;
        case 'o':
            o->runs_out = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        case 't':
            o->trawl = optarg;
            break;
        case 'h':
            usage(stdout);
            return BENCH_OK;
        default:
            usage(stderr);
            return BENCH_USAGE;
        }
    }
    if (optind < argc || o->ndirs == 0) {
        fprintf(stderr, "trawl-bench: eval: %s\n",
                optind < argc ? "unexpected argument" : "no --collection given");
        usage(stderr);
        return BENCH_USAGE;
    }
    if (o->nrankings == 0 && add_rankings(o, "default") < 0)
        return BENCH_FAILED;
    return -1;
}

int bench_eval_main(int argc, char **argv)
{
    eval_options o = {0};
    eval_collection cs[MAX_COLLECTIONS] = {{0}};
    int status = parse_options(argc, argv, &o);
    char *trawl = NULL;
    if (status < 0) {
        /* Letters and digits are classified by the C library: use a UTF-8 locale. */
        if (!setlocale(LC_CTYPE, "C.UTF-8"))
            setlocale(LC_CTYPE, "");
        trawl = o.trawl ? strdup(o.trawl) : bench_find_program("trawl", "TRAWL_BIN");
        status = trawl ? BENCH_OK : BENCH_FAILED;
    }
    for (size_t i = 0; status == BENCH_OK && i < o.ndirs; i++) {
        if (!(cs[i].name = base_name(o.dirs[i])) ||
            eval_collection_run(&o, trawl, o.dirs[i], &cs[i]) < 0)
            status = BENCH_FAILED;
    }
    if (status == BENCH_OK) {
        if (o.json) {
            if (print_json(&o, cs, o.ndirs) < 0)
                status = BENCH_FAILED;
        } else {
            printf("trawl-bench eval: top %d, metrics with trec_eval's conventions (ties by "
                   "doc id, unjudged = not relevant); queries = those with a relevant "
                   "document; Δ against %s\n\n",
                   METRICS_MAP_DEPTH, o.rankings[0]);
            print_table(&o, cs, o.ndirs);
        }
    }
    for (size_t i = 0; i < o.ndirs; i++)
        free(cs[i].name);
    for (size_t r = 0; r < o.nrankings; r++)
        free(o.rankings[r]);
    free(trawl);
    return status;
}
