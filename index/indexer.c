/*
 * indexer.c: the indexing loop behind `trawl index` (see indexer.h). It joins the pieces
 * of index/: source.c reads (and gunzips) each file in chunks, jsonl.c splits JSON Lines
 * and text.c makes articles of plain-text files, walk.c walks directories; each article is
 * prepared here (trawl_prepare: its terms and compressed record) and goes to the database
 * through writer.c, whose thread puts the prepared documents and commits them in
 * batches while this one reads and prepares the next. Called by cli/cmd_index.c.
 *
 * Batches: a commit follows every `batch` articles or `batch_bytes` bytes of records,
 * whichever comes first, and the end of the run; Xapian makes each commit atomic, so a
 * crash loses at most the batch in flight and re-running replaces what was kept. With
 * shards (index/shards.h) the articles go to the shards' workers instead, which batch
 * their commits the same way, and the messages of the articles they skip are printed
 * here, from the reading thread, between articles.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "index/indexer.h"
#include "index/jsonl.h"
#include "index/progress.h"
#include "index/shards.h"
#include "index/source.h"
#include "index/text.h"
#include "index/walk.h"
#include "index/writer.h"

#define CHUNK_BYTES (256 * 1024)
#define STDIN_LABEL "<stdin>"

struct indexer {
    trawl_db *db;           /* borrowed; the writer's until indexer_finish */
    indexer_options opt;
    indexer_counts counts;
    jsonl_reader *reader;
    char *chunk;            /* CHUNK_BYTES read buffer */
    trawl_preparer *prep;   /* without shards: prepares articles for the writer */
    writer *w;              /* without shards: puts and commits them */
    uint64_t sent;          /* articles handed to the writer or the shards */
    progress prog;
    int64_t done_bytes;     /* on-disk bytes of the inputs finished so far */
    source *cur;            /* the input being read, for the percentage */
    indexer_format walk_format; /* the format asked for, inside a walk */
    indexer_result walk_result; /* why a walk was stopped */
};

static int stopped(const indexer *ix)
{
    return ix->opt.stop && *ix->opt.stop;
}

