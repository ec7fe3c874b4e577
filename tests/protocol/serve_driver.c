/*
 * serve_driver.c: the pipe driver declared in serve_driver.h, for test_serve.c and
 * bench_serve.c.
 */
#include "tests/protocol/serve_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *drv_trawl_bin(void)
{
    const char *b = getenv("TRAWL_BIN");
    return b && *b ? b : "./trawl";
}

static int decode_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

/* Waits up to timeout_ms for pid; returns its decoded status, or -1 (after killing it). */
static int wait_for(pid_t pid, int timeout_ms)
{
    for (int waited = 0;; waited += 5) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return decode_status(st);
        if (r < 0)
            return -1;
        if (waited >= timeout_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
}

int drv_run(const char *const *args)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, args[0], &fa, NULL, (char *const *)args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "cannot run %s: %s\n", args[0], strerror(rc));
        return -1;
    }
    return wait_for(pid, 120000);
}

int drv_start(struct srv *s, const char *tmpdir, const char *db, const char *extra)
{
    static int counter;
    memset(s, 0, sizeof *s);
    s->to = s->from = -1;
    snprintf(s->errpath, sizeof s->errpath, "%s/serve-stderr-%d", tmpdir, ++counter);
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    const char *args[] = {drv_trawl_bin(), "serve", "--db", db, extra, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, s->errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int rc = posix_spawn(&s->pid, args[0], &fa, NULL, (char *const *)args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        fprintf(stderr, "cannot run %s: %s\n", args[0], strerror(rc));
        close(in[1]);
        close(out[0]);
        return -1;
    }
    s->to = in[1];
    s->from = out[0];
    return 0;
}

int drv_write(struct srv *s, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(s->to, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int drv_send(struct srv *s, const char *str)
{
    return drv_write(s, str, strlen(str));
}

const char *drv_line(struct srv *s, int timeout_ms)
{
    for (;;) {
        char *lf = memchr(s->rbuf, '\n', s->rlen);
        if (lf) {
            size_t n = (size_t)(lf - s->rbuf);
            free(s->line);
            s->line = strndup(s->rbuf, n);
            memmove(s->rbuf, lf + 1, s->rlen - n - 1);
            s->rlen -= n + 1;
            return s->line;
        }
        if (s->rlen == sizeof s->rbuf) {
            fprintf(stderr, "response line longer than %zu bytes\n", sizeof s->rbuf);
            return NULL;
        }
        struct pollfd p = {.fd = s->from, .events = POLLIN};
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0) {
            if (r == 0)
                fprintf(stderr, "no response within %d ms\n", timeout_ms);
            return NULL;
        }
        ssize_t n = read(s->from, s->rbuf + s->rlen, sizeof s->rbuf - s->rlen);
        if (n <= 0)
            return NULL;
        s->rlen += (size_t)n;
    }
}

int drv_stop(struct srv *s, int timeout_ms)
{
    if (s->to >= 0)
        close(s->to);
    s->to = -1;
    int st = s->pid > 0 ? wait_for(s->pid, timeout_ms) : -1;
    s->pid = 0;
    return st;
}

long drv_stderr_size(const struct srv *s)
{
    struct stat st;
    return stat(s->errpath, &st) == 0 ? (long)st.st_size : -1;
}

void drv_free(struct srv *s)
{
    if (s->pid > 0)
        drv_stop(s, 5000);
    if (s->to >= 0)
        close(s->to);
    if (s->from >= 0)
        close(s->from);
    free(s->line);
    unlink(s->errpath);
    memset(s, 0, sizeof *s);
    s->to = s->from = -1;
}
