/*
 * fts5-serve.c: the FTS5 baseline's query server. `trawl-bench query` spawns it (as
 * `fts5-serve --db FILE`) in place of `trawl serve`, so both engines are measured over the
 * same pipe protocol (doc/protocol.md): one JSON request a line on stdin, one JSON
 * response a line on stdout, flushed at once.
 *
 * Supported: {"op":"search","q":...,"limit":...,"offset":...,"snippet":...,"offsets":...,
 * "sort":"relevance"}, {"op":"ping"}, {"op":"stats"}, {"op":"quit"}, with the "id" echoed,
 * and the protocol's error shape. The query is translated by fts5-query.c; the search is
 * one SQL statement ranked by bm25 (title weight 5) through FTS5's sorted `rank` plan, so
 * snippet() runs only for the returned rows. `total` is a lower bound (offset + hits)
 * unless --count asks for an exact count (a second statement). See README.md.
 */
#include "fts5-common.h"
#include "fts5-query.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { EXIT_OK_ = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };
enum { NCACHE = 16, MAX_LIMIT = 1000 };

typedef struct {
    char *sql;
    sqlite3_stmt *st;
} cached;

typedef struct {
    sqlite3 *db;
    const char *path;
    int exact_count;
    cached cache[NCACHE];
    unsigned next_slot;
    int quit;
} server;

/* The parameters of one search request. */
typedef struct {
    const char *q;
    long long limit, offset, snippet;
    int byte_offsets;
} search_req;

/* An error response: {"id":..,"ok":false,"error":{"code":..,"message":..}}. */
static json_t *error_resp(json_t *id, const char *code, const char *message)
{
    json_t *r = json_object();
    if (id)
        json_object_set(r, "id", id);
    json_object_set_new(r, "ok", json_false());
    json_object_set_new(r, "error", json_pack("{s:s, s:s}", "code", code, "message", message));
    return r;
}

static json_t *ok_resp(json_t *id)
{
    json_t *r = json_object();
    if (id)
        json_object_set(r, "id", id);
    json_object_set_new(r, "ok", json_true());
    return r;
}

/* A prepared statement for `sql`, from the cache or prepared now (owned by the cache). */
static sqlite3_stmt *stmt_for(server *s, const char *sql)
{
    for (int i = 0; i < NCACHE; i++)
        if (s->cache[i].sql && !strcmp(s->cache[i].sql, sql)) {
            sqlite3_reset(s->cache[i].st);
            sqlite3_clear_bindings(s->cache[i].st);
            return s->cache[i].st;
        }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    cached *c = &s->cache[s->next_slot++ % NCACHE];
    sqlite3_finalize(c->st);
    free(c->sql);
    c->sql = strdup(sql);
    c->st = st;
    if (!c->sql) {
        sqlite3_finalize(st);
        c->st = NULL;
        return NULL;
    }
    return st;
}

/* Appends the filter conditions: one `+rowid IN (...)` per field, the values of a field
 * ORed (as Xapian does for boolean terms with the same prefix). Parameters from ?5 on.
 * The unary + keeps SQLite from pushing the rowids into FTS5, which would run the whole
 * MATCH once per filtered row instead of once. */
static void put_filters(FILE *f, const fts5q *t)
{
    int param = 5;
    for (size_t i = 0; i < t->nfilters; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= !strcmp(t->filters[j].field, t->filters[i].field);
        if (seen)
            continue;
        fprintf(f, " AND +rowid IN (SELECT doc FROM filters WHERE field = ?%d AND value IN (",
                param++);
        int first = 1;
        for (size_t j = i; j < t->nfilters; j++)
            if (!strcmp(t->filters[j].field, t->filters[i].field)) {
                fprintf(f, "%s?%d", first ? "" : ", ", param++);
                first = 0;
            }
        fputs("))", f);
    }
}

