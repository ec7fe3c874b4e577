/*
 * cmd_index.c: `trawl-bench index`, the indexing benchmark. Called from main.c's
 * subcommand table.
 *
 * It runs the indexer (default `trawl index --db PATH CORPUS`, or the command after
 * `--`) and times it: wall seconds, and CPU seconds and peak RSS from wait4's rusage
 * (which include the indexer's own reaped children). Then it asks a server for the
 * database's statistics (default `trawl serve --db PATH`, or --stats-server 'COMMAND',
 * split like a shell without running anything) and measures the corpus itself, in
 * process with zlib: its raw size, its size as one gzip -6 stream, and the title+body
 * text of its articles. The store's compression is reported against all three.
 */
#include "bench.h"

#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <wordexp.h>
#include <zlib.h>

typedef struct {
    const char *corpus, *db, *label, *stats_server;
    int json;
    char **index_argv;
} options;

typedef struct {
    long long raw, gzip6, text, articles;
} corpus_sizes;

static void usage(FILE *f)
{
    fputs("usage: trawl-bench index --corpus FILE [--db PATH] [--json] [--label NAME]\n"
          "         [--stats-server 'COMMAND'] [-- INDEX COMMAND...]\n"
          "Times an indexer on a JSON Lines corpus (plain or gzip). The default indexer is\n"
          "`trawl index --db PATH FILE`, the default statistics server `trawl serve --db PATH`.\n",
          f);
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option opts[] = {{"corpus", required_argument, NULL, 'c'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"label", required_argument, NULL, 'L'},
                                         {"stats-server", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    *o = (options){0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+c:d:jL:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o->corpus = optarg; break;
        case 'd': o->db = optarg; break;
        case 'j': o->json = 1; break;
        case 'L': o->label = optarg; break;
        case 's': o->stats_server = optarg; break;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
    }
    o->index_argv = optind < argc ? argv + optind : NULL;
    if (!o->corpus || (!o->db && !o->index_argv)) {
        fprintf(stderr, "trawl-bench index: %s is required\n",
                !o->corpus ? "--corpus" : "--db (or an index command after --)");
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Reads one line of any length into *buf; returns its length or -1 at the end. */
static long read_line(gzFile gz, char **buf, size_t *cap)
{
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            size_t ncap = *cap ? *cap * 2 : 65536;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return -1;
            *buf = nb;
            *cap = ncap;
        }
        if (!gzgets(gz, *buf + len, (int)(*cap - len)))
            return len ? (long)len : -1;
        len += strlen(*buf + len);
        if ((*buf)[len - 1] == '\n')
            return (long)len;
    }
}

/* Feeds `len` bytes to the gzip -6 stream, counting its output. */
static void deflate_count(z_stream *z, const char *buf, size_t len, int flush, long long *out)
{
    unsigned char sink[65536];
    z->next_in = (unsigned char *)buf;
    z->avail_in = (uInt)len;
    do {
        z->next_out = sink;
        z->avail_out = sizeof sink;
        deflate(z, flush);
        *out += (long long)(sizeof sink - z->avail_out);
    } while (z->avail_out == 0 || (flush == Z_FINISH && z->avail_in > 0));
}

static void add_text(const char *line, size_t len, corpus_sizes *cs)
{
    json_t *o = json_loadb(line, len, 0, NULL);
    if (json_is_object(o)) {
        cs->articles++;
        cs->text += (long long)json_string_length(json_object_get(o, "title"));
        cs->text += (long long)json_string_length(json_object_get(o, "body"));
    }
    json_decref(o);
}

static int measure_corpus(const char *path, corpus_sizes *cs)
{
    *cs = (corpus_sizes){0};
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        fprintf(stderr, "trawl-bench index: cannot open corpus '%s'\n", path);
        return -1;
    }
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        gzclose(gz);
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0;
    long len;
    while ((len = read_line(gz, &buf, &cap)) >= 0) {
        cs->raw += len;
        deflate_count(&z, buf, (size_t)len, Z_NO_FLUSH, &cs->gzip6);
        add_text(buf, (size_t)len, cs);
    }
    deflate_count(&z, "", 0, Z_FINISH, &cs->gzip6);
    deflateEnd(&z);
    free(buf);
    gzclose(gz);
    return 0;
}

/* Bytes of the files under `path` (or of the file `path`), not following symbolic
 * links; -1 when missing. */
static long long path_bytes(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) < 0)
        return -1;
    if (!S_ISDIR(sb.st_mode))
        return S_ISREG(sb.st_mode) ? sb.st_size : 0;
    DIR *d = opendir(path);
    if (!d)
        return -1;
    long long sum = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *sub;
        if (asprintf(&sub, "%s/%s", path, e->d_name) < 0)
            break;
        long long n = path_bytes(sub);
        sum += n > 0 ? n : 0;
        free(sub);
    }
    closedir(d);
    return sum;
}

