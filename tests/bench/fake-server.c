/*
 * fake-server.c: a stand-in for `trawl serve` that tests/bench/query.sh runs under
 * trawl-bench to check its timing math. It speaks the pipe protocol's JSON form (one
 * request a line on stdin, one response a line on stdout) and answers every search after
 * sleeping a known time (--delay-us, default 2000), so the measured round trips can never
 * be shorter than that and should, at the median, be close to it. A search whose "q"
 * starts with "fail" gets an error response, to check error counting. Also answers ping,
 * stats and quit. Usage: fake-server [--delay-us N]
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Sleeps at least `us` microseconds, resuming after signals. */
static void sleep_us(long us)
{
    struct timespec t = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&t, &t) < 0 && errno == EINTR)
        ;
}

static json_t *answer(json_t *req, long delay_us, int *quit)
{
    json_t *id = json_object_get(req, "id");
    const char *op = json_string_value(json_object_get(req, "op"));
    json_t *r = json_object();
    if (id)
        json_object_set(r, "id", id);
    if (op && !strcmp(op, "search")) {
        sleep_us(delay_us);
        const char *q = json_string_value(json_object_get(req, "q"));
        if (q && !strncmp(q, "fail", 4)) {
            json_object_set_new(r, "ok", json_false());
            json_object_set_new(r, "error", json_pack("{s:s, s:s}", "code", "bad_query",
                                                      "message", "asked to fail"));
            return r;
        }
        json_object_set_new(r, "ok", json_true());
        json_object_set_new(r, "total", json_integer(1));
        json_object_set_new(r, "took_us", json_integer(delay_us));
        json_object_set_new(r, "hits", json_pack("[{s:i, s:s, s:f, s:s, s:s, s:[[i,i]]}]",
                                                 "rank", 1, "doc", "fake-1", "score", 1.0,
                                                 "title", "Fake", "snippet", "a fake hit",
                                                 "highlights", 2, 6));
    } else if (op && (!strcmp(op, "ping") || !strcmp(op, "quit") || !strcmp(op, "stats"))) {
        json_object_set_new(r, "ok", json_true());
        if (!strcmp(op, "ping")) {
            json_object_set_new(r, "version", json_string("fake-server"));
            json_object_set_new(r, "protocol", json_integer(1));
        } else if (!strcmp(op, "stats")) {
            json_object_set_new(r, "articles", json_integer(1));
            json_object_set_new(r, "store_bytes", json_integer(50));
            json_object_set_new(r, "text_bytes", json_integer(100));
        }
        *quit = !strcmp(op, "quit");
    } else {
        json_object_set_new(r, "ok", json_false());
        json_object_set_new(r, "error", json_pack("{s:s, s:s}", "code", "unknown_op", "message",
                                                  "unknown op"));
    }
    return r;
}

int main(int argc, char **argv)
{
    long delay_us = 2000;
    if (argc == 3 && !strcmp(argv[1], "--delay-us")) {
        char *end;
        delay_us = strtol(argv[2], &end, 10);
        if (*end || delay_us < 0) {
            fprintf(stderr, "fake-server: bad --delay-us '%s'\n", argv[2]);
            return 2;
        }
    } else if (argc != 1) {
        fputs("usage: fake-server [--delay-us N]\n", stderr);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    int quit = 0;
    while (!quit && getline(&line, &cap, stdin) >= 0) {
        json_t *req = json_loads(line, 0, NULL);
        json_t *r = json_is_object(req)
                        ? answer(req, delay_us, &quit)
                        : json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code", "bad_json",
                                    "message", "not a JSON object");
        char *out = json_dumps(r, JSON_COMPACT);
        if (out) {
            printf("%s\n", out);
            fflush(stdout);
        }
        free(out);
        json_decref(r);
        json_decref(req);
    }
    free(line);
    return 0;
}
