/*
 * writer.c: the database side of the one-job `trawl index` (see writer.h). index/indexer.c
 * makes one writer per run and feeds it prepared documents in input order.
 *
 * Threads: the caller's thread reads, parses and prepares; the writer's thread owns the
 * trawl_db handle from writer_new to writer_finish (a handle is not thread-safe) and takes
 * documents from a bounded queue. One mutex guards the queue, the counts and the failure.
 * A database failure is recorded with its message, formatted here while the handle is at
 * hand; then the writer drops what it is given, and the caller stops at its next
 * writer_put. Without a thread, writer_put does the same work directly.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/writer.h"

typedef struct {
    trawl_prepared *doc;
    size_t bytes;
} item;

struct writer {
    trawl_db *db;                    /* borrowed */
    uint64_t batch, batch_bytes;
    int threaded;                    /* the thread was started and not yet joined */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t nonempty, nonfull, idle;
    item queue[WRITER_QUEUE];
    size_t head, count;
    int busy;                        /* the thread is putting a document it took */
    int closing;                     /* no more documents: put the queue, commit, end */
    int dropping;                    /* writer_free: drop the queue, do not commit */
    uint64_t pending, pending_bytes; /* since the last commit (the writing thread's) */
    writer_counts counts;
    trawl_status failed;
    char *failure;                   /* message of the first failure */
};

/* Records a failure of the database (the first one; later ones are its consequences):
 * the handle's message, which names the database, or else `what`, `id` and the database. */
static void db_failed(writer *w, trawl_status st, const char *what, const char *id)
{
    const char *path = trawl_db_path(w->db), *msg = trawl_db_errmsg(w->db);
    char *m = NULL;
    if (strstr(msg, path))
        m = strdup(msg);
    else if (asprintf(&m, "%s%s%s in database '%s': %s", what, id ? " " : "", id ? id : "",
                      path, msg) < 0)
        m = NULL;
    pthread_mutex_lock(&w->lock);
    if (w->failed == TRAWL_OK) {
        w->failed = st;
        w->failure = m;
        m = NULL;
    }
    pthread_cond_broadcast(&w->nonfull);
    pthread_mutex_unlock(&w->lock);
    free(m);
}

static int has_failed(writer *w)
{
    pthread_mutex_lock(&w->lock);
    int f = w->failed != TRAWL_OK;
    pthread_mutex_unlock(&w->lock);
    return f;
}

static void commit(writer *w)
{
    trawl_status st;
    if (w->pending == 0)
        return;
    if ((st = trawl_db_commit(w->db)) != TRAWL_OK) {
        db_failed(w, st, "cannot commit", NULL);
        return;
    }
    w->pending = w->pending_bytes = 0;
    pthread_mutex_lock(&w->lock);
    w->counts.commits++;
    pthread_mutex_unlock(&w->lock);
}

/* Adds or replaces one document (which stays the caller's); commits when a batch is full. */
static void put(writer *w, const trawl_prepared *doc, size_t bytes)
{
    trawl_put_result what = 0;
    trawl_status st = trawl_db_put_prepared(w->db, doc, &what);
    if (st != TRAWL_OK) {
        db_failed(w, st, "cannot store article", trawl_prepared_id(doc));
        return;
    }
    w->pending++;
    w->pending_bytes += bytes;
    if (w->pending >= w->batch || w->pending_bytes >= w->batch_bytes)
        commit(w);
    pthread_mutex_lock(&w->lock);
    if (what == TRAWL_PUT_REPLACED)
        w->counts.replaced++;
    else
        w->counts.added++;
    pthread_mutex_unlock(&w->lock);
}

/* Takes the next document into *it, waiting for one; 0 when the queue is closed and
 * empty, or being dropped. */
static int take(writer *w, item *it)
{
    pthread_mutex_lock(&w->lock);
    while (w->count == 0 && !w->closing)
        pthread_cond_wait(&w->nonempty, &w->lock);
    int got = w->count > 0 && !w->dropping;
    w->busy = got;
    if (!got)
        pthread_cond_broadcast(&w->idle);
    if (got) {
        *it = w->queue[w->head];
        w->head = (w->head + 1) % WRITER_QUEUE;
        w->count--;
        pthread_cond_signal(&w->nonfull);
    }
    pthread_mutex_unlock(&w->lock);
    return got;
}

