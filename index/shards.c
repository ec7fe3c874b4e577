/*
 * shards.c: building a new database on several cores (see shards.h), for
 * `trawl index --jobs N`. cli/cmd_index.c makes and merges the shards; index/indexer.c
 * feeds them.
 *
 * On disk, beside the target TARGET: a directory TARGET.trawl-shards.XXXXXX holding one
 * database per worker (shard-0, shard-1, ...) and, at the end, the merged database
 * (merged), which trades places with the target. The directory goes at the end of the run;
 * one left by a killed run goes at the next run's start.
 *
 * Threads: the caller's thread reads and parses, and queues each article for the worker
 * of its id (FNV-1a hash of the id, modulo the workers). Each worker owns its shard's
 * trawl_db handle (a handle is not thread-safe; separate handles are) and takes articles
 * from its own bounded queue. One mutex guards every queue, the skip messages and the
 * failure. Workers block SIGINT and SIGTERM, so the caller's thread sees them (its reads
 * return early, as in a sequential run). A worker whose database fails records the
 * failure, and then every worker drops what it is given, so the caller stops at its next
 * shards_put.
 *
 * The swap: the caller still holds the (empty) target open for writing, so no other
 * writer can come in; the merged database and the target trade places in one
 * renameat2(RENAME_EXCHANGE). Where the file system cannot exchange, the target moves
 * into the shard directory and the merged database into its place: two renames, with the
 * target missing for the moment between them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/shards.h"

#define QUEUE_LEN 64 /* articles waiting for one worker */
#define DIR_INFIX ".trawl-shards."

typedef struct {
    trawl_article *a;
    char *file;      /* for messages; NULL when unknown */
    uint64_t lineno;
    size_t bytes;
} job;

typedef struct {
    struct shards *owner;
    unsigned index;
    pthread_t thread;
    int started;
    trawl_db *db;
    char *path;
    job queue[QUEUE_LEN];
    size_t head, count;
    pthread_cond_t nonempty, nonfull;
    uint64_t pending, pending_bytes; /* since the worker's last commit */
    shards_counts counts;
} worker;

struct shards {
    pthread_mutex_t lock;
    char *dir;       /* TARGET.trawl-shards.XXXXXX */
    unsigned n;
    worker *w;
    uint64_t batch, batch_bytes;
    int closing;     /* no more articles: workers finish their queues and stop */
    int finished;    /* shards_finish joined the workers */
    trawl_status failed;
    char *failure;   /* message of the first failure */
    char **msgs;     /* skip messages, oldest first from msg_head */
    size_t nmsgs, msg_head, capmsgs;
};

/* ---- removing directories ------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path); /* what cannot be removed stays; the next run tries again */
    return 0;
}

/* Removes the tree at `path` (never following symbolic links). */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* `path` without trailing slashes (caller frees), or NULL when out of memory. */
static char *trimmed(const char *path)
{
    char *p = strdup(path);
    size_t n = p ? strlen(p) : 0;
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    return p;
}

void shards_clean(const char *target_path)
{
    char *target = trimmed(target_path), *prefix = NULL, *parent;
    const char *slash, *base;
    DIR *d;
    struct dirent *e;
    if (!target)
        return;
    slash = strrchr(target, '/');
    base = slash ? slash + 1 : target;
    parent = slash ? strndup(target, (size_t)(slash - target) + (slash == target)) : strdup(".");
    if (parent && asprintf(&prefix, "%s" DIR_INFIX, base) >= 0 && (d = opendir(parent))) {
        while ((e = readdir(d))) {
            char *path = NULL;
            if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 ||
                asprintf(&path, "%s/%s", parent, e->d_name) < 0)
                continue;
            remove_tree(path);
            free(path);
        }
        closedir(d);
    }
    free(prefix);
    free(parent);
    free(target);
}

/* ---- failures and messages (call with the lock held) ---------------------------------- */

/* Records the first failure (later ones are its consequences) and wakes everyone. */
static void set_failed(shards *s, trawl_status st, const char *msg)
{
    if (s->failed == TRAWL_OK) {
        s->failed = st;
        s->failure = strdup(msg);
    }
    for (unsigned i = 0; i < s->n; i++) {
        pthread_cond_broadcast(&s->w[i].nonempty);
        pthread_cond_broadcast(&s->w[i].nonfull);
    }
}

