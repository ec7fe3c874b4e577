/*
 * main.c: the trawl-bench program: dispatches its subcommands from a const table.
 * `trawl-bench query` times searches over the pipe protocol (cmd_query.c), `trawl-bench
 * index` times an indexer (cmd_index.c), `trawl-bench compare` puts two JSON reports side
 * by side and `trawl-bench median` merges rounds of one (cmd_compare.c). `make bench`
 * drives them all (bench/run-bench.sh).
 */
#include "bench.h"
#include "eval.h"

#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"query", bench_query_main, "latency and throughput of searches over the pipe protocol"},
    {"index", bench_index_main, "time, speed, memory and sizes of indexing a corpus"},
    {"compare", bench_compare_main, "two JSON reports side by side, with their ratios"},
    {"median", bench_median_main, "one report of several rounds: every figure their median"},
    {"eval", bench_eval_main, "ranking quality on test collections with judgments"},
};

static void usage(FILE *f)
{
    fputs("usage: trawl-bench COMMAND [OPTIONS]   (trawl-bench COMMAND --help)\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return BENCH_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return BENCH_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "trawl-bench: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return BENCH_USAGE;
}