static void *work(void *arg)
{
    writer *w = arg;
    item it;
    while (take(w, &it)) {
        if (!has_failed(w))
            put(w, it.doc, it.bytes);
        trawl_prepared_free(it.doc);
        pthread_mutex_lock(&w->lock);
        w->busy = 0;
        if (w->count == 0)
            pthread_cond_broadcast(&w->idle);
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_lock(&w->lock);
    int end_commit = !w->dropping && w->failed == TRAWL_OK;
    pthread_mutex_unlock(&w->lock);
    if (end_commit)
        commit(w);
    return NULL;
}

/* Starts the thread with SIGINT and SIGTERM blocked, so that they reach the caller's. */
static int start(writer *w)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&w->thread, NULL, work, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

trawl_status writer_new(trawl_db *db, uint64_t batch, uint64_t batch_bytes, int threaded,
                        writer **out, char **errmsg)
{
    writer *w = calloc(1, sizeof *w);
    *out = NULL;
    *errmsg = NULL;
    if (!w) {
        *errmsg = strdup("out of memory");
        return TRAWL_ENOMEM;
    }
    w->db = db;
    w->batch = batch;
    w->batch_bytes = batch_bytes;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->nonempty, NULL);
    pthread_cond_init(&w->nonfull, NULL);
    pthread_cond_init(&w->idle, NULL);
    /* Without a thread (none wanted, or none to be had) the writer works inline. */
    w->threaded = threaded && start(w) == 0;
    *out = w;
    return TRAWL_OK;
}

trawl_status writer_put(writer *w, trawl_prepared *doc, size_t bytes)
{
    trawl_status st;
    if (!w->threaded) {
        if (w->failed == TRAWL_OK)
            put(w, doc, bytes);
        trawl_prepared_free(doc);
        return w->failed;
    }
    pthread_mutex_lock(&w->lock);
    while (w->count == WRITER_QUEUE && w->failed == TRAWL_OK)
        pthread_cond_wait(&w->nonfull, &w->lock);
    if ((st = w->failed) == TRAWL_OK) {
        w->queue[(w->head + w->count) % WRITER_QUEUE] = (item){doc, bytes};
        w->count++;
        pthread_cond_signal(&w->nonempty);
        doc = NULL;
    }
    pthread_mutex_unlock(&w->lock);
    trawl_prepared_free(doc);
    return st;
}

trawl_status writer_sync(writer *w)
{
    pthread_mutex_lock(&w->lock);
    while (w->threaded && (w->count > 0 || w->busy) && w->failed == TRAWL_OK)
        pthread_cond_wait(&w->idle, &w->lock);
    trawl_status st = w->failed;
    pthread_mutex_unlock(&w->lock);
    return st;
}

void writer_get_counts(writer *w, writer_counts *c)
{
    pthread_mutex_lock(&w->lock);
    *c = w->counts;
    pthread_mutex_unlock(&w->lock);
}

/* Ends the thread: it puts (or, dropping, frees) what is queued first. */
static void join(writer *w, int drop)
{
    if (!w->threaded)
        return;
    pthread_mutex_lock(&w->lock);
    w->closing = 1;
    w->dropping = drop;
    pthread_cond_broadcast(&w->nonempty);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    w->threaded = 0;
    for (; w->count > 0; w->count--) { /* what a dropping thread left */
        trawl_prepared_free(w->queue[w->head].doc);
        w->head = (w->head + 1) % WRITER_QUEUE;
    }
}

trawl_status writer_finish(writer *w)
{
    if (w->threaded)
        join(w, 0); /* the thread commits at its end */
    else if (w->failed == TRAWL_OK)
        commit(w);
    return w->failed;
}

const char *writer_error(writer *w)
{
    return w->failure ? w->failure : (w->failed ? trawl_strerror(w->failed) : NULL);
}

void writer_free(writer *w)
{
    if (!w)
        return;
    join(w, 1);
    pthread_cond_destroy(&w->nonfull);
    pthread_cond_destroy(&w->idle);
    pthread_cond_destroy(&w->nonempty);
    pthread_mutex_destroy(&w->lock);
    free(w->failure);
    free(w);
}