/* Queues "FILE:LINE: REASON" for the caller's thread; out of memory, it stops the shards
 * rather than lose the skip. */
static void add_message(shards *s, const job *j, const char *reason)
{
    char *m = NULL;
    int r = j->lineno ? asprintf(&m, "%s:%llu: %s", j->file ? j->file : "?",
                                 (unsigned long long)j->lineno, reason)
                      : asprintf(&m, "%s: %s", j->file ? j->file : "?", reason);
    if (r >= 0 && s->nmsgs == s->capmsgs) {
        size_t cap = s->capmsgs ? 2 * s->capmsgs : 16;
        char **nm = realloc(s->msgs, cap * sizeof *nm);
        if (nm) {
            s->msgs = nm;
            s->capmsgs = cap;
        }
    }
    if (r < 0 || s->nmsgs == s->capmsgs) {
        free(r < 0 ? NULL : m);
        set_failed(s, TRAWL_ENOMEM, "out of memory");
        return;
    }
    s->msgs[s->nmsgs++] = m;
}

/* ---- workers ---------------------------------------------------------------------------- */

static void free_job(job *j)
{
    trawl_article_free(j->a);
    free(j->file);
    j->a = NULL;
    j->file = NULL;
}

/* Takes the next job into *j, waiting for one; 0 when the queue is closed and empty. */
static int take(worker *w, job *j)
{
    shards *s = w->owner;
    pthread_mutex_lock(&s->lock);
    while (w->count == 0 && !s->closing)
        pthread_cond_wait(&w->nonempty, &s->lock);
    int got = w->count > 0;
    if (got) {
        *j = w->queue[w->head];
        w->head = (w->head + 1) % QUEUE_LEN;
        w->count--;
        pthread_cond_signal(&w->nonfull);
    }
    pthread_mutex_unlock(&s->lock);
    return got;
}

static int failed(shards *s)
{
    pthread_mutex_lock(&s->lock);
    int f = s->failed != TRAWL_OK;
    pthread_mutex_unlock(&s->lock);
    return f;
}

/* A failure of the worker's database: the shards stop. */
static void db_failed(worker *w, trawl_status st)
{
    pthread_mutex_lock(&w->owner->lock);
    set_failed(w->owner, st, trawl_db_errmsg(w->db));
    pthread_mutex_unlock(&w->owner->lock);
}

static void commit(worker *w)
{
    trawl_status st;
    if (w->pending == 0)
        return;
    if ((st = trawl_db_commit(w->db)) != TRAWL_OK) {
        db_failed(w, st);
        return;
    }
    w->pending = w->pending_bytes = 0;
    w->counts.commits++;
}

/* Adds or replaces one article, as the sequential loop does (index/indexer.c: store). */
static void put(worker *w, const job *j)
{
    trawl_put_result what = 0;
    trawl_status st = trawl_db_put(w->db, j->a, &what);
    if (st == TRAWL_EINVAL || st == TRAWL_ETOOLARGE) { /* this article, not the database */
        pthread_mutex_lock(&w->owner->lock);
        add_message(w->owner, j, trawl_db_errmsg(w->db));
        pthread_mutex_unlock(&w->owner->lock);
        return;
    }
    if (st != TRAWL_OK) {
        db_failed(w, st);
        return;
    }
    if (what == TRAWL_PUT_REPLACED)
        w->counts.replaced++;
    else
        w->counts.added++;
    w->pending++;
    w->pending_bytes += j->bytes;
    if (w->pending >= w->owner->batch || w->pending_bytes >= w->owner->batch_bytes)
        commit(w);
}

static void *work(void *arg)
{
    worker *w = arg;
    job j;
    while (take(w, &j)) {
        if (!failed(w->owner))
            put(w, &j);
        free_job(&j);
    }
    if (!failed(w->owner))
        commit(w);
    return NULL;
}

/* ---- making and feeding ----------------------------------------------------------------- */

static trawl_status fail_msg(char **errmsg, trawl_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(errmsg, fmt, ap) < 0)
        *errmsg = NULL;
    va_end(ap);
    return st;
}

