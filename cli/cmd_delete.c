/*
 * cmd_delete.c: `trawl delete ID...`, dispatched from cli/main.c. Opens the database for
 * writing, deletes each article by id, and commits once, so the deletions become visible
 * together. An id with no article is reported and the others are still deleted; the
 * exit status is then 1.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/common.h"
#include "trawl.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: trawl delete [OPTION...] ID...\n"
                 "Delete the articles with these ids, in one commit.\n"
                 "\n"
                 "  -d, --db PATH   the database (default $TRAWL_DB, else\n"
                 "                  $XDG_DATA_HOME/trawl/db)\n"
                 "  -h, --help      show this help\n"
                 "\n"
                 "Exits 1 when some id had no article (the others are deleted), 3 when\n"
                 "another writer holds the database.\n");
}

static const char *db_message(trawl_db *db, trawl_status st)
{
    const char *msg = trawl_db_errmsg(db);
    return msg && *msg ? msg : trawl_strerror(st);
}

int cmd_delete(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dbopt = NULL;
    int c;

    argv[0] = (char *)"trawl: delete"; /* getopt's own messages start with argv[0] */
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dbopt = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK_;
        default:
            fprintf(stderr, "Try 'trawl delete --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "trawl: delete: no article id given\nTry 'trawl delete --help'.\n");
        return EXIT_USAGE;
    }

    trawl_db *db = NULL;
    int status = cli_open_db("delete", dbopt, TRAWL_DB_WRITABLE, &db);
    if (status != EXIT_OK_)
        return status;

    unsigned long deleted = 0, missing = 0;
    for (int i = optind; i < argc; i++) {
        trawl_status st = trawl_db_delete(db, argv[i]);
        if (st == TRAWL_OK) {
            deleted++;
        } else if (st == TRAWL_ENOTFOUND) {
            fprintf(stderr, "trawl: delete: no article '%s'\n", argv[i]);
            missing++;
        } else {
            /* trawl_db_close commits the deletions made before this one. */
            fprintf(stderr, "trawl: delete: cannot delete '%s': %s\n", argv[i],
                    db_message(db, st));
            trawl_db_close(db);
            return st == TRAWL_ELOCKED ? EXIT_LOCKED : EXIT_FAILED;
        }
    }
    trawl_status st = trawl_db_commit(db);
    if (st != TRAWL_OK) {
        fprintf(stderr, "trawl: delete: cannot commit: %s\n", db_message(db, st));
        trawl_db_close(db);
        return EXIT_FAILED;
    }
    trawl_db_close(db);
    printf("deleted %lu article%s\n", deleted, deleted == 1 ? "" : "s");
    return missing ? EXIT_FAILED : EXIT_OK_;
}
