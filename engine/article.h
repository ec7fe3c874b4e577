/*
 * article.h: the article model inside libtrawl (internal). An article is a jansson
 * object; this header exposes it, with the field rules (which names are known, which are
 * filter fields, what a date looks like), to engine/db.c, which indexes and stores
 * articles, and to engine/xapian.cc, whose query parser needs the same rules for
 * `FIELD:value` and `date:A..B`. Plain C, usable from C++.
 */
#ifndef TRAWL_ARTICLE_H
#define TRAWL_ARTICLE_H

#include <stddef.h>
#include <jansson.h>
#include "trawl.h"

#ifdef __cplusplus
extern "C" {
#endif

struct trawl_article {
    json_t *obj; /* a JSON object holding a valid article; owned */
};

/* Deepest nesting accepted in an article (objects and arrays inside its fields). */
#define ARTICLE_MAX_DEPTH 64
/* Longest filter-field name. */
#define ARTICLE_MAX_FIELD_NAME 32
/* Length of a date key: YYYYMMDDhhmmss. */
#define ARTICLE_DATE_KEY_LEN 14

/* Checks that `obj` is a valid article (see trawl.h and article.c). On failure returns
 * TRAWL_EINVAL and, when errmsg is not NULL, sets *errmsg (caller frees) to the reason. */
trawl_status article_validate(const json_t *obj, char **errmsg);

/* Wraps a validated-or-not object into an article: validates it and, on success, the
 * article takes over the caller's reference to `obj`. On failure the reference stays the
 * caller's. */
trawl_status article_wrap(json_t *obj, trawl_article **out, char **errmsg);

/* 1 when `name` is one of the known fields (id, title, body, date, url, source, author). */
int article_is_known(const char *name);

/* 1 when the top-level field (name, value) is a filter field: an unknown name matching
 * [A-Za-z0-9_]{1,32} whose value is a string or an array of strings. */
int article_is_filter(const char *name, const json_t *value);

/* The second query name of a filter field: `name` without its final "s" ("topics" ->
 * "topic"), or NULL when the name does not end in "s" or is a single letter. The result
 * is the caller's to free(); NULL also on out-of-memory. */
char *article_singular(const char *name);

/* How article_date_key reads a date. */
typedef enum {
    DATE_ARTICLE,     /* an article's date: a full date at least, missing time = 00:00:00 */
    DATE_RANGE_START, /* the start of a date: range: YYYY and YYYY-MM accepted too */
    DATE_RANGE_END    /* the end of a range, inclusive: missing parts run to the period's end */
} article_date_mode;

/* Parses an ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm[:ss[.fff]]
 * [Z|+hh:mm|-hh:mm]) of `len` bytes into a sortable UTC key YYYYMMDDhhmmss written to
 * `key` (ARTICLE_DATE_KEY_LEN + 1 bytes, NUL-terminated). A time with an offset is
 * converted to UTC; one without is taken as UTC. Returns 0 on success, -1 when the text is
 * not such a date (or names a day that does not exist). */
int article_date_key(const char *date, size_t len, article_date_mode mode,
                     char key[ARTICLE_DATE_KEY_LEN + 1]);

/* The boolean term of a filter value: "X" + upper-cased field name + ":" + lower-cased
 * value, cut at a UTF-8 boundary so the term stays under Xapian's limit. *out is the
 * caller's to free(). TRAWL_ENOMEM, or TRAWL_EINTERNAL when lower-casing fails. */
trawl_status article_filter_term(const char *field, const char *value, char **out);

/* The unique term of an article id: "Q" + id, or for ids over 200 bytes "Q" + the first
 * 160 bytes + "#" + a hash of the whole id. *out is the caller's to free(). */
trawl_status article_id_term(const char *id, char **out);

#ifdef __cplusplus
}
#endif

#endif
