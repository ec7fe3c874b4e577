/*
 * dispatch.c: executes requests for `trawl serve` (see dispatch.h): one function per op,
 * each building a JSON object or a text block. Engine statuses are mapped to the wire
 * error codes in one place, map_status().
 */
#include "protocol/dispatch.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "protocol/format.h"
#include "protocol/response.h"

int dispatch_init(struct dispatch *d, const char *db_path)
{
    memset(d, 0, sizeof *d);
    d->db_path = strdup(db_path);
    return d->db_path ? 0 : -1;
}

void dispatch_release(struct dispatch *d)
{
    trawl_results_free(d->spent);
    d->spent = NULL;
}

void dispatch_free(struct dispatch *d)
{
    dispatch_release(d); /* results go before their database */
    trawl_db_close(d->db);
    free(d->db_path);
    memset(d, 0, sizeof *d);
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static request_error map_status(trawl_status st)
{
    switch (st) {
    case TRAWL_EQUERY: return ERR_BAD_QUERY;
    case TRAWL_ENOTFOUND: return ERR_NOT_FOUND;
    case TRAWL_ETOOLARGE: return ERR_TOO_LARGE;
    case TRAWL_EINVAL: return ERR_BAD_REQUEST;
    case TRAWL_EIO:
    case TRAWL_ECORRUPT:
    case TRAWL_ELOCKED: return ERR_UNAVAILABLE;
    default: return ERR_INTERNAL;
    }
}

/* Answers an engine failure on the open database. After an I/O or corruption error the
 * handle is closed, so the next request opens the database afresh. */
static void engine_error(struct dispatch *d, const struct request *r, trawl_status st,
                         struct buf *out)
{
    const char *msg = d->db ? trawl_db_errmsg(d->db) : "";
    response_error(out, r->json, r->id, map_status(st), *msg ? msg : trawl_strerror(st));
    if (st == TRAWL_EIO || st == TRAWL_ECORRUPT) {
        trawl_db_close(d->db);
        d->db = NULL;
    }
}

/* Closes the handle (a failed reopen, a deleted or replaced directory). */
static void drop_db(struct dispatch *d)
{
    trawl_db_close(d->db);
    d->db = NULL;
}

/* Makes d->db an open handle on the newest committed revision of the database now at
 * the path. On failure appends an `unavailable` error for r and returns -1. */
static int ensure_db(struct dispatch *d, const struct request *r, struct buf *out)
{
    struct stat st;
    if (stat(d->db_path, &st) != 0) {
        /* gone: do not answer from a deleted database */
        char msg[512];
        snprintf(msg, sizeof msg, "no database at '%s': %s", d->db_path, strerror(errno));
        drop_db(d);
        response_error(out, r->json, r->id, ERR_UNAVAILABLE, msg);
        return -1;
    }
    if (d->db && (st.st_dev != d->dev || st.st_ino != d->ino))
        drop_db(d); /* replaced by another database: open the new one */
    if (d->db && trawl_db_reopen(d->db, NULL) == TRAWL_OK)
        return 0;
    drop_db(d);
    char *msg = NULL;
    trawl_status ts = trawl_db_open(d->db_path, TRAWL_DB_READONLY, &d->db, &msg);
    if (ts == TRAWL_OK) {
        free(msg);
        if (d->preload)
            trawl_db_set_preload(d->db, d->preload); /* only a read-only handle fails */
        d->dev = st.st_dev;
        d->ino = st.st_ino;
        return 0;
    }
    response_error(out, r->json, r->id, ts == TRAWL_ENOMEM ? ERR_INTERNAL : ERR_UNAVAILABLE,
                   msg ? msg : trawl_strerror(ts));
    free(msg);
    return -1;
}

static void do_search(struct dispatch *d, const struct request *r, struct buf *out)
{
    trawl_query q = {0};
    q.query = r->q;
    q.offset = r->offset;
    q.limit = r->limit;
    q.sort = r->sort;
    q.ranking = r->ranking;
    q.snippet_chars = r->snippet;
    trawl_results *res = NULL;
    long long t0 = now_us();
    trawl_status st = trawl_db_search(d->db, &q, &res);
    long long took = now_us() - t0;
    if (st != TRAWL_OK) {
        engine_error(d, r, st, out);
        return;
    }
    if (r->json) {
        format_search_line(out, r->id, res, r->offsets, took);
    } else {
        response_text_ok(out, "total=%llu hits=%zu revision=%llu took_us=%lld",
                         (unsigned long long)trawl_results_total(res),
                         trawl_results_count(res),
                         (unsigned long long)trawl_results_revision(res), took);
        format_results_text(out, res, 0);
        response_text_end(out);
    }
    d->spent = res; /* freed after the response is out: dispatch_release */
}

/* The stored article as a JSON object (new reference), or NULL with *st set. */
static json_t *article_json(const trawl_article *a, trawl_status *st)
{
    char *text = NULL;
    *st = trawl_article_to_json(a, &text);
    if (*st != TRAWL_OK)
        return NULL;
    json_t *obj = json_loads(text, 0, NULL);
    free(text);
    if (!obj || !json_is_object(obj)) {
        json_decref(obj);
        *st = TRAWL_EINTERNAL;
        return NULL;
    }
    return obj;
}

/* Appends one text line per stored field: strings escaped, other values as JSON. */
static void article_text(struct buf *out, json_t *art)
{
    const char *key;
    json_t *v;
    json_object_foreach(art, key, v) {
        if (json_is_string(v)) {
            response_text_field(out, key, json_string_value(v), json_string_length(v));
        } else {
            char *s = json_dumps(v, FORMAT_JSON_FLAGS | JSON_ENCODE_ANY);
            if (!s) {
                out->failed = 1;
                return;
            }
            response_text_field(out, key, s, strlen(s));
            free(s);
        }
    }
}

static void do_get(struct dispatch *d, const struct request *r, struct buf *out)
{
    trawl_article *a = NULL;
    uint64_t revision = 0;
    trawl_status st = trawl_db_get(d->db, r->doc, &a);
    if (st == TRAWL_OK)
        st = trawl_db_revision(d->db, &revision); /* the revision the answer came from */
    json_t *art = st == TRAWL_OK ? article_json(a, &st) : NULL;
    trawl_article_free(a);
    if (st != TRAWL_OK) {
        if (st == TRAWL_ENOTFOUND)
            response_error(out, r->json, r->id, ERR_NOT_FOUND, "no article with this id");
        else
            engine_error(d, r, st, out);
        return;
    }
    if (r->json) {
        json_t *o = response_ok_json(r->id);
        if (o && (json_object_set_new(o, "doc", json_string(r->doc)) ||
                  json_object_set_new(o, "revision", json_integer((json_int_t)revision)) ||
                  json_object_set(o, "article", art))) {
            json_decref(o);
            o = NULL;
        }
        response_json(out, o, r->id);
    } else {
        response_text_ok(out, "revision=%llu", (unsigned long long)revision);
        article_text(out, art);
        response_text_end(out);
    }
    json_decref(art);
}

/* The time of the last commit as "2026-11-26T09:00:00Z", into a buffer of 32 bytes;
 * "" when there has been none. */
static void iso_time(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    out[0] = '\0';
    if (t > 0 && gmtime_r(&tt, &tm))
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void do_stats(struct dispatch *d, const struct request *r, struct buf *out)
{
    trawl_stats s;
    trawl_status st = trawl_db_stats(d->db, &s);
    if (st != TRAWL_OK) {
        engine_error(d, r, st, out);
        return;
    }
    char when[32];
    iso_time(s.last_commit, when);
    const char *path = trawl_db_path(d->db);
    if (r->json) {
        json_t *o = response_ok_json(r->id);
        json_t *rest = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:s*,s:s}",
                                 "articles", (json_int_t)s.articles,
                                 "terms", (json_int_t)s.terms,
                                 "db_bytes", (json_int_t)s.db_bytes,
                                 "store_bytes", (json_int_t)s.store_bytes,
                                 "text_bytes", (json_int_t)s.text_bytes,
                                 "revision", (json_int_t)s.revision,
                                 "last_commit", *when ? when : NULL, "db", path);
        if (!o || !rest || json_object_update(o, rest) != 0) {
            json_decref(o);
            o = NULL;
        }
        json_decref(rest);
        response_json(out, o, r->id);
        return;
    }
    response_text_ok(out, "revision=%llu", (unsigned long long)s.revision);
    buf_printf(out, "articles\t%llu\nterms\t%llu\ndb_bytes\t%llu\nstore_bytes\t%llu\n"
                    "text_bytes\t%llu\nrevision\t%llu\nlast_commit\t%s\n",
               (unsigned long long)s.articles, (unsigned long long)s.terms,
               (unsigned long long)s.db_bytes, (unsigned long long)s.store_bytes,
               (unsigned long long)s.text_bytes, (unsigned long long)s.revision, when);
    response_text_field(out, "db", path, strlen(path));
    response_text_end(out);
}

