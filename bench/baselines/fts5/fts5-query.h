/*
 * fts5-query.h: translation of a trawl query (Xapian QueryParser syntax) into an SQLite
 * FTS5 MATCH expression plus boolean filters, for the FTS5 baseline server
 * (fts5-serve.c) of the benchmark. Pure string work, no SQLite, so tests/bench/ can test
 * it on its own. The semantics (and what is not supported) are in README.md beside it.
 */
#ifndef FTS5_QUERY_H
#define FTS5_QUERY_H

#include <stddef.h>

/* One `field:value` filter taken out of the query (`topic:grain`, `place:usa`). */
typedef struct {
    char *field; /* canonical name: the query's name without a trailing "s" ("topic") */
    char *value; /* the value as written ("grain") */
} fts5q_filter;

/* A translated query. */
typedef struct {
    char *match;            /* FTS5 MATCH expression; NULL when the query has only filters */
    fts5q_filter *filters;  /* nfilters filters, in query order */
    size_t nfilters;
} fts5q;

/*
 * Translates `q` (a NUL-terminated UTF-8 query) into *out (fields owned by *out; release
 * with fts5q_free). Returns 0 on success; -1 with a static message in *err when the query
 * is empty or unbalanced (an unterminated phrase is accepted, as Xapian does).
 */
int fts5q_translate(const char *q, fts5q *out, const char **err);

/* Frees what fts5q_translate put in *q and zeroes it. NULL-safe. */
void fts5q_free(fts5q *q);

#endif
