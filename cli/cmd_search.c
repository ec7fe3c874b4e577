/*
 * cmd_search.c: `trawl search`, dispatched from cli/main.c. Parses the options, joins the
 * remaining arguments into one query, runs it read-only with trawl_db_search and prints
 * the hits: for people, a rank/id/date/title line and an indented snippet per hit, the
 * matched words in bold on a terminal and between [[ ]] otherwise; with --json, the
 * server's search response line, written by protocol/format.c so that `trawl search
 * --json` and `trawl serve` can never disagree on the shape.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/common.h"
#include "protocol/format.h"
#include "protocol/request.h"
#include "trawl.h"

/* The same defaults and bounds as a search request to `trawl serve`. */
#define DEFAULT_SNIPPET REQUEST_DEFAULT_SNIPPET
#define MAX_SNIPPET REQUEST_MAX_SNIPPET
#define MAX_OFFSET REQUEST_MAX_OFFSET

struct options {
    const char *db;
    trawl_query q;
    int json;
    format_offsets offsets; /* for --json highlights */
    char *query; /* the arguments joined with spaces; owned */
};

/* How matched words are marked in text output. */
struct marks {
    const char *on, *off;
};

static const struct marks BOLD = {"\033[1m", "\033[0m"};
static const struct marks BRACKETS = {"[[", "]]"};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: trawl search [OPTION...] QUERY...\n"
            "Search the database and print ranked hits with snippets.\n"
            "\n"
            "  -d, --db PATH          the database (default $TRAWL_DB, else\n"
            "                         $XDG_DATA_HOME/trawl/db)\n"
            "  -n, --limit N          hits to print, 1..%d (default 10)\n"
            "      --offset N         hits to skip first, 0..%d (default 0)\n"
            "      --sort ORDER       relevance (default), date (oldest first) or -date\n"
            "      --snippet N        snippet length in characters, 0 for none\n"
            "                         (default %d, at most %d)\n"
            "      --ranking R        default, or bm25 (plain BM25, for comparison)\n"
            "      --json             print one JSON object, as `trawl serve` answers\n"
            "      --offsets UNIT     --json highlight offsets in chars (code points,\n"
            "                         the default) or bytes (UTF-8)\n"
            "  -h, --help             show this help\n"
            "\n"
            "The QUERY words are joined with spaces and read in Xapian's query syntax:\n"
            "  words, \"a phrase\", AND OR NOT, +word -word, (groups), title:word,\n"
            "  topic:cocoa (any filter field), date:1987-03-01..1987-03-31, and a\n"
            "  trailing partial word. Put -- before a query that starts with '-'\n"
            "  (trawl search -- -gas oil). See trawl(1).\n",
            TRAWL_MAX_LIMIT, MAX_OFFSET, DEFAULT_SNIPPET, MAX_SNIPPET);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "trawl: search: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'trawl search --help'.\n");
    return EXIT_USAGE;
}

