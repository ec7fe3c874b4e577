/*
 * progress.h: the progress line and the final summary of `trawl index`, both on stderr.
 * index/indexer.c updates the progress line as it reads (only when it was asked to, which
 * cli/cmd_index.c does when stderr is a terminal) and clears it before printing a message;
 * cli/cmd_index.c prints the summary at the end.
 */
#ifndef TRAWL_INDEX_PROGRESS_H
#define TRAWL_INDEX_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *out;          /* where to draw; NULL: draw nothing */
    double start;       /* progress_now() when indexing started */
    double last;        /* when the line was last drawn */
    int drawn;          /* the line is on screen */
} progress;

/* Seconds on a monotonic clock. */
double progress_now(void);

/* Starts timing; draws on `out` when it is not NULL. */
void progress_start(progress *p, FILE *out);

/* Redraws the line (at most a few times a second, unless `force`): articles indexed,
 * megabytes read, articles per second, and when total > 0 the percentage of `done` out of
 * `total` input bytes with an estimate of the time left. */
void progress_update(progress *p, uint64_t articles, uint64_t bytes, int64_t done,
                     int64_t total, int force);

/* Erases the line, so that a message can be printed in its place. */
void progress_clear(progress *p);

/* Prints the one-line summary on `out`:
 * "trawl: indexed N articles (A added, R replaced, S skipped) from X.X MB in T.T s; store
 * Y.Y MB, database Z.Z MB" (the store and database parts only when store_bytes >= 0). */
void progress_summary(FILE *out, uint64_t added, uint64_t replaced, uint64_t skipped,
                      uint64_t bytes, double seconds, int64_t store_bytes, int64_t db_bytes);

#endif
