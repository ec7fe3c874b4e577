/*
 * common.c: helpers every trawl subcommand shares (declared in cli/common.h): where the
 * database lives (--db, $TRAWL_DB, $XDG_DATA_HOME/trawl/db, ~/.local/share/trawl/db),
 * opening it with an error message that names the command and the cause, and strict
 * parsing of numeric options. Called by the cmd_*.c files.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "trawl.h"

/* "a" + "b" in a new string (caller frees), or NULL when out of memory. */
static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

/* The user's home directory: $HOME when set and non-empty, else the password database.
 * Borrowed (environment or static storage); NULL when neither gives one. */
static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && *home)
        return home;
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_dir && *pw->pw_dir)
        return pw->pw_dir;
    return NULL;
}

char *cli_db_path(const char *opt)
{
    char *path;
    if (opt) {
        path = strdup(opt);
    } else {
        const char *env = getenv("TRAWL_DB");
        const char *xdg = getenv("XDG_DATA_HOME");
        if (env && *env) {
            path = strdup(env);
        } else if (xdg && xdg[0] == '/') {
            /* The XDG spec ignores a relative XDG_DATA_HOME. */
            path = concat(xdg, "/trawl/db");
        } else {
            const char *home = home_dir();
            if (!home) {
                fprintf(stderr, "trawl: no database given and no home directory found: "
                                "use --db PATH or set TRAWL_DB\n");
                return NULL;
            }
            path = concat(home, "/.local/share/trawl/db");
        }
    }
    if (!path)
        fprintf(stderr, "trawl: out of memory\n");
    return path;
}

int cli_open_db(const char *cmd, const char *dbopt, unsigned flags, trawl_db **out)
{
    *out = NULL;
    char *path = cli_db_path(dbopt);
    if (!path)
        return EXIT_FAILED;

    char *errmsg = NULL;
    trawl_status st = trawl_db_open(path, flags, out, &errmsg);
    if (st != TRAWL_OK) {
        if (errmsg && *errmsg)
            fprintf(stderr, "trawl: %s: %s\n", cmd, errmsg);
        else
            fprintf(stderr, "trawl: %s: cannot open database '%s': %s\n", cmd, path,
                    trawl_strerror(st));
        free(errmsg);
        free(path);
        return st == TRAWL_ELOCKED ? EXIT_LOCKED : EXIT_FAILED;
    }
    free(errmsg);
    free(path);
    return EXIT_OK_;
}

int cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    /* strtoul accepts leading spaces and a sign (and wraps "-1" around): refuse both. */
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}
