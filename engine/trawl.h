/*
 * trawl.h: the public C API of libtrawl, full-text search for news articles.
 *
 * This is the one installed header. It wraps Xapian (through a thin C++ shim inside the
 * library; no C++ type or exception ever crosses this interface), keeps each article's
 * stored text zlib-compressed inside the same Xapian database, and offers: open/create a
 * database, add-or-replace and delete articles by id, commit, reopen, search with snippets,
 * fetch a stored article, and statistics.
 *
 * Conventions, as in notmuch and SQLite:
 *  - Every fallible function returns a trawl_status; results come back through OUT
 *    parameters, which are set to NULL (or 0) on failure.
 *  - A database handle keeps the message of its last failure: trawl_db_errmsg().
 *    Functions with no handle yet (trawl_db_open, trawl_article_from_json) hand the message
 *    back through a `char **errmsg` that the caller frees.
 *  - Ownership is written beside each function. A `const char *` result is borrowed: it
 *    lives as long as the object it came from. A `char *` result is the caller's to free().
 *  - Every _new/_open has a NULL-safe _free/_close. Results must be freed before the
 *    database they came from is closed.
 *  - Strings are UTF-8. A handle is not thread-safe; use one handle per thread.
 */
#ifndef TRAWL_H
#define TRAWL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRAWL_VERSION "0.1.0"

/* ------------------------------------------------------------------------------------ */
/* Status codes                                                                          */

typedef enum {
    TRAWL_OK = 0,
    TRAWL_ENOMEM,     /* out of memory */
    TRAWL_EINVAL,     /* bad argument or bad article (wrong type, missing id, bad UTF-8) */
    TRAWL_ENOTFOUND,  /* no such article, or no database at that path (read-only open) */
    TRAWL_EIO,        /* the database could not be read or written (disk full, I/O error) */
    TRAWL_ECORRUPT,   /* the database or a stored record is damaged */
    TRAWL_ELOCKED,    /* another writer holds the database */
    TRAWL_EQUERY,     /* the query has a syntax error; the message says what and where */
    TRAWL_ETOOLARGE,  /* an input is over a documented limit */
    TRAWL_EINTERNAL   /* a bug or unexpected condition; the message says what */
} trawl_status;

/* A short static description of a status ("database is locked by another writer").
 * Never NULL; unknown values give "unknown status". */
const char *trawl_strerror(trawl_status st);

/* A stable lower-case name for a status, as used on the wire ("locked", "bad_query",
 * "not_found", "corrupt", "io", "no_memory", "invalid", "too_large", "internal", "ok").
 * Static string, never NULL. */
const char *trawl_status_name(trawl_status st);

/* The library version, TRAWL_VERSION at build time. Static string. */
const char *trawl_version(void);

/* ------------------------------------------------------------------------------------ */
/* Articles                                                                              */

/*
 * An article: an `id` (required, unique, a non-empty string) and the known fields
 * `title`, `body`, `date` (ISO 8601 date or date-time), `url`, `source`, `author` (all
 * strings). Any other top-level field whose value is a string or an array of strings is a
 * filter field, searchable as NAME:value (and, for a NAME ending in "s", as its singular:
 * topics -> topic:grain). Other values (numbers, booleans, objects, mixed arrays) are
 * stored and returned by trawl_db_get, but not indexed.
 */
typedef struct trawl_article trawl_article;

/* Builds an article from one JSON object (`len` bytes, need not be NUL-terminated).
 * Fails with TRAWL_EINVAL when the text is not a JSON object, is not valid UTF-8, lacks a
 * string `id`, or has a known field of the wrong type; *errmsg (caller frees, may be NULL
 * to ignore) then says which. On success *out is the caller's; free with
 * trawl_article_free. */
trawl_status trawl_article_from_json(const char *json, size_t len, trawl_article **out,
                                     char **errmsg);

/* Builds an empty article with the given id (copied). Caller frees *out. TRAWL_EINVAL
 * when id is NULL, empty or not valid UTF-8. */