/* Creates shard i's database in the target's language. */
static trawl_status open_shard(shards *s, unsigned i, const char *language, char **errmsg)
{
    worker *w = &s->w[i];
    char *msg = NULL;
    trawl_status st;
    w->owner = s;
    w->index = i;
    if (asprintf(&w->path, "%s/shard-%u", s->dir, i) < 0) {
        w->path = NULL;
        return fail_msg(errmsg, TRAWL_ENOMEM, "out of memory");
    }
    if ((st = trawl_db_open(w->path, TRAWL_DB_WRITABLE, &w->db, &msg)) != TRAWL_OK) {
        fail_msg(errmsg, st, "%s", msg ? msg : trawl_strerror(st));
        free(msg);
        return st;
    }
    if (strcmp(trawl_db_language(w->db), language) != 0 &&
        (st = trawl_db_set_language(w->db, language)) != TRAWL_OK)
        return fail_msg(errmsg, st, "%s", trawl_db_errmsg(w->db));
    return TRAWL_OK;
}

/* Starts the workers with SIGINT and SIGTERM blocked, so that the signals go to the
 * caller's thread. */
static trawl_status start_workers(shards *s, char **errmsg)
{
    sigset_t block, old;
    int rc = 0;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (unsigned i = 0; i < s->n && rc == 0; i++) {
        worker *w = &s->w[i];
        if ((rc = pthread_create(&w->thread, NULL, work, w)) == 0)
            w->started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return fail_msg(errmsg, TRAWL_ENOMEM, "cannot start a worker thread: %s",
                        strerror(rc));
    return TRAWL_OK;
}

trawl_status shards_new(trawl_db *target, unsigned n, uint64_t batch, uint64_t batch_bytes,
                        shards **out, char **errmsg)
{
    shards *s;
    char *base;
    trawl_status st = TRAWL_OK;
    *out = NULL;
    *errmsg = NULL;
    if (n < 2 || n > SHARDS_MAX || batch == 0 || batch_bytes == 0)
        return fail_msg(errmsg, TRAWL_EINVAL, "cannot use %u shards", n);
    if (!(s = calloc(1, sizeof *s)) || !(s->w = calloc(n, sizeof *s->w))) {
        free(s);
        return fail_msg(errmsg, TRAWL_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&s->lock, NULL);
    for (unsigned i = 0; i < n; i++) {
        pthread_cond_init(&s->w[i].nonempty, NULL);
        pthread_cond_init(&s->w[i].nonfull, NULL);
    }
    s->n = n;
    s->batch = batch;
    s->batch_bytes = batch_bytes;
    if (!(base = trimmed(trawl_db_path(target))) ||
        asprintf(&s->dir, "%s" DIR_INFIX "XXXXXX", base) < 0) {
        s->dir = NULL;
        st = fail_msg(errmsg, TRAWL_ENOMEM, "out of memory");
    } else if (!mkdtemp(s->dir)) {
        st = fail_msg(errmsg, TRAWL_EIO, "cannot make the shard directory '%s': %s", s->dir,
                      strerror(errno));
        free(s->dir);
        s->dir = NULL;
    }
    free(base);
    for (unsigned i = 0; i < n && st == TRAWL_OK; i++)
        st = open_shard(s, i, trawl_db_language(target), errmsg);
    if (st == TRAWL_OK)
        st = start_workers(s, errmsg);
    if (st != TRAWL_OK) {
        shards_free(s);
        return st;
    }
    *out = s;
    return TRAWL_OK;
}

/* FNV-1a, 64 bits. */
static uint64_t hash(const char *str)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)str; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

trawl_status shards_put(shards *s, trawl_article *a, const char *file, uint64_t lineno,
                        size_t bytes)
{
    job j = {a, file ? strdup(file) : NULL, lineno, bytes};
    worker *w = &s->w[hash(trawl_article_id(a)) % s->n];
    trawl_status st;
    pthread_mutex_lock(&s->lock);
    if (file && !j.file)
        set_failed(s, TRAWL_ENOMEM, "out of memory");
    while (w->count == QUEUE_LEN && s->failed == TRAWL_OK)
        pthread_cond_wait(&w->nonfull, &s->lock);
    st = s->failed;
    if (st == TRAWL_OK) {
        w->queue[(w->head + w->count) % QUEUE_LEN] = j;
        w->count++;
        pthread_cond_signal(&w->nonempty);
    }
    pthread_mutex_unlock(&s->lock);
    if (st != TRAWL_OK)
        free_job(&j);
    return st;
}

char *shards_next_message(shards *s)
{
    char *m = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->msg_head < s->nmsgs)
        m = s->msgs[s->msg_head++];
    pthread_mutex_unlock(&s->lock);
    return m;
}

