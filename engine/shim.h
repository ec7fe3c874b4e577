/*
 * shim.h: the plain-C face of engine/xapian.cc, the only C++ in trawl (internal).
 * engine/db.c and engine/prepare.c drive Xapian through it; no C++ type or exception
 * crosses it.
 *
 * The shim translates and decides nothing: prepare.c says which terms, prefixes, values
 * and data make a document, db.c how a query is parsed and ranked. Every function
 * returns a trawl_status; on failure the Xapian (or C++) message is kept on the shim_db
 * handle (shim_errmsg) for db.c to put in context. Exceptions map as follows:
 * DatabaseLockError -> TRAWL_ELOCKED, DatabaseCorruptError -> TRAWL_ECORRUPT,
 * DatabaseNotFoundError (or an opening error on a missing path) -> TRAWL_ENOTFOUND,
 * QueryParserError -> TRAWL_EQUERY, other Xapian errors -> TRAWL_EIO, std::bad_alloc ->
 * TRAWL_ENOMEM, anything else -> TRAWL_EINTERNAL. Reads (search, fetch) that meet
 * DatabaseModifiedError reopen and retry once.
 */
#ifndef TRAWL_SHIM_H
#define TRAWL_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include "snippet.h"
#include "trawl.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shim_db shim_db;   /* a Xapian (writable) database, stemmer, last error */
typedef struct shim_doc shim_doc; /* a document being built for indexing */
typedef struct shim_mset shim_mset; /* the hits of one search, with their data */

/* ---- databases ---------------------------------------------------------------------- */

/* Opens `path` (writable: creating it when missing). On failure *out is NULL and *errmsg
 * (caller frees) holds Xapian's message. */
trawl_status shim_open(const char *path, int writable, shim_db **out, char **errmsg);
/* Closes (a writable database commits pending changes, as Xapian does). NULL-safe. */
void shim_close(shim_db *s);
/* A handle on no database, for building documents (shim_doc_*) on a thread other than the
 * writer's, stemming in `language` (through a memo of recent stems): nothing in it is
 * shared with any other handle. Free
 * it with shim_close. TRAWL_EINVAL for a language Xapian does not know (then *errmsg,
 * the caller's, says so). */
trawl_status shim_builder_new(const char *language, shim_db **out, char **errmsg);
/* The message of the last failure, "" when none. Borrowed from the handle. */
const char *shim_errmsg(const shim_db *s);

/* Sets the stemmer for indexing and parsing: "none" for no stemming. TRAWL_EINVAL for a
 * language Xapian does not know. */
trawl_status shim_set_stemmer(shim_db *s, const char *language);

/* User metadata: *out (caller frees) is "" when the key is not set. */
trawl_status shim_get_metadata(shim_db *s, const char *key, char **out);
trawl_status shim_set_metadata(shim_db *s, const char *key, const char *value);

trawl_status shim_doccount(shim_db *s, uint64_t *out);
trawl_status shim_revision(shim_db *s, uint64_t *out);
/* Number of distinct terms (walks them all: O(terms)). */
trawl_status shim_count_terms(shim_db *s, uint64_t *out);
trawl_status shim_commit(shim_db *s);
/* Read-only handles: moves to the newest revision; *changed = 1 when it moved. */
trawl_status shim_reopen(shim_db *s, int *changed);

/* ---- documents ---------------------------------------------------------------------- */

trawl_status shim_doc_new(shim_db *s, shim_doc **out);
void shim_doc_free(shim_doc *d); /* NULL-safe */
/* Indexes free text with the database's stemmer (stemmed forms as "Z" terms), keeping
 * positions; each word's wdf grows by `wdf_inc`; terms get `prefix` ("" for none). */
trawl_status shim_doc_index_text(shim_db *s, shim_doc *d, const char *text, unsigned wdf_inc,
                                 const char *prefix);
/* Leaves a gap of `delta` positions, so phrases never span two fields. */
trawl_status shim_doc_increase_termpos(shim_db *s, shim_doc *d, unsigned delta);
trawl_status shim_doc_add_boolean_term(shim_db *s, shim_doc *d, const char *term);
trawl_status shim_doc_set_value(shim_db *s, shim_doc *d, unsigned slot, const char *value);
/* As shim_doc_set_value, for a value of `len` bytes that may hold NULs. */
trawl_status shim_doc_set_value_bytes(shim_db *s, shim_doc *d, unsigned slot, const void *value,
                                      size_t len);
trawl_status shim_doc_set_data(shim_db *s, shim_doc *d, const void *data, size_t len);
/* Ends the building of `d` with `s`: the handle's term generator lets go of it, so that
 * `d` may be put (and freed) by another handle on another thread. */
trawl_status shim_doc_done(shim_db *s, shim_doc *d);

/* The data of the document holding the unique term `idterm`. TRAWL_ENOTFOUND when none;
 * *data (caller frees) holds *len bytes. */
