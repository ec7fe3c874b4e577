/*
 * fts5-common.h: what the FTS5 baseline's indexer (fts5-index.c) and server
 * (fts5-serve.c) share: the schema and the "trawlstem" tokenizer that gives FTS5 the
 * stem-some behaviour of trawl's Xapian index (see fts5-common.c and README.md).
 */
#ifndef FTS5_COMMON_H
#define FTS5_COMMON_H

#include <sqlite3.h>

/* The schema, created by fts5-index. The FTS5 table holds the text (columns 0..3: id,
 * date, title, body; id and date are UNINDEXED); `filters` holds one row per filter
 * value (field name without a trailing "s": topics -> topic); `meta` holds counters. */
#define FTS5B_SCHEMA                                                                       \
    "CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(id UNINDEXED, date UNINDEXED, "     \
    "title, body, tokenize='trawlstem');"                                                  \
    "CREATE TABLE IF NOT EXISTS filters(field TEXT NOT NULL, value TEXT NOT NULL, "        \
    "doc INTEGER NOT NULL, PRIMARY KEY(field, value, doc)) WITHOUT ROWID;"                 \
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"

/* Ranking: bm25 with the title weighted 5 times the body (id and date carry no weight). */
#define FTS5B_RANK "bm25(0.0, 0.0, 5.0, 1.0)"

/* The marker byte that starts an unstemmed token in the index. */
#define FTS5B_RAW_MARK '\x01'

/* Registers the "trawlstem" tokenizer on `db`. Returns an SQLite result code. */
int fts5b_register_tokenizer(sqlite3 *db);

#endif