/* Prints "trawl: index: FILE:LINE: REASON" (or "FILE: REASON" when lineno is 0). */
static void report(indexer *ix, const char *file, uint64_t lineno, const char *fmt, ...)
{
    va_list ap;
    progress_clear(&ix->prog);
    if (lineno)
        fprintf(stderr, "trawl: index: %s:%llu: ", file, (unsigned long long)lineno);
    else
        fprintf(stderr, "trawl: index: %s: ", file);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Counts a skipped record or file (already reported). */
static indexer_result skip(indexer *ix)
{
    ix->counts.skipped++;
    return ix->opt.strict ? INDEXER_STRICT_STOP : INDEXER_OK;
}

static void show_progress(indexer *ix, int force)
{
    int64_t done = ix->done_bytes + (ix->cur ? source_offset(ix->cur) : 0);
    progress_update(&ix->prog, ix->sent, ix->counts.bytes, done, ix->opt.total_bytes, force);
}

/* Reports the failure that stopped the writer (which names the database) after letting
 * its thread end, so that the caller may use the database again. */
static indexer_result writer_failed(indexer *ix)
{
    writer_finish(ix->w);
    progress_clear(&ix->prog);
    fprintf(stderr, "trawl: index: %s\n", writer_error(ix->w));
    return INDEXER_DB_ERROR;
}

/* Prepares one article (which stays the caller's) and hands it to the writer. */
static indexer_result store_one(indexer *ix, const trawl_article *a, const char *file,
                                uint64_t lineno, size_t bytes)
{
    trawl_prepared *doc = NULL;
    trawl_status st = trawl_prepare(ix->prep, a, &doc);
    if (st == TRAWL_EINVAL || st == TRAWL_ETOOLARGE) { /* this article, not the database */
        report(ix, file, lineno, "%s", trawl_preparer_errmsg(ix->prep));
        return skip(ix);
    }
    if (st != TRAWL_OK) {
        writer_finish(ix->w);
        progress_clear(&ix->prog);
        fprintf(stderr, "trawl: index: %s\n", trawl_preparer_errmsg(ix->prep));
        return st == TRAWL_ENOMEM ? INDEXER_NOMEM : INDEXER_DB_ERROR;
    }
    if (writer_put(ix->w, doc, bytes) != TRAWL_OK)
        return writer_failed(ix);
    ix->sent++;
    return INDEXER_OK;
}

/* Prints what the shards' workers skipped; each message is one skipped article. */
static indexer_result shard_messages(indexer *ix)
{
    indexer_result r = INDEXER_OK;
    char *m;
    while ((m = shards_next_message(ix->opt.shards))) {
        progress_clear(&ix->prog);
        fprintf(stderr, "trawl: index: %s\n", m);
        free(m);
        if (skip(ix) != INDEXER_OK)
            r = INDEXER_STRICT_STOP;
    }
    return r;
}

/* Reports the failure that stopped the shards. */
static indexer_result shards_failed(indexer *ix, trawl_status st)
{
    progress_clear(&ix->prog);
    fprintf(stderr, "trawl: index: %s\n", shards_error(ix->opt.shards));
    return st == TRAWL_ENOMEM ? INDEXER_NOMEM : INDEXER_DB_ERROR;
}

/* Hands one article (which becomes the shards') to its shard. */
static indexer_result store_sharded(indexer *ix, trawl_article *a, const char *file,
                                    uint64_t lineno, size_t bytes)
{
    trawl_status st = shards_put(ix->opt.shards, a, file, lineno, bytes);
    indexer_result r = shard_messages(ix);
    if (st != TRAWL_OK)
        return shards_failed(ix, st);
    ix->sent++;
    return r;
}

/* Adds or replaces one article, which the function frees; commits when a batch is full. */
static indexer_result store(indexer *ix, trawl_article *a, const char *file,
                            uint64_t lineno, size_t bytes)
{
    if (ix->opt.shards)
        return store_sharded(ix, a, file, lineno, bytes);
    indexer_result r = store_one(ix, a, file, lineno, bytes);
    trawl_article_free(a);
    return r;
}

/* One event of the JSON Lines reader. */
static indexer_result jsonl_event_do(indexer *ix, const char *file, jsonl_event ev,
                                     const jsonl_line *line)
{
    trawl_article *a = NULL;
    char *msg = NULL;
    if (ev == JSONL_TOO_LONG) {
        report(ix, file, line->lineno, "line over the size limit of %zu bytes",
               ix->opt.max_record);
        return skip(ix);
    }
    if (ev == JSONL_NOMEM) {
        report(ix, file, line->lineno, "out of memory reading the line");
        return skip(ix);
    }
    if (jsonl_parse_line(line, &a, &msg) != TRAWL_OK) {
        report(ix, file, line->lineno, "%s", msg ? msg : "bad record");
        free(msg);
        return skip(ix);
    }
    return store(ix, a, file, line->lineno, line->len);
}

/* Feeds one chunk to the JSON Lines reader and indexes the lines it completes. */
static indexer_result jsonl_chunk(indexer *ix, const char *file, const char *p, size_t n)
{
    jsonl_line line;
    jsonl_event ev;
    while ((ev = jsonl_next(ix->reader, &p, &n, &line)) != JSONL_NONE) {
        indexer_result r = jsonl_event_do(ix, file, ev, &line);
        if (r == INDEXER_OK && stopped(ix))
            r = INDEXER_INTERRUPTED;
        if (r != INDEXER_OK)
            return r;
    }
    return INDEXER_OK;
}

/* The last line of the input, when it had no LF. */
static indexer_result jsonl_end(indexer *ix, const char *file)
{
    jsonl_line line;
    jsonl_event ev;
    while ((ev = jsonl_finish(ix->reader, &line)) != JSONL_NONE) {
        indexer_result r = jsonl_event_do(ix, file, ev, &line);
        if (r != INDEXER_OK)
            return r;
    }
    return INDEXER_OK;
}

/* A read error: an interruption (a signal cut a read short) or a broken input. */
static indexer_result read_failed(indexer *ix, const char *file, uint64_t lineno, char *msg)
{
    if (stopped(ix)) {
        free(msg);
        return INDEXER_INTERRUPTED;
    }
    report(ix, file, lineno, "%s", msg ? msg : "read error");
    free(msg);
    return skip(ix);
}

/* Reads a JSON Lines input to its end. */
static indexer_result read_jsonl(indexer *ix, source *s, const char *file)
{
    indexer_result r = INDEXER_OK;
    jsonl_reset(ix->reader);
    while (r == INDEXER_OK) {
        char *msg = NULL;
        ssize_t n = source_read(s, ix->chunk, CHUNK_BYTES, &msg);
        if (n < 0) {
            r = read_failed(ix, file, jsonl_lineno(ix->reader), msg);
            jsonl_reset(ix->reader); /* the partial line is lost with the stream */
            return r;
        }
        if (n == 0)
            return jsonl_end(ix, file);
        ix->counts.bytes += (uint64_t)n;
        r = jsonl_chunk(ix, file, ix->chunk, (size_t)n);
        show_progress(ix, 0);
    }
    return r;
}

/* Reads a whole input into a new buffer, up to max_record bytes. Returns 0 with
 * *data (caller frees) and *len; 1 when the input is over the limit; -1 with *msg. */
static int slurp(indexer *ix, source *s, char **data, size_t *len, char **msg)
{
    size_t cap = 0, max = ix->opt.max_record;
    *data = NULL;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            if (cap > max) {
                return 1;
            }
            size_t ncap = cap ? cap * 2 : 64 * 1024;
            if (ncap > max + 1)
                ncap = max + 1;
            char *nd = realloc(*data, ncap);
            if (!nd) {
                *msg = strdup("out of memory reading the file");
                return -1;
            }
            *data = nd;
            cap = ncap;
        }
        ssize_t n = source_read(s, *data + *len, cap - *len, msg);
        if (n < 0)
            return -1;
        if (n == 0)
            return *len > max;
        *len += (size_t)n;
        ix->counts.bytes += (uint64_t)n;
    }
}

