/*
 * db.c: trawl's database API (trawl_db_*, trawl_results_*), the policy side of libtrawl.
 * Called by the trawl program (index/, protocol/, cli/) through engine/trawl.h; it drives
 * Xapian only through the plain-C shim (engine/shim.h) and keeps every decision here:
 *
 * Documents are built by engine/prepare.c (trawl_prepare), which describes their layout;
 * trawl_db_put prepares with the handle's own preparer and puts the result.
 * User metadata: "trawl:language" (stemmer; default english), "trawl:fields" (filter
 * field names seen, one a line), "trawl:store_bytes" and "trawl:text_bytes" (running
 * totals of records, compressed and not), "trawl:last_commit" (seconds since the epoch).
 * A writable handle keeps these in memory and writes them at commit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "db_debug.h"
#include "prepare.h"
#include "shim.h"
#include "snippet.h"
#include "status.h"
#include "store.h"

/* ---- policy ------------------------------------------------------------------------- */

#define DEFAULT_LANGUAGE "english"
#define DEFAULT_LIMIT 10

#define META_LANGUAGE "trawl:language"
#define META_FIELDS "trawl:fields"
#define META_STORE_BYTES "trawl:store_bytes"
#define META_TEXT_BYTES "trawl:text_bytes"
#define META_LAST_COMMIT "trawl:last_commit"

/* Ranking: the weighting scheme of each trawl_ranking, the one place to tune it.
 * BM25 parameters: k1, k2, k3, b, min_normlen (Xapian's defaults: 1, 0, 1, 0.5, 0.5);
 * IneB2: c. The default (DFR IneB2, c = 0.5, with English stop words dropped from
 * queries) was tuned on cranfield + med and checked on cisi: doc/ranking.md, make eval. */
static const struct {
    shim_weight weight;
    int stop_words; /* drop stop_words_english from queries when the language is english */
} rankings[] = {
    [TRAWL_RANK_DEFAULT] = {{.scheme = SHIM_WEIGHT_INEB2, .c = 0.5}, 1},
    [TRAWL_RANK_BM25] = {{.scheme = SHIM_WEIGHT_BM25, .k1 = 1.0, .k2 = 0.0, .k3 = 1.0, .b = 0.5,
                          .min_normlen = 0.5}, 0},
};


/* Snowball's English stop word list (snowballstem.org, algorithms/english/stop.txt),
 * dropped from queries by the default ranking (a query of stop words only keeps them). */
static const char *const stop_words_english[] = {
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours",
    "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers",
    "herself", "it", "its", "itself", "they", "them", "their", "theirs", "themselves",
    "what", "which", "who", "whom", "this", "that", "these", "those", "am", "is", "are",
    "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does",
    "did", "doing", "would", "should", "could", "ought", "i'm", "you're", "he's", "she's",
    "it's", "we're", "they're", "i've", "you've", "we've", "they've", "i'd", "you'd",
    "he'd", "she'd", "we'd", "they'd", "i'll", "you'll", "he'll", "she'll", "we'll",
    "they'll", "isn't", "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't",
    "doesn't", "don't", "didn't", "won't", "wouldn't", "shan't", "shouldn't", "can't",
    "cannot", "couldn't", "mustn't", "let's", "that's", "who's", "what's", "here's",
    "there's", "when's", "where's", "why's", "how's", "a", "an", "the", "and", "but", "if",
    "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about",
    "against", "between", "into", "through", "during", "before", "after", "above", "below",
    "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
    "further", "then", "once", "here", "there", "when", "where", "why", "how", "all",
    "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor",
    "not", "only", "own", "same", "so", "than", "too", "very"};
/* Sorting by date ranks nothing: every score is 0. */
static const shim_weight unranked = {.scheme = SHIM_WEIGHT_BOOL};

/* Query syntax. FLAG_BOOLEAN_ANY_CASE is left out on purpose: with it a query typed into
 * an editor ("war and") is a syntax error until the next word arrives, and plain words
 * ("war and peace") silently become operators. Operators are upper case: AND OR NOT. */
static unsigned parse_flags(void)
{
    return SHIM_QP_DEFAULT | SHIM_QP_PHRASE | SHIM_QP_BOOLEAN | SHIM_QP_LOVEHATE |
           SHIM_QP_PURE_NOT | SHIM_QP_PARTIAL;
}

/* Snippet flags: see the measurements in the commit log and in the report. Xapian's
 * default (background model + exhaustive) costs most of a query's time; EXHAUSTIVE alone
 * still highlights every stemmed match and picks the densest region of query terms. */
static unsigned snippet_flags(void)
{
    return SHIM_SNIPPET_EXHAUSTIVE;
}

/* Query names that can never be filter fields. */
static const char *const reserved_names[] = {"title", "date"};

/* ---- handles ------------------------------------------------------------------------ */

struct trawl_db {
    shim_db *x;
    char *path;
    int writable;
    /* The default ranking with every term weighed by Xapian's own IneB2Weight instead of
     * the engine/rank.h fast path (same scores, slower), used when the handle was opened
     * with TRAWL_XAPIAN_WEIGHTS=1 in the environment, so tests and benchmarks can compare. */
    shim_weight default_by_xapian;
    int xapian_weights;
    char *errmsg;   /* last failure; NULL means "" */
    char *language;
    char **fields;  /* filter field names seen, in first-seen order */
    size_t nfields, capfields;
    uint64_t store_bytes, text_bytes; /* writable: running totals */
    trawl_preparer *prep; /* writable: made at the first put, in the handle's language */
    store_decoder *dec; /* made at the first read of a record */
    snippet_scratch snip; /* reused from snippet to snippet */
    int snippet_reference; /* make snippets with Xapian's MSet::snippet (db_debug.h) */
    int dirty;      /* writable: metadata to write at commit */
};

struct trawl_results {
    size_t n;
    uint64_t total, revision;
    trawl_hit *hits;
    json_t **articles; /* hit i's strings point into articles[i] or summaries[i] */
    char **summaries;
    char **snippets;
    trawl_span **spans;
};

/* Records a failure on the handle; returns st. */
static trawl_status db_fail(trawl_db *db, trawl_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st = status_record(&db->errmsg, st, fmt, ap);
    va_end(ap);
    return st;
}

/* Records a shim failure with what was being done. */
static trawl_status db_shim_fail(trawl_db *db, trawl_status st, const char *what)
{
    return db_fail(db, st, "%s in '%s': %s", what, db->path, shim_errmsg(db->x));
}

static trawl_status need_writable(trawl_db *db, const char *what)
{
    if (db->writable)
        return TRAWL_OK;
    return db_fail(db, TRAWL_EINVAL, "cannot %s: database '%s' is open read-only", what,
                   db->path);
}

/* ---- filter field names --------------------------------------------------------------- */