trawl_status shim_get_data(shim_db *s, const char *idterm, void **data, size_t *len);
/* Adds `d`, or replaces the document holding `idterm`. When it replaced one, *old (caller
 * frees) holds the replaced document's data (*oldlen bytes); when it added, *old is NULL. */
trawl_status shim_put(shim_db *s, const char *idterm, shim_doc *d, void **old, size_t *oldlen);
/* Deletes the document holding `idterm`; TRAWL_ENOTFOUND when none. */
trawl_status shim_delete(shim_db *s, const char *idterm);

/* ---- search ------------------------------------------------------------------------- */

typedef enum { SHIM_WEIGHT_BM25 = 0, SHIM_WEIGHT_BOOL, SHIM_WEIGHT_INEB2 } shim_weight_scheme;

/* A weighting scheme and its parameters (BM25: k1, k2, k3, b, min_normlen). */
typedef struct {
    shim_weight_scheme scheme;
    double k1, k2, k3, b, min_normlen;
    double c; /* IneB2 (Xapian::IneB2Weight): the term-frequency normalisation parameter */
    int xapian_lengths; /* IneB2: nonzero to let Xapian's IneB2Weight weigh every term,
                         * looking each document's length up (slow; tests compare the
                         * engine/rank.h fast path, used when 0, with it) */
} shim_weight;

/* A `name:value` filter: values are turned into terms by article_filter_term(field, v). */
typedef struct {
    const char *name;  /* what the user types before the colon */
    const char *field; /* the article field it searches */
} shim_filter;

typedef enum { SHIM_SORT_RELEVANCE = 0, SHIM_SORT_VALUE_ASC, SHIM_SORT_VALUE_DESC } shim_sort;

/* Which hits' document data shim_search fetches (each hit's summary value always is). */
typedef enum {
    SHIM_DATA_IF_NO_SUMMARY = 0, /* only hits whose summary value is empty */
    SHIM_DATA_ALL                /* every hit */
} shim_fetch;

typedef struct {
    const char *query;          /* QueryParser syntax */
    unsigned parse_flags;       /* Xapian::QueryParser flags */
    const char *text_prefix;    /* free-text prefix name ("title") ... */
    const char *text_term_prefix; /* ... and its term prefix ("S") */
    const shim_filter *filters; /* boolean filter prefixes */
    size_t nfilters;
    const char *range_name;     /* "date:" range prefix; ends parsed by article_date_key */
    unsigned range_slot;        /* value slot of the range and of the sort */
    shim_sort sort;             /* by relevance, or by range_slot (empty values last) */
    const shim_weight *weight;
    const char *const *stopwords; /* query-time stop words (Xapian::SimpleStopper), none */
    size_t nstopwords;            /* when 0; the handle builds its stopper once for a list,
                                   * known by address and count: pass a constant list */
    unsigned offset, limit;
    unsigned summary_slot;      /* the value slot fetched for every hit (shim_mset_value) */
    shim_fetch fetch_data;      /* whose document data to fetch (shim_mset_data) */
} shim_query;

/* What a record preload holds of each record in place of the record itself, made on the
 * loading thread (db.c gives the articles' bodies, inflated). bound() says cheaply (from
 * the record's header, say) at least how many bytes keep() would make of record
 * rec[0..len), so that nothing is made when it would not all fit; open() makes a state for
 * one load (NULL: out of memory, and nothing is derived); keep() turns the record into the
 * bytes to hold, *out (borrowed from the state until its next call), returning 0, or
 * non-zero when nothing is to be held for that record (its hits read it from Xapian, as
 * without a preload); close() frees the state. Plain C functions: they never throw. */
typedef struct {
    size_t (*bound)(const void *rec, size_t len);
    void *(*open)(void);
    int (*keep)(void *state, const void *rec, size_t len, const void **out, size_t *outlen);
    void (*close)(void *state);
} shim_keep;

/* Keeps up to `bytes` of the database's records in memory, loaded on a thread of the
 * handle's own (engine/records.h): later searches with SHIM_DATA_ALL take their hits' data
 * from there instead of from Xapian. With `keep` (may be NULL; the struct must outlive the
 * handle), what it makes of every record is held when that fits in `bytes`, and then hits
 * whose summary value is not empty get it from shim_mset_kept instead of their data from
 * shim_mset_data; else (or without `keep`) the records themselves are held when they fit,
 * with the same bytes as Xapian's. 0 (the default) turns it off and frees them. A writable
 * handle never uses them (db.c refuses to set a limit on one). */
trawl_status shim_set_preload(shim_db *s, size_t bytes, const shim_keep *keep);
/* Waits for the handle's loading thread, if one is running, and returns the bytes now
 * held (0 when none); *served gets how many hits' data (or kept bytes) came from memory so
 * far, *kept whether what is held is what shim_keep made rather than the records. For
 * tests. */
size_t shim_preload_wait(shim_db *s, uint64_t *served, int *kept);

/* Runs a query and fetches every hit's summary value and, as q->fetch_data says, its
 * document data. */
