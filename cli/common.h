/*
 * common.h: what every trawl subcommand shares: the exit statuses, the database path
 * rule, and the command entry points dispatched from cli/main.c.
 */
#ifndef TRAWL_CLI_COMMON_H
#define TRAWL_CLI_COMMON_H

/* Exit statuses, documented in trawl(1). */
enum {
    EXIT_OK_ = 0,          /* success */
    EXIT_FAILED = 1,       /* the command failed, or (index) some records were skipped */
    EXIT_USAGE = 2,        /* bad command line */
    EXIT_LOCKED = 3,       /* the database is locked by another writer */
    EXIT_INTERRUPTED = 130 /* stopped by SIGINT after committing what was done */
};

/* The database path: `opt` (from --db) when not NULL, else $TRAWL_DB, else
 * $XDG_DATA_HOME/trawl/db, else ~/.local/share/trawl/db. Returns a string the caller frees,
 * or NULL (with a message on stderr) when no home directory can be found. */
char *cli_db_path(const char *opt);

/* Shared helpers in cli/common.c. cli_open_db resolves the path as cli_db_path does, opens
 * the database with trawl_db_open's `flags`, and on failure prints
 * "trawl: CMD: <cause>" and returns the exit status (EXIT_LOCKED when locked, else
 * EXIT_FAILED); on success *out is the caller's to trawl_db_close. cli_parse_uint parses a
 * whole decimal string (no sign, no spaces, no trailing text) into 0..max: 0 on success,
 * -1 when it is not such a number. */
struct trawl_db;
int cli_open_db(const char *cmd, const char *dbopt, unsigned flags, struct trawl_db **out);
int cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Subcommands: argv[0] is the subcommand's name; each returns an exit status. */
int cmd_index(int argc, char **argv);   /* cli/cmd_index.c */
int cmd_search(int argc, char **argv);  /* cli/cmd_search.c */
int cmd_get(int argc, char **argv);     /* cli/cmd_get.c */
int cmd_stats(int argc, char **argv);   /* cli/cmd_stats.c */
int cmd_delete(int argc, char **argv);  /* cli/cmd_delete.c */
int cmd_serve(int argc, char **argv);   /* cli/cmd_serve.c */

#endif