const char *shards_error(shards *s)
{
    return s->failure ? s->failure : (s->failed ? trawl_strerror(s->failed) : NULL);
}

/* Closes the queues and waits for the workers. */
static void join(shards *s)
{
    pthread_mutex_lock(&s->lock);
    s->closing = 1;
    for (unsigned i = 0; i < s->n; i++)
        pthread_cond_broadcast(&s->w[i].nonempty);
    pthread_mutex_unlock(&s->lock);
    for (unsigned i = 0; i < s->n; i++)
        if (s->w[i].started) {
            pthread_join(s->w[i].thread, NULL);
            s->w[i].started = 0;
        }
}

trawl_status shards_finish(shards *s, shards_counts *counts)
{
    memset(counts, 0, sizeof *counts);
    join(s);
    s->finished = 1;
    for (unsigned i = 0; i < s->n; i++) {
        counts->added += s->w[i].counts.added;
        counts->replaced += s->w[i].counts.replaced;
        counts->commits += s->w[i].counts.commits;
        trawl_db_close(s->w[i].db); /* committed by its worker; nothing is left to write */
        s->w[i].db = NULL;
    }
    return s->failed;
}

/* ---- merging ---------------------------------------------------------------------------- */

/* Puts the database at `merged` in the place of the one at `target`; the old target ends
 * at `merged`. */
static int swap(const char *merged, const char *target)
{
    if (renameat2(AT_FDCWD, merged, AT_FDCWD, target, RENAME_EXCHANGE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    char *old = NULL;
    if (asprintf(&old, "%s.old", merged) < 0)
        return -1;
    int rc = rename(target, old) == 0 && rename(merged, target) == 0 ? 0 : -1;
    free(old);
    return rc;
}

trawl_status shards_merge(shards *s, trawl_db **target, char **errmsg)
{
    const char **paths = calloc(s->n, sizeof *paths);
    char *merged = NULL, *path = trimmed(trawl_db_path(*target)), *msg = NULL;
    trawl_status st;
    *errmsg = NULL;
    if (!s->finished || s->failed)
        st = fail_msg(errmsg, TRAWL_EINVAL, "the shards in '%s' are not ready to merge",
                      s->dir);
    else if (!paths || !path || asprintf(&merged, "%s/merged", s->dir) < 0)
        st = fail_msg(errmsg, TRAWL_ENOMEM, "out of memory");
    else {
        for (unsigned i = 0; i < s->n; i++)
            paths[i] = s->w[i].path;
        st = trawl_db_merge(paths, s->n, merged, errmsg);
    }
    /* The old handle must have nothing left to write once its directory has moved. */
    if (st == TRAWL_OK && (st = trawl_db_commit(*target)) != TRAWL_OK)
        fail_msg(errmsg, st, "%s", trawl_db_errmsg(*target));
    if (st == TRAWL_OK && swap(merged, path) != 0)
        st = fail_msg(errmsg, TRAWL_EIO, "cannot move the merged database '%s' to '%s': %s",
                      merged, path, strerror(errno));
    if (st == TRAWL_OK) {
        trawl_db_close(*target);
        *target = NULL;
        if (trawl_db_open(path, TRAWL_DB_READONLY, target, &msg) != TRAWL_OK)
            *target = NULL;
        free(msg);
    }
    free(paths);
    free(merged);
    free(path);
    return st;
}

void shards_free(shards *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    if (!s->finished && s->failed == TRAWL_OK)
        set_failed(s, TRAWL_EINTERNAL, "stopped"); /* workers drop what is queued */
    pthread_mutex_unlock(&s->lock);
    join(s);
    for (unsigned i = 0; i < s->n; i++) {
        worker *w = &s->w[i];
        for (size_t k = 0; k < w->count; k++)
            free_job(&w->queue[(w->head + k) % QUEUE_LEN]);
        trawl_db_close(w->db);
        free(w->path);
        pthread_cond_destroy(&w->nonempty);
        pthread_cond_destroy(&w->nonfull);
    }
    if (s->dir)
        remove_tree(s->dir);
    for (size_t i = s->msg_head; i < s->nmsgs; i++)
        free(s->msgs[i]);
    free(s->msgs);
    free(s->failure);
    free(s->dir);
    free(s->w);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
