/*
 * serve_driver.h: drives a real `trawl serve` over pipes for the integration test
 * (test_serve.c) and the benchmark (bench_serve.c): spawn with posix_spawn, write request
 * lines, read response lines with a timeout, stop and collect the exit status. The
 * program is $TRAWL_BIN, else ./trawl (the build directory, where `make check` runs).
 */
#ifndef TRAWL_TESTS_SERVE_DRIVER_H
#define TRAWL_TESTS_SERVE_DRIVER_H

#include <stddef.h>
#include <sys/types.h>

struct srv {
    pid_t pid;
    int to;            /* the server's stdin (write end); -1 once closed */
    int from;          /* the server's stdout (read end); -1 once closed */
    char rbuf[1 << 16];
    size_t rlen;
    char *line;        /* the last line read (owned) */
    char errpath[256]; /* the server's stderr goes to this file */
};

/* The trawl program to run. */
const char *drv_trawl_bin(void);

/* Runs `trawl ARGS...` (NULL-terminated) to completion with stdin from /dev/null and
 * stdout/stderr to /dev/null; returns its exit status, or -1 when it did not exit. */
int drv_run(const char *const *args);

/* Starts `trawl serve --db DB [EXTRA]` (extra may be NULL) with stderr going to a file in
 * `tmpdir`. Returns 0, or -1 with a message on stderr. */
int drv_start(struct srv *s, const char *tmpdir, const char *db, const char *extra);

/* Writes n bytes to the server's stdin. Returns 0, or -1 (EPIPE and the like). */
int drv_write(struct srv *s, const char *p, size_t n);

/* Writes a NUL-terminated string. */
int drv_send(struct srv *s, const char *str);

/* Reads one response line (without its LF) into s->line, waiting at most timeout_ms.
 * Returns the line (borrowed until the next read), or NULL on timeout or end of output. */
const char *drv_line(struct srv *s, int timeout_ms);

/* Closes the server's stdin and waits up to timeout_ms for it to exit. Returns the exit
 * status, 128 + N when killed by signal N, or -1 when it did not exit (it is then
 * killed). */
int drv_stop(struct srv *s, int timeout_ms);

/* Size of the server's stderr file so far, in bytes. */
long drv_stderr_size(const struct srv *s);

/* Frees what s holds (after drv_stop). */
void drv_free(struct srv *s);

#endif