trawl_status trawl_article_new(const char *id, trawl_article **out);

/* Sets a string field (title, body, date, url, source, author, or any filter-field name
 * with a single value). The value is copied. TRAWL_EINVAL for the name "id", a NULL or
 * empty name, invalid UTF-8, or a `date` that is not ISO 8601. */
trawl_status trawl_article_set(trawl_article *a, const char *field, const char *value);

/* Frees an article. NULL-safe. */
void trawl_article_free(trawl_article *a);

/* The article's id. Borrowed: valid until the article is freed. */
const char *trawl_article_id(const trawl_article *a);

/* The value of a string field, or NULL when absent or not a string. Borrowed: valid
 * until the article is freed or the field is set again. */
const char *trawl_article_get(const trawl_article *a, const char *field);

/* The article as one compact JSON object, every stored field in stored order.
 * On success *out is the caller's to free(). */
trawl_status trawl_article_to_json(const trawl_article *a, char **out);

/* ------------------------------------------------------------------------------------ */
/* Databases                                                                             */

typedef struct trawl_db trawl_db;

enum {
    TRAWL_DB_READONLY = 0,      /* open an existing database for searching */
    TRAWL_DB_WRITABLE = 1 << 0, /* open for writing, creating it when missing */
};

/* Opens (or, with TRAWL_DB_WRITABLE, creates) the database at `path` (a directory).
 * A second writer gets TRAWL_ELOCKED. A read-only open of a missing database gives
 * TRAWL_ENOTFOUND. On success *out is the caller's; close with trawl_db_close. On failure
 * *out is NULL and *errmsg (caller frees; pass NULL to ignore) names the path and cause. */
trawl_status trawl_db_open(const char *path, unsigned flags, trawl_db **out, char **errmsg);

/* Closes the database. For a writable database, changes not yet committed are committed
 * first (as Xapian does); call trawl_db_commit to see whether that succeeds. NULL-safe. */
void trawl_db_close(trawl_db *db);

/* The message of the last failure on this handle, or "" when none. Borrowed: valid until
 * the next call on the handle. */
const char *trawl_db_errmsg(const trawl_db *db);

/* The path the database was opened with. Borrowed: valid until close. */
const char *trawl_db_path(const trawl_db *db);

/* Sets the stemming language for a database (writable only), e.g. "english", "french",
 * "none". It is recorded in the database at the next commit and used for every later
 * indexing and search. Only allowed while the database holds no articles (changing it
 * later would make old and new terms disagree): TRAWL_EINVAL otherwise, or for a language
 * Xapian does not know. The default is "english". */
trawl_status trawl_db_set_language(trawl_db *db, const char *language);

/* The database's stemming language. Borrowed: valid until close. */
const char *trawl_db_language(const trawl_db *db);

/* Keeps the articles of a read-only database in memory, up to `max_bytes`, so that
 * searches with snippets take each hit's body from there instead of reading its record
 * from the database files and inflating it (about half a snippet's cost on Reuters;
 * doc/snippets.md): every article's body, inflated, when together they fit; else the
 * stored records, compressed, when they fit (hits then only inflate them). The first
 * search with snippets after this call starts a thread of the handle's that reads every
 * record of the database's current revision; until it is done, and whenever the handle is
 * at another revision (after trawl_db_reopen moved it, until the next load is done),
 * records are read from the files as before. A database whose records exceed max_bytes
 * is not loaded (nothing is held; check with `trawl stats`: store_bytes). Results are the
 * same either way. 0, the default, turns it off and frees what is held; `trawl serve`
 * sets 64 MiB (--preload). Memory: the bodies' bytes (about 1.8 times store_bytes on
 * Reuters), else store_bytes. TRAWL_EINVAL for a writable handle. */
trawl_status trawl_db_set_preload(trawl_db *db, size_t max_bytes);

/* What trawl_db_put did. */
typedef enum { TRAWL_PUT_ADDED = 1, TRAWL_PUT_REPLACED = 2 } trawl_put_result;

