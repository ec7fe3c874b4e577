/*
 * proc.c: a server child over pipes, for trawl-bench. cmd_query.c spawns one server per
 * client thread and times each request's round trip; cmd_index.c runs the indexer and asks
 * a server for statistics. Children are started with posix_spawn, their stdin and stdout
 * are pipes, stderr is inherited (so server diagnostics stay visible).
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int64_t bench_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int bench_proc_spawn(char *const argv[], bench_proc *p)
{
    int in[2], out[2];
    memset(p, 0, sizeof *p);
    p->pid = -1;
    if (pipe2(in, O_CLOEXEC) < 0)
        goto fail;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        goto fail;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    p->spawned_ns = bench_now_ns();
    int rc = posix_spawnp(&p->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        errno = rc;
        goto fail;
    }
    p->to_fd = in[1];
    p->from_fd = out[0];
    fcntl(p->to_fd, F_SETFL, fcntl(p->to_fd, F_GETFL) | O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    return 0;
fail:
    fprintf(stderr, "trawl-bench: cannot start '%s': %s\n", argv[0], strerror(errno));
    p->pid = -1;
    return -1;
}

ssize_t bench_proc_write_some(bench_proc *p, const char *buf, size_t len)
{
    ssize_t n = write(p->to_fd, buf, len);
    if (n >= 0)
        return n;
    return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
}

int bench_proc_write(bench_proc *p, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = bench_proc_write_some(p, buf, len);
        if (n < 0)
            return -1;
        if (n == 0) {
            struct pollfd pf = {.fd = p->to_fd, .events = POLLOUT};
            poll(&pf, 1, -1);
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A complete line already buffered, or NULL. */
static char *buffered_line(bench_proc *p, size_t *len)
{
    if (!p->rbuf)
        return NULL;
    char *start = p->rbuf + p->rpos;
    char *nl = memchr(start, '\n', p->rlen - p->rpos);
    if (!nl)
        return NULL;
    *nl = '\0';
    if (len)
        *len = (size_t)(nl - start);
    p->rpos = (size_t)(nl - p->rbuf) + 1;
    return start;
}

char *bench_proc_read_line(bench_proc *p, int nonblock, size_t *len)
{
    for (;;) {
        char *line = buffered_line(p, len);
        if (line)
            return line;
        if (p->rpos > 0) { /* keep the partial line at the front */
            memmove(p->rbuf, p->rbuf + p->rpos, p->rlen - p->rpos);
            p->rlen -= p->rpos;
            p->rpos = 0;
        }
        if (p->rcap - p->rlen < 65536) {
            size_t cap = p->rcap ? p->rcap * 2 : 262144;
            char *nb = realloc(p->rbuf, cap);
            if (!nb)
                return NULL;
            p->rbuf = nb;
            p->rcap = cap;
        }
        if (nonblock) {
            struct pollfd pf = {.fd = p->from_fd, .events = POLLIN};
            if (poll(&pf, 1, 0) <= 0)
                return NULL;
        }
        ssize_t n = read(p->from_fd, p->rbuf + p->rlen, p->rcap - p->rlen - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        p->rlen += (size_t)n;
    }
}

long bench_proc_peak_rss_kib(const bench_proc *p)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)p->pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

int bench_proc_finish(bench_proc *p, struct rusage *ru)
{
    if (p->pid <= 0)
        return -1;
    static const char quit[] = "{\"op\":\"quit\"}\n";
    bench_proc_write(p, quit, sizeof quit - 1);
    close(p->to_fd);
    while (bench_proc_read_line(p, 0, NULL)) /* drain, so the answer to quit is read */
        ;
    close(p->from_fd);
    free(p->rbuf);
    p->rbuf = NULL;
    struct rusage dummy;
    int status;
    pid_t r;
    while ((r = wait4(p->pid, &status, 0, ru ? ru : &dummy)) < 0 && errno == EINTR)
        ;
    p->pid = -1;
    return r < 0 ? -1 : status;
}

json_t *bench_proc_call(bench_proc *p, json_t *req)
{
    char *text = json_dumps(req, JSON_COMPACT);
    if (!text)
        return NULL;
    size_t len = strlen(text);
    int rc = bench_proc_write(p, text, len) < 0 || bench_proc_write(p, "\n", 1) < 0;
    free(text);
    if (rc)
        return NULL;
    size_t llen;
    char *line = bench_proc_read_line(p, 0, &llen);
    if (!line)
        return NULL;
    json_t *resp = json_loadb(line, llen, 0, NULL);
    if (resp && !json_is_object(resp)) {
        json_decref(resp);
        resp = NULL;
    }
    return resp;
}

int bench_proc_ping(bench_proc *p, char **version)
{
    json_t *req = json_pack("{s:s}", "op", "ping");
    json_t *resp = req ? bench_proc_call(p, req) : NULL;
    json_decref(req);
    int ok = resp && json_is_true(json_object_get(resp, "ok"));
    if (ok && version) {
        const char *v = json_string_value(json_object_get(resp, "version"));
        *version = strdup(v ? v : "unknown");
    }
    json_decref(resp);
    return ok ? 0 : -1;
}

int bench_run_command(char *const argv[], double *wall_s, struct rusage *ru)
{
    pid_t pid;
    int64_t t0 = bench_now_ns();
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "trawl-bench: cannot start '%s': %s\n", argv[0], strerror(rc));
        return -1;
    }
    int status;
    pid_t r;
    while ((r = wait4(pid, &status, 0, ru)) < 0 && errno == EINTR)
        ;
    *wall_s = (double)(bench_now_ns() - t0) / 1e9;
    return r < 0 ? -1 : status;
}

char *bench_find_program(const char *name, const char *envvar)
{
    const char *env = envvar ? getenv(envvar) : NULL;
    if (env && *env)
        return strdup(env);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            char *path;
            if (asprintf(&path, "%.*s/%s", (int)(slash - self), self, name) >= 0) {
                if (access(path, X_OK) == 0)
                    return path;
                free(path);
            }
        }
    }
    return strdup(name);
}