static void bind_filters(sqlite3_stmt *st, const fts5q *t)
{
    int param = 5;
    for (size_t i = 0; i < t->nfilters; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= !strcmp(t->filters[j].field, t->filters[i].field);
        if (seen)
            continue;
        sqlite3_bind_text(st, param++, t->filters[i].field, -1, SQLITE_STATIC);
        for (size_t j = i; j < t->nfilters; j++)
            if (!strcmp(t->filters[j].field, t->filters[i].field))
                sqlite3_bind_text(st, param++, t->filters[j].value, -1, SQLITE_STATIC);
    }
}

/* The SQL text of a search (count = 0) or of its exact count (count = 1); caller frees.
 * Parameters: ?1 snippet tokens or chars, ?2 MATCH expression, ?3 limit, ?4 offset. */
static char *search_sql(const fts5q *t, int snippet, int count)
{
    char *sql = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&sql, &len);
    if (!f)
        return NULL;
    if (count)
        fputs("SELECT count(*) FROM fts WHERE ", f);
    else if (t->match)
        fprintf(f, "SELECT id, date, title, %s, -rank FROM fts WHERE ",
                snippet ? "snippet(fts, 3, char(2), char(3), '...', ?1)" : "''");
    else
        fprintf(f, "SELECT id, date, title, %s, 0.0 FROM fts WHERE ",
                snippet ? "substr(body, 1, ?1)" : "''");
    if (t->match)
        fputs("fts MATCH ?2 AND rank MATCH '" FTS5B_RANK "'", f);
    else
        fputs("1", f);
    put_filters(f, t);
    if (!count)
        fputs(t->match ? " ORDER BY rank LIMIT ?3 OFFSET ?4" : " ORDER BY rowid LIMIT ?3 OFFSET ?4",
              f);
    if (fclose(f) != 0) {
        free(sql);
        return NULL;
    }
    return sql;
}

/* Strips snippet()'s 0x02/0x03 markers from `marked`, returning the plain text (a new
 * JSON string) and the highlight ranges in characters or bytes. */
static json_t *snippet_json(const char *marked, int byte_offsets, json_t **highlights)
{
    size_t n = strlen(marked);
    char *plain = malloc(n + 1);
    *highlights = json_array();
    if (!plain)
        return json_string("");
    size_t out = 0, pos = 0, start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)marked[i];
        if (c == 2) {
            start = pos;
        } else if (c == 3) {
            json_array_append_new(*highlights, json_pack("[I,I]", (json_int_t)start,
                                                          (json_int_t)pos));
        } else {
            plain[out++] = (char)c;
            if (byte_offsets || (c & 0xC0) != 0x80)
                pos++;
        }
    }
    plain[out] = '\0';
    json_t *s = json_stringn(plain, out);
    free(plain);
    return s ? s : json_string("");
}

static json_t *hit_json(sqlite3_stmt *st, long long rank, const search_req *r)
{
    json_t *hit = json_pack("{s:I, s:s, s:f, s:s}", "rank", (json_int_t)rank, "doc",
                            (const char *)sqlite3_column_text(st, 0), "score",
                            sqlite3_column_double(st, 4), "title",
                            (const char *)sqlite3_column_text(st, 2));
    if (!hit)
        return NULL;
    if (sqlite3_column_type(st, 1) != SQLITE_NULL)
        json_object_set_new(hit, "date", json_string((const char *)sqlite3_column_text(st, 1)));
    json_t *hl;
    const char *snip = (const char *)sqlite3_column_text(st, 3);
    json_object_set_new(hit, "snippet", snippet_json(snip ? snip : "", r->byte_offsets, &hl));
    json_object_set_new(hit, "highlights", hl);
    return hit;
}

static long long exact_count(server *s, const fts5q *t, const char *sql)
{
    sqlite3_stmt *st = stmt_for(s, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 2, t->match, -1, SQLITE_STATIC);
    bind_filters(st, t);
    return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
}

