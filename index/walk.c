/*
 * walk.c: the recursive directory walk (see walk.h). scandir reads and closes each
 * directory before its entries are visited, so the walk holds no file descriptors open
 * however deep it goes. Called by index/indexer.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/walk.h"

/* The directories on the path from the root to the one being walked. */
typedef struct ancestor {
    dev_t dev;
    ino_t ino;
    const struct ancestor *up;
} ancestor;

typedef struct {
    const walk_callbacks *cb;
    size_t rootlen; /* length of the root prefix to drop from paths, separator included */
} walk;

static int visible(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static int bytewise(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_loop(const ancestor *up, const struct stat *st)
{
    for (; up; up = up->up)
        if (up->dev == st->st_dev && up->ino == st->st_ino)
            return 1;
    return 0;
}

static int walk_tree(walk *w, const char *dir, const ancestor *up);

/* Visits one entry of a directory. */
static int visit(walk *w, const char *path, const ancestor *up)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        const char *why = errno == ENOENT ? "dangling symbolic link" : strerror(errno);
        return w->cb->problem(w->cb->ctx, path, why) ? 1 : 0;
    }
    if (S_ISDIR(st.st_mode)) {
        if (is_loop(up, &st))
            return w->cb->problem(w->cb->ctx, path,
                                  "symbolic link loop (a directory containing itself)") ? 1 : 0;
        ancestor here = {st.st_dev, st.st_ino, up};
        return walk_tree(w, path, &here);
    }
    if (!S_ISREG(st.st_mode))
        return 0;
    return w->cb->file(w->cb->ctx, path, path + w->rootlen, &st) ? 1 : 0;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    char *p = NULL;
    int slash = n > 0 && dir[n - 1] == '/';
    if (asprintf(&p, "%s%s%s", dir, slash ? "" : "/", name) < 0)
        return NULL;
    return p;
}

static int walk_tree(walk *w, const char *dir, const ancestor *up)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, visible, bytewise);
    int rc = 0;
    if (n < 0)
        return w->cb->problem(w->cb->ctx, dir, strerror(errno)) ? 1 : 0;
    for (int i = 0; i < n; i++) {
        char *path = rc == 0 ? join(dir, names[i]->d_name) : NULL;
        if (rc == 0 && !path) {
            w->cb->problem(w->cb->ctx, dir, strerror(ENOMEM));
            rc = -1;
        }
        if (rc == 0)
            rc = visit(w, path, up);
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

int walk_dir(const char *root, const walk_callbacks *cb)
{
    struct stat st;
    if (stat(root, &st) < 0)
        return cb->problem(cb->ctx, root, strerror(errno)) ? 1 : 0;
    if (!S_ISDIR(st.st_mode))
        return cb->problem(cb->ctx, root, strerror(ENOTDIR)) ? 1 : 0;
    size_t n = strlen(root);
    walk w = {cb, n > 0 && root[n - 1] == '/' ? n : n + 1};
    ancestor top = {st.st_dev, st.st_ino, NULL};
    return walk_tree(&w, root, &top);
}
