/*
 * cmd_serve.c: `trawl serve [--db PATH] [--max-line BYTES] [--preload MIB]`, dispatched
 * from cli/main.c.
 * Parses the options and hands over to the protocol loop (protocol/serve.c), which reads
 * requests on stdin and writes responses on stdout until end of input, `quit` or SIGTERM.
 * The database is opened lazily by the first request that needs it, so startup is fast
 * and the server can be started before the database exists. The wire format is in
 * doc/protocol.md.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/common.h"
#include "protocol/lines.h"
#include "protocol/serve.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: trawl serve [OPTION...]\n"
            "Answer search requests read from stdin, one a line, with one response each on\n"
            "stdout: JSON requests ({\"op\":\"search\",\"q\":\"...\"}) get one-line JSON responses,\n"
            "text commands (search QUERY..., get DOC, stats, ping, quit, help) get text\n"
            "responses ending in a '.' line. See doc/protocol.md or trawl(1).\n"
            "\n"
            "  -d, --db PATH          the database (default $TRAWL_DB, else\n"
            "                         $XDG_DATA_HOME/trawl/db); it may appear later\n"
            "      --max-line BYTES   longest request line (default %zu, from %d to %zu);\n"
            "                         longer lines get a too_large error\n"
            "      --preload MIB      keep the articles' bodies (else their compressed\n"
            "                         records) in memory, read in the background, when\n"
            "                         they take at most MIB MiB (default %d; 0: never):\n"
            "                         snippets are faster\n"
            "  -h, --help             show this help\n",
            LINES_DEFAULT_MAX, SERVE_MIN_LINE, SERVE_MAX_LINE, SERVE_DEFAULT_PRELOAD_MIB);
}

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"max-line", required_argument, NULL, 'm'},
        {"preload", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dbopt = NULL;
    unsigned long max_line = LINES_DEFAULT_MAX, preload_mib = SERVE_DEFAULT_PRELOAD_MIB;
    int c;

    argv[0] = (char *)"trawl: serve"; /* getopt's own messages start with argv[0] */
    optind = 0;
    while ((c = getopt_long(argc, argv, "+d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dbopt = optarg;
            break;
        case 'm':
            if (cli_parse_uint(optarg, SERVE_MAX_LINE, &max_line) != 0 ||
                max_line < SERVE_MIN_LINE) {
                fprintf(stderr,
                        "trawl: serve: --max-line must be a number of bytes from %d to %zu, "
                        "not '%s'\n",
                        SERVE_MIN_LINE, SERVE_MAX_LINE, optarg);
                return EXIT_USAGE;
            }
            break;
        case 'p':
            if (cli_parse_uint(optarg, SERVE_MAX_PRELOAD_MIB, &preload_mib) != 0) {
                fprintf(stderr,
                        "trawl: serve: --preload must be a number of MiB from 0 to %lu, not "
                        "'%s'\n",
                        (unsigned long)SERVE_MAX_PRELOAD_MIB, optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK_;
        default:
            fprintf(stderr, "Try 'trawl serve --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "trawl: serve: unexpected argument '%s'\nTry 'trawl serve --help'.\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    char *path = cli_db_path(dbopt);
    if (!path)
        return EXIT_FAILED;
    struct serve_options opt = {
        .db_path = path,
        .max_line = max_line,
        .in_fd = 0,
        .out_fd = 1,
        .preload = (size_t)preload_mib << 20};
    int status = serve_run(&opt) == 0 ? EXIT_OK_ : EXIT_FAILED;
    free(path);
    return status;
}
