/*
 * walk.h: the directory walk behind `trawl index DIR`. index/indexer.c calls walk_dir
 * with two callbacks: one for each file found, one for each thing that had to be passed
 * over (an unreadable directory, a symbolic-link loop, a dangling link).
 *
 * Order and rules: entries are visited in byte-wise sorted order of their names (not the
 * locale's, so runs are reproducible), depth first; names starting with '.' are skipped
 * (hidden files and directories); symbolic links are followed, and a link back to a
 * directory that is being walked (a loop) is reported instead of entered, by comparing
 * device and inode numbers with those of every directory on the current path. Only
 * regular files reach the file callback; sockets, FIFOs and devices are passed over.
 */
#ifndef TRAWL_INDEX_WALK_H
#define TRAWL_INDEX_WALK_H

#include <sys/stat.h>

typedef struct {
    /* A regular file: `path` is the root joined with `rel`, the path below the root. Both
     * are borrowed for the call. Return 0 to go on, anything else to stop the walk. */
    int (*file)(void *ctx, const char *path, const char *rel, const struct stat *st);
    /* Something passed over, with the reason (borrowed). Return 0 to go on. */
    int (*problem)(void *ctx, const char *path, const char *reason);
    void *ctx;
} walk_callbacks;

/* Walks the directory `root`. Returns 0 when the walk finished, 1 when a callback stopped
 * it, -1 when memory ran out (reported through `problem` first). */
int walk_dir(const char *root, const walk_callbacks *cb);

#endif
