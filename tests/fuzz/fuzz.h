/*
 * fuzz.h: what the libFuzzer targets in tests/fuzz/ share: the two entry points libFuzzer
 * calls (and that replay.c calls in `make check` without libFuzzer), a check that aborts
 * with a message so a broken invariant is a crash the fuzzer keeps, and the small real
 * database the request fuzzers answer from (fuzz_db.c).
 */
#ifndef TRAWL_TESTS_FUZZ_H
#define TRAWL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts with "fuzz: FILE:LINE: invariant failed: COND (WHAT)" when cond is false. */
#define FUZZ_CHECK(cond, what)                                                            \
    do {                                                                                  \
        if (!(cond))                                                                      \
            fuzz_fail(__FILE__, __LINE__, #cond, (what));                                 \
    } while (0)

void fuzz_fail(const char *file, int line, const char *cond, const char *what)
    __attribute__((noreturn));

/* Creates, once per process, a small database of a few varied articles (written with the
 * engine's own writer) in a mkdtemp directory under $TMPDIR, removed at exit. Returns its
 * path (static storage); exits with a message when it cannot be built. */
const char *fuzz_db_path(void);

/* Checks that out[0..len) is a well-formed sequence of complete responses of `trawl
 * serve`: JSON lines that parse as objects with a boolean "ok" (and an "error" object
 * with a "code" when false), or text blocks starting with "ok" or "error " and ending in a
 * "." line. Aborts through FUZZ_CHECK otherwise. Returns how many responses it saw. */
size_t fuzz_check_responses(const char *out, size_t len);

#endif