static int has_field(const trawl_db *db, const char *name)
{
    for (size_t i = 0; i < db->nfields; i++)
        if (strcmp(db->fields[i], name) == 0)
            return 1;
    return 0;
}

static trawl_status add_field(trawl_db *db, const char *name)
{
    if (has_field(db, name))
        return TRAWL_OK;
    if (db->nfields == db->capfields) {
        size_t cap = db->capfields ? 2 * db->capfields : 16;
        char **f = realloc(db->fields, cap * sizeof *f);
        if (!f)
            return TRAWL_ENOMEM;
        db->fields = f;
        db->capfields = cap;
    }
    if (!(db->fields[db->nfields] = strdup(name)))
        return TRAWL_ENOMEM;
    db->nfields++;
    db->dirty = 1;
    return TRAWL_OK;
}

static void clear_fields(trawl_db *db)
{
    for (size_t i = 0; i < db->nfields; i++)
        free(db->fields[i]);
    db->nfields = 0;
}

/* Loads "trawl:fields" (one name a line) into the handle. */
static trawl_status load_fields(trawl_db *db)
{
    char *list = NULL, *save = NULL;
    trawl_status st = shim_get_metadata(db->x, META_FIELDS, &list);
    if (st != TRAWL_OK)
        return db_shim_fail(db, st, "cannot read the field list");
    clear_fields(db);
    for (char *name = strtok_r(list, "\n", &save); name; name = strtok_r(NULL, "\n", &save))
        if ((st = add_field(db, name)) != TRAWL_OK)
            break;
    free(list);
    db->dirty = 0;
    return st == TRAWL_OK ? TRAWL_OK : db_fail(db, st, "out of memory");
}

/* The field names joined by newlines; caller frees. */
static char *join_fields(const trawl_db *db)
{
    size_t len = 1;
    char *s, *p;
    for (size_t i = 0; i < db->nfields; i++)
        len += strlen(db->fields[i]) + 1;
    if (!(p = s = malloc(len)))
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < db->nfields; i++)
        p += sprintf(p, "%s%s", i ? "\n" : "", db->fields[i]);
    return s;
}

/* ---- metadata numbers ----------------------------------------------------------------- */

static trawl_status get_number(trawl_db *db, const char *key, uint64_t *out)
{
    char *v = NULL, *end;
    trawl_status st = shim_get_metadata(db->x, key, &v);
    *out = 0;
    if (st != TRAWL_OK)
        return db_shim_fail(db, st, "cannot read metadata");
    if (*v) {
        errno = 0;
        *out = strtoull(v, &end, 10);
        if (errno || *end) {
            db_fail(db, TRAWL_ECORRUPT, "metadata %s of '%s' is not a number: '%.32s'", key,
                    db->path, v);
            free(v);
            return TRAWL_ECORRUPT;
        }
    }
    free(v);
    return TRAWL_OK;
}

static trawl_status set_number(trawl_db *db, const char *key, uint64_t n)
{
    char buf[32];
    trawl_status st;
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
    st = shim_set_metadata(db->x, key, buf);
    return st == TRAWL_OK ? st : db_shim_fail(db, st, "cannot write metadata");
}

/* ---- open and close --------------------------------------------------------------------- */

/* Creates the missing parent directories of `path` (Xapian creates the last one). */
static void make_parents(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return;
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(p, 0777); /* failures surface when Xapian opens the path */
        *s = '/';
    }
    free(p);
}

static trawl_status load_settings(trawl_db *db)
{
    char *lang = NULL;
    trawl_status st = shim_get_metadata(db->x, META_LANGUAGE, &lang);
    if (st != TRAWL_OK)
        return db_shim_fail(db, st, "cannot read the language");
    free(db->language);
    db->language = *lang ? lang : strdup(DEFAULT_LANGUAGE);
    if (!*lang)
        free(lang);
    if (!db->language)
        return db_fail(db, TRAWL_ENOMEM, "out of memory");
    if ((st = shim_set_stemmer(db->x, db->language)) != TRAWL_OK)
        return db_fail(db, TRAWL_ECORRUPT, "database '%s' names an unknown language '%s'",
                       db->path, db->language);
    if ((st = load_fields(db)) != TRAWL_OK)
        return st;
    if (db->writable) {
        if ((st = get_number(db, META_STORE_BYTES, &db->store_bytes)) != TRAWL_OK ||
            (st = get_number(db, META_TEXT_BYTES, &db->text_bytes)) != TRAWL_OK)
            return st;
    }
    return TRAWL_OK;
}

static char *open_message(const char *path, trawl_status st, const char *cause)
{
    char *msg = NULL;
    int r = st == TRAWL_ENOTFOUND
                ? asprintf(&msg, "no database at '%s': %s", path, cause)
            : st == TRAWL_ELOCKED
                ? asprintf(&msg, "database '%s' is locked by another writer: %s", path, cause)
                : asprintf(&msg, "cannot open database '%s': %s", path, cause);
    return r < 0 ? NULL : msg;
}

trawl_status trawl_db_open(const char *path, unsigned flags, trawl_db **out, char **errmsg)
{
    trawl_db *db;
    char *cause = NULL;
    trawl_status st;

    *out = NULL;
    if (errmsg)
        *errmsg = NULL;
    if (!path || !*path) {
        if (errmsg)
            *errmsg = strdup("no database path given");
        return TRAWL_EINVAL;
    }
    if (!(db = calloc(1, sizeof *db)) || !(db->path = strdup(path))) {
        free(db);
        return TRAWL_ENOMEM;
    }
    db->writable = (flags & TRAWL_DB_WRITABLE) != 0;
    db->xapian_weights = getenv("TRAWL_XAPIAN_WEIGHTS") != NULL &&
                         strcmp(getenv("TRAWL_XAPIAN_WEIGHTS"), "1") == 0;
    db->default_by_xapian = rankings[TRAWL_RANK_DEFAULT].weight;
    db->default_by_xapian.xapian_lengths = 1;
    if (db->writable)
        make_parents(path);
    st = shim_open(path, db->writable, &db->x, &cause);
    if (st != TRAWL_OK) {
        if (errmsg)
            *errmsg = open_message(path, st, cause ? cause : "out of memory");
        free(cause);
        free(db->path);
        free(db);
        return st;
    }
    if ((st = load_settings(db)) != TRAWL_OK) {
        if (errmsg)
            *errmsg = db->errmsg ? strdup(db->errmsg) : NULL;
        trawl_db_close(db);
        return st;
    }
    *out = db;
    return TRAWL_OK;
}

void trawl_db_close(trawl_db *db)
{
    if (!db)
        return;
    if (db->writable && db->dirty)
        trawl_db_commit(db); /* as Xapian would; a failure here has nowhere to go */
    shim_close(db->x);
    trawl_preparer_free(db->prep);
    store_decoder_free(db->dec);
    snippet_scratch_free(&db->snip);
    clear_fields(db);
    free(db->fields);
    free(db->language);
    free(db->errmsg);
    free(db->path);
    free(db);
}

