/*
 * shards.h: building a new database on several cores, for `trawl index --jobs N`.
 * cli/cmd_index.c makes the shards beside the (new or empty) target it holds open for
 * writing, index/indexer.c hands them every article it reads (shards_put), and at the end
 * cmd_index.c waits for them (shards_finish) and merges them into the target
 * (shards_merge), which is then one compacted database.
 *
 * Each shard is a separate database written by its own worker thread through its own
 * handle, in batches like the sequential loop. An article goes to the shard picked by a
 * hash of its id, so every copy of one id lands in the same shard, where the last copy
 * replaces the earlier ones as a sequential run would. The target is not touched until
 * the merge, which puts the merged database in its place in one step; a run that dies
 * before leaves the target as it was and its shard directory beside it, which the next
 * run removes (shards_clean).
 */
#ifndef TRAWL_INDEX_SHARDS_H
#define TRAWL_INDEX_SHARDS_H

#include <stddef.h>
#include <stdint.h>
#include "trawl.h"

#define SHARDS_MAX 64 /* most workers shards_new starts */

typedef struct shards shards;

/* What the workers did, summed. */
typedef struct {
    uint64_t added, replaced, commits;
} shards_counts;

/* Removes the shard directories that killed runs left beside the database at
 * `target_path`. Only call while holding that database open for writing: its lock shows
 * that no run that could still use them is alive. */
void shards_clean(const char *target_path);

/* Makes n shards (2..SHARDS_MAX) in a new directory beside `target` (borrowed; the caller
 * keeps it open for writing, and it must hold no articles), in the target's language, and
 * starts their workers, each committing every `batch` articles or `batch_bytes` bytes of
 * records. On failure *errmsg (caller frees) says what and where. Free with shards_free. */
trawl_status shards_new(trawl_db *target, unsigned n, uint64_t batch, uint64_t batch_bytes,
                        shards **out, char **errmsg);

/* Queues article `a` (which becomes the shards', even on failure) for its shard, waiting
 * while that shard's queue is full. `file` and `lineno` (0: none) place it in messages;
 * `bytes` is its record's size, for batch_bytes. TRAWL_OK, or the status of a worker
 * whose database failed (shards_error says how); then stop. */
trawl_status shards_put(shards *s, trawl_article *a, const char *file, uint64_t lineno,
                        size_t bytes);

/* The next message about an article a worker skipped ("FILE:LINE: REASON"), or NULL when
 * there is none. The caller frees it. Each message is one skipped article. */
char *shards_next_message(shards *s);

/* The message of the worker failure that stopped the shards, or NULL when none. Borrowed:
 * valid until shards_free. */
const char *shards_error(shards *s);

/* Lets the workers index what is queued, commit and close their shards, and waits for
 * them; fills *counts. TRAWL_OK, or the status of a failure (shards_error says how). */
trawl_status shards_finish(shards *s, shards_counts *counts);

/* After shards_finish: merges the shards into one compacted database and puts it in the
 * target's place. *target (the caller's writable handle, committed here) is closed and
 * replaced by a read-only handle on the result (NULL when that cannot be opened, though
 * the merge succeeded). On failure the target is as it was and *errmsg (caller frees)
 * says why. */
trawl_status shards_merge(shards *s, trawl_db **target, char **errmsg);

/* Stops the workers (dropping what is queued, when shards_finish was not called) and
 * removes the shard directory. NULL-safe. */
void shards_free(shards *s);

#endif