/* Reads a plain-text input and indexes it as one article with the given id. */
static indexer_result read_text(indexer *ix, source *s, const char *file, const char *id)
{
    char *data, *msg = NULL;
    size_t len;
    trawl_article *a = NULL;
    indexer_result r;
    int rc = slurp(ix, s, &data, &len, &msg);
    if (rc < 0)
        r = read_failed(ix, file, 0, msg);
    else if (rc > 0) {
        report(ix, file, 0, "file over the size limit of %zu bytes", ix->opt.max_record);
        r = skip(ix);
    } else if (text_to_article(id, data, len, &a, &msg) != TRAWL_OK) {
        report(ix, file, 0, "%s", msg ? msg : "not indexable text");
        r = skip(ix);
    } else {
        r = store(ix, a, file, 0, len);
        a = NULL; /* store freed it */
    }
    free(msg);
    free(data);
    trawl_article_free(a);
    return r;
}

/* The format a file name implies (.jsonl, .ndjson, .txt, .md, each maybe with .gz), or
 * INDEXER_FORMAT_AUTO when it implies none. */
static indexer_format format_of(const char *name)
{
    static const struct {
        const char *ext;
        indexer_format format;
    } exts[] = {
        {".jsonl", INDEXER_FORMAT_JSONL}, {".ndjson", INDEXER_FORMAT_JSONL},
        {".txt", INDEXER_FORMAT_TEXT},    {".md", INDEXER_FORMAT_TEXT},
    };
    size_t n = strlen(name);
    if (source_is_gz_name(name))
        n -= 3;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i].ext);
        if (n > e && strncmp(name + n - e, exts[i].ext, e) == 0)
            return exts[i].format;
    }
    return INDEXER_FORMAT_AUTO;
}

/* Indexes one file in a known format; `id` names a plain-text article. */
static indexer_result index_file(indexer *ix, const char *path, const char *id,
                                 indexer_format format)
{
    const char *file = strcmp(path, "-") == 0 ? STDIN_LABEL : path;
    source *s = NULL;
    char *msg = NULL;
    if (source_open(path, &s, &msg) < 0) {
        report(ix, file, 0, "%s", msg ? msg : "cannot open");
        free(msg);
        return skip(ix);
    }
    ix->cur = s;
    indexer_result r = format == INDEXER_FORMAT_TEXT ? read_text(ix, s, file, id)
                                                     : read_jsonl(ix, s, file);
    int64_t size = source_size(s);
    ix->done_bytes += size > 0 ? size : 0;
    ix->cur = NULL;
    source_close(s);
    show_progress(ix, 0);
    if (r == INDEXER_OK && stopped(ix))
        r = INDEXER_INTERRUPTED;
    return r;
}

static int walk_file(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    indexer *ix = ctx;
    indexer_format f = ix->walk_format ? ix->walk_format : format_of(rel);
    (void)st;
    if (f == INDEXER_FORMAT_AUTO) /* not an article file (an image, a script...) */
        return 0;
    ix->walk_result = index_file(ix, path, rel, f);
    return ix->walk_result != INDEXER_OK;
}

static int walk_problem(void *ctx, const char *path, const char *reason)
{
    indexer *ix = ctx;
    report(ix, path, 0, "%s", reason);
    ix->walk_result = skip(ix);
    if (ix->walk_result == INDEXER_OK && stopped(ix))
        ix->walk_result = INDEXER_INTERRUPTED;
    return ix->walk_result != INDEXER_OK;
}

static indexer_result index_dir(indexer *ix, const char *path)
{
    walk_callbacks cb = {walk_file, walk_problem, ix};
    ix->walk_format = ix->opt.format;
    ix->walk_result = INDEXER_OK;
    if (walk_dir(path, &cb) < 0 && ix->walk_result == INDEXER_OK)
        return INDEXER_NOMEM;
    return ix->walk_result;
}

