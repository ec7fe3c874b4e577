/*
 * indexer.h: the indexing loop behind `trawl index`. cli/cmd_index.c opens the database,
 * makes an indexer, hands it each PATH argument with indexer_add, then calls
 * indexer_finish and prints the summary from indexer_get_counts.
 *
 * The loop reads each input (a JSON Lines or plain-text file, gzip-compressed or not, a
 * directory walked recursively, or "-" for JSON Lines on stdin), turns records into
 * articles, adds or replaces them by id, and commits in batches, by count and by bytes,
 * so an interruption loses at most the batch in flight; or it hands the articles to the
 * parallel shards of index/shards.h, whose workers do that. Without shards, the database
 * is written by a second thread (index/writer.h) from indexer_new until indexer_finish:
 * the caller must not use it in between. A bad record or an unreadable
 * file is reported on stderr as "trawl: index: FILE:LINE: REASON" (or "FILE: REASON"),
 * counted as skipped, and passed over; with `strict` the loop stops there instead.
 */
#ifndef TRAWL_INDEX_INDEXER_H
#define TRAWL_INDEX_INDEXER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "trawl.h"

/* Defaults. Indexing Reuters-21578 (21,577 articles, 22 MB) on a shared 2-core VM took
 * about 20 s of CPU at batches of 250, 500, 1000 or 2000 articles (within the noise of
 * each other; 500 a little ahead), and more in one commit at the end, while memory grew
 * with the batch: 16 MB at 250, 21 MB at 500, 31 MB at 1000, 49 MB at 2000, 174 MB for
 * one commit. 500 keeps memory low and the batch an interruption can lose small. With the
 * database written on a second thread (index/writer.h), 500, 1000 and 2000 were again
 * within the noise (24.6, 24.0, 24.0 s of CPU; 37.6, 37.0, 38.1 s wall on a loaded
 * machine) while memory grew (26, 35, 52 MB). The byte bound caps a batch of large
 * articles. */
#define INDEXER_DEFAULT_BATCH 500
#define INDEXER_DEFAULT_BATCH_BYTES ((uint64_t)64 * 1024 * 1024)

typedef enum {
    INDEXER_FORMAT_AUTO = 0, /* by file name: .jsonl/.ndjson, .txt/.md, each maybe .gz */
    INDEXER_FORMAT_JSONL,
    INDEXER_FORMAT_TEXT
} indexer_format;

typedef struct {
    indexer_format format;
    int strict;            /* stop at the first bad record or unreadable file */
    uint64_t batch;        /* commit after this many articles; 0 = default */
    uint64_t batch_bytes;  /* ... or after this many bytes of records; 0 = default */
    size_t max_record;     /* longest JSON line or text file in bytes; 0 = 16 MiB */
    int show_progress;     /* draw a progress line on stderr */
    int64_t total_bytes;   /* input size for the percentage, or -1 when unknown */
    const volatile sig_atomic_t *stop; /* when it becomes non-zero, stop (may be NULL) */
    struct shards *shards; /* when not NULL, articles go to these parallel shards
                              (index/shards.h) instead of the database; borrowed */
    int one_thread;        /* without shards: write the database on the calling thread
                              too, instead of on a second one (for one core) */
} indexer_options;

typedef struct {
    uint64_t added, replaced;
    uint64_t skipped;      /* bad records and files that could not be read */
    uint64_t bytes;        /* input bytes read (after decompression) */
    uint64_t commits;
    double seconds;        /* since indexer_new */
} indexer_counts;

typedef enum {
    INDEXER_OK = 0,      /* go on: the input was read (some records may have been skipped) */
    INDEXER_STRICT_STOP, /* strict: stopped at a bad record (already reported) */
    INDEXER_INTERRUPTED, /* *stop became non-zero */
    INDEXER_DB_ERROR,    /* the database failed (already reported); stop */
    INDEXER_NOMEM        /* out of memory (already reported); stop */
} indexer_result;

typedef struct indexer indexer;

/* A new indexer writing into `db` (borrowed: it must outlive the indexer). NULL when out
 * of memory. Free with indexer_free. */
indexer *indexer_new(trawl_db *db, const indexer_options *opt);

/* Indexes one PATH argument; on return every article of it has been stored (and every
 * full batch committed). Anything other than INDEXER_OK means: stop adding. */
indexer_result indexer_add(indexer *ix, const char *path);

/* Waits for the writer to store what is queued and commit it, after which the caller may
 * use the database again: INDEXER_OK or INDEXER_DB_ERROR (reported). With shards, waits
 * for their workers to index what is queued and commit (shards_finish); merging them is
 * the caller's next step. */
indexer_result indexer_finish(indexer *ix);

/* The counts so far. Borrowed: valid until indexer_free. */
const indexer_counts *indexer_get_counts(indexer *ix);

/* Frees the indexer without committing. NULL-safe. */
void indexer_free(indexer *ix);

/* The total size in bytes of the given PATH arguments when all are regular files
 * (compressed size for .gz), else -1 (a directory or stdin among them). */
int64_t indexer_input_size(char *const *paths, int n);

#endif
