/*
 * writer.h: the database side of the one-job `trawl index`. index/indexer.c prepares each
 * article (trawl_prepare: terms, values, the compressed record) on its reading thread and
 * hands the prepared document to a writer, whose own thread adds it to the database and
 * commits in batches, so that reading and preparing the next articles overlaps Xapian's
 * work on the previous ones, on two cores. A writer made without a thread does the same
 * work on the caller's thread, inside writer_put.
 *
 * Crash safety is that of the sequential loop: documents are put in the order given and
 * a commit follows every `batch` documents or `batch_bytes` bytes of records, whichever
 * comes first, so the database always holds a prefix of the input in whole batches; a
 * crash loses the batch in flight and the few documents queued behind it (WRITER_QUEUE).
 */
#ifndef TRAWL_INDEX_WRITER_H
#define TRAWL_INDEX_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "trawl.h"

#define WRITER_QUEUE 64 /* prepared documents waiting for the writer's thread */

typedef struct writer writer;

/* What the writer did. */
typedef struct {
    uint64_t added, replaced, commits;
} writer_counts;

/* A writer into `db` (borrowed: it must outlive the writer, and no other thread may use
 * it until writer_finish or writer_free returns), committing every `batch` documents or
 * `batch_bytes` bytes (both > 0); with `threaded`, on a thread of its own (which blocks
 * SIGINT and SIGTERM, so they reach the caller's thread). On failure *errmsg (caller
 * frees) says why. Free with writer_free. */
trawl_status writer_new(trawl_db *db, uint64_t batch, uint64_t batch_bytes, int threaded,
                        writer **out, char **errmsg);

/* Queues a prepared document (which becomes the writer's, even on failure) whose record
 * came from `bytes` bytes of input, waiting while the queue is full. TRAWL_OK, or the
 * status of the database failure that stopped the writer (writer_error says how): then
 * stop. */
trawl_status writer_put(writer *w, trawl_prepared *doc, size_t bytes);

/* Waits until the writer has put (and, where a batch filled, committed) every document
 * queued so far. TRAWL_OK, or the status of the failure that stopped it. */
trawl_status writer_sync(writer *w);

/* The counts so far, copied into *c. */
void writer_get_counts(writer *w, writer_counts *c);

/* Lets the writer put what is queued and commit, and waits for it (its thread ends).
 * TRAWL_OK or the status of a failure (writer_error says how). */
trawl_status writer_finish(writer *w);

/* The message of the failure that stopped the writer, naming the database, or NULL when
 * none. Borrowed: valid until writer_free. */
const char *writer_error(writer *w);

/* Stops the writer, dropping what is queued and not committing it, and frees it.
 * NULL-safe. */
void writer_free(writer *w);

#endif