const char *trawl_db_errmsg(const trawl_db *db)
{
    return db && db->errmsg ? db->errmsg : "";
}

const char *trawl_db_path(const trawl_db *db)
{
    return db ? db->path : "";
}

const char *trawl_db_language(const trawl_db *db)
{
    return db && db->language ? db->language : DEFAULT_LANGUAGE;
}

trawl_status trawl_db_set_language(trawl_db *db, const char *language)
{
    uint64_t n;
    char *copy;
    trawl_status st;

    if (!db || !language || !*language)
        return db ? db_fail(db, TRAWL_EINVAL, "no language given") : TRAWL_EINVAL;
    if ((st = need_writable(db, "set the language")) != TRAWL_OK)
        return st;
    if ((st = shim_doccount(db->x, &n)) != TRAWL_OK)
        return db_shim_fail(db, st, "cannot count articles");
    if (n > 0)
        return db_fail(db, TRAWL_EINVAL,
                       "cannot change the language of '%s': it already holds %llu articles",
                       db->path, (unsigned long long)n);
    if ((st = shim_set_stemmer(db->x, language)) != TRAWL_OK) {
        shim_set_stemmer(db->x, db->language);
        return db_fail(db, TRAWL_EINVAL, "unknown stemming language '%s'", language);
    }
    if (!(copy = strdup(language)))
        return db_fail(db, TRAWL_ENOMEM, "out of memory");
    free(db->language);
    db->language = copy;
    trawl_preparer_free(db->prep); /* made in the old language */
    db->prep = NULL;
    db->dirty = 1;
    return TRAWL_OK;
}

/* ---- indexing --------------------------------------------------------------------------- */

/* Removes a replaced or deleted record from the running totals. */
static void forget_record(trawl_db *db, const void *rec, size_t len)
{
    size_t text = store_text_length(rec, len);
    db->store_bytes -= len < db->store_bytes ? len : db->store_bytes;
    db->text_bytes -= text < db->text_bytes ? text : db->text_bytes;
    db->dirty = 1;
}

trawl_status trawl_preparer_new(trawl_db *db, trawl_preparer **out)
{
    char *msg = NULL;
    trawl_status st;

    if (out)
        *out = NULL;
    if (!db || !out)
        return db ? db_fail(db, TRAWL_EINVAL, "no preparer to return") : TRAWL_EINVAL;
    if ((st = need_writable(db, "prepare articles")) != TRAWL_OK)
        return st;
    if ((st = prepare_new(trawl_db_language(db), db->path, out, &msg)) != TRAWL_OK)
        db_fail(db, st, "cannot make a preparer for '%s': %s", db->path,
                msg ? msg : trawl_strerror(st));
    free(msg);
    return st;
}

trawl_status trawl_db_put_prepared(trawl_db *db, const trawl_prepared *doc,
                                   trawl_put_result *result)
{
    void *old = NULL;
    size_t oldlen = 0;
    trawl_status st;

    if (result)
        *result = 0;
    if (!db || !doc)
        return db ? db_fail(db, TRAWL_EINVAL, "no article given") : TRAWL_EINVAL;
    if ((st = need_writable(db, "add an article")) != TRAWL_OK)
        return st;
    for (size_t i = 0; i < doc->nfields; i++)
        if (add_field(db, doc->fields[i]) != TRAWL_OK)
            return db_fail(db, TRAWL_ENOMEM, "out of memory");
    if ((st = shim_put(db->x, doc->idterm, doc->doc, &old, &oldlen)) != TRAWL_OK)
        return db_fail(db, st, "cannot add article '%s' to '%s': %s", doc->id, db->path,
                       shim_errmsg(db->x));
    if (result)
        *result = old ? TRAWL_PUT_REPLACED : TRAWL_PUT_ADDED;
    if (old)
        forget_record(db, old, oldlen);
    free(old);
    db->store_bytes += doc->reclen;
    db->text_bytes += doc->textlen;
    db->dirty = 1;
    return TRAWL_OK;
}

trawl_status trawl_db_put(trawl_db *db, const trawl_article *a, trawl_put_result *result)
{
    trawl_prepared *doc = NULL;
    trawl_status st;

    if (result)
        *result = 0;
    if (!db || !a)
        return db ? db_fail(db, TRAWL_EINVAL, "no article given") : TRAWL_EINVAL;
    if ((st = need_writable(db, "add an article")) != TRAWL_OK)
        return st;
    if (!db->prep && (st = trawl_preparer_new(db, &db->prep)) != TRAWL_OK)
        return st;
    if ((st = trawl_prepare(db->prep, a, &doc)) != TRAWL_OK)
        return db_fail(db, st, "%s", trawl_preparer_errmsg(db->prep));
    st = trawl_db_put_prepared(db, doc, result);
    trawl_prepared_free(doc);
    return st;
}

trawl_status trawl_db_delete(trawl_db *db, const char *id)
{
    char *idterm = NULL;
    void *old = NULL;
    size_t oldlen = 0;
    trawl_status st;

    if (!db || !id)
        return db ? db_fail(db, TRAWL_EINVAL, "no article id given") : TRAWL_EINVAL;
    if ((st = need_writable(db, "delete an article")) != TRAWL_OK)
        return st;
    if ((st = article_id_term(id, &idterm)) != TRAWL_OK)
        return db_fail(db, st, "out of memory");
    st = shim_get_data(db->x, idterm, &old, &oldlen);
    if (st == TRAWL_OK)
        st = shim_delete(db->x, idterm);
    if (st == TRAWL_OK)
        forget_record(db, old, oldlen);
    else if (st == TRAWL_ENOTFOUND)
        db_fail(db, st, "no article '%s' in '%s'", id, db->path);
    else
        db_fail(db, st, "cannot delete article '%s' from '%s': %s", id, db->path,
                shim_errmsg(db->x));
    free(old);
    free(idterm);
    return st;
}

static trawl_status write_metadata(trawl_db *db)
{
    char *fields = join_fields(db);
    trawl_status st;
    if (!fields)
        return db_fail(db, TRAWL_ENOMEM, "out of memory");
    st = shim_set_metadata(db->x, META_FIELDS, fields);
    free(fields);
    if (st == TRAWL_OK)
        st = shim_set_metadata(db->x, META_LANGUAGE, db->language);
    if (st != TRAWL_OK)
        return db_shim_fail(db, st, "cannot write metadata");
    if ((st = set_number(db, META_STORE_BYTES, db->store_bytes)) != TRAWL_OK ||
        (st = set_number(db, META_TEXT_BYTES, db->text_bytes)) != TRAWL_OK ||
        (st = set_number(db, META_LAST_COMMIT, (uint64_t)time(NULL))) != TRAWL_OK)
        return st;
    return TRAWL_OK;
}

