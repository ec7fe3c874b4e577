/*
 * queue.h: the read-ahead queue of `trawl serve`. serve.c parses every complete line
 * already waiting on stdin into a request and pushes it here before running the oldest
 * one; pushing a `cancel` marks the earlier queued requests whose id equals its target, so
 * they are answered `cancelled` in their own place instead of being run. No I/O.
 */
#ifndef TRAWL_PROTOCOL_QUEUE_H
#define TRAWL_PROTOCOL_QUEUE_H

#include <stddef.h>
#include "protocol/request.h"

struct queue_entry {
    struct request req;
    int cancelled;           /* a later cancel targeted it: answer `cancelled` */
    size_t bytes;            /* the request line's length, for the read-ahead bound */
    struct queue_entry *next;
};

struct queue {
    struct queue_entry *head, *tail;
    size_t count;            /* entries held */
    size_t bytes;            /* their request lines' lengths, summed */
};

/* Read-ahead stops while the queue holds this many entries or bytes. */
#define QUEUE_MAX_ENTRIES 4096
#define QUEUE_MAX_BYTES ((size_t)8 << 20)

/* An empty queue. */
#define QUEUE_INIT { NULL, NULL, 0, 0 }

/* Appends the request (moved: *req is zeroed) as an entry for a line of `bytes` bytes.
 * When it is a cancel, first marks every queued, not yet cancelled request whose id
 * json_equal()s the target (cancels themselves excepted) and stores how many in
 * req->cancelled. Returns 0, or -1 when out of memory (the request is then cleared). */
int queue_push(struct queue *q, struct request *req, size_t bytes);

/* Removes the oldest entry and returns it (the caller frees it with queue_entry_free),
 * or NULL when the queue is empty. */
struct queue_entry *queue_pop(struct queue *q);

/* Nonzero while read-ahead may add more (under both bounds). */
int queue_has_room(const struct queue *q);

/* Frees an entry and its request. NULL-safe. */
void queue_entry_free(struct queue_entry *e);

/* Frees every entry. */
void queue_clear(struct queue *q);

#endif
