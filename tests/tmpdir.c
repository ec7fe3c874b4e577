/*
 * tests/tmpdir.c: the helpers of tmpdir.h.
 */
#include "tests/tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int tmpdir_make(char *dir, size_t cap, const char *name)
{
    const char *t = getenv("TMPDIR");
    int n = snprintf(dir, cap, "%s/trawl-%s-XXXXXX", t && *t ? t : "/tmp", name);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "tmpdir_make: the path for '%s' does not fit in %zu bytes\n", name,
                cap);
        return -1;
    }
    if (!mkdtemp(dir)) {
        fprintf(stderr, "cannot make a temporary directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int unreadable; /* directories the last unlocking pass could not read */

/* Pre-order: gives each directory back its owner's rights, so that the walk can go in. */
static int unlock_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)f;
    if (flag == FTW_D || flag == FTW_DNR) {
        if ((st->st_mode & S_IRWXU) != S_IRWXU)
            chmod(path, (st->st_mode & 07777) | S_IRWXU);
        unreadable += flag == FTW_DNR;
    }
    return 0;
}

static int failures; /* entries the removal pass could not remove */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    failures += remove(path) != 0;
    return 0;
}

int tmpdir_remove(const char *dir)
{
    if (!dir || !*dir)
        return 0;
    /* each pass opens one more level of directories a test locked (at most a few) */
    for (int pass = 0; pass < 16; pass++) {
        unreadable = 0;
        nftw(dir, unlock_one, 16, FTW_PHYS);
        if (!unreadable)
            break;
    }
    failures = 0;
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return failures ? -1 : 0;
}
