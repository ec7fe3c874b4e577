/*
 * jsonl.h: the JSON Lines reader, as a codec that does no I/O. Bytes go in, in chunks of
 * any size; complete lines (or "this line was too long") come out. index/indexer.c feeds
 * it what index/source.c reads, then turns each line into an article with
 * jsonl_parse_line; the unit tests and the libFuzzer target drive it directly.
 *
 * Rules: lines end at LF; a CR before the LF is dropped; a UTF-8 byte order mark at the
 * very start of the input is dropped; blank lines (only spaces and tabs) are passed over
 * silently but still counted, so line numbers match what an editor shows; the last line
 * may lack its LF (jsonl_finish hands it out). A line longer than the limit is never
 * buffered: the reader drops its bytes as they arrive and reports JSONL_TOO_LONG once
 * its end is seen, so memory stays bounded by the limit whatever the input.
 */
#ifndef TRAWL_INDEX_JSONL_H
#define TRAWL_INDEX_JSONL_H

#include <stddef.h>
#include <stdint.h>
#include "trawl.h"

/* The default limit on one line (and so on one JSON Lines article), in bytes. */
#define JSONL_DEFAULT_MAX_LINE ((size_t)16 * 1024 * 1024)

typedef struct jsonl_reader jsonl_reader;

/* One line handed out by the reader. `text` is borrowed: it points either into the
 * caller's chunk or into the reader's own buffer, and is valid until the next call on the
 * reader or until the caller's chunk changes. It is not NUL-terminated. */
typedef struct {
    const char *text;
    size_t len;
    uint64_t lineno; /* 1-based physical line number */
} jsonl_line;

typedef enum {
    JSONL_NONE = 0, /* no line: jsonl_next needs more input; jsonl_finish has nothing left */
    JSONL_LINE,     /* *out holds a line */
    JSONL_TOO_LONG, /* a line over the limit was dropped; out->lineno says which (no text) */
    JSONL_NOMEM     /* the line buffer could not grow; the line is lost */
} jsonl_event;

/* A new reader accepting lines of at most max_line bytes (not counting the LF or a CR
 * before it). NULL when out of memory. Free with jsonl_reader_free. */
jsonl_reader *jsonl_reader_new(size_t max_line);

/* NULL-safe. */
void jsonl_reader_free(jsonl_reader *r);

/* Takes bytes from the chunk at *data (*len bytes), advancing both past what it used,
 * until it has a line to hand out or the chunk is used up (JSONL_NONE; *len is then 0).
 * Call again with the rest of the chunk after each JSONL_LINE / JSONL_TOO_LONG. */
jsonl_event jsonl_next(jsonl_reader *r, const char **data, size_t *len, jsonl_line *out);

/* At the end of the input: the last line when it had no LF, its JSONL_TOO_LONG report,
 * or JSONL_NONE. Call repeatedly until JSONL_NONE. After it the reader is ready for a new
 * input (line numbers start again at 1). */
jsonl_event jsonl_finish(jsonl_reader *r, jsonl_line *out);

/* Drops a partial line (after a read error) and starts a new input at line 1. */
void jsonl_reset(jsonl_reader *r);

/* The number of the last line seen (complete or not); 0 before any input. */
uint64_t jsonl_lineno(const jsonl_reader *r);

/* Bytes allocated for the line buffer: never more than the limit plus one. For tests. */
size_t jsonl_capacity(const jsonl_reader *r);

/* Turns one line into an article (trawl_article_from_json). On failure *errmsg (caller
 * frees) says why; on success *out is the caller's (trawl_article_free). */
trawl_status jsonl_parse_line(const jsonl_line *line, trawl_article **out, char **errmsg);

#endif
