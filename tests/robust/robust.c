/*
 * robust.c: the helpers declared in robust.h, for the tests of tests/robust/.
 */
#include "tests/robust/robust.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

extern char **environ;

#define WINDOW 64            /* get requests in flight at once */
#define MAX_LINE (1 << 22)   /* longest JSON Lines record read back */

int robust_write_corpus(const char *path, const char *prefix, size_t n)
{
    static const char *const topics[] = {"grain", "crude", "money", "trade"};
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 1; i <= n; i++) {
        fprintf(f,
                "{\"id\":\"%s%zu\",\"title\":\"Report %zu on %s\",\"date\":\"19%02zu-%02zu-%02zu\","
                "\"topics\":[\"%s\"],\"body\":\"A common serial report, number %zu, "
                "uniq%s%zu. Prices of %s moved %zu points while traders watched.\"}\n",
                prefix, i, i, topics[i % 4], 70 + i % 30, 1 + i % 12, 1 + i % 28,
                topics[i % 4], i, prefix, i, topics[(i + 1) % 4], i * 7919 % 1000);
    }
    return fclose(f) == 0 ? 0 : -1;
}

json_t *robust_load_jsonl(const char *path)
{
    gzFile g = gzopen(path, "rb");
    char *line = malloc(MAX_LINE);
    json_t *all = json_array();
    if (!g || !line || !all) {
        fprintf(stderr, "cannot read %s\n", path);
        goto fail;
    }
    while (gzgets(g, line, MAX_LINE)) {
        json_error_t e;
        json_t *a = json_loads(line, 0, &e);
        if (!json_is_object(a)) {
            fprintf(stderr, "%s: line %zu: %s\n", path, json_array_size(all) + 1, e.text);
            json_decref(a);
            goto fail;
        }
        json_array_append_new(all, a);
    }
    gzclose(g);
    free(line);
    return all;
fail:
    if (g)
        gzclose(g);
    free(line);
    json_decref(all);
    return NULL;
}

pid_t robust_spawn(const char *const *args, const char *errpath)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errpath ? errpath : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, args[0], &fa, NULL, (char *const *)args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "cannot run %s: %s\n", args[0], strerror(rc));
        return -1;
    }
    return pid;
}

int robust_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

long robust_vmhwm_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* Parses a response line into an object with a boolean "ok", or NULL with a message. */
static json_t *parse_response(const char *line)
{
    json_error_t e;
    json_t *r = line ? json_loads(line, 0, &e) : NULL;
    if (!r || !json_is_object(r) || !json_is_boolean(json_object_get(r, "ok"))) {
        fprintf(stderr, "malformed response: %.300s\n", line ? line : "(none)");
        json_decref(r);
        return NULL;
    }
    return r;
}

json_t *robust_call(struct srv *s, json_t *req, int timeout_ms)
{
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!text || drv_send(s, text) != 0 || drv_send(s, "\n") != 0) {
        fprintf(stderr, "cannot send a request to the server\n");
        free(text);
        return NULL;
    }
    free(text);
    return parse_response(drv_line(s, timeout_ms));
}

long long robust_count(struct srv *s)
{
    json_t *r = robust_call(s, json_pack("{s:s}", "op", "stats"), 60000);
    json_t *n = json_object_get(r, "articles");
    long long count = json_is_true(json_object_get(r, "ok")) && json_is_integer(n)
                          ? (long long)json_integer_value(n) : -1;
    if (count < 0 && r) {
        char *text = json_dumps(r, JSON_COMPACT);
        fprintf(stderr, "stats failed: %s\n", text ? text : "?");
        free(text);
    }
    json_decref(r);
    return count;
}

/* Checks the response to `get` article i: present and intact when i < n, else absent. */
static long check_get(const json_t *all, size_t i, size_t n, json_t *r)
{
    const json_t *want = json_array_get(all, i);
    const char *id = json_string_value(json_object_get(want, "id"));
    if (!r)
        return 1;
    long bad = 0;
    json_t *ok = json_object_get(r, "ok");
    if (json_integer_value(json_object_get(r, "id")) != (json_int_t)i) {
        fprintf(stderr, "the response to get %zu came out of order\n", i);
        bad = 1;
    } else if (i < n && !json_is_true(ok)) {
        fprintf(stderr, "article %zu '%s' committed but not found\n", i, id);
        bad = 1;
    } else if (i < n && !json_equal(json_object_get(r, "article"), (json_t *)want)) {
        fprintf(stderr, "article %zu '%s' does not read back intact\n", i, id);
        bad = 1;
    } else if (i >= n && !json_is_false(ok)) {
        fprintf(stderr, "article %zu '%s' is in the database but was not committed\n", i, id);
        bad = 1;
    }
    json_decref(r);
    return bad;
}

long robust_check_prefix(struct srv *s, const json_t *all, size_t n)
{
    size_t total = json_array_size(all), last = n < total ? n + 1 : total;
    long bad = 0;
    for (size_t i = 0; i < last; i += WINDOW) {
        size_t end = i + WINDOW < last ? i + WINDOW : last;
        for (size_t j = i; j < end; j++) {
            json_t *a = json_array_get(all, j);
            json_t *req = json_pack("{s:I,s:s,s:O}", "id", (json_int_t)j, "op", "get", "doc",
                                    json_object_get(a, "id"));
            char *text = json_dumps(req, JSON_COMPACT);
            json_decref(req);
            int rc = text ? drv_send(s, text) | drv_send(s, "\n") : -1;
            free(text);
            if (rc != 0) {
                fprintf(stderr, "cannot send a request to the server\n");
                return bad + 1;
            }
        }
        for (size_t j = i; j < end; j++)
            bad += check_get(all, j, n, parse_response(drv_line(s, 60000)));
        if (bad > 10) {
            fprintf(stderr, "(more than 10 problems: stopped looking)\n");
            break;
        }
    }
    return bad;
}
