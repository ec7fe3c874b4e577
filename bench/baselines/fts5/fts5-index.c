/*
 * fts5-index.c: the FTS5 baseline's indexer. `trawl-bench index` and `make bench` run it
 * (as `fts5-index --db FILE CORPUS...`) beside `trawl index`, on the same JSON Lines
 * corpus, so indexing speed and size can be compared.
 *
 * Each line is one article object, as `trawl index` reads it (plain or gzip; zlib reads
 * both): `id` (required string), `title`, `body`, `date` go into the FTS5 table; every
 * other field except url, source and author whose value is a string or an array of
 * strings becomes rows of the `filters` table (topics -> field "topic"). A bad line is
 * skipped with a message naming file:line. Everything goes in one transaction, committed
 * at the end. Exit status: 0, 1 when lines were skipped, 2 for usage errors, 3 when the
 * database fails.
 */
#include "fts5-common.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

enum { EXIT_OK_ = 0, EXIT_SKIPPED = 1, EXIT_USAGE = 2, EXIT_DB = 3 };

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *ins_doc, *ins_filter;
    long long articles, skipped, text_bytes;
} indexer;

static const char *const not_filters[] = {"id", "title", "body", "date", "url", "source",
                                          "author"};

static int is_filter_field(const char *key)
{
    for (size_t i = 0; i < sizeof not_filters / sizeof *not_filters; i++)
        if (!strcmp(key, not_filters[i]))
            return 0;
    return 1;
}

static int db_fail(indexer *ix, const char *what)
{
    fprintf(stderr, "fts5-index: %s: %s\n", what, sqlite3_errmsg(ix->db));
    return -1;
}