/* Runs a translated search; fills `resp` or returns an error response. */
static json_t *run_search(server *s, json_t *id, const search_req *r, const fts5q *t)
{
    char *sql = search_sql(t, r->snippet > 0, 0);
    sqlite3_stmt *st = sql ? stmt_for(s, sql) : NULL;
    free(sql);
    if (!st)
        return error_resp(id, "internal", sqlite3_errmsg(s->db));
    long long ntok = r->snippet / 6;
    sqlite3_bind_int64(st, 1, t->match ? (ntok < 1 ? 1 : ntok > 64 ? 64 : ntok) : r->snippet);
    if (t->match)
        sqlite3_bind_text(st, 2, t->match, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->limit);
    sqlite3_bind_int64(st, 4, r->offset);
    bind_filters(st, t);
    json_t *hits = json_array();
    long long rank = r->offset;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(hits, hit_json(st, ++rank, r));
    if (rc != SQLITE_DONE) {
        json_decref(hits);
        const char *msg = sqlite3_errmsg(s->db);
        return error_resp(id, strstr(msg, "fts5") ? "bad_query" : "internal", msg);
    }
    long long total = rank;
    if (s->exact_count) {
        char *csql = search_sql(t, 0, 1);
        total = csql ? exact_count(s, t, csql) : -1;
        free(csql);
    }
    json_t *resp = ok_resp(id);
    json_object_set_new(resp, "total", json_integer(total));
    json_object_set_new(resp, "revision", json_integer(0));
    json_object_set_new(resp, "hits", hits);
    return resp;
}

/* Reads an optional integer field into *v, checking [lo, hi]. */
static int int_field(json_t *req, const char *key, long long lo, long long hi, long long *v)
{
    json_t *x = json_object_get(req, key);
    if (!x)
        return 0;
    if (!json_is_integer(x) || json_integer_value(x) < lo || json_integer_value(x) > hi)
        return -1;
    *v = json_integer_value(x);
    return 0;
}

static json_t *op_search(server *s, json_t *id, json_t *req)
{
    search_req r = {.limit = 10, .offset = 0, .snippet = 200};
    json_t *q = json_object_get(req, "q"), *sort = json_object_get(req, "sort"),
           *offs = json_object_get(req, "offsets");
    if (!json_is_string(q))
        return error_resp(id, "bad_request", "\"q\" must be a string");
    r.q = json_string_value(q);
    if (int_field(req, "limit", 1, MAX_LIMIT, &r.limit) < 0 ||
        int_field(req, "offset", 0, 1000000000, &r.offset) < 0 ||
        int_field(req, "snippet", 0, 100000, &r.snippet) < 0)
        return error_resp(id, "bad_request", "limit, offset or snippet out of range");
    if (sort && (!json_is_string(sort) || strcmp(json_string_value(sort), "relevance")))
        return error_resp(id, "bad_request", "the FTS5 baseline sorts by relevance only");
    if (offs && (!json_is_string(offs) || (strcmp(json_string_value(offs), "chars") &&
                                          strcmp(json_string_value(offs), "bytes"))))
        return error_resp(id, "bad_request", "\"offsets\" must be \"chars\" or \"bytes\"");
    r.byte_offsets = offs && !strcmp(json_string_value(offs), "bytes");
    fts5q t;
    const char *err;
    if (fts5q_translate(r.q, &t, &err) < 0)
        return error_resp(id, "bad_query", err);
    json_t *resp = run_search(s, id, &r, &t);
    fts5q_free(&t);
    return resp;
}

static json_t *op_ping(server *s, json_t *id, json_t *req)
{
    (void)s;
    (void)req;
    json_t *r = ok_resp(id);
    char version[64];
    snprintf(version, sizeof version, "fts5-baseline (sqlite %s)", sqlite3_libversion());
    json_object_set_new(r, "version", json_string(version));
    json_object_set_new(r, "protocol", json_integer(1));
    return r;
}

static long long meta_value(server *s, const char *key)
{
    sqlite3_stmt *st = stmt_for(s, "SELECT value FROM meta WHERE key = ?1");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
}