static int parse_number(const char *name, const char *arg, unsigned long min,
                        unsigned long max, unsigned *out)
{
    unsigned long v;
    if (cli_parse_uint(arg, max, &v) != 0 || v < min) {
        fprintf(stderr, "trawl: search: %s must be a whole number from %lu to %lu, not '%s'\n"
                        "Try 'trawl search --help'.\n",
                name, min, max, arg);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* The arguments joined with single spaces, or NULL when out of memory. Caller frees. */
static char *join_words(int n, char **words)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(words[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(words[i]);
        if (i > 0)
            *p++ = ' ';
        memcpy(p, words[i], l);
        p += l;
    }
    *p = '\0';
    return s;
}

/* Parses argv into *o. Returns -1 to go on, else an exit status (after --help or an error). */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"limit", required_argument, NULL, 'n'},
        {"offset", required_argument, NULL, 'o'},
        {"sort", required_argument, NULL, 's'},
        {"snippet", required_argument, NULL, 'S'},
        {"ranking", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {"offsets", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->q.limit = 10;
    o->q.snippet_chars = DEFAULT_SNIPPET;

    argv[0] = (char *)"trawl: search"; /* getopt's own messages start with argv[0] */
    optind = 0;
    /* Options may follow query words; a query word starting with '-' goes after "--". */
    int c;
    while ((c = getopt_long(argc, argv, "d:n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'n':
            if (parse_number("--limit", optarg, 1, TRAWL_MAX_LIMIT, &o->q.limit) != 0)
                return EXIT_USAGE;
            break;
        case 'o':
            if (parse_number("--offset", optarg, 0, MAX_OFFSET, &o->q.offset) != 0)
                return EXIT_USAGE;
            break;
        case 'S':
            if (parse_number("--snippet", optarg, 0, MAX_SNIPPET, &o->q.snippet_chars) != 0)
                return EXIT_USAGE;
            break;
        case 's':
            if (strcmp(optarg, "relevance") == 0)
                o->q.sort = TRAWL_SORT_RELEVANCE;
            else if (strcmp(optarg, "date") == 0)
                o->q.sort = TRAWL_SORT_DATE;
            else if (strcmp(optarg, "-date") == 0)
                o->q.sort = TRAWL_SORT_DATE_DESC;
            else
                return usage_error("--sort must be relevance, date or -date, not '%s'", optarg);
            break;
        case 'r':
            if (strcmp(optarg, "default") == 0)
                o->q.ranking = TRAWL_RANK_DEFAULT;
            else if (strcmp(optarg, "bm25") == 0)
                o->q.ranking = TRAWL_RANK_BM25;
            else
                return usage_error("--ranking must be default or bm25, not '%s'", optarg);
            break;
        case 'j':
            o->json = 1;
            break;
        case 'O':
            if (strcmp(optarg, "chars") == 0)
                o->offsets = FORMAT_OFFSETS_CHARS;
            else if (strcmp(optarg, "bytes") == 0)
                o->offsets = FORMAT_OFFSETS_BYTES;
            else
                return usage_error("--offsets must be chars or bytes, not '%s'", optarg);
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK_;
        default: /* getopt has said what was wrong */
            fprintf(stderr, "Try 'trawl search --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return usage_error("%s", "no query given");
    o->query = join_words(argc - optind, argv + optind);
    if (!o->query) {
        fprintf(stderr, "trawl: search: out of memory\n");
        return EXIT_FAILED;
    }
    if (o->query[strspn(o->query, " \t")] == '\0') {
        free(o->query);
        o->query = NULL;
        return usage_error("%s", "the query is empty");
    }
    o->q.query = o->query;
    return -1;
}

/* Writes `len` bytes of text on one line: control characters (C0, DEL and the C1 range,
 * which a terminal may obey) become spaces, so article text can neither break the layout
 * nor drive the terminal. */
static void put_clean(const char *s, size_t len, FILE *out)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            putc(' ', out);
        } else if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
            putc(' ', out);
            i++;
        } else {
            putc(p[i], out);
        }
    }
}

/* The snippet with each highlighted range between the marks. Ranges out of order or past
 * the end are clamped rather than trusted. */
static void put_snippet(const trawl_hit *h, const struct marks *m, FILE *out)
{
    size_t len = strlen(h->snippet), pos = 0;
    for (size_t i = 0; i < h->nhighlights; i++) {
        size_t start = h->highlights[i].start, end = h->highlights[i].end;
        if (start < pos || start >= end || end > len)
            continue;
        put_clean(h->snippet + pos, start - pos, out);
        fputs(m->on, out);
        put_clean(h->snippet + start, end - start, out);
        fputs(m->off, out);
        pos = end;
    }
    put_clean(h->snippet + pos, len - pos, out);
}

static void print_text(const trawl_results *r, const trawl_query *q, FILE *out)
{
    const char *nocolor = getenv("NO_COLOR");
    const struct marks *m =
        isatty(fileno(out)) && !(nocolor && *nocolor) ? &BOLD : &BRACKETS;
    size_t n = trawl_results_count(r);
    for (size_t i = 0; i < n; i++) {
        const trawl_hit *h = trawl_results_hit(r, i);
        fprintf(out, "%u  ", h->rank);
        put_clean(h->id, strlen(h->id), out);
        fprintf(out, "  %s  ", h->date && *h->date ? h->date : "-");
        put_clean(h->title, strlen(h->title), out);
        putc('\n', out);
        if (h->snippet && *h->snippet) {
            fputs("    ", out);
            put_snippet(h, m, out);
            putc('\n', out);
        }
        putc('\n', out);
    }
    unsigned long long total = (unsigned long long)trawl_results_total(r);
    if (n > 0)
        fprintf(out, "hits %u-%u of about %llu\n", q->offset + 1, q->offset + (unsigned)n,
                total);
    else if (q->offset > 0 && total > 0)
        fprintf(out, "no hits after %u (about %llu matches)\n", q->offset, total);
    else
        fprintf(out, "no matches\n");
}

static int print_json(const trawl_results *r, format_offsets off, long long took_us, FILE *out)
{
    /* format_search_line is what `trawl serve` writes a search response with. */
    struct buf b = BUF_INIT;
    format_search_line(&b, NULL, r, off, took_us);
    if (buf_failed(&b)) {
        buf_free(&b);
        fprintf(stderr, "trawl: search: out of memory formatting the results\n");
        return EXIT_FAILED;
    }
    fwrite(b.data, 1, b.len, out); /* a write error is caught when stdout is closed */
    buf_free(&b);
    return EXIT_OK_;
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The exit status and message for a failed search. */
static int search_failed(trawl_db *db, trawl_status st)
{
    const char *msg = trawl_db_errmsg(db);
    if (!msg || !*msg)
        msg = trawl_strerror(st);
    switch (st) {
    case TRAWL_EQUERY:
        fprintf(stderr, "trawl: search: bad query: %s\n", msg);
        return EXIT_USAGE;
    case TRAWL_ETOOLARGE:
        fprintf(stderr, "trawl: search: query too long: %s\n", msg); /* bytes or words */
        return EXIT_USAGE;
    default:
        fprintf(stderr, "trawl: search: %s\n", msg);
        return EXIT_FAILED;
    }
}

int cmd_search(int argc, char **argv)
{
    struct options o;
    int status = parse_args(argc, argv, &o);
    if (status >= 0)
        return status;

    trawl_db *db = NULL;
    status = cli_open_db("search", o.db, TRAWL_DB_READONLY, &db);
    if (status != EXIT_OK_) {
        free(o.query);
        return status;
    }
    trawl_results *r = NULL;
    long long start = now_us();
    trawl_status st = trawl_db_search(db, &o.q, &r);
    long long took_us = now_us() - start;
    if (st != TRAWL_OK) {
        status = search_failed(db, st);
    } else if (o.json) {
        status = print_json(r, o.offsets, took_us, stdout);
    } else {
        print_text(r, &o.q, stdout);
        status = EXIT_OK_;
    }
    trawl_results_free(r);
    trawl_db_close(db);
    free(o.query);
    return status;
}