static indexer_result add_path(indexer *ix, const char *path)
{
    struct stat st;
    if (stopped(ix))
        return INDEXER_INTERRUPTED;
    if (strcmp(path, "-") == 0)
        return index_file(ix, path, NULL, INDEXER_FORMAT_JSONL);
    if (stat(path, &st) < 0) {
        report(ix, path, 0, "%s", strerror(errno));
        return skip(ix);
    }
    if (S_ISDIR(st.st_mode))
        return index_dir(ix, path);
    indexer_format f = ix->opt.format ? ix->opt.format : format_of(path);
    if (f == INDEXER_FORMAT_AUTO) {
        report(ix, path, 0, "unknown kind of file (not .jsonl, .ndjson, .txt or .md, "
                            "maybe .gz); name one with --format");
        return skip(ix);
    }
    const char *base = strrchr(path, '/');
    return index_file(ix, path, base ? base + 1 : path, f);
}

indexer_result indexer_add(indexer *ix, const char *path)
{
    indexer_result r = add_path(ix, path);
    if (!ix->w)
        return r;
    if (r == INDEXER_DB_ERROR || r == INDEXER_NOMEM)
        writer_finish(ix->w); /* its thread ends: the database is the caller's again */
    else if (writer_sync(ix->w) != TRAWL_OK)
        return writer_failed(ix);
    return r;
}

/* Waits for the shards' workers and takes their counts. */
static indexer_result finish_shards(indexer *ix)
{
    shards_counts c;
    trawl_status st = shards_finish(ix->opt.shards, &c);
    indexer_result r = shard_messages(ix);
    ix->counts.added += c.added;
    ix->counts.replaced += c.replaced;
    ix->counts.commits += c.commits;
    if (st != TRAWL_OK)
        return shards_failed(ix, st);
    return r == INDEXER_STRICT_STOP ? INDEXER_OK : r; /* the loop has stopped already */
}

/* Waits for the writer to put what is queued and commit. */
static indexer_result finish_writer(indexer *ix)
{
    if (writer_finish(ix->w) != TRAWL_OK)
        return writer_failed(ix);
    return INDEXER_OK;
}

indexer_result indexer_finish(indexer *ix)
{
    indexer_result r = ix->opt.shards ? finish_shards(ix) : finish_writer(ix);
    show_progress(ix, 1);
    progress_clear(&ix->prog);
    return r;
}

const indexer_counts *indexer_get_counts(indexer *ix)
{
    if (ix->w) {
        writer_counts c;
        writer_get_counts(ix->w, &c);
        ix->counts.added = c.added;
        ix->counts.replaced = c.replaced;
        ix->counts.commits = c.commits;
    }
    ix->counts.seconds = progress_now() - ix->prog.start;
    return &ix->counts;
}

/* The preparer, then the writer (which takes the database over). */
static trawl_status start_writer(indexer *ix)
{
    char *msg = NULL;
    trawl_status st = trawl_preparer_new(ix->db, &ix->prep);
    if (st == TRAWL_OK)
        st = writer_new(ix->db, ix->opt.batch, ix->opt.batch_bytes, !ix->opt.one_thread,
                        &ix->w, &msg);
    free(msg);
    return st;
}

indexer *indexer_new(trawl_db *db, const indexer_options *opt)
{
    indexer *ix = calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    ix->db = db;
    ix->opt = *opt;
    if (!ix->opt.batch)
        ix->opt.batch = INDEXER_DEFAULT_BATCH;
    if (!ix->opt.batch_bytes)
        ix->opt.batch_bytes = INDEXER_DEFAULT_BATCH_BYTES;
    if (!ix->opt.max_record)
        ix->opt.max_record = JSONL_DEFAULT_MAX_LINE;
    ix->reader = jsonl_reader_new(ix->opt.max_record);
    ix->chunk = malloc(CHUNK_BYTES);
    if (!ix->reader || !ix->chunk || (!ix->opt.shards && start_writer(ix) != TRAWL_OK)) {
        indexer_free(ix);
        return NULL;
    }
    progress_start(&ix->prog, ix->opt.show_progress ? stderr : NULL);
    return ix;
}

void indexer_free(indexer *ix)
{
    if (!ix)
        return;
    writer_free(ix->w);
    trawl_preparer_free(ix->prep);
    jsonl_reader_free(ix->reader);
    free(ix->chunk);
    free(ix);
}

int64_t indexer_input_size(char *const *paths, int n)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) < 0 || !S_ISREG(st.st_mode))
            return -1;
        total += (int64_t)st.st_size;
    }
    return total;
}
