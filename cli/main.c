/*
 * main.c: the `trawl` program's entry point. It handles the global options (--help,
 * --version), looks the subcommand up in a const table and hands it the remaining
 * arguments (argv[0] being the subcommand's name); each subcommand lives in its own
 * cli/cmd_*.c and parses its own options. After the command returns, main checks that
 * everything written to stdout actually got out (a full disk or a closed pipe is an error,
 * not a silent truncation). Exit statuses are those of cli/common.h, documented in trawl(1).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/common.h"
#include "trawl.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help; /* one line, shown by `trawl --help` */
};

static const struct command commands[] = {
    {"index", cmd_index, "add or replace articles from JSON Lines, text files or directories"},
    {"search", cmd_search, "search the database and print ranked hits with snippets"},
    {"get", cmd_get, "print one stored article as JSON"},
    {"stats", cmd_stats, "print article and term counts, sizes and the last commit"},
    {"delete", cmd_delete, "delete articles by id"},
    {"serve", cmd_serve, "answer search requests on stdin/stdout (for editors and scripts)"},
};

static const size_t ncommands = sizeof commands / sizeof commands[0];

static void usage(FILE *out)
{
    fprintf(out, "Usage: trawl COMMAND [OPTION...] [ARG...]\n"
                 "       trawl --help | --version | help [COMMAND]\n"
                 "\n"
                 "Full-text search for news articles.\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < ncommands; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\n"
                 "The database is --db PATH, else $TRAWL_DB, else $XDG_DATA_HOME/trawl/db\n"
                 "(~/.local/share/trawl/db).\n"
                 "Run 'trawl COMMAND --help' for a command's options, 'man trawl' for the rest.\n");
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < ncommands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    fprintf(stderr, "trawl: unknown command '%s'\nTry 'trawl --help'.\n", name);
    return EXIT_USAGE;
}

/* `trawl help [COMMAND]`: the overview, or the command's own --help. */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return EXIT_OK_;
    }
    const struct command *c = find_command(argv[1]);
    if (!c)
        return unknown_command(argv[1]);
    char *args[] = {(char *)c->name, "--help", NULL};
    return c->run(2, args);
}

/* Flushes and closes stdout; a write error there (disk full, closed pipe) fails the run. */
static int close_stdout(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE)
            fprintf(stderr, "trawl: error writing output: %s\n", strerror(errno));
        return status == EXIT_OK_ ? EXIT_FAILED : status;
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    int status;
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        status = EXIT_OK_;
    } else if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("trawl %s (libtrawl %s)\n", PACKAGE_VERSION, trawl_version());
        status = EXIT_OK_;
    } else if (strcmp(name, "help") == 0) {
        status = help(argc - 1, argv + 1);
    } else if (name[0] == '-') {
        fprintf(stderr, "trawl: unknown option '%s'\nTry 'trawl --help'.\n", name);
        return EXIT_USAGE;
    } else {
        const struct command *c = find_command(name);
        if (!c)
            return unknown_command(name);
        status = c->run(argc - 1, argv + 1);
    }
    return close_stdout(status);
}
