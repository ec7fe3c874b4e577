/*
 * cmd_index.c: the `trawl index` subcommand, dispatched from cli/main.c. It parses the
 * options (getopt_long), opens the database for writing, installs the SIGINT/SIGTERM
 * handlers, runs the indexing loop of index/indexer.c over each PATH, and prints the
 * one-line summary. The loop does the reading, batching and error reporting. Into a new
 * or empty database it indexes on every core by default: the loop feeds the parallel
 * shards of index/shards.h, which are merged into the database at the end.
 *
 * Exit statuses (cli/common.h): 0 when everything was indexed, 1 when something was
 * skipped or the database failed, 2 for usage errors, 3 when another writer holds the
 * database, 130 when interrupted (after committing what was done).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common.h"
#include "index/indexer.h"
#include "index/jsonl.h"
#include "index/progress.h"
#include "index/shards.h"
#include "trawl.h"

/* Set by the signal handler, polled by the indexing loop between records. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: trawl index [OPTION...] PATH...\n"
        "Add or replace articles (by id) in the database.\n"
        "\n"
        "A PATH is a JSON Lines file (.jsonl, .ndjson: one article object a line), a\n"
        "plain-text file (.txt, .md: id = the file name, or its path below a directory\n"
        "argument; title = first non-blank line; body = the rest), a directory (walked\n"
        "recursively in sorted order; hidden files skipped; other file types ignored),\n"
        "any of these gzip-compressed (.gz), or - for JSON Lines on standard input.\n"
        "\n"
        "Options:\n"
        "  -d, --db PATH         the database (default: $TRAWL_DB, else\n"
        "                        $XDG_DATA_HOME/trawl/db or ~/.local/share/trawl/db);\n"
        "                        created when missing\n"
        "      --format FORMAT   auto (by file name; the default), jsonl or text:\n"
        "                        read every file given or found in that format\n"
        "      --strict          stop at the first bad record or unreadable file;\n"
        "                        what was indexed before it is committed, the rest\n"
        "                        is not read\n"
        "      --batch N         commit every N articles (default %d) ...\n"
        "      --batch-bytes N   ... or every N bytes of records (default %llu MiB),\n"
        "                        whichever comes first; an interruption loses at\n"
        "                        most the batch in flight\n"
        "      --max-size N      longest JSON line or text file in bytes (default\n"
        "                        %zu MiB); a longer one is skipped with a message\n"
        "      --language LANG   stemming language of a new database (default\n"
        "                        english; \"none\" for no stemming)\n"
        "  -j, --jobs N          index on N cores (default 1; more only when the\n"
        "                        database is new or empty and no PATH is -):\n"
        "                        N shards built side by side, then merged into the\n"
        "                        database, which is untouched until that last step\n"
        "                        (faster on several cores; a killed run loses all)\n"
        "  -q, --quiet           no summary line\n"
        "  -h, --help            show this help\n"
        "\n"
        "A bad record (invalid JSON or UTF-8, a missing or non-string id, a field of the\n"
        "wrong type, a line over the size limit, a broken gzip stream) is reported on\n"
        "stderr as 'FILE:LINE: REASON' and skipped; the rest is indexed. A UTF-8 byte\n"
        "order mark and CRLF line ends are accepted. On a terminal a progress line is\n"
        "shown; a summary line always ends the run (MB = 10^6 bytes). Ctrl-C commits what\n"
        "was done and stops (with shards: merges what was done; once the merge has\n"
        "begun it finishes).\n"
        "\n"
        "Exit status: 0 all indexed, 1 something skipped or the database failed,\n"
        "2 usage error, 3 database locked by another writer, 130 interrupted.\n",
        INDEXER_DEFAULT_BATCH, (unsigned long long)(INDEXER_DEFAULT_BATCH_BYTES >> 20),
        JSONL_DEFAULT_MAX_LINE >> 20);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("trawl: index: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'trawl index --help'.\n", stderr);
    return EXIT_USAGE;
}

typedef struct {
    const char *db;
    const char *language;
    int quiet;
    unsigned long jobs; /* 0: not given */
    indexer_options ix;
} options;

static int parse_number(const char *name, const char *arg, unsigned long *out)
{
    if (cli_parse_uint(arg, (unsigned long)-1 >> 1, out) < 0 || *out == 0) {
        fprintf(stderr, "trawl: index: %s wants a positive whole number, not '%s'\n"
                        "Try 'trawl index --help'.\n", name, arg);
        return -1;
    }
    return 0;
}