static json_t *op_stats(server *s, json_t *id, json_t *req)
{
    (void)req;
    struct stat sb;
    json_t *r = ok_resp(id);
    json_object_set_new(r, "articles", json_integer(meta_value(s, "articles")));
    json_object_set_new(r, "text_bytes", json_integer(meta_value(s, "text_bytes")));
    json_object_set_new(r, "db_bytes", json_integer(stat(s->path, &sb) == 0 ? sb.st_size : -1));
    json_object_set_new(r, "revision", json_integer(0));
    json_object_set_new(r, "db", json_string(s->path));
    return r;
}

static json_t *op_quit(server *s, json_t *id, json_t *req)
{
    (void)req;
    s->quit = 1;
    return ok_resp(id);
}

typedef json_t *(*op_fn)(server *, json_t *, json_t *);

static const struct {
    const char *name;
    op_fn fn;
    const char *const fields[8]; /* the allowed fields besides "op" and "id" */
} ops[] = {
    {"search", op_search, {"q", "limit", "offset", "sort", "snippet", "offsets"}},
    {"ping", op_ping, {0}},
    {"stats", op_stats, {0}},
    {"quit", op_quit, {0}},
};

static int allowed(const char *const *fields, const char *key)
{
    if (!strcmp(key, "op") || !strcmp(key, "id"))
        return 1;
    for (int i = 0; i < 8 && fields[i]; i++)
        if (!strcmp(fields[i], key))
            return 1;
    return 0;
}

static json_t *dispatch(server *s, json_t *req)
{
    json_t *id = json_object_get(req, "id");
    json_t *op = json_object_get(req, "op");
    if (!json_is_string(op))
        return error_resp(id, "bad_request", "\"op\" must be a string");
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (strcmp(ops[i].name, json_string_value(op)))
            continue;
        const char *key;
        json_t *v;
        json_object_foreach(req, key, v) {
            if (!allowed(ops[i].fields, key))
                return error_resp(id, "bad_request", "unknown field");
        }
        return ops[i].fn(s, id, req);
    }
    return error_resp(id, "unknown_op", "unknown op");
}

static long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Answers one request line on stdout. */
static void serve_line(server *s, const char *line, size_t len)
{
    long long t0 = now_us();
    json_error_t jerr;
    json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *resp;
    if (!req || !json_is_object(req))
        resp = error_resp(NULL, "bad_json", req ? "not a JSON object" : jerr.text);
    else
        resp = dispatch(s, req);
    if (json_object_get(resp, "hits"))
        json_object_set_new(resp, "took_us", json_integer(now_us() - t0));
    char *out = json_dumps(resp, JSON_COMPACT);
    if (out) {
        fputs(out, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        free(out);
    }
    json_decref(resp);
    json_decref(req);
}

static int open_db(server *s)
{
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5-serve: cannot open database '%s': %s\n", s->path,
                sqlite3_errmsg(s->db));
        return -1;
    }
    if (fts5b_register_tokenizer(s->db) != SQLITE_OK) {
        fprintf(stderr, "fts5-serve: cannot register the tokenizer: %s\n", sqlite3_errmsg(s->db));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"count", no_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    server s = {0};
    int c;
    while ((c = getopt_long(argc, argv, "d:ch", opts, NULL)) != -1) {
        if (c == 'd')
            s.path = optarg;
        else if (c == 'c')
            s.exact_count = 1;
        else {
            fputs("usage: fts5-serve --db FILE [--count]\n", c == 'h' ? stdout : stderr);
            return c == 'h' ? EXIT_OK_ : EXIT_USAGE;
        }
    }
    if (!s.path || optind != argc) {
        fputs("fts5-serve: usage: fts5-serve --db FILE [--count]\n", stderr);
        return EXIT_USAGE;
    }
    int rc = open_db(&s) == 0 ? EXIT_OK_ : EXIT_FAILED;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (rc == EXIT_OK_ && !s.quit && (n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n > 0)
            serve_line(&s, line, (size_t)n);
    }
    free(line);
    for (int i = 0; i < NCACHE; i++) {
        sqlite3_finalize(s.cache[i].st);
        free(s.cache[i].sql);
    }
    sqlite3_close(s.db);
    return rc;
}
