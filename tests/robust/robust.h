/*
 * robust.h: helpers shared by the crash-safety, concurrency and limits tests of
 * tests/robust/ (test_kill.c, test_live.c, test_limits.c): the articles to index (the
 * Reuters corpus from $TRAWL_SHARED, or a generated corpus), `trawl` processes run in the
 * background, a process's peak memory, and checks of what a database holds made through a
 * real `trawl serve` (tests/protocol/serve_driver.h). Their temporary directory comes
 * from tests/tmpdir.h.
 */
#ifndef TRAWL_TESTS_ROBUST_H
#define TRAWL_TESTS_ROBUST_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "tests/protocol/serve_driver.h"
#include "tests/tmpdir.h"

/* Writes n generated articles as JSON Lines to path: ids PREFIX1..PREFIXn, each with a
 * title, a date, topics and a body holding the word "common", the word "serial", and a
 * word unique to it ("uniqPREFIXi"). Returns 0 or -1. */
int robust_write_corpus(const char *path, const char *prefix, size_t n);

/* Reads every line of a JSON Lines file (gzip-compressed or not) into a new array of
 * objects (caller json_decref()s it), or NULL with a message. */
json_t *robust_load_jsonl(const char *path);

/* Starts `trawl ARGS...` (args[0] is the program; NULL-terminated) in the background with
 * stdin and stdout from/to /dev/null and stderr to errpath (NULL: /dev/null). Returns its
 * pid, or -1 with a message. */
pid_t robust_spawn(const char *const *args, const char *errpath);

/* Waits for pid; returns its exit status, 128 + N when killed by signal N, -1 on error. */
int robust_wait(pid_t pid);

/* The peak resident set (VmHWM) of a live process in KiB, or -1 when unknown. */
long robust_vmhwm_kib(pid_t pid);

/* Sends one JSON request object (stolen reference) as a line and reads its response into
 * a new object (caller json_decref()s it), or NULL with a message on stderr when the
 * response is missing, not JSON, not an object or lacks a boolean "ok". */
json_t *robust_call(struct srv *s, json_t *req, int timeout_ms);

/* The "articles" count of a `stats` response, or -1 with a message. */
long long robust_count(struct srv *s);

/* Checks through the server that the database holds exactly the first n articles of
 * `all` (an array from robust_load_jsonl), each stored intact (json_equal), and not
 * article n (when there is one). Requests go in windows, pipelined. Returns the number
 * of problems found (each printed), 0 when all is well. */
long robust_check_prefix(struct srv *s, const json_t *all, size_t n);

#endif
