/*
 * fts5-common.c: the "trawlstem" FTS5 tokenizer, registered by fts5-index.c and
 * fts5-serve.c on their database connections.
 *
 * trawl's Xapian index holds every word twice, stemmed (for ordinary terms) and unstemmed
 * (for phrases and for the partial last word of a query, which Xapian expands against
 * unstemmed terms). FTS5's porter tokenizer keeps only stems, so a prefix query stems the
 * prefix first and misses: "reporti"* never finds "reporting", indexed as "report". This
 * tokenizer restores the Xapian behaviour with FTS5's colocated tokens:
 *  - document text: each word gives its porter stem and, at the same position, its
 *    unstemmed unicode61 form behind a 0x01 marker byte (so the two never collide);
 *  - a query word: its porter stem;
 *  - a prefix query word ("reporti"*): its unstemmed form behind the marker, so the
 *    prefix is matched against the unstemmed words;
 *  - snippet() and highlight() (FTS5_TOKENIZE_AUX): the porter stems only, which keeps
 *    the same positions.
 */
#include "fts5-common.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    fts5_tokenizer porter_m, uni_m;
    Fts5Tokenizer *porter, *uni;
} trawlstem;

typedef int (*token_cb)(void *, int, const char *, int, int, int);

/* One unstemmed token of a document, copied out of the unicode61 pass. */
typedef struct {
    char *text; /* with the marker byte in front */
    int len;
} raw_token;

typedef struct {
    raw_token *v;
    size_t n, cap, next; /* next: the raw token to emit beside the next stem */
    void *outer_ctx;
    token_cb outer;
    int rc;
} doc_ctx;

static void ts_delete(Fts5Tokenizer *t)
{
    trawlstem *ts = (trawlstem *)t;
    if (!ts)
        return;
    if (ts->porter)
        ts->porter_m.xDelete(ts->porter);
    if (ts->uni)
        ts->uni_m.xDelete(ts->uni);
    free(ts);
}

static int ts_create(void *api_ptr, const char **args, int nargs, Fts5Tokenizer **out)
{
    (void)args;
    (void)nargs;
    fts5_api *api = api_ptr;
    trawlstem *ts = calloc(1, sizeof *ts);
    if (!ts)
        return SQLITE_NOMEM;
    void *pud = NULL, *uud = NULL;
    static const char *porter_args[] = {"unicode61"};
    int rc = api->xFindTokenizer(api, "porter", &pud, &ts->porter_m);
    if (rc == SQLITE_OK)
        rc = api->xFindTokenizer(api, "unicode61", &uud, &ts->uni_m);
    if (rc == SQLITE_OK)
        rc = ts->porter_m.xCreate(pud, porter_args, 1, &ts->porter);
    if (rc == SQLITE_OK)
        rc = ts->uni_m.xCreate(uud, NULL, 0, &ts->uni);
    if (rc != SQLITE_OK) {
        ts_delete((Fts5Tokenizer *)ts);
        return rc;
    }
    *out = (Fts5Tokenizer *)ts;
    return SQLITE_OK;
}

/* Builds marker + token into a new buffer (caller frees). */
static char *marked(const char *tok, int len)
{
    char *m = malloc((size_t)len + 1);
    if (m) {
        m[0] = FTS5B_RAW_MARK;
        memcpy(m + 1, tok, (size_t)len);
    }
    return m;
}

/* Prefix queries: the unstemmed form behind the marker. */
static int prefix_cb(void *ctx, int tflags, const char *tok, int len, int start, int end)
{
    doc_ctx *d = ctx;
    char *m = marked(tok, len);
    if (!m)
        return SQLITE_NOMEM;
    int rc = d->outer(d->outer_ctx, tflags, m, len + 1, start, end);
    free(m);
    return rc;
}

/* Documents, pass 1: collect the unstemmed tokens. */
static int collect_cb(void *ctx, int tflags, const char *tok, int len, int start, int end)
{
    (void)tflags;
    (void)start;
    (void)end;
    doc_ctx *d = ctx;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        raw_token *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return SQLITE_NOMEM;
        d->v = v;
        d->cap = cap;
    }
    char *m = marked(tok, len);
    if (!m)
        return SQLITE_NOMEM;
    d->v[d->n++] = (raw_token){m, len + 1};
    return SQLITE_OK;
}

/* Documents, pass 2: each stem, then its unstemmed form at the same position. */
static int stem_cb(void *ctx, int tflags, const char *tok, int len, int start, int end)
{
    doc_ctx *d = ctx;
    int rc = d->outer(d->outer_ctx, tflags, tok, len, start, end);
    if (rc == SQLITE_OK && !(tflags & FTS5_TOKEN_COLOCATED) && d->next < d->n) {
        const raw_token *r = &d->v[d->next++];
        rc = d->outer(d->outer_ctx, FTS5_TOKEN_COLOCATED, r->text, r->len, start, end);
    }
    return rc;
}

static int ts_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
                       token_cb cb)
{
    trawlstem *ts = (trawlstem *)t;
    doc_ctx d = {.outer_ctx = ctx, .outer = cb};
    if ((flags & FTS5_TOKENIZE_QUERY) && (flags & FTS5_TOKENIZE_PREFIX))
        return ts->uni_m.xTokenize(ts->uni, &d, flags, text, len, prefix_cb);
    if (!(flags & FTS5_TOKENIZE_DOCUMENT))
        return ts->porter_m.xTokenize(ts->porter, ctx, flags, text, len, cb);
    int rc = ts->uni_m.xTokenize(ts->uni, &d, flags, text, len, collect_cb);
    if (rc == SQLITE_OK)
        rc = ts->porter_m.xTokenize(ts->porter, &d, flags, text, len, stem_cb);
    for (size_t i = 0; i < d.n; i++)
        free(d.v[i].text);
    free(d.v);
    return rc;
}

static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

int fts5b_register_tokenizer(sqlite3 *db)
{
    fts5_api *api = fts5_api_of(db);
    if (!api)
        return SQLITE_ERROR;
    fts5_tokenizer tok = {ts_create, ts_delete, ts_tokenize};
    return api->xCreateTokenizer(api, "trawlstem", api, &tok, NULL);
}
