/*
 * lines.h: the bounded line splitter of `trawl serve`. The server loop (serve.c) feeds it
 * whatever read(2) returned; it hands back each complete line, without its LF and without
 * a CR just before the LF. It never holds more than max + 1 bytes: a line longer than
 * `max` is reported once, as soon as it is known to be too long, and the rest of it is
 * skipped as it arrives, up to and including its LF. No I/O, so it is unit-tested alone.
 */
#ifndef TRAWL_PROTOCOL_LINES_H
#define TRAWL_PROTOCOL_LINES_H

#include <stddef.h>
#include "protocol/buf.h"

#define LINES_DEFAULT_MAX ((size_t)1 << 20) /* 1 MiB, the default of --max-line */

/* Called for each line. For a complete line, too_large is 0 and line[0..len) is the line
 * (borrowed: valid only during the call; NUL-terminated). For an over-long line, too_large
 * is 1, `json` says whether its first non-blank byte was '{', and line is NULL. Returns 0,
 * or -1 to report a failure (out of memory) that lines_feed passes on. */
typedef int (*lines_emit)(void *ctx, const char *line, size_t len, int too_large, int json);

struct lines {
    size_t max;      /* the longest line accepted, in bytes, without its LF (and CR) */
    struct buf cur;  /* the line being read, at most max + 1 bytes */
    int skipping;    /* inside an over-long line, waiting for its LF */
};

/* Starts a splitter for lines of at most `max` bytes (max >= 1). */
void lines_init(struct lines *l, size_t max);

/* Frees what the splitter holds. */
void lines_free(struct lines *l);

/* Splits n bytes, calling emit for each line completed or found too long. Returns 0, or
 * -1 when emit failed or memory ran out (the bytes after the failing line are lost). */
int lines_feed(struct lines *l, const char *p, size_t n, lines_emit emit, void *ctx);

/* At end of input: emits a last line that had no LF (if any). Returns as lines_feed. */
int lines_finish(struct lines *l, lines_emit emit, void *ctx);

#endif
