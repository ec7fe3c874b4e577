/*
 * dispatch.h: runs one parsed request of `trawl serve` against the database and writes
 * its complete response into a buffer, with no I/O on stdin or stdout, so the server loop
 * (serve.c), the tests and the fuzzers call the same code. It owns the read-only database
 * handle: opened lazily by the first request that needs it, reopened before each request
 * so every request sees the newest committed revision, closed and opened again after a
 * failure that may have left it unusable or when the directory at the path is no longer
 * the one it was opened from (deleted, or replaced by a rebuilt database).
 */
#ifndef TRAWL_PROTOCOL_DISPATCH_H
#define TRAWL_PROTOCOL_DISPATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "trawl.h"
#include "protocol/buf.h"
#include "protocol/request.h"

struct dispatch {
    char *db_path; /* owned */
    trawl_db *db;  /* owned; NULL until a request opens it */
    dev_t dev;     /* the database directory db was opened from, to notice */
    ino_t ino;     /* a database deleted or replaced under the same path */
    int quit;      /* set once a quit request has been answered */
    trawl_results *spent; /* the last search's results, freed by dispatch_release */
    size_t preload; /* trawl_db_set_preload's limit for each database opened (0: none) */
};

/* Prepares a dispatcher for the database at db_path (copied; the database need not exist
 * yet). Returns 0, or -1 when out of memory. */
int dispatch_init(struct dispatch *d, const char *db_path);

/* Closes the database and frees what d owns. */
void dispatch_free(struct dispatch *d);

/* Appends to out the complete response to r: a JSON line for a JSON request, a text block
 * ending in ".\n" for a text command. `cancelled` nonzero answers the error `cancelled`
 * without running r. Sets d->quit after answering a quit. */
void dispatch_answer(struct dispatch *d, const struct request *r, int cancelled,
                     struct buf *out);

/* Frees what the last answer kept alive (the search results, whose freeing is left until
 * the response has been written, so it does not delay it). Called by the server loop
 * after each write; dispatch_answer and dispatch_free call it too. */
void dispatch_release(struct dispatch *d);

/* Parses one request line (without LF) and appends its response to out; nothing for a
 * blank line. The whole request path minus the transport: the fuzzers' entry point. */
void dispatch_line(struct dispatch *d, const char *line, size_t len, struct buf *out);

#endif