/* Adds the article, or replaces the one with the same id. Becomes durable and visible to
 * other handles at the next trawl_db_commit. `result` (may be NULL) says which happened.
 * The article stays the caller's. */
trawl_status trawl_db_put(trawl_db *db, const trawl_article *a, trawl_put_result *result);

/* trawl_db_put in two steps, so that the costly first one (term generation and the
 * compression of the stored record) can run on another thread than the database's:
 * a preparer turns an article into a prepared document, which trawl_db_put_prepared then
 * adds or replaces exactly as trawl_db_put would have. A preparer is made from a writable
 * database handle and takes its settings (the stemming language) as they are then; it
 * shares nothing with the handle afterwards, so it may be used on another thread, by one
 * thread at a time. A prepared document may be handed from thread to thread. */
typedef struct trawl_preparer trawl_preparer;
typedef struct trawl_prepared trawl_prepared;

/* A preparer for articles to be put into `db` (borrowed only during the call). *out is
 * the caller's; free it with trawl_preparer_free. On failure the message is db's. */
trawl_status trawl_preparer_new(trawl_db *db, trawl_preparer **out);

/* Frees a preparer. NULL-safe. */
void trawl_preparer_free(trawl_preparer *p);

/* The message of the preparer's last failure, "" when none. Borrowed from the preparer. */
const char *trawl_preparer_errmsg(const trawl_preparer *p);

/* Prepares article `a` (which stays the caller's). *out is the caller's: put it with
 * trawl_db_put_prepared, or free it with trawl_prepared_free. TRAWL_EINVAL for an invalid
 * article, TRAWL_ETOOLARGE for one over the store's limit, with the preparer's message. */
trawl_status trawl_prepare(trawl_preparer *p, const trawl_article *a, trawl_prepared **out);

/* The id of a prepared article. Borrowed from it. */
const char *trawl_prepared_id(const trawl_prepared *doc);

/* Adds the prepared article, or replaces the one with the same id, as trawl_db_put. The
 * prepared document stays the caller's (free it after). */
trawl_status trawl_db_put_prepared(trawl_db *db, const trawl_prepared *doc,
                                   trawl_put_result *result);

/* Frees a prepared document. NULL-safe. */
void trawl_prepared_free(trawl_prepared *doc);

/* Deletes the article with this id. TRAWL_ENOTFOUND when there is none. */
trawl_status trawl_db_delete(trawl_db *db, const char *id);

/* Makes every change since the last commit durable and visible, atomically. */
trawl_status trawl_db_commit(trawl_db *db);

/* Read-only handles: moves to the newest committed revision. *changed (may be NULL) is
 * set to 1 when the revision changed, else 0. */
trawl_status trawl_db_reopen(trawl_db *db, int *changed);

/* Fetches the stored article with this id. TRAWL_ENOTFOUND when there is none;
 * TRAWL_ECORRUPT (message naming the id) when its stored record cannot be decoded.
 * On success *out is the caller's; free with trawl_article_free. */
trawl_status trawl_db_get(trawl_db *db, const char *id, trawl_article **out);

/* Database statistics. */
typedef struct {
    uint64_t articles;     /* number of articles */
    uint64_t terms;        /* number of distinct terms */
    uint64_t db_bytes;     /* size on disk of the database directory */
    uint64_t store_bytes;  /* compressed stored records, summed */
    uint64_t text_bytes;   /* the same records uncompressed, summed */
    uint64_t revision;     /* the revision this handle sees */
    int64_t last_commit;   /* time of the last commit, seconds since the epoch; 0 if none */
} trawl_stats;

/* Fills *out. Costs a walk of the database directory: for the revision alone, use
 * trawl_db_revision. */
trawl_status trawl_db_stats(trawl_db *db, trawl_stats *out);

/* The revision this handle sees (cheap: no statistics are gathered). */
trawl_status trawl_db_revision(trawl_db *db, uint64_t *out);

/* ------------------------------------------------------------------------------------ */
/* Search                                                                                */