trawl_status trawl_db_commit(trawl_db *db)
{
    trawl_status st;
    if (!db)
        return TRAWL_EINVAL;
    if ((st = need_writable(db, "commit")) != TRAWL_OK)
        return st;
    if (db->dirty && (st = write_metadata(db)) != TRAWL_OK)
        return st;
    if ((st = shim_commit(db->x)) != TRAWL_OK)
        return db_shim_fail(db, st, "cannot commit");
    db->dirty = 0;
    return TRAWL_OK;
}

trawl_status trawl_db_reopen(trawl_db *db, int *changed)
{
    int moved = 0;
    trawl_status st;
    if (changed)
        *changed = 0;
    if (!db)
        return TRAWL_EINVAL;
    if (db->writable)
        return TRAWL_OK; /* a writer always sees its own newest state */
    if ((st = shim_reopen(db->x, &moved)) != TRAWL_OK)
        return db_shim_fail(db, st, "cannot reopen");
    if (moved && (st = load_settings(db)) != TRAWL_OK)
        return st;
    if (changed)
        *changed = moved;
    return TRAWL_OK;
}

/* The preload's shim_keep: each article's body, inflated, for its snippets, instead of
 * the record (a version 2 record with a body; other records are held as nothing, and their
 * hits inflate them as before). Runs on the loading thread, with a decoder of its own. */
static size_t keep_bound(const void *rec, size_t len)
{
    return store_tail_length(rec, len); /* keep_body's strnlen can only shorten it */
}

static void *keep_open(void)
{
    store_decoder *dec;
    return store_decoder_new(&dec) == TRAWL_OK ? dec : NULL;
}

static int keep_body(void *state, const void *rec, size_t len, const void **out,
                     size_t *outlen)
{
    char *text;
    size_t textlen, tail;
    if (store_decoder_borrow(state, rec, len, &text, &textlen, &tail) != TRAWL_OK || !tail)
        return -1; /* a damaged record is reported when a hit reads it */
    *out = text + textlen - tail;
    *outlen = strnlen(*out, tail); /* as hit_body reads it */
    return *outlen ? 0 : -1;
}

static void keep_close(void *state)
{
    store_decoder_free(state);
}

static const shim_keep keep_bodies = {keep_bound, keep_open, keep_body, keep_close};

trawl_status trawl_db_set_preload(trawl_db *db, size_t max_bytes)
{
    trawl_status st;
    if (!db)
        return TRAWL_EINVAL;
    if (db->writable)
        return db_fail(db, TRAWL_EINVAL,
                       "cannot preload records: database '%s' is open for writing", db->path);
    if ((st = shim_set_preload(db->x, max_bytes, &keep_bodies)) != TRAWL_OK)
        return db_shim_fail(db, st, "cannot preload records");
    return TRAWL_OK;
}

size_t db_preload_wait(trawl_db *db, uint64_t *served, int *bodies)
{
    *served = 0;
    *bodies = 0;
    return db->writable ? 0 : shim_preload_wait(db->x, served, bodies);
}

/* ---- reading records --------------------------------------------------------------------- */

/* Names an article in messages: by its id when known, else as hit i of m, whose id term
 * is looked up only when a message needs it. */
struct who {
    const char *id;
    const shim_mset *m;
    size_t i;
};

/* The name of w for a message; caller frees (NULL when out of memory). */
static char *who_name(trawl_db *db, const struct who *w);

/* Records that w's stored record is corrupt, with `why` (may be NULL); returns
 * TRAWL_ECORRUPT. */
static trawl_status record_corrupt(trawl_db *db, const struct who *w, const char *why)
{
    char *name = who_name(db, w);
    db_fail(db, TRAWL_ECORRUPT, "stored record of article %s in '%s' is corrupt%s%s",
            name ? name : "?", db->path, why ? ": " : "", why ? why : "");
    free(name);
    return TRAWL_ECORRUPT;
}

/* Inflates a stored record with the handle's decoder: *text (caller frees) holds *textlen
 * bytes, of which the last *tail are the article's body (version 2; 0 for version 1). */
static trawl_status inflate_record(trawl_db *db, const void *rec, size_t len,
                                   const struct who *w, char **text, size_t *textlen,
                                   size_t *tail)
{
    trawl_status st;
    if (!db->dec && (st = store_decoder_new(&db->dec)) != TRAWL_OK)
        return db_fail(db, st, "cannot make a record decoder: %s", trawl_strerror(st));
    st = store_decoder_decode(db->dec, rec, len, text, textlen, tail);
    if (st == TRAWL_ENOMEM)
        return db_fail(db, st, "out of memory reading a stored article");
    return st == TRAWL_OK ? st : record_corrupt(db, w, NULL);
}

/* As inflate_record, into the decoder's own buffer (store_decoder_borrow): *text is
 * borrowed, writable until the decoder's next use. */
static trawl_status borrow_record(trawl_db *db, const void *rec, size_t len,
                                  const struct who *w, char **text, size_t *textlen,
                                  size_t *tail)
{
    trawl_status st;
    if (!db->dec && (st = store_decoder_new(&db->dec)) != TRAWL_OK)
        return db_fail(db, st, "cannot make a record decoder: %s", trawl_strerror(st));
    st = store_decoder_borrow(db->dec, rec, len, text, textlen, tail);
    if (st == TRAWL_ENOMEM)
        return db_fail(db, st, "out of memory reading a stored article");
    return st == TRAWL_OK ? st : record_corrupt(db, w, NULL);
}

/* Parses an inflated record into its JSON object (caller decrefs): the JSON before the
 * tail, whose "body" (a "" placeholder) becomes the tail. */
static trawl_status parse_record(trawl_db *db, const char *text, size_t textlen, size_t tail,
                                 const struct who *w, json_t **out)
{
    json_error_t err;
    char *why = NULL;
    json_t *obj = json_loadb(text, textlen - tail, JSON_REJECT_DUPLICATES, &err), *body;
    trawl_status st;

    *out = NULL;
    if (!obj)
        return record_corrupt(db, w, err.text);
    if (tail > 0) {
        body = json_object_get(obj, "body");
        if (!json_is_string(body) || json_string_length(body) != 0) {
            json_decref(obj);
            return record_corrupt(db, w, "its body has no place in its JSON");
        }
        if (!(body = json_stringn(text + textlen - tail, tail)) ||
            json_object_set_new(obj, "body", body) != 0) {
            json_decref(obj);
            return record_corrupt(db, w, "its body is not valid UTF-8");
        }
    }
    if ((st = article_validate(obj, &why)) != TRAWL_OK) {
        record_corrupt(db, w, why ? why : "invalid");
        free(why);
        json_decref(obj);
        return TRAWL_ECORRUPT;
    }
    *out = obj;
    return TRAWL_OK;
}

