/*
 * serve.c: the transport loop declared in serve.h. Single-threaded:
 *
 *   1. Read ahead. While the queue has room, read whatever is already waiting on the
 *      input (ppoll with a zero timeout; it blocks only when the queue is empty), split it
 *      into lines (lines.c), parse each into a request (request.c) and queue it (queue.c),
 *      where a queued cancel marks the earlier requests it targets.
 *   2. Answer the oldest queued request (dispatch.c) into a buffer and write it whole.
 *
 * SIGTERM is blocked except while waiting for input or for the output to drain, so it
 * interrupts only those waits and the loop ends cleanly between requests. SIGPIPE is
 * ignored: a closed output shows up as EPIPE from write(2) and ends the loop quietly.
 * stdio is not used for the protocol streams.
 */
#include "protocol/serve.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "protocol/dispatch.h"
#include "protocol/lines.h"
#include "protocol/queue.h"
#include "protocol/response.h"

#define READ_CHUNK 65536

static volatile sig_atomic_t stop_requested;

static void on_sigterm(int sig)
{
    (void)sig;
    stop_requested = 1;
}

struct server {
    const struct serve_options *opt;
    struct lines lines;
    struct queue queue;
    struct dispatch disp;
    struct buf out;
    int eof;
    int read_failed;   /* reading the input failed: exit status 1 at the end */
    sigset_t blocked;  /* SIGTERM */
    sigset_t waitmask; /* the mask to wait with: the caller's, SIGTERM unblocked */
};

/* lines_emit callback: parses a line (or notes an over-long one) and queues it. */
static int enqueue(void *ctx, const char *line, size_t len, int too_large, int json)
{
    struct server *s = ctx;
    struct request r;
    if (too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "the request line is over %zu bytes", s->lines.max);
        request_fail(&r, json, ERR_TOO_LARGE, msg);
        len = 0;
    } else if (request_is_blank(line, len)) {
        return 0;
    } else {
        request_parse(line, len, &r);
    }
    size_t cost = len + r.retained; /* the line and the JSON trees it keeps */
    return queue_push(&s->queue, &r, cost);
}

/* Waits for input (forever when `block`, else not at all) and feeds what one read(2)
 * returns to the line splitter. Returns 1 when something was read or end of input was
 * reached, 0 when nothing was waiting or a signal interrupted, -1 on a fatal error. */
static int read_some(struct server *s, int block)
{
    static const struct timespec zero = {0, 0};
    struct pollfd p = {.fd = s->opt->in_fd, .events = POLLIN};
    int r = ppoll(&p, 1, block ? NULL : &zero, &s->waitmask);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    if (r == 0)
        return 0;
    char chunk[READ_CHUNK];
    ssize_t n = read(s->opt->in_fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n < 0) {
        fprintf(stderr, "trawl: serve: cannot read requests: %s\n", strerror(errno));
        s->eof = 1;
        s->read_failed = 1;
        return lines_finish(&s->lines, enqueue, s) == 0 ? 1 : -1;
    }
    if (n == 0) {
        s->eof = 1;
        return lines_finish(&s->lines, enqueue, s) == 0 ? 1 : -1;
    }
    return lines_feed(&s->lines, chunk, (size_t)n, enqueue, s) == 0 ? 1 : -1;
}

/* Reads ahead every complete line already waiting, blocking only while the queue is
 * empty. Returns 0, or -1 on a fatal error. */
static int read_ahead(struct server *s)
{
    while (!s->eof && !stop_requested && queue_has_room(&s->queue)) {
        int block = s->queue.count == 0;
        int r = read_some(s, block);
        if (r < 0)
            return -1;
        if (r == 0 && !block)
            break; /* nothing more waiting */
    }
    return 0;
}

/* Writes the response buffer whole. Returns 0, 1 when the output is closed (EPIPE) or
 * SIGTERM arrived while waiting for it to drain, -1 on another write error. */
static int write_out(struct server *s)
{
    const char *p = s->out.data;
    size_t left = s->out.len;
    int rc = 0;
    sigprocmask(SIG_SETMASK, &s->waitmask, NULL); /* let SIGTERM end a stuck write */
    while (left > 0) {
        ssize_t n = write(s->opt->out_fd, p, left);
        if (n >= 0) {
            p += n;
            left -= (size_t)n;
        } else if (errno == EINTR && !stop_requested) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            /* the client made our stdout non-blocking: wait until it drains */
            struct pollfd w = {.fd = s->opt->out_fd, .events = POLLOUT};
            if (poll(&w, 1, -1) < 0 && errno == EINTR && stop_requested) {
                rc = 1;
                break;
            }
        } else {
            rc = (errno == EPIPE || errno == EINTR) ? 1 : -1;
            if (rc < 0)
                fprintf(stderr, "trawl: serve: cannot write responses: %s\n",
                        strerror(errno));
            break;
        }
    }
    sigprocmask(SIG_BLOCK, &s->blocked, NULL);
    return rc;
}

/* The loop. Returns the exit status. */
static int serve_loop(struct server *s)
{
    for (;;) {
        if (read_ahead(s) != 0) {
            fprintf(stderr, "trawl: serve: out of memory reading requests\n");
            return 1;
        }
        if (stop_requested)
            return 0;
        struct queue_entry *e = queue_pop(&s->queue);
        if (!e) {
            if (s->eof)
                return s->read_failed ? 1 : 0;
            continue;
        }
        buf_reset(&s->out);
        dispatch_answer(&s->disp, &e->req, e->cancelled, &s->out);
        queue_entry_free(e);
        int w = write_out(s);
        dispatch_release(&s->disp); /* after the write, off the response's path */
        if (w != 0)
            return w < 0 ? 1 : 0;
        if (s->disp.quit)
            return 0;
    }
}

int serve_run(const struct serve_options *opt)
{
    struct server s;
    memset(&s, 0, sizeof s);
    s.opt = opt;
    lines_init(&s.lines, opt->max_line ? opt->max_line : LINES_DEFAULT_MAX);
    if (dispatch_init(&s.disp, opt->db_path) != 0) {
        fprintf(stderr, "trawl: serve: out of memory\n");
        return 1;
    }
    s.disp.preload = opt->preload;

    struct sigaction term = {0}, ign = {0}, old_term, old_pipe;
    term.sa_handler = on_sigterm; /* no SA_RESTART: the wait must end */
    sigemptyset(&term.sa_mask);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    stop_requested = 0;
    sigaction(SIGTERM, &term, &old_term);
    sigaction(SIGPIPE, &ign, &old_pipe);
    sigemptyset(&s.blocked);
    sigaddset(&s.blocked, SIGTERM);
    sigprocmask(SIG_BLOCK, &s.blocked, &s.waitmask);
    sigset_t caller_mask = s.waitmask;
    sigdelset(&s.waitmask, SIGTERM);

    int status = serve_loop(&s);

    sigprocmask(SIG_SETMASK, &caller_mask, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    queue_clear(&s.queue);
    lines_free(&s.lines);
    buf_free(&s.out);
    dispatch_free(&s.disp);
    return status;
}