static int parse_format(const char *arg, indexer_format *out)
{
    static const struct {
        const char *name;
        indexer_format format;
    } formats[] = {
        {"auto", INDEXER_FORMAT_AUTO}, {"jsonl", INDEXER_FORMAT_JSONL},
        {"text", INDEXER_FORMAT_TEXT},
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(arg, formats[i].name) == 0) {
            *out = formats[i].format;
            return 0;
        }
    return -1;
}

/* Parses the options; returns -1 when the command should just exit with *status. */
static int parse_options(int argc, char **argv, options *o, int *status)
{
    enum { O_FORMAT = 256, O_STRICT, O_BATCH, O_BATCH_BYTES, O_MAX, O_LANG };
    static const char shortopts[] = "d:j:qh";
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, O_FORMAT},
        {"strict", no_argument, NULL, O_STRICT},
        {"batch", required_argument, NULL, O_BATCH},
        {"batch-bytes", required_argument, NULL, O_BATCH_BYTES},
        {"max-size", required_argument, NULL, O_MAX},
        {"language", required_argument, NULL, O_LANG},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long n;
    int c;
    *status = EXIT_USAGE;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case O_LANG: o->language = optarg; break;
        case O_STRICT: o->ix.strict = 1; break;
        case 'q': o->quiet = 1; break;
        case O_FORMAT:
            if (parse_format(optarg, &o->ix.format) < 0) {
                usage_error("unknown format '%s' (auto, jsonl or text)", optarg);
                return -1;
            }
            break;
        case O_BATCH:
            if (parse_number("--batch", optarg, &n) < 0)
                return -1;
            o->ix.batch = n;
            break;
        case O_BATCH_BYTES:
            if (parse_number("--batch-bytes", optarg, &n) < 0)
                return -1;
            o->ix.batch_bytes = n;
            break;
        case O_MAX:
            if (parse_number("--max-size", optarg, &n) < 0)
                return -1;
            o->ix.max_record = n;
            break;
        case 'j':
            if (parse_number("--jobs", optarg, &o->jobs) < 0)
                return -1;
            if (o->jobs > SHARDS_MAX) {
                fprintf(stderr, "trawl: index: --jobs is at most %d, not '%s'\n"
                                "Try 'trawl index --help'.\n", SHARDS_MAX, optarg);
                return -1;
            }
            break;
        case 'h':
            usage(stdout);
            *status = EXIT_OK_;
            return -1;
        default:
            usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
            return -1;
        }
    }
    if (optind == argc) {
        usage_error("%s", "no PATH given");
        return -1;
    }
    return 0;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a read waiting on stdin returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGXFSZ, SIG_IGN); /* past `ulimit -f`, writes fail with EFBIG: report it */
}

/* Opens (creating) the database and sets its language. Returns an exit status. */
static int open_db(const options *o, trawl_db **db)
{
    char *path = cli_db_path(o->db), *msg = NULL;
    if (!path)
        return EXIT_FAILED;
    trawl_status st = trawl_db_open(path, TRAWL_DB_WRITABLE, db, &msg);
    int rc = EXIT_OK_;
    if (st == TRAWL_ELOCKED) {
        fprintf(stderr, "trawl: index: database '%s' is locked by another writer\n", path);
        rc = EXIT_LOCKED;
    } else if (st != TRAWL_OK) {
        fprintf(stderr, "trawl: index: cannot open database '%s': %s\n", path,
                msg && *msg ? msg : trawl_strerror(st));
        rc = EXIT_FAILED;
    } else if (o->language && strcmp(trawl_db_language(*db), o->language) != 0 &&
               trawl_db_set_language(*db, o->language) != TRAWL_OK) {
        fprintf(stderr, "trawl: index: cannot use language '%s' for database '%s': %s\n",
                o->language, path, trawl_db_errmsg(*db));
        trawl_db_close(*db);
        *db = NULL;
        rc = EXIT_FAILED;
    }
    free(msg);
    free(path);
    return rc;
}

/* Why the articles cannot go to parallel shards (NULL when they can): shards merge only
 * into a database with no articles; articles from standard input should become visible
 * batch by batch as they come; the merged database takes the place of the path itself. */
static const char *no_shards_reason(trawl_db *db, char *const *paths, int n)
{
    uint64_t count;
    struct stat sb;
    for (int i = 0; i < n; i++)
        if (strcmp(paths[i], "-") == 0)
            return "standard input is read";
    if (trawl_db_count(db, &count) != TRAWL_OK || count > 0)
        return "the database is not empty";
    if (lstat(trawl_db_path(db), &sb) == 0 && S_ISLNK(sb.st_mode))
        return "the database path is a symbolic link";
    return NULL;
}

/* The number of workers: --jobs, else 1. One job is the default because it keeps
 * issue 2's promise that a crash loses at most the batch in flight; parallel shards
 * reach the database only at the final merge, so a killed run loses all its work.
 * 1 also when shards cannot be used (with a note when more were asked for). */