/* Decodes a stored record into its JSON object (caller decrefs). */
static trawl_status decode_record(trawl_db *db, const void *rec, size_t len,
                                  const struct who *w, json_t **out)
{
    char *text = NULL;
    size_t textlen = 0, tail = 0;
    trawl_status st = inflate_record(db, rec, len, w, &text, &textlen, &tail);

    *out = NULL;
    if (st != TRAWL_OK)
        return st;
    st = parse_record(db, text, textlen, tail, w, out);
    free(text);
    return st;
}

trawl_status trawl_db_get(trawl_db *db, const char *id, trawl_article **out)
{
    char *idterm = NULL;
    void *rec = NULL;
    size_t len = 0;
    json_t *obj = NULL;
    trawl_status st;

    *out = NULL;
    if (!db || !id)
        return db ? db_fail(db, TRAWL_EINVAL, "no article id given") : TRAWL_EINVAL;
    if ((st = article_id_term(id, &idterm)) != TRAWL_OK)
        return db_fail(db, st, "out of memory");
    st = shim_get_data(db->x, idterm, &rec, &len);
    free(idterm);
    if (st == TRAWL_ENOTFOUND)
        return db_fail(db, st, "no article '%s' in '%s'", id, db->path);
    if (st != TRAWL_OK)
        return db_fail(db, st, "cannot read article '%s' from '%s': %s", id, db->path,
                       shim_errmsg(db->x));
    st = decode_record(db, rec, len, &(struct who){.id = id}, &obj);
    free(rec);
    if (st != TRAWL_OK)
        return st;
    if ((st = article_wrap(obj, out, NULL)) != TRAWL_OK) {
        json_decref(obj);
        return db_fail(db, st, "out of memory");
    }
    return TRAWL_OK;
}

/* ---- statistics ------------------------------------------------------------------------- */

/* Bytes of the regular files under directory fd (which it closes), a few levels deep. */
static uint64_t dir_bytes(int fd, int depth)
{
    DIR *d = fdopendir(fd);
    struct dirent *e;
    uint64_t sum = 0;
    if (!d) {
        close(fd);
        return 0;
    }
    while ((e = readdir(d))) {
        struct stat sb;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISREG(sb.st_mode))
            sum += (uint64_t)sb.st_size;
        else if (S_ISDIR(sb.st_mode) && depth > 0) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (sub >= 0)
                sum += dir_bytes(sub, depth - 1);
        }
    }
    closedir(d);
    return sum;
}

