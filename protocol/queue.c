/*
 * queue.c: the read-ahead queue declared in queue.h, a singly linked FIFO. Cancel marking
 * walks the queue, which holds at most QUEUE_MAX_ENTRIES entries.
 */
#include "protocol/queue.h"

#include <stdlib.h>
#include <string.h>

static unsigned long mark_cancelled(struct queue *q, json_t *target)
{
    unsigned long n = 0;
    for (struct queue_entry *e = q->head; e; e = e->next) {
        if (e->cancelled || !e->req.id || e->req.op == REQ_CANCEL)
            continue;
        if (json_equal(e->req.id, target)) {
            e->cancelled = 1;
            n++;
        }
    }
    return n;
}

int queue_push(struct queue *q, struct request *req, size_t bytes)
{
    struct queue_entry *e = calloc(1, sizeof *e);
    if (!e) {
        request_clear(req);
        return -1;
    }
    if (req->op == REQ_CANCEL)
        req->cancelled = mark_cancelled(q, req->target);
    e->req = *req;
    memset(req, 0, sizeof *req);
    e->bytes = bytes;
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    q->count++;
    q->bytes += bytes;
    return 0;
}

struct queue_entry *queue_pop(struct queue *q)
{
    struct queue_entry *e = q->head;
    if (!e)
        return NULL;
    q->head = e->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->bytes -= e->bytes;
    e->next = NULL;
    return e;
}

int queue_has_room(const struct queue *q)
{
    return q->count < QUEUE_MAX_ENTRIES && q->bytes < QUEUE_MAX_BYTES;
}

void queue_entry_free(struct queue_entry *e)
{
    if (!e)
        return;
    request_clear(&e->req);
    free(e);
}

void queue_clear(struct queue *q)
{
    struct queue_entry *e;
    while ((e = queue_pop(q)))
        queue_entry_free(e);
}