trawl_status shim_search(shim_db *s, const shim_query *q, shim_mset **out);
void shim_mset_free(shim_mset *m); /* NULL-safe */
size_t shim_mset_size(const shim_mset *m);
uint64_t shim_mset_total(const shim_mset *m);
double shim_mset_score(const shim_mset *m, size_t i);
/* Hit i's document data: borrowed from the mset; NULL (and *len 0) when it was not
 * fetched. */
const void *shim_mset_data(const shim_mset *m, size_t i, size_t *len);
/* What the preload's shim_keep made of hit i's record, borrowed from the mset; NULL (and
 * *len 0) when hit i's data came otherwise (then shim_mset_data has it, if fetched). */
const void *shim_mset_kept(const shim_mset *m, size_t i, size_t *len);
/* Hit i's value in the query's summary_slot ("" when it has none): borrowed from the mset. */
const void *shim_mset_value(const shim_mset *m, size_t i, size_t *len);
/* Hit i's unique term (starting with `prefix`), for messages; *out is the caller's, ""
 * when it has none. */
trawl_status shim_mset_term(shim_db *s, const shim_mset *m, size_t i, const char *prefix,
                            char **out);
/* Reads text[0..len) into words as MSet::snippet's tokeniser reads it (Xapian's rules
 * for word characters, infixes as in "don't", "AT&T" and "1,000", acronyms as "U.S.",
 * suffixes as "C++"; no CJK n-grams) into out->toks[0..out->ntoks) (grown with realloc,
 * the caller's; for snippet_make_scanned), marking each with what it matches as
 * MSet::snippet matches it: the word itself a query term, or its stem (with the memo stemmer) a stemmed "Z" term, or a
 * wildcard's prefix, or it ends a phrase of the query. A word that does not start the
 * way a match of a sought word must (for a stem: with the stem but its last letter) is
 * not stemmed: it cannot match. *weights (n of them, borrowed
 * from the mset) are the relevance of each term and phrase as MSet::snippet weighs them.
 * Texts over SNIPPET_TOK_MAX_TEXT bytes are refused (TRAWL_EINVAL). */
trawl_status shim_mset_words(shim_db *s, const shim_mset *m, const char *text, size_t len,
                             snippet_scratch *out, const double **weights, size_t *nweights);
/* For the tests: 1 when the fast tokeniser shim_mset_words uses (plain ASCII words taken
 * from the text's masks) and the plain one read text[0..len) into the same words (the
 * same begin, term end, end and acronym flag); 0 when not, with *where the byte offset
 * at which they part; -1 when out of memory. */
int shim_tokens_agree(const char *text, size_t len, size_t *where);
/* For the tests: 1 when every word of the database's vocabulary (its terms without a
 * prefix) starts as shim_mset_words' prefilter expects a match of its stem to start (the
 * stem without its last character, with the handle's stemmer); 0 when one does not, with
 * *bad (caller frees) "word -> stem"; -1 on error (shim_errmsg). *words counts the words
 * checked. */
int shim_stem_starts_hold(shim_db *s, size_t *words, char **bad);
/* The snippet_classify classes of a code point, from Xapian's Unicode tables and
 * MSet::snippet's lists of leading and trailing punctuation. Never fails. */
unsigned shim_char_class(unsigned ch);
/* Xapian's MSet::snippet of `text` at most `bytes` long, matches between hi_start and
 * hi_end, `omit` where text was cut; `flags` are Xapian::MSet snippet flags. *out is the
 * caller's. */
trawl_status shim_mset_snippet(shim_db *s, const shim_mset *m, const char *text, size_t bytes,
                               unsigned flags, const char *hi_start, const char *hi_end,
                               const char *omit, char **out);

/* Query-parser flags and snippet flags, named here so db.c need not include Xapian. */
extern const unsigned SHIM_QP_DEFAULT, SHIM_QP_PHRASE, SHIM_QP_BOOLEAN, SHIM_QP_LOVEHATE,
    SHIM_QP_PURE_NOT, SHIM_QP_PARTIAL, SHIM_QP_BOOLEAN_ANY_CASE;
extern const unsigned SHIM_SNIPPET_BACKGROUND_MODEL, SHIM_SNIPPET_EXHAUSTIVE;

/* ---- text --------------------------------------------------------------------------- */

/* `s` lower-cased with Xapian's Unicode tables; *out is the caller's. */
trawl_status shim_utf8_lower(const char *s, char **out);

/* ---- merging (trawl_db_merge) --------------------------------------------------------- */

/* Compacts the databases at sources[0..n) into one new database at `dest` (Xapian's
 * compaction: each source's documents renumbered to follow the previous source's; a
 * metadata key in several sources keeps the first one's value). On failure *errmsg
 * (caller frees) holds Xapian's message. */
trawl_status shim_compact(const char *const *sources, size_t n, const char *dest,
                          char **errmsg);
/* The first term starting with `prefix` that indexes more than one document, in *out
 * (caller frees); "" when there is none. */
trawl_status shim_first_shared_term(shim_db *s, const char *prefix, char **out);

#ifdef __cplusplus
}
#endif

#endif