trawl_status trawl_db_stats(trawl_db *db, trawl_stats *out)
{
    uint64_t last = 0;
    trawl_status st;
    int fd;

    if (!db || !out)
        return db ? db_fail(db, TRAWL_EINVAL, "no stats buffer given") : TRAWL_EINVAL;
    memset(out, 0, sizeof *out);
    if ((st = shim_doccount(db->x, &out->articles)) != TRAWL_OK ||
        (st = shim_count_terms(db->x, &out->terms)) != TRAWL_OK ||
        (st = shim_revision(db->x, &out->revision)) != TRAWL_OK)
        return db_shim_fail(db, st, "cannot read statistics");
    if (db->writable) {
        out->store_bytes = db->store_bytes;
        out->text_bytes = db->text_bytes;
    } else if ((st = get_number(db, META_STORE_BYTES, &out->store_bytes)) != TRAWL_OK ||
               (st = get_number(db, META_TEXT_BYTES, &out->text_bytes)) != TRAWL_OK) {
        return st;
    }
    if ((st = get_number(db, META_LAST_COMMIT, &last)) != TRAWL_OK)
        return st;
    out->last_commit = (int64_t)last;
    if ((fd = open(db->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
        out->db_bytes = dir_bytes(fd, 3);
    return TRAWL_OK;
}

trawl_status trawl_db_revision(trawl_db *db, uint64_t *out)
{
    trawl_status st;
    if (!db || !out)
        return db ? db_fail(db, TRAWL_EINVAL, "no revision buffer given") : TRAWL_EINVAL;
    if ((st = shim_revision(db->x, out)) != TRAWL_OK)
        return db_shim_fail(db, st, "cannot read the revision");
    return TRAWL_OK;
}

/* ---- search ------------------------------------------------------------------------------ */

static int reserved(const char *name)
{
    for (size_t i = 0; i < sizeof reserved_names / sizeof reserved_names[0]; i++)
        if (strcmp(name, reserved_names[i]) == 0)
            return 1;
    return 0;
}

static int filter_listed(const shim_filter *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return 1;
    return 0;
}

/* The query names of the filter fields: each field's name, then the singulars that name
 * no field of their own. *names (caller frees each and the array) owns the singulars. */
static trawl_status make_filters(trawl_db *db, shim_filter **out, size_t *n, char ***names)
{
    shim_filter *f = calloc(2 * db->nfields + 1, sizeof *f);
    char **own = calloc(db->nfields + 1, sizeof *own);
    size_t k = 0, nown = 0;

    *out = f;
    *names = own;
    *n = 0;
    if (!f || !own)
        return db_fail(db, TRAWL_ENOMEM, "out of memory");
    for (size_t i = 0; i < db->nfields; i++)
        if (!reserved(db->fields[i]))
            f[k++] = (shim_filter){db->fields[i], db->fields[i]};
    for (size_t i = 0; i < db->nfields; i++) {
        char *one = article_singular(db->fields[i]);
        if (!one || reserved(one) || has_field(db, one) || filter_listed(f, k, one)) {
            free(one);
            continue;
        }
        own[nown++] = one;
        f[k++] = (shim_filter){one, db->fields[i]};
    }
    *n = k;
    return TRAWL_OK;
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

/* The number of words in a query: maximal runs of ASCII letters and digits and non-ASCII
 * bytes. Each term Xapian makes of the query comes from at least one of them, so this
 * bounds the terms, and with them the memory and time of the match (Xapian holds a
 * postlist for every term: 32,767 one-letter words took 350 MB and minutes on Reuters). */
static size_t query_words(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int w = *p >= 0x80 || (*p >= '0' && *p <= '9') ||
                ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z');
        n += w && !in;
        in = w;
    }
    return n;
}

static trawl_status check_query(trawl_db *db, const trawl_query *q)
{
    if (!q || !q->query)
        return db_fail(db, TRAWL_EINVAL, "no query given");
    if (strlen(q->query) > TRAWL_MAX_QUERY_BYTES)
        return db_fail(db, TRAWL_ETOOLARGE, "query of %zu bytes is over the limit of %d",
                       strlen(q->query), TRAWL_MAX_QUERY_BYTES);
    if (query_words(q->query) > TRAWL_MAX_QUERY_WORDS)
        return db_fail(db, TRAWL_ETOOLARGE, "query of %zu words is over the limit of %d",
                       query_words(q->query), TRAWL_MAX_QUERY_WORDS);
    if (q->limit > TRAWL_MAX_LIMIT)
        return db_fail(db, TRAWL_EINVAL, "limit %u is over the maximum of %d", q->limit,
                       TRAWL_MAX_LIMIT);
    if ((unsigned)q->sort > TRAWL_SORT_DATE_DESC)
        return db_fail(db, TRAWL_EINVAL, "unknown sort order %d", (int)q->sort);
    if ((unsigned)q->ranking >= sizeof rankings / sizeof rankings[0])
        return db_fail(db, TRAWL_EINVAL, "unknown ranking %d", (int)q->ranking);
    return TRAWL_OK;
}

static trawl_results *results_new(size_t n)
{
    trawl_results *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->hits = calloc(n + 1, sizeof *r->hits);
    r->articles = calloc(n + 1, sizeof *r->articles);
    r->snippets = calloc(n + 1, sizeof *r->snippets);
    r->spans = calloc(n + 1, sizeof *r->spans);
    r->summaries = calloc(n + 1, sizeof *r->summaries);
    if (!r->hits || !r->articles || !r->snippets || !r->spans || !r->summaries) {
        trawl_results_free(r);
        return NULL;
    }
    return r;
}

/* Decoding and snippet buffers a handle keeps from one search to the next (each). */
#define KEEP_BUFFER_BYTES (4u << 20)

/* The characters of text to ask Xapian for: it may add SNIPPET_OMIT at both ends, beyond
 * the length it is given, and the snippet must stay within `chars`. */
static size_t snippet_budget(size_t chars)
{
    size_t marks = 2 * strlen(SNIPPET_OMIT);
    return chars > 2 * marks ? chars - marks : chars;
}

/* Decodes hit i's record into r->articles[i]. */
static trawl_status hit_article(trawl_db *db, const shim_mset *m, trawl_results *r, size_t i)
{
    size_t len;
    const void *rec = shim_mset_data(m, i, &len);
    if (!rec)
        return db_fail(db, TRAWL_EINTERNAL, "the record of hit %zu was not fetched", i + 1);
    return decode_record(db, rec, len, &(struct who){.m = m, .i = i}, &r->articles[i]);
}

/* Hit i's body for its snippet, *len bytes at *body: borrowed from the preload's table
 * (keep_body) when it holds the body, else from the record decoder's buffer (valid until
 * its next use) for a version 2 record, else from r->articles[i], into which a version 1
 * record, or one without a body, is parsed. */
static trawl_status hit_body(trawl_db *db, const shim_mset *m, trawl_results *r, size_t i,
                             const char **body, size_t *len)
{
    size_t reclen, textlen = 0, tail = 0;
    const void *rec;
    char *text = NULL;
    trawl_status st;

    *body = NULL;
    *len = 0;
    if (!r->articles[i]) {
        if ((*body = shim_mset_kept(m, i, len)))
            return TRAWL_OK;
        if (!(rec = shim_mset_data(m, i, &reclen)))
            return db_fail(db, TRAWL_EINTERNAL, "the record of hit %zu was not fetched",
                           i + 1);
        st = borrow_record(db, rec, reclen, &(struct who){.m = m, .i = i}, &text, &textlen,
                           &tail);
        if (st != TRAWL_OK)
            return st;
        if (tail > 0) {
            *body = text + textlen - tail;
            *len = strnlen(*body, tail); /* as the JSON string would read */
            return TRAWL_OK;
        }
        st = parse_record(db, text, textlen, tail, &(struct who){.m = m, .i = i},
                          &r->articles[i]);
        if (st != TRAWL_OK)
            return st;
    }
    *body = json_string_value(json_object_get(r->articles[i], "body"));
    *len = *body ? strlen(*body) : 0;
    return TRAWL_OK;
}

void db_snippet_reference(trawl_db *db, int on)
{
    db->snippet_reference = on != 0;
}

int db_stem_starts_hold(trawl_db *db, size_t *words, char **bad)
{
    return shim_stem_starts_hold(db->x, words, bad);
}

/* Xapian's marked snippet of at most `chars` characters of text[0..len), in *owned
 * (caller frees): MSet::snippet over the whole text cleaned (in a copy). */
static trawl_status reference_snippet(trawl_db *db, const shim_mset *m, const char *text,
                                      size_t len, size_t chars, char **owned)
{
    char *clean = malloc(len + 1);
    size_t nchars;
    trawl_status st;

    *owned = NULL;
    if (!clean)
        return db_fail(db, TRAWL_ENOMEM, "out of memory");
    memcpy(clean, text, len);
    clean[len] = '\0';
    len = snippet_clean(clean, len, &nchars);
    st = shim_mset_snippet(db->x, m, clean, snippet_bytes(chars, len, nchars), snippet_flags(),
                           SNIPPET_HI_START, SNIPPET_HI_END, SNIPPET_OMIT, owned);
    free(clean);
    return st == TRAWL_OK ? st : db_shim_fail(db, st, "cannot make a snippet");
}

/* The marked snippet of at most `chars` characters of text[0..len): made by snippet_make
 * from the words the shim reads, or, for comparison (db_snippet_reference), by Xapian.
 * *marked is borrowed from db->snip, or (Xapian's) *owned, which the caller frees. */
static trawl_status marked_snippet(trawl_db *db, const shim_mset *m, const char *text,
                                   size_t len, size_t chars, const char **marked, char **owned)
{
    const double *weights = NULL;
    size_t nweights = 0;
    trawl_status st;

    *marked = *owned = NULL;
    if (db->snippet_reference) {
        st = reference_snippet(db, m, text, len, chars, owned);
        *marked = *owned;
        return st;
    }
    st = shim_mset_words(db->x, m, text, len, &db->snip, &weights, &nweights);
    if (st != TRAWL_OK)
        return db_shim_fail(db, st, "cannot make a snippet");
    st = snippet_make_scanned(text, len, &db->snip, weights, nweights, chars, shim_char_class,
                              marked);
    return st == TRAWL_OK ? st : db_fail(db, st, "cannot make a snippet");
}

/* Hit i's snippet of its body (or title when the body is empty). */
static trawl_status make_snippet(trawl_db *db, const shim_mset *m, trawl_results *r, size_t i,
                                 unsigned chars)
{
    const char *body = NULL, *marked;
    char *owned = NULL;
    size_t len, scan;
    trawl_status st = hit_body(db, m, r, i, &body, &len);

    if (st != TRAWL_OK)
        return st;
    if (!len) {
        body = r->hits[i].title;
        len = strlen(body);
    }
    scan = snippet_scan_length(body, len);
    db->snip.text_goes_on = scan < len;
    st = marked_snippet(db, m, body, scan, snippet_budget(chars), &marked, &owned);
    if (st == TRAWL_OK &&
        (st = snippet_unmark(marked, owned != NULL, chars, &r->snippets[i], &r->spans[i],
                             &r->hits[i].nhighlights)) != TRAWL_OK)
        db_fail(db, st, "out of memory");
    free(owned);
    if (st != TRAWL_OK)
        return st;
    r->hits[i].snippet = r->snippets[i];
    r->hits[i].highlights = r->spans[i];
    return TRAWL_OK;
}

/* Names hit i for a message: its id term without the "Q", or its position. */
static char *hit_name(trawl_db *db, const shim_mset *m, size_t i)
{
    char *term = NULL, *who = NULL;
    int r = shim_mset_term(db->x, m, i, "Q", &term) == TRAWL_OK && *term
                ? asprintf(&who, "'%s'", term + 1)
                : asprintf(&who, "at rank %zu", i + 1);
    free(term);
    return r < 0 ? NULL : who;
}

static char *who_name(trawl_db *db, const struct who *w)
{
    char *name = NULL;
    if (!w->id)
        return hit_name(db, w->m, w->i);
    return asprintf(&name, "'%s'", w->id) < 0 ? NULL : name;
}

/* The weighting of a relevance search with ranking r on db. */
static const shim_weight *ranking_weight(const trawl_db *db, trawl_ranking r)
{
    if (r == TRAWL_RANK_DEFAULT && db->xapian_weights)
        return &db->default_by_xapian;
    return &rankings[r].weight;
}

/* Hit i's id, title and date: from its summary value, or, for an article stored without
 * one, from its record. */
static trawl_status hit_summary(trawl_db *db, const shim_mset *m, trawl_results *r, size_t i)
{
    const char *f[SUMMARY_FIELDS];
    trawl_hit *h = &r->hits[i];
    size_t len;
    const void *v = shim_mset_value(m, i, &len);
    trawl_status st;

    if (len == 0) {
        if ((st = hit_article(db, m, r, i)) != TRAWL_OK)
            return st;
        f[SUMMARY_ID] = json_string_value(json_object_get(r->articles[i], "id"));
        f[SUMMARY_TITLE] = json_string_value(json_object_get(r->articles[i], "title"));
        f[SUMMARY_DATE] = json_string_value(json_object_get(r->articles[i], "date"));
    } else if ((st = store_summary_decode(v, len, SUMMARY_FIELDS, &r->summaries[i], f)) !=
               TRAWL_OK) {
        char *name = st == TRAWL_ENOMEM ? NULL : hit_name(db, m, i);
        st = st == TRAWL_ENOMEM
                 ? db_fail(db, st, "out of memory")
                 : db_fail(db, TRAWL_ECORRUPT, "stored summary of article %s in '%s' is corrupt",
                           name ? name : "?", db->path);
        free(name);
        return st;
    } else if (!*f[SUMMARY_DATE]) {
        f[SUMMARY_DATE] = NULL;
    }
    h->id = f[SUMMARY_ID];
    h->title = f[SUMMARY_TITLE] ? f[SUMMARY_TITLE] : "";
    h->date = f[SUMMARY_DATE];
    return TRAWL_OK;
}

static trawl_status fill_hit(trawl_db *db, const shim_mset *m, trawl_results *r, size_t i,
                             const trawl_query *q)
{
    trawl_hit *h = &r->hits[i];
    trawl_status st = hit_summary(db, m, r, i);

    if (st != TRAWL_OK)
        return st;
    h->rank = q->offset + (unsigned)i + 1;
    h->score = q->sort == TRAWL_SORT_RELEVANCE ? shim_mset_score(m, i) : 0.0;
    h->snippet = "";
    if (q->snippet_chars)
        return make_snippet(db, m, r, i, q->snippet_chars);
    return TRAWL_OK;
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static trawl_status run_query(trawl_db *db, const trawl_query *q, shim_mset **m)
{
    shim_filter *filters = NULL;
    char **names = NULL;
    size_t nfilters = 0;
    trawl_status st = make_filters(db, &filters, &nfilters, &names);
    int stop = rankings[q->ranking].stop_words && strcmp(db->language, "english") == 0;
    shim_query sq = {
        .query = q->query,
        .parse_flags = parse_flags(),
        .text_prefix = "title",
        .text_term_prefix = TITLE_PREFIX,
        .filters = filters,
        .nfilters = nfilters,
        .range_name = "date:",
        .range_slot = DATE_SLOT,
        .sort = q->sort == TRAWL_SORT_DATE        ? SHIM_SORT_VALUE_ASC
                : q->sort == TRAWL_SORT_DATE_DESC ? SHIM_SORT_VALUE_DESC
                                                  : SHIM_SORT_RELEVANCE,
        .weight = q->sort == TRAWL_SORT_RELEVANCE ? ranking_weight(db, q->ranking) : &unranked,
        .stopwords = stop ? stop_words_english : NULL,
        .nstopwords = stop ? sizeof stop_words_english / sizeof stop_words_english[0] : 0,
        .offset = q->offset,
        .limit = q->limit ? q->limit : DEFAULT_LIMIT,
        .summary_slot = SUMMARY_SLOT,
        .fetch_data = q->snippet_chars ? SHIM_DATA_ALL : SHIM_DATA_IF_NO_SUMMARY,
    };
    if (st == TRAWL_OK && (st = shim_search(db->x, &sq, m)) != TRAWL_OK) {
        if (st == TRAWL_EQUERY)
            db_fail(db, st, "%s", shim_errmsg(db->x));
        else
            db_shim_fail(db, st, "cannot search");
    }
    free(filters);
    free_names(names);
    return st;
}

trawl_status trawl_db_search(trawl_db *db, const trawl_query *q, trawl_results **out)
{
    shim_mset *m = NULL;
    trawl_results *r = NULL;
    size_t n = 0;
    trawl_status st;

    *out = NULL;
    if (!db)
        return TRAWL_EINVAL;
    if ((st = check_query(db, q)) != TRAWL_OK)
        return st;
    if (!blank(q->query) && (st = run_query(db, q, &m)) != TRAWL_OK)
        return st;
    n = m ? shim_mset_size(m) : 0;
    if (!(r = results_new(n))) {
        shim_mset_free(m);
        return db_fail(db, TRAWL_ENOMEM, "out of memory");
    }
    r->total = m ? shim_mset_total(m) : 0;
    for (size_t i = 0; i < n && st == TRAWL_OK; i++, r->n = i)
        st = fill_hit(db, m, r, i, q);
    if (st == TRAWL_OK && (st = shim_revision(db->x, &r->revision)) != TRAWL_OK)
        db_shim_fail(db, st, "cannot read the revision");
    shim_mset_free(m);
    /* buffers grown for a huge article go; those of ordinary ones stay for the next */
    store_decoder_trim(db->dec, KEEP_BUFFER_BYTES);
    snippet_scratch_trim(&db->snip, KEEP_BUFFER_BYTES);
    if (st != TRAWL_OK) {
        trawl_results_free(r);
        return st;
    }
    r->n = n;
    *out = r;
    return TRAWL_OK;
}

size_t trawl_results_count(const trawl_results *r)
{
    return r ? r->n : 0;
}

uint64_t trawl_results_total(const trawl_results *r)
{
    return r ? r->total : 0;
}

uint64_t trawl_results_revision(const trawl_results *r)
{
    return r ? r->revision : 0;
}

const trawl_hit *trawl_results_hit(const trawl_results *r, size_t i)
{
    return r && i < r->n ? &r->hits[i] : NULL;
}

void trawl_results_free(trawl_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->articles && i <= r->n; i++) {
        json_decref(r->articles[i]);
        free(r->snippets[i]);
        free(r->spans[i]);
        free(r->summaries[i]);
    }
    free(r->hits);
    free(r->articles);
    free(r->snippets);
    free(r->spans);
    free(r->summaries);
    free(r);
}

/* ---- merging ------------------------------------------------------------------------------ */

/* Sets *errmsg (when wanted) to a new message; returns st. */
static trawl_status merge_fail(char **errmsg, trawl_status st, const char *fmt, ...)
{
    va_list ap;
    if (!errmsg)
        return st;
    va_start(ap, fmt);
    if (vasprintf(errmsg, fmt, ap) < 0)
        *errmsg = NULL;
    va_end(ap);
    return st;
}

/* Opens the n sources read-only into src[] and checks that they share one language. */
static trawl_status open_sources(const char *const *sources, size_t n, trawl_db **src,
                                 char **errmsg)
{
    for (size_t i = 0; i < n; i++) {
        char *msg = NULL;
        trawl_status st = trawl_db_open(sources[i], TRAWL_DB_READONLY, &src[i], &msg);
        if (st != TRAWL_OK) {
            merge_fail(errmsg, st, "cannot merge: %s", msg ? msg : trawl_strerror(st));
            free(msg);
            return st;
        }
        if (strcmp(src[i]->language, src[0]->language) != 0)
            return merge_fail(errmsg, TRAWL_EINVAL,
                              "cannot merge '%s' (language %s) with '%s' (language %s)",
                              sources[0], src[0]->language, sources[i], src[i]->language);
    }
    return TRAWL_OK;
}

/* Gives the merged database `out` the sources' metadata: every filter field and the
 * summed record totals (compaction kept only the first source's). */
static trawl_status merge_metadata(trawl_db *out, trawl_db **src, size_t n)
{
    uint64_t store = 0, text = 0, v;
    trawl_status st;
    for (size_t i = 0; i < n; i++) {
        if ((st = get_number(src[i], META_STORE_BYTES, &v)) != TRAWL_OK)
            return db_fail(out, st, "%s", trawl_db_errmsg(src[i]));
        store += v;
        if ((st = get_number(src[i], META_TEXT_BYTES, &v)) != TRAWL_OK)
            return db_fail(out, st, "%s", trawl_db_errmsg(src[i]));
        text += v;
        for (size_t f = 0; f < src[i]->nfields; f++)
            if (add_field(out, src[i]->fields[f]) != TRAWL_OK)
                return db_fail(out, TRAWL_ENOMEM, "out of memory");
    }
    out->store_bytes = store;
    out->text_bytes = text;
    out->dirty = 1;
    return TRAWL_OK;
}

/* Fails when an id term indexes two documents of the merged database. */
static trawl_status check_unique_ids(trawl_db *out)
{
    char *term = NULL;
    trawl_status st = shim_first_shared_term(out->x, "Q", &term);
    if (st != TRAWL_OK)
        return db_shim_fail(out, st, "cannot check the ids");
    if (*term)
        st = db_fail(out, TRAWL_EINVAL, "article '%s' is in more than one of the merged "
                     "databases", term + 1);
    free(term);
    return st;
}

/* Opens the compacted `dest`, checks its ids, writes the merged metadata and commits. */
static trawl_status finish_merge(const char *dest, trawl_db **src, size_t n, char **errmsg)
{
    trawl_db *out = NULL;
    char *msg = NULL;
    trawl_status st = trawl_db_open(dest, TRAWL_DB_WRITABLE, &out, &msg);
    if (st != TRAWL_OK) {
        merge_fail(errmsg, st, "cannot open the merged database: %s",
                   msg ? msg : trawl_strerror(st));
        free(msg);
        return st;
    }
    if ((st = check_unique_ids(out)) == TRAWL_OK &&
        (st = merge_metadata(out, src, n)) == TRAWL_OK)
        st = trawl_db_commit(out);
    if (st != TRAWL_OK) {
        merge_fail(errmsg, st, "cannot merge into '%s': %s", dest, trawl_db_errmsg(out));
        out->dirty = 0; /* leave nothing more to commit at close */
    }
    trawl_db_close(out);
    return st;
}

trawl_status trawl_db_merge(const char *const *sources, size_t n, const char *dest,
                            char **errmsg)
{
    trawl_db **src;
    char *msg = NULL;
    struct stat sb;
    trawl_status st;

    if (errmsg)
        *errmsg = NULL;
    if (!sources || n == 0 || !dest || !*dest)
        return merge_fail(errmsg, TRAWL_EINVAL, "nothing to merge: no %s given",
                          !dest || !*dest ? "destination" : "source");
    if (stat(dest, &sb) == 0)
        return merge_fail(errmsg, TRAWL_EINVAL, "cannot merge into '%s': it already exists",
                          dest);
    if (!(src = calloc(n, sizeof *src)))
        return merge_fail(errmsg, TRAWL_ENOMEM, "out of memory");
    st = open_sources(sources, n, src, errmsg);
    if (st == TRAWL_OK && (st = shim_compact(sources, n, dest, &msg)) != TRAWL_OK)
        merge_fail(errmsg, st, "cannot merge into '%s': %s", dest, msg ? msg : "out of memory");
    if (st == TRAWL_OK)
        st = finish_merge(dest, src, n, errmsg);
    free(msg);
    for (size_t i = 0; i < n; i++)
        trawl_db_close(src[i]);
    free(src);
    return st;
}

trawl_status trawl_db_count(trawl_db *db, uint64_t *out)
{
    trawl_status st;
    if (!db || !out)
        return db ? db_fail(db, TRAWL_EINVAL, "no count buffer given") : TRAWL_EINVAL;
    *out = 0;
    if ((st = shim_doccount(db->x, out)) != TRAWL_OK)
        return db_shim_fail(db, st, "cannot count articles");
    return TRAWL_OK;
}
