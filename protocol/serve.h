/*
 * serve.h: the transport loop of `trawl serve`, called by cli/cmd_serve.c (and by tests
 * that run a server in-process). It reads request lines from a file descriptor, reads
 * ahead every complete line already waiting into the queue (so a `cancel` can reach the
 * requests before it), answers the oldest request, writes its response in one go, and
 * repeats. Responses leave in request order, one per non-blank line.
 */
#ifndef TRAWL_PROTOCOL_SERVE_H
#define TRAWL_PROTOCOL_SERVE_H

#include <stddef.h>
#include <stdint.h>

struct serve_options {
    const char *db_path; /* the database directory; it need not exist yet */
    size_t max_line;     /* longest request line in bytes (0: LINES_DEFAULT_MAX) */
    int in_fd;           /* requests come from here (normally 0) */
    int out_fd;          /* responses go here (normally 1), and nothing else */
    size_t preload;      /* bytes of articles to keep in memory (trawl_db_set_preload) */
};

/* The default of --preload, in MiB: Reuters' bodies take 15.5 MiB (its records 8.5). */
#define SERVE_DEFAULT_PRELOAD_MIB 64
/* Its largest value: 1 TiB (less where size_t cannot count that many bytes). */
#define SERVE_MAX_PRELOAD_MIB (SIZE_MAX >> 20 < ((size_t)1 << 20) ? SIZE_MAX >> 20 : (size_t)1 << 20)

/* Limits of --max-line. */
#define SERVE_MIN_LINE 64
#define SERVE_MAX_LINE ((size_t)1 << 30)

/* Serves until end of input, a `quit`, SIGTERM, or a closed output (EPIPE), each of which
 * returns 0; returns 1, after a message on stderr, when reading fails or memory runs out.
 * Ignores SIGPIPE and catches SIGTERM while it runs, and restores both before returning. */
int serve_run(const struct serve_options *opt);

#endif