/* The text of an optional string field, or NULL; *bad is set when it has another type. */
static const char *opt_string(json_t *obj, const char *key, int *bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

static int add_filter_value(indexer *ix, const char *field, size_t flen, const char *value,
                            sqlite3_int64 doc)
{
    sqlite3_reset(ix->ins_filter);
    sqlite3_bind_text(ix->ins_filter, 1, field, (int)flen, SQLITE_STATIC);
    sqlite3_bind_text(ix->ins_filter, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ix->ins_filter, 3, doc);
    int rc = sqlite3_step(ix->ins_filter);
    return rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT ? 0 : db_fail(ix, "cannot insert filter");
}

static int add_filters(indexer *ix, json_t *obj, sqlite3_int64 doc)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (!is_filter_field(key))
            continue;
        size_t flen = strlen(key);
        if (flen > 1 && key[flen - 1] == 's')
            flen--;
        if (json_is_string(v)) {
            if (add_filter_value(ix, key, flen, json_string_value(v), doc) < 0)
                return -1;
        } else if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                if (json_is_string(e) &&
                    add_filter_value(ix, key, flen, json_string_value(e), doc) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* Indexes one line. Returns 0, 1 when the line was skipped, -1 on a database failure. */
static int index_line(indexer *ix, const char *file, long lineno, const char *line, size_t len)
{
    json_error_t jerr;
    json_t *obj = json_loadb(line, len, 0, &jerr);
    int bad = 0;
    const char *id = NULL, *title = NULL, *body = NULL, *date = NULL;
    if (obj && json_is_object(obj)) {
        id = opt_string(obj, "id", &bad);
        title = opt_string(obj, "title", &bad);
        body = opt_string(obj, "body", &bad);
        date = opt_string(obj, "date", &bad);
    }
    if (!obj || !json_is_object(obj) || !id || !*id || bad) {
        fprintf(stderr, "fts5-index: %s:%ld: skipped: %s\n", file, lineno,
                !obj ? jerr.text : "not an article object with a string id");
        json_decref(obj);
        ix->skipped++;
        return 1;
    }
    sqlite3_reset(ix->ins_doc);
    sqlite3_bind_text(ix->ins_doc, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(ix->ins_doc, 2, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(ix->ins_doc, 3, title ? title : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(ix->ins_doc, 4, body ? body : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(ix->ins_doc) == SQLITE_DONE ? 0 : db_fail(ix, "cannot insert article");
    if (rc == 0)
        rc = add_filters(ix, obj, sqlite3_last_insert_rowid(ix->db));
    if (rc == 0) {
        ix->articles++;
        ix->text_bytes += (long long)((title ? strlen(title) : 0) + (body ? strlen(body) : 0));
    }
    json_decref(obj);
    return rc;
}

/* Reads one whole line (any length) into *buf. Returns its length, or -1 at the end. */
static long read_line(gzFile gz, char **buf, size_t *cap)
{
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            size_t ncap = *cap ? *cap * 2 : 65536;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return -1;
            *buf = nb;
            *cap = ncap;
        }
        if (!gzgets(gz, *buf + len, (int)(*cap - len)))
            return len ? (long)len : -1;
        len += strlen(*buf + len);
        if (len && (*buf)[len - 1] == '\n')
            return (long)len;
    }
}

static int index_file(indexer *ix, const char *file)
{
    gzFile gz = gzopen(file, "rb");
    if (!gz) {
        fprintf(stderr, "fts5-index: cannot open '%s'\n", file);
        ix->skipped++;
        return 1;
    }
    gzbuffer(gz, 1 << 17);
    char *buf = NULL;
    size_t cap = 0;
    long len, lineno = 0;
    int rc = 0;
    while (rc >= 0 && (len = read_line(gz, &buf, &cap)) >= 0) {
        lineno++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            len--;
        if (len > 0)
            rc = index_line(ix, file, lineno, buf, (size_t)len);
    }
    int gzerr;
    const char *msg = gzerror(gz, &gzerr);
    if (gzerr != Z_OK && gzerr != Z_STREAM_END) {
        fprintf(stderr, "fts5-index: %s:%ld: broken gzip stream: %s\n", file, lineno, msg);
        ix->skipped++;
    }
    gzclose(gz);
    free(buf);
    return rc < 0 ? -1 : 0;
}

static int prepare(indexer *ix)
{
    if (sqlite3_exec(ix->db, FTS5B_SCHEMA "BEGIN;", NULL, NULL,
                     NULL) != SQLITE_OK)
        return db_fail(ix, "cannot create the schema");
    if (sqlite3_prepare_v2(ix->db, "INSERT INTO fts(id, date, title, body) VALUES(?,?,?,?)",
                           -1, &ix->ins_doc, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(ix->db, "INSERT OR IGNORE INTO filters(field, value, doc) "
                           "VALUES(?,?,?)", -1, &ix->ins_filter, NULL) != SQLITE_OK)
        return db_fail(ix, "cannot prepare the inserts");
    return 0;
}

static int finish(indexer *ix)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO meta VALUES('articles', %lld), ('text_bytes', %lld) "
             "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value; COMMIT;",
             ix->articles, ix->text_bytes);
    return sqlite3_exec(ix->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
                                                                   : db_fail(ix, "cannot commit");
}

static void usage(FILE *f)
{
    fputs("usage: fts5-index --db FILE CORPUS.jsonl[.gz]...\n"
          "Builds the SQLite FTS5 baseline database from JSON Lines articles.\n", f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *dbpath = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd')
            dbpath = optarg;
        else {
            usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? EXIT_OK_ : EXIT_USAGE;
        }
    }
    if (!dbpath || optind >= argc) {
        fprintf(stderr, "fts5-index: %s\n", !dbpath ? "--db is required" : "no corpus given");
        usage(stderr);
        return EXIT_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    indexer ix = {0};
    int rc = 0;
    if (sqlite3_open(dbpath, &ix.db) != SQLITE_OK) {
        fprintf(stderr, "fts5-index: cannot open database '%s': %s\n", dbpath,
                sqlite3_errmsg(ix.db));
        rc = -1;
    }
    if (rc == 0 && fts5b_register_tokenizer(ix.db) != SQLITE_OK)
        rc = db_fail(&ix, "cannot register the trawlstem tokenizer");
    if (rc == 0)
        rc = prepare(&ix);
    for (int i = optind; rc == 0 && i < argc; i++)
        rc = index_file(&ix, argv[i]);
    if (rc == 0)
        rc = finish(&ix);
    sqlite3_finalize(ix.ins_doc);
    sqlite3_finalize(ix.ins_filter);
    sqlite3_close(ix.db);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "fts5-index: %lld articles, %lld skipped, %.1f MB text, %.2f s\n",
            ix.articles, ix.skipped, (double)ix.text_bytes / 1e6, secs);
    if (rc < 0)
        return EXIT_DB;
    return ix.skipped ? EXIT_SKIPPED : EXIT_OK_;
}