static unsigned pick_jobs(const options *o, trawl_db *db, char *const *paths, int n)
{
    unsigned jobs = o->jobs ? (unsigned)o->jobs : 1;
    const char *why;
    if (jobs < 2 || !(why = no_shards_reason(db, paths, n)))
        return jobs;
    if (o->jobs > 1)
        fprintf(stderr, "trawl: index: indexing with one job, not %lu: %s\n", o->jobs, why);
    return 1;
}

/* Starts the shards, or returns NULL (with a note) to index with one job. */
static shards *start_shards(trawl_db *db, unsigned jobs, const indexer_options *ix)
{
    shards *sh = NULL;
    char *msg = NULL;
    uint64_t batch = ix->batch ? ix->batch : INDEXER_DEFAULT_BATCH;
    uint64_t bytes = ix->batch_bytes ? ix->batch_bytes : INDEXER_DEFAULT_BATCH_BYTES;
    if (shards_new(db, jobs, batch, bytes, &sh, &msg) != TRAWL_OK) {
        fprintf(stderr, "trawl: index: indexing with one job: %s\n",
                msg ? msg : "cannot make shards");
        sh = NULL;
    }
    free(msg);
    return sh;
}

/* Merges the shards into the database (*db becomes a read-only handle on the result).
 * Returns how the run ended: `r`, or INDEXER_DB_ERROR when the merge failed. */
static indexer_result merge_shards(shards *sh, trawl_db **db, indexer_result r)
{
    char *msg = NULL;
    if (shards_merge(sh, db, &msg) != TRAWL_OK) {
        fprintf(stderr, "trawl: index: %s\n", msg ? msg : "cannot merge the shards");
        r = INDEXER_DB_ERROR;
    }
    free(msg);
    return r;
}

static void summary(trawl_db *db, indexer *ix, int db_ok)
{
    const indexer_counts *c = indexer_get_counts(ix);
    trawl_stats st;
    int have = db_ok && db && trawl_db_stats(db, &st) == TRAWL_OK;
    progress_summary(stderr, c->added, c->replaced, c->skipped, c->bytes, c->seconds,
                     have ? (int64_t)st.store_bytes : -1, have ? (int64_t)st.db_bytes : -1);
}

/* The exit status for how the run ended. */
static int status_of(indexer_result r, const indexer_counts *c)
{
    switch (r) {
    case INDEXER_OK: return c->skipped ? EXIT_FAILED : EXIT_OK_;
    case INDEXER_INTERRUPTED: return EXIT_INTERRUPTED;
    default: return EXIT_FAILED;
    }
}

int cmd_index(int argc, char **argv)
{
    options o;
    trawl_db *db = NULL;
    shards *sh = NULL;
    int status;
    memset(&o, 0, sizeof o);
    if (parse_options(argc, argv, &o, &status) < 0)
        return status;
    o.ix.show_progress = !o.quiet && isatty(STDERR_FILENO);
    o.ix.total_bytes = indexer_input_size(argv + optind, argc - optind);
    o.ix.stop = &interrupted;
    o.ix.one_thread = sysconf(_SC_NPROCESSORS_ONLN) < 2; /* a second thread needs a core */
    if ((status = open_db(&o, &db)) != EXIT_OK_)
        return status;
    shards_clean(trawl_db_path(db)); /* left by killed runs: we hold the lock now */
    unsigned jobs = pick_jobs(&o, db, argv + optind, argc - optind);
    if (jobs > 1)
        sh = o.ix.shards = start_shards(db, jobs, &o.ix);
    indexer *ix = indexer_new(db, &o.ix);
    if (!ix) {
        fprintf(stderr, "trawl: index: out of memory\n");
        shards_free(sh);
        trawl_db_close(db);
        return EXIT_FAILED;
    }
    catch_signals();
    indexer_result r = INDEXER_OK, f;
    for (int i = optind; i < argc && r == INDEXER_OK; i++)
        r = indexer_add(ix, argv[i]);
    if (r != INDEXER_DB_ERROR && r != INDEXER_NOMEM &&
        ((f = indexer_finish(ix)) == INDEXER_DB_ERROR || f == INDEXER_NOMEM))
        r = f;
    if (sh && r != INDEXER_DB_ERROR && r != INDEXER_NOMEM)
        r = merge_shards(sh, &db, r);
    shards_free(sh);
    if (!o.quiet)
        summary(db, ix, r != INDEXER_DB_ERROR);
    status = status_of(r, indexer_get_counts(ix));
    indexer_free(ix);
    trawl_db_close(db);
    return status;
}