/* Asks the statistics server for {"op":"stats"}; NULL when there is none or it fails. */
static json_t *server_stats(const options *o)
{
    char *trawl = NULL;
    char *argv_default[5] = {0};
    char **argv = NULL;
    wordexp_t we = {0};
    int have_we = 0;
    if (o->stats_server) {
        if (wordexp(o->stats_server, &we, WRDE_NOCMD) != 0 || we.we_wordc == 0) {
            fprintf(stderr, "trawl-bench index: cannot split --stats-server '%s'\n",
                    o->stats_server);
            return NULL;
        }
        have_we = 1;
        argv = we.we_wordv;
    } else if (!o->index_argv) {
        trawl = bench_find_program("trawl", "TRAWL_BIN");
        argv_default[0] = trawl;
        argv_default[1] = "serve";
        argv_default[2] = "--db";
        argv_default[3] = (char *)o->db;
        argv = argv_default;
    }
    json_t *resp = NULL;
    bench_proc p;
    if (argv && bench_proc_spawn(argv, &p) == 0) {
        json_t *req = json_pack("{s:s}", "op", "stats");
        resp = bench_proc_call(&p, req);
        json_decref(req);
        bench_proc_finish(&p, NULL);
        if (resp && !json_is_true(json_object_get(resp, "ok"))) {
            fprintf(stderr, "trawl-bench index: the stats request failed\n");
            json_decref(resp);
            resp = NULL;
        }
    }
    if (have_we)
        wordfree(&we);
    free(trawl);
    return resp;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double ratio(double a, double b)
{
    return b > 0 && a > 0 ? a / b : 0;
}

static json_t *report_json(const options *o, char **argv, double wall, const struct rusage *ru,
                           const corpus_sizes *cs, json_t *stats)
{
    char date[32], *cmd = NULL;
    size_t clen = 0;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    FILE *f = open_memstream(&cmd, &clen);
    for (size_t i = 0; f && argv[i]; i++)
        fprintf(f, "%s%s", i ? " " : "", argv[i]);
    if (f)
        fclose(f);
    double cpu = tv_s(ru->ru_utime) + tv_s(ru->ru_stime);
    long long store = json_integer_value(json_object_get(stats, "store_bytes"));
    long long stext = json_integer_value(json_object_get(stats, "text_bytes"));
    long long db_bytes = o->db ? path_bytes(o->db) : -1;
    if (db_bytes < 0)
        db_bytes = json_integer_value(json_object_get(stats, "db_bytes"));
    json_t *r = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s?, s:s}", "benchmark", "index", "label",
                          o->label ? o->label : "", "date", date, "machine",
                          bench_machine_json(), "corpus", o->corpus, "db", o->db, "command",
                          cmd ? cmd : "?");
    free(cmd);
    json_object_set_new(r, "wall_s", json_real(wall));
    json_object_set_new(r, "cpu_s", json_real(cpu));
    json_object_set_new(r, "articles", json_integer(cs->articles));
    json_object_set_new(r, "articles_per_s", json_real(ratio((double)cs->articles, wall)));
    json_object_set_new(r, "text_bytes", json_integer(cs->text));
    json_object_set_new(r, "text_mb_per_s", json_real(ratio((double)cs->text / 1e6, wall)));
    json_object_set_new(r, "peak_rss_kib", json_integer(ru->ru_maxrss));
    json_object_set_new(r, "db_bytes", json_integer(db_bytes));
    json_object_set_new(r, "store_bytes", json_integer(store));
    json_object_set_new(r, "stored_text_bytes", json_integer(stext));
    json_object_set_new(r, "store_vs_text", json_real(ratio((double)store, (double)stext)));
    json_object_set_new(r, "store_vs_raw", json_real(ratio((double)store, (double)cs->raw)));
    json_object_set_new(r, "store_vs_gzip6", json_real(ratio((double)store, (double)cs->gzip6)));
    json_object_set_new(r, "raw_bytes", json_integer(cs->raw));
    json_object_set_new(r, "gzip6_bytes", json_integer(cs->gzip6));
    json_object_set_new(r, "gzip6_vs_raw", json_real(ratio((double)cs->gzip6, (double)cs->raw)));
    if (stats)
        json_object_set(r, "stats", stats);
    return r;
}

int bench_index_main(int argc, char **argv)
{
    options o;
    int prc = parse_options(argc, argv, &o);
    if (prc != 0)
        return prc > 0 ? BENCH_OK : BENCH_USAGE;
    char *trawl = NULL;
    char *argv_default[6] = {0};
    char **cmd = o.index_argv;
    if (!cmd) {
        trawl = bench_find_program("trawl", "TRAWL_BIN");
        argv_default[0] = trawl;
        argv_default[1] = "index";
        argv_default[2] = "--db";
        argv_default[3] = (char *)o.db;
        argv_default[4] = (char *)o.corpus;
        cmd = argv_default;
    }
    double wall = 0;
    struct rusage ru = {0};
    int st = bench_run_command(cmd, &wall, &ru);
    int rc = BENCH_FAILED;
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "trawl-bench index: '%s' failed (%s %d)\n", cmd[0],
                st >= 0 && WIFSIGNALED(st) ? "signal" : "status",
                st < 0 ? -1 : WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        goto out;
    }
    corpus_sizes cs;
    if (measure_corpus(o.corpus, &cs) < 0)
        goto out;
    json_t *stats = server_stats(&o);
    json_t *report = report_json(&o, cmd, wall, &ru, &cs, stats);
    if (o.json) {
        json_dumpf(report, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else {
        bench_report_index_table(stdout, report);
    }
    json_decref(report);
    json_decref(stats);
    rc = BENCH_OK;
out:
    free(trawl);
    return rc;
}
