/*
 * lines.c: the bounded line splitter declared in lines.h, used by serve.c. A chunk is
 * scanned with memchr for LFs and copied a segment at a time; the current line never
 * grows past max + 1 bytes (the +1 leaves room for a CR that turns out to precede a LF).
 */
#include "protocol/lines.h"

#include <string.h>

#include "protocol/request.h"

void lines_init(struct lines *l, size_t max)
{
    memset(l, 0, sizeof *l);
    l->max = max ? max : 1;
}

void lines_free(struct lines *l)
{
    buf_free(&l->cur);
    l->skipping = 0;
}

/* Emits the current line (complete: its LF was seen) and empties it. */
static int finish_line(struct lines *l, lines_emit emit, void *ctx)
{
    struct buf *c = &l->cur;
    if (c->len && c->data[c->len - 1] == '\r')
        c->len--;
    int json = request_is_json(c->data ? c->data : "", c->len);
    int rc;
    if (c->len > l->max) {
        rc = emit(ctx, NULL, 0, 1, json);
    } else {
        if (c->data)
            c->data[c->len] = '\0';
        rc = emit(ctx, c->data ? c->data : "", c->len, 0, json);
    }
    buf_reset(c);
    return rc;
}

/* Appends a segment of the current line, switching to skipping when it grows too long. */
static int add_segment(struct lines *l, const char *p, size_t n, lines_emit emit, void *ctx)
{
    struct buf *c = &l->cur;
    if (l->skipping)
        return 0;
    if (n <= l->max + 1 - c->len) {
        buf_add(c, p, n);
        return buf_failed(c) ? -1 : 0;
    }
    /* too long: keep only enough to tell JSON from text, report it, skip the rest */
    size_t room = l->max + 1 - c->len;
    buf_add(c, p, room);
    int json = request_is_json(c->data ? c->data : "", c->len);
    buf_reset(c);
    l->skipping = 1;
    return emit(ctx, NULL, 0, 1, json);
}

int lines_feed(struct lines *l, const char *p, size_t n, lines_emit emit, void *ctx)
{
    while (n > 0) {
        const char *lf = memchr(p, '\n', n);
        size_t seg = lf ? (size_t)(lf - p) : n;
        if (add_segment(l, p, seg, emit, ctx) != 0)
            return -1;
        if (!lf)
            return 0;
        if (l->skipping) {
            l->skipping = 0;
            buf_reset(&l->cur);
        } else if (finish_line(l, emit, ctx) != 0) {
            return -1;
        }
        p += seg + 1;
        n -= seg + 1;
    }
    return 0;
}

int lines_finish(struct lines *l, lines_emit emit, void *ctx)
{
    if (l->skipping) {
        l->skipping = 0;
        buf_reset(&l->cur);
        return 0;
    }
    if (l->cur.len == 0)
        return 0;
    return finish_line(l, emit, ctx);
}
