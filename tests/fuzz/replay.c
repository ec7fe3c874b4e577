/*
 * replay.c: runs a fuzz target's LLVMFuzzerTestOneInput over saved inputs without
 * libFuzzer, so that `make check` (with gcc, with or without sanitizers, or under
 * valgrind) replays every seed of tests/fuzz/corpus/NAME/ and every crash ever found,
 * tests/fuzz/regressions/NAME/, where NAME is FUZZ_TARGET (set by tests/fuzz/local.mk,
 * which links this file with one fuzz_NAME.c as replay_NAME).
 *
 *   replay_NAME            the two directories under $top_srcdir (else FUZZ_SRCDIR)
 *   replay_NAME PATH...    these files, or every file in these directories
 *
 * Exits 0 after printing how many inputs passed; 1 when an argument cannot be read or no
 * seed is found; an input that breaks the target crashes (abort, sanitizer report).
 */
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target (tests/fuzz/local.mk sets it)"
#endif
#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

/* Targets without an initialiser leave it undefined. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Reads the whole file into a new buffer (caller frees; never NULL on success). */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *p = malloc(cap);
    while (p) {
        n += fread(p + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *q = realloc(p, cap *= 2);
        if (!q)
            free(p);
        p = q;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(p);
        return NULL;
    }
    *len = n;
    return p;
}

static int run_file(const char *path)
{
    size_t len = 0;
    unsigned char *p = slurp(path, &len);
    if (!p) {
        fprintf(stderr, "replay_%s: cannot read '%s': %s\n", FUZZ_TARGET, path, strerror(errno));
        return -1;
    }
    /* A copy of exactly len bytes, so ASan sees any read past the input. */
    unsigned char *exact = malloc(len ? len : 1);
    if (!exact) {
        free(p);
        return -1;
    }
    memcpy(exact, p, len);
    free(p);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

/* Runs every regular file of dir (sorted) or the file itself; returns how many, or -1.
 * A missing directory counts 0 when `optional`. */
static long run_path(const char *path, int optional)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (optional && errno == ENOENT)
            return 0;
        fprintf(stderr, "replay_%s: cannot read '%s': %s\n", FUZZ_TARGET, path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path) == 0 ? 1 : -1;
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay_%s: cannot list '%s': %s\n", FUZZ_TARGET, path, strerror(errno));
        return -1;
    }
    long done = 0;
    for (int i = 0; i < n; i++) {
        char sub[4096];
        if (names[i]->d_name[0] != '.' &&
            snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name) < (int)sizeof sub &&
            stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
            if (done >= 0)
                done = run_file(sub) == 0 ? done + 1 : -1;
        }
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) {
        long total = 0;
        for (int i = 1; i < argc; i++) {
            long n = run_path(argv[i], 0);
            if (n < 0)
                return 1;
            total += n;
        }
        printf("replay_%s: %ld inputs passed\n", FUZZ_TARGET, total);
        return 0;
    }
    const char *top = getenv("top_srcdir");
    char seeds[4096], crashes[4096];
    snprintf(seeds, sizeof seeds, "%s/tests/fuzz/corpus/%s", top ? top : FUZZ_SRCDIR,
             FUZZ_TARGET);
    snprintf(crashes, sizeof crashes, "%s/tests/fuzz/regressions/%s", top ? top : FUZZ_SRCDIR,
             FUZZ_TARGET);
    long s = run_path(seeds, 0), c = run_path(crashes, 1);
    if (s < 0 || c < 0)
        return 1;
    if (s == 0) {
        fprintf(stderr, "replay_%s: no seed inputs in '%s'\n", FUZZ_TARGET, seeds);
        return 1;
    }
    printf("replay_%s: %ld seeds (%s) and %ld regression inputs (%s) passed\n", FUZZ_TARGET,
           s, seeds, c, crashes);
    return 0;
}
