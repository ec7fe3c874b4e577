/*
 * cmd_stats.c: `trawl stats`, dispatched from cli/main.c. Prints what trawl_db_stats
 * reports: article and term counts, the database's size on disk, the compressed article
 * store against the raw article text it holds (as a percentage), the revision and the
 * time of the last commit in ISO 8601 UTC. With --json, one object with the same keys as
 * the server's stats response (without "ok").
 */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/common.h"
#include "trawl.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: trawl stats [OPTION...]\n"
                 "Print the database's statistics.\n"
                 "\n"
                 "  -d, --db PATH   the database (default $TRAWL_DB, else\n"
                 "                  $XDG_DATA_HOME/trawl/db)\n"
                 "      --json      one JSON object, as `trawl serve` answers\n"
                 "  -h, --help      show this help\n");
}

/* `t` as ISO 8601 UTC ("2026-11-26T09:00:00Z") into buf, or "" when t is 0 (no commit). */
static void iso_time(int64_t t, char *buf, size_t size)
{
    buf[0] = '\0';
    if (t == 0)
        return;
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A byte count for people: "812 bytes", "14.2 KB", "21.9 MB", "1.4 GB" (powers of 1000). */
static void human_size(uint64_t n, char *buf, size_t size)
{
    static const char *const units[] = {"KB", "MB", "GB", "TB", "PB"};
    if (n < 1000) {
        snprintf(buf, size, "%llu bytes", (unsigned long long)n);
        return;
    }
    double v = (double)n / 1000.0;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void print_text(const trawl_db *db, const trawl_stats *s)
{
    char when[32], dbs[32], store[32], text[32];
    iso_time(s->last_commit, when, sizeof when);
    human_size(s->db_bytes, dbs, sizeof dbs);
    human_size(s->store_bytes, store, sizeof store);
    human_size(s->text_bytes, text, sizeof text);

    printf("database:     %s\n", trawl_db_path(db));
    printf("articles:     %llu\n", (unsigned long long)s->articles);
    printf("terms:        %llu\n", (unsigned long long)s->terms);
    printf("size on disk: %s (%llu bytes)\n", dbs, (unsigned long long)s->db_bytes);
    if (s->text_bytes > 0)
        printf("store:        %s of compressed records for %s of article text (%.1f%%)\n",
               store, text, 100.0 * (double)s->store_bytes / (double)s->text_bytes);
    else
        printf("store:        empty\n");
    printf("revision:     %llu\n", (unsigned long long)s->revision);
    printf("last commit:  %s\n", *when ? when : "never");
}

static int print_json(const trawl_db *db, const trawl_stats *s)
{
    char when[32];
    iso_time(s->last_commit, when, sizeof when);
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s}",
                          "articles", (json_int_t)s->articles,
                          "terms", (json_int_t)s->terms,
                          "db_bytes", (json_int_t)s->db_bytes,
                          "store_bytes", (json_int_t)s->store_bytes,
                          "text_bytes", (json_int_t)s->text_bytes,
                          "revision", (json_int_t)s->revision,
                          "last_commit", *when ? json_string(when) : json_null(),
                          "db", trawl_db_path(db));
    if (!o) {
        fprintf(stderr, "trawl: stats: cannot build the JSON output\n");
        return EXIT_FAILED;
    }
    int rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    putchar('\n');
    return rc == 0 ? EXIT_OK_ : EXIT_FAILED;
}

int cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dbopt = NULL;
    int json = 0, c;

    argv[0] = (char *)"trawl: stats"; /* getopt's own messages start with argv[0] */
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dbopt = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK_;
        default:
            fprintf(stderr, "Try 'trawl stats --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "trawl: stats: unexpected argument '%s'\nTry 'trawl stats --help'.\n",
                argv[optind]);
        return EXIT_USAGE;
    }

    trawl_db *db = NULL;
    int status = cli_open_db("stats", dbopt, TRAWL_DB_READONLY, &db);
    if (status != EXIT_OK_)
        return status;
    trawl_stats s;
    trawl_status st = trawl_db_stats(db, &s);
    if (st != TRAWL_OK) {
        const char *msg = trawl_db_errmsg(db);
        fprintf(stderr, "trawl: stats: %s\n", msg && *msg ? msg : trawl_strerror(st));
        status = EXIT_FAILED;
    } else if (json) {
        status = print_json(db, &s);
    } else {
        print_text(db, &s);
    }
    trawl_db_close(db);
    return status;
}