static const char *const help_lines[] = {
    "search QUERY...\tthe 10 best hits: rank, doc, score, date, title, snippet ([[word]] = match)",
    "get DOC\tthe stored article DOC, one field a line",
    "stats\tarticle count, sizes, revision and time of the last commit",
    "ping\tthe server's version and protocol version",
    "quit\tend the session (so does end of input)",
    "help\tthis list; JSON requests are described in doc/protocol.md",
};

static void do_simple(struct dispatch *d, const struct request *r, struct buf *out)
{
    json_t *o = r->json ? response_ok_json(r->id) : NULL;
    switch (r->op) {
    case REQ_PING:
        if (!r->json) {
            response_text_ok(out, "version=%s protocol=%d", trawl_version(), PROTOCOL_VERSION);
        } else if (o && (json_object_set_new(o, "version", json_string(trawl_version())) ||
                         json_object_set_new(o, "protocol", json_integer(PROTOCOL_VERSION)))) {
            json_decref(o);
            o = NULL;
        }
        break;
    case REQ_CANCEL:
        if (o && json_object_set_new(o, "cancelled", json_integer((json_int_t)r->cancelled))) {
            json_decref(o);
            o = NULL;
        }
        break;
    case REQ_HELP:
        response_text_ok(out, NULL);
        for (size_t i = 0; i < sizeof help_lines / sizeof help_lines[0]; i++)
            buf_printf(out, "%s\n", help_lines[i]);
        break;
    default: /* quit */
        d->quit = 1;
        if (!r->json)
            response_text_ok(out, NULL);
        break;
    }
    if (r->json)
        response_json(out, o, r->id);
    else
        response_text_end(out);
}

void dispatch_answer(struct dispatch *d, const struct request *r, int cancelled,
                     struct buf *out)
{
    dispatch_release(d);
    if (cancelled) {
        response_error(out, r->json, r->id, ERR_CANCELLED,
                       "cancelled by a later cancel request");
    } else if (r->op == REQ_NONE) {
        response_error(out, r->json, r->id, r->err, r->errmsg);
    } else if (r->op == REQ_SEARCH || r->op == REQ_GET || r->op == REQ_STATS) {
        if (ensure_db(d, r, out) == 0) {
            if (r->op == REQ_SEARCH)
                do_search(d, r, out);
            else if (r->op == REQ_GET)
                do_get(d, r, out);
            else
                do_stats(d, r, out);
        }
    } else {
        do_simple(d, r, out);
    }
    response_check(out, r->json);
}

void dispatch_line(struct dispatch *d, const char *line, size_t len, struct buf *out)
{
    if (request_is_blank(line, len))
        return;
    struct request r;
    request_parse(line, len, &r);
    dispatch_answer(d, &r, 0, out);
    request_clear(&r);
}
