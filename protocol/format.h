/*
 * format.h: search results in the shapes `trawl serve` sends them, shared so that
 * `trawl search --json` prints exactly the server's search response and `trawl search`
 * prints the same hit lines as the server's text mode. Called by protocol/dispatch.c and
 * by cli/cmd_search.c. No I/O except in the *_write convenience functions.
 *
 * JSON search response (one line; doc/protocol.md is the reference):
 *   {"id":..,"ok":true,"total":1234,"took_us":412,"revision":7,
 *    "hits":[{"rank":1,"doc":"reuters-123","score":17.25,"title":"..","date":"1987-03-02",
 *             "snippet":"..","highlights":[[12,15],[16,22]]}]}
 *   "id" only when given, "took_us" only when >= 0, "date" only when the article has one;
 *   highlights are [start,end) ranges into the snippet, in code points or in UTF-8 bytes.
 *
 * Text hit line (one per hit, fields separated by one tab, LF-terminated):
 *   RANK \t DOC \t SCORE \t DATE \t TITLE \t SNIPPET
 *   DATE is empty when the article has none; tab, CR, LF and backslash inside a field are
 *   written \t, \r, \n, \\; highlighted words in SNIPPET are wrapped in [[ and ]] (or, with
 *   FORMAT_TEXT_ANSI, in the terminal's bold on/off sequences).
 */
#ifndef TRAWL_PROTOCOL_FORMAT_H
#define TRAWL_PROTOCOL_FORMAT_H

#include <jansson.h>
#include <stdio.h>

#include "trawl.h"
#include "protocol/buf.h"

/* How highlight offsets are counted. */
typedef enum {
    FORMAT_OFFSETS_CHARS = 0, /* Unicode code points (the default on the wire) */
    FORMAT_OFFSETS_BYTES      /* UTF-8 bytes (what Vim and Neovim highlight with) */
} format_offsets;

/* The jansson flags every JSON response is dumped with: compact, one line, UTF-8 kept,
 * reals with jansson's 17 significant digits, so an id or a stored number comes back as
 * the same double. */
#define FORMAT_JSON_FLAGS JSON_COMPACT

/* Scores are written with 6 significant digits; format_hit_json's objects dumped with
 * FORMAT_SCORE_FLAGS give exactly format_hit_line's bytes. */
#define FORMAT_REAL_PRECISION 6
#define FORMAT_SCORE_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(FORMAT_REAL_PRECISION))

/* Text-mode flags. */
enum {
    FORMAT_TEXT_ANSI = 1 << 0 /* mark highlights with ANSI bold instead of [[ ]] */
};

#define FORMAT_MARK_OPEN "[["
#define FORMAT_MARK_CLOSE "]]"
#define FORMAT_ANSI_OPEN "\033[1m"
#define FORMAT_ANSI_CLOSE "\033[0m"

/* One hit as a JSON object {"rank","doc","score","title","date"?,"snippet","highlights"}.
 * Ill-formed UTF-8 in the hit's strings is repaired with U+FFFD. Returns a new reference
 * (caller json_decref()s it), or NULL when out of memory. */
json_t *format_hit_json(const trawl_hit *h, format_offsets off);

/* The whole search response object (see the top of this file). `id` (may be NULL: no
 * "id" key) is shared, not copied. `took_us` < 0 leaves "took_us" out. Returns a new
 * reference (caller json_decref()s it), or NULL when out of memory. */
json_t *format_search_json(json_t *id, const trawl_results *r, format_offsets off,
                           long long took_us);

/* Appends the JSON object of one hit to b (no LF): exactly what format_hit_json gives,
 * dumped with FORMAT_SCORE_FLAGS, written directly. */
void format_hit_line(struct buf *b, const trawl_hit *h, format_offsets off);

/* Appends the search response as one line (with its LF) to b: exactly the bytes of
 * format_search_json(id, r, off, took_us) dumped with FORMAT_SCORE_FLAGS (when id holds
 * no reals; reals in the id keep 17 digits, as in every other response), written
 * directly, without building the JSON tree (the server's hot path: about 5 times fewer
 * instructions than building and dumping with jansson). */
void format_search_line(struct buf *b, json_t *id, const trawl_results *r, format_offsets off,
                        long long took_us);

/* Appends `obj` dumped with FORMAT_JSON_FLAGS and a LF to b. */
void format_json_line(struct buf *b, const json_t *obj);

/* Writes `obj` as one line (FORMAT_JSON_FLAGS, then LF) to out. Returns 0, or -1 with
 * errno set when writing failed. */
int format_json_write(FILE *out, const json_t *obj);

/* Appends the text hit line of h (see the top of this file) to b. */
void format_hit_text(struct buf *b, const trawl_hit *h, unsigned flags);

/* Appends the text hit line of every hit in r to b, in rank order. */
void format_results_text(struct buf *b, const trawl_results *r, unsigned flags);

/* Writes the text hit lines of r to out. Returns 0, or -1 with errno set. */
int format_results_text_write(FILE *out, const trawl_results *r, unsigned flags);

#endif