typedef enum {
    TRAWL_SORT_RELEVANCE = 0, /* best first */
    TRAWL_SORT_DATE,          /* oldest first; articles without a date last */
    TRAWL_SORT_DATE_DESC      /* newest first; articles without a date last */
} trawl_sort;

typedef enum {
    TRAWL_RANK_DEFAULT = 0, /* trawl's tuned default ranking */
    TRAWL_RANK_BM25         /* Xapian's plain BM25 (k1=1, b=0.5), for comparison */
} trawl_ranking;

/* What to search for. Zero-initialise, then set `query`; zero fields take the defaults. */
typedef struct {
    const char *query;       /* Xapian QueryParser syntax; see trawl(1) */
    unsigned offset;         /* hits to skip (default 0) */
    unsigned limit;          /* hits to return, 1..1000 (0 means 10) */
    trawl_sort sort;
    trawl_ranking ranking;
    unsigned snippet_chars;  /* snippet length in characters; 0 = no snippet */
} trawl_query;

#define TRAWL_MAX_LIMIT 1000
#define TRAWL_MAX_QUERY_BYTES 65536
#define TRAWL_MAX_QUERY_WORDS 1024 /* runs of letters and digits in a query */

typedef struct trawl_results trawl_results;

/* A highlighted range of a snippet: [start, end) in UTF-8 bytes. */
typedef struct {
    size_t start, end;
} trawl_span;

/* One hit. Every pointer is borrowed from the results and valid until they are freed. */
typedef struct {
    unsigned rank;              /* 1-based, counting from the first result (offset + 1) */
    const char *id;
    double score;               /* 0 when sorted by date */
    const char *title;          /* "" when the article has none */
    const char *date;           /* as stored; NULL when the article has none */
    const char *snippet;        /* plain text, "" when snippets are off */
    size_t nhighlights;
    const trawl_span *highlights; /* nhighlights ranges into snippet, in order */
} trawl_hit;

/* Runs a query. A syntax error gives TRAWL_EQUERY with Xapian's message; a query over
 * TRAWL_MAX_QUERY_BYTES or of more than TRAWL_MAX_QUERY_WORDS words gives TRAWL_ETOOLARGE;
 * a limit over TRAWL_MAX_LIMIT gives TRAWL_EINVAL. On success *out is the caller's; free
 * with trawl_results_free before closing the database. */
trawl_status trawl_db_search(trawl_db *db, const trawl_query *q, trawl_results **out);

/* Number of hits held (at most the limit). */
size_t trawl_results_count(const trawl_results *r);

/* Estimated total number of matching articles. */
uint64_t trawl_results_total(const trawl_results *r);

/* The revision of the database the results were computed from. */
uint64_t trawl_results_revision(const trawl_results *r);

/* Hit i (0-based), or NULL when i is out of range. Borrowed from the results. */
const trawl_hit *trawl_results_hit(const trawl_results *r, size_t i);

/* Frees results. NULL-safe. */
void trawl_results_free(trawl_results *r);

/* ------------------------------------------------------------------------------------ */
/* Merging                                                                               */

/* Merges the databases at sources[0..n) into one new, compacted database at `dest`, for
 * building an index in parallel shards (trawl index --jobs). The sources are read, never
 * changed; none may be open for writing meanwhile; they must share one stemming language
 * and hold different ids. `dest` must not exist. The result holds every article of every
 * source (in source order), the union of their filter fields, their summed store and text
 * byte totals, and a last commit of now. TRAWL_EINVAL when n is 0, `dest` exists, the
 * languages differ, or an id is in two sources; TRAWL_ENOTFOUND when a source is missing.
 * On failure *errmsg (caller frees; NULL to ignore) names what and where, and `dest` may
 * be left behind, half-written or holding the duplicate: remove it. */
trawl_status trawl_db_merge(const char *const *sources, size_t n, const char *dest,
                            char **errmsg);

/* Sets *out to the number of articles the handle sees: cheap, unlike trawl_db_stats,
 * which counts the terms too. */
trawl_status trawl_db_count(trawl_db *db, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* TRAWL_H */
