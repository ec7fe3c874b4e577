/*
 * bench.h: the internal interfaces of trawl-bench, shared by its files: main.c dispatches
 * the subcommands (cmd_query.c, cmd_index.c, cmd_compare.c); proc.c spawns a server and
 * talks the line protocol to it; stats.c turns latencies into percentiles; queries.c reads
 * query files and classifies queries by kind; machine.c describes the machine; report.c
 * prints reports as tables and plots them. Tests in tests/bench/ link these files too.
 */
#ifndef TRAWL_BENCH_H
#define TRAWL_BENCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Exit statuses of trawl-bench. */
enum { BENCH_OK = 0, BENCH_FAILED = 1, BENCH_USAGE = 2 };

/* Subcommands: argv[0] is the subcommand's name; each returns an exit status. */
int bench_query_main(int argc, char **argv);   /* cmd_query.c */
int bench_index_main(int argc, char **argv);   /* cmd_index.c */
int bench_compare_main(int argc, char **argv); /* cmd_compare.c */
int bench_median_main(int argc, char **argv);  /* cmd_compare.c */

/* ---- clock ------------------------------------------------------------------------ */

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t bench_now_ns(void);

/* ---- proc.c: a server child over pipes ----------------------------------------------- */

typedef struct {
    pid_t pid;
    int to_fd;          /* the server's stdin (non-blocking) */
    int from_fd;        /* the server's stdout */
    char *rbuf;         /* bytes read from the server, not yet consumed */
    size_t rlen, rcap, rpos;
    int64_t spawned_ns; /* when posix_spawn was called */
} bench_proc;

/* Spawns argv[0] (searched on PATH when it has no '/') with pipes on stdin and stdout;
 * stderr is inherited. Returns 0, or -1 with a message on stderr naming the command. */
int bench_proc_spawn(char *const argv[], bench_proc *p);

/* Writes all of `len` bytes to the server (waiting as needed). Returns 0 or -1. */
int bench_proc_write(bench_proc *p, const char *buf, size_t len);

/* Writes what it can without waiting; returns the number of bytes written (maybe 0), or
 * -1 when the server has gone. */
ssize_t bench_proc_write_some(bench_proc *p, const char *buf, size_t len);

/* The next complete line from the server without its newline, NUL-terminated; *len (may
 * be NULL) gets its length. Blocks unless `nonblock`. Returns NULL at end of output, on
 * an error, or (nonblock) when no complete line is waiting. The line is borrowed from the
 * proc: valid until the next call. */
char *bench_proc_read_line(bench_proc *p, int nonblock, size_t *len);

/* The server's peak resident set (VmHWM) in KiB, read from /proc; -1 when unknown. */
long bench_proc_peak_rss_kib(const bench_proc *p);

/* Sends {"op":"quit"}, closes the pipes and reaps the child, filling *ru (may be NULL).
 * Returns the child's wait status, or -1. */
int bench_proc_finish(bench_proc *p, struct rusage *ru);

/* Sends a ping and waits for its answer. On success returns 0, and *version (caller
 * frees; may be NULL to ignore) gets the "version" field. */
int bench_proc_ping(bench_proc *p, char **version);

/* Sends one JSON request and returns the parsed response (caller json_decref's), or
 * NULL when the server does not answer with a JSON object. */
json_t *bench_proc_call(bench_proc *p, json_t *req);

/* Spawns a command, waits for it with wait4 and fills the times and peak RSS.
 * Returns the wait status, or -1 when it could not be spawned. */
int bench_run_command(char *const argv[], double *wall_s, struct rusage *ru);

/* Finds a sibling program: $envvar when set, else `name` next to /proc/self/exe, else
 * `name` itself (looked up on PATH at spawn). Returns a string the caller frees. */
char *bench_find_program(const char *name, const char *envvar);

/* ---- stats.c: latency statistics --------------------------------------------------- */

typedef struct {
    size_t count, errors;
    double min, p50, p90, p99, p999, max, mean; /* microseconds; 0 when count == 0 */
} bench_stats;

/* Nearest-rank percentile p (0 < p <= 1) of `n` sorted values; 0 when n == 0. */
double bench_percentile(const double *sorted, size_t n, double p);

/* Summarises `n` latencies in microseconds (sorted in place) and `errors`. */
void bench_stats_compute(double *us, size_t n, size_t errors, bench_stats *out);

/* The stats as a JSON object (new reference). */
json_t *bench_stats_json(const bench_stats *s);

/* ---- queries.c: query files -------------------------------------------------------- */

typedef struct {
    char *text;       /* the query */
    const char *kind; /* static string: "terms", "phrase", "boolean", "filter", or a
                         pointer into `text`'s allocation for a kind the file names */
    char *own_kind;   /* set when the file named the kind (freed with the set) */
} bench_query;

typedef struct {
    bench_query *v;
    size_t n;
} bench_queries;

/* The kind of a query from its syntax alone: "filter" (has NAME:value), "boolean" (has
 * AND, OR, NOT or XOR), "phrase" (has a quote), else "terms". Static string. */
const char *bench_query_kind(const char *q);

/* Reads a query file: one query a line; empty lines and lines starting with '#' are
 * skipped; a line "KIND<TAB>QUERY" names its kind, other lines get bench_query_kind.
 * Returns 0, or -1 with a message on stderr naming the file. Free with
 * bench_queries_free. */
int bench_queries_load(const char *path, bench_queries *out);
void bench_queries_free(bench_queries *qs);

/* ---- machine.c ------------------------------------------------------------------------ */

/* {"cpu": "...", "cores": N, "host": "...", "kernel": "..."} (new reference). */
json_t *bench_machine_json(void);

/* ---- report.c: output ----------------------------------------------------------------- */

/* Prints a query-benchmark report (as built by cmd_query.c) as a readable table. */
void bench_report_query_table(FILE *f, json_t *report);

/* Prints an index-benchmark report as a readable table. */
void bench_report_index_table(FILE *f, json_t *report);

/* Writes a latency CDF (log-scale x) of the sorted latency series to `svg` with gnuplot.
 * series[i] has n[i] sorted values in microseconds, titled names[i]. Returns 0; -1 with a
 * clear message on stderr when gnuplot is not installed or fails. */
int bench_plot_cdf(const char *svg, const char *title, double *const series[],
                   const size_t n[], const char *const names[], size_t nseries);

#endif
