/*
 * cmd_get.c: `trawl get ID`, dispatched from cli/main.c. Fetches one stored article with
 * trawl_db_get and prints it as JSON: indented for people by default, on one line with
 * --json (the same object `trawl serve` sends as "article").
 */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "trawl.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: trawl get [OPTION...] ID\n"
                 "Print the stored article ID as JSON, every stored field.\n"
                 "\n"
                 "  -d, --db PATH   the database (default $TRAWL_DB, else\n"
                 "                  $XDG_DATA_HOME/trawl/db)\n"
                 "      --json      compact JSON on one line (default: indented)\n"
                 "  -h, --help      show this help\n");
}

/* Prints the article's JSON, re-indented through jansson unless `compact`. */
static int print_article(const trawl_article *a, int compact)
{
    char *json = NULL;
    trawl_status st = trawl_article_to_json(a, &json);
    if (st != TRAWL_OK) {
        fprintf(stderr, "trawl: get: cannot write article '%s' as JSON: %s\n",
                trawl_article_id(a), trawl_strerror(st));
        return EXIT_FAILED;
    }
    if (compact) {
        printf("%s\n", json);
        free(json);
        return EXIT_OK_;
    }
    json_error_t err;
    json_t *obj = json_loads(json, JSON_DECODE_ANY, &err);
    free(json);
    if (!obj) {
        fprintf(stderr, "trawl: get: article '%s' has bad JSON: %s\n", trawl_article_id(a),
                err.text);
        return EXIT_FAILED;
    }
    int rc = json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(obj);
    putchar('\n');
    return rc == 0 ? EXIT_OK_ : EXIT_FAILED;
}

int cmd_get(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dbopt = NULL;
    int compact = 0, c;

    argv[0] = (char *)"trawl: get"; /* getopt's own messages start with argv[0] */
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dbopt = optarg;
            break;
        case 'j':
            compact = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK_;
        default:
            fprintf(stderr, "Try 'trawl get --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "trawl: get: %s\nTry 'trawl get --help'.\n",
                optind >= argc ? "no article id given" : "give exactly one article id");
        return EXIT_USAGE;
    }
    const char *id = argv[optind];

    trawl_db *db = NULL;
    int status = cli_open_db("get", dbopt, TRAWL_DB_READONLY, &db);
    if (status != EXIT_OK_)
        return status;
    trawl_article *a = NULL;
    trawl_status st = trawl_db_get(db, id, &a);
    if (st == TRAWL_OK) {
        status = print_article(a, compact);
    } else if (st == TRAWL_ENOTFOUND) {
        fprintf(stderr, "trawl: get: no article '%s' in '%s'\n", id, trawl_db_path(db));
        status = EXIT_FAILED;
    } else {
        const char *msg = trawl_db_errmsg(db);
        fprintf(stderr, "trawl: get: %s\n", msg && *msg ? msg : trawl_strerror(st));
        status = EXIT_FAILED;
    }
    trawl_article_free(a);
    trawl_db_close(db);
    return status;
}
