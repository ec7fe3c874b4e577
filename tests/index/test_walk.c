/*
 * test_walk.c: cmocka tests for the directory walk (index/walk.c) over a tree built in a
 * mkdtemp directory: byte-wise sorted order, hidden files and directories skipped, links
 * followed, symbolic-link loops and dangling links reported, FIFOs passed over, a callback
 * stopping the walk, and an unreadable directory (skipped visibly when running as root,
 * where chmod 000 does not stop reads). Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "index/walk.h"
#include "tests/tmpdir.h"

typedef struct {
    char dir[128];
    char seen[4096];     /* "rel|" for each file */
    char problems[4096]; /* "path-below-root:reason|" for each problem */
    int stop_after;      /* stop after this many files; 0 = never */
    int files;
} fixture;

static void add(char *buf, const char *a, const char *b)
{
    size_t used = strlen(buf);
    snprintf(buf + used, 4096 - used, "%s%s%s|", a, b ? ":" : "", b ? b : "");
}

static int on_file(void *ctx, const char *path, const char *rel, const struct stat *st)
{
    fixture *f = ctx;
    assert_true(S_ISREG(st->st_mode));
    assert_string_equal(path + strlen(f->dir) + 1, rel);
    add(f->seen, rel, NULL);
    f->files++;
    return f->stop_after && f->files >= f->stop_after;
}

static int on_problem(void *ctx, const char *path, const char *reason)
{
    fixture *f = ctx;
    size_t n = strlen(f->dir);
    add(f->problems, strncmp(path, f->dir, n) == 0 && path[n] == '/' ? path + n + 1 : path,
        reason);
    return 0;
}

static void make(fixture *f, const char *rel, int is_dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    if (is_dir) {
        assert_int_equal(mkdir(path, 0755), 0);
        return;
    }
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("text\n", fp);
    fclose(fp);
}

static void link_to(fixture *f, const char *target, const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || tmpdir_make(f->dir, sizeof f->dir, "walk") < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (tmpdir_remove(f->dir) < 0) /* it makes unreadable directories readable first */
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

static void build_tree(fixture *f)
{
    char path[256];
    make(f, "b.txt", 0);
    make(f, "a.txt", 0);
    make(f, "Z.txt", 0);
    make(f, ".hidden.txt", 0);
    make(f, ".git", 1);
    make(f, ".git/config.txt", 0);
    make(f, "sub", 1);
    make(f, "sub/c.txt", 0);
    make(f, "sub/a.jsonl", 0);
    make(f, "sub/deeper", 1);
    make(f, "sub/deeper/d.md", 0);
    link_to(f, "..", "sub/deeper/up");   /* a loop two levels up */
    link_to(f, ".", "loop");             /* a loop onto itself */
    link_to(f, "nowhere.txt", "dangling");
    link_to(f, "a.txt", "link.txt");     /* a link to a file: followed */
    snprintf(path, sizeof path, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(path, 0644), 0);
}

static void test_order_and_rules(void **state)
{
    fixture *f = *state;
    build_tree(f);
    walk_callbacks cb = {on_file, on_problem, f};
    assert_int_equal(walk_dir(f->dir, &cb), 0);
    assert_string_equal(f->seen, "Z.txt|a.txt|b.txt|link.txt|sub/a.jsonl|sub/c.txt|"
                                 "sub/deeper/d.md|");
    assert_string_equal(f->problems,
                        "dangling:dangling symbolic link|"
                        "loop:symbolic link loop (a directory containing itself)|"
                        "sub/deeper/up:symbolic link loop (a directory containing itself)|");
}

static void test_trailing_slash(void **state)
{
    fixture *f = *state;
    char root[160];
    make(f, "x.txt", 0);
    snprintf(root, sizeof root, "%s/", f->dir);
    walk_callbacks cb = {on_file, on_problem, f};
    assert_int_equal(walk_dir(root, &cb), 0);
    assert_string_equal(f->seen, "x.txt|");
}

static void test_stop(void **state)
{
    fixture *f = *state;
    build_tree(f);
    f->stop_after = 2;
    walk_callbacks cb = {on_file, on_problem, f};
    assert_int_equal(walk_dir(f->dir, &cb), 1);
    assert_string_equal(f->seen, "Z.txt|a.txt|");
}

static void test_not_a_directory(void **state)
{
    fixture *f = *state;
    char path[256];
    make(f, "file.txt", 0);
    snprintf(path, sizeof path, "%s/file.txt", f->dir);
    walk_callbacks cb = {on_file, on_problem, f};
    assert_int_equal(walk_dir(path, &cb), 0);
    assert_string_equal(f->seen, "");
    assert_non_null(strstr(f->problems, "Not a directory"));
}

static void test_unreadable_dir(void **state)
{
    fixture *f = *state;
    char path[256];
    make(f, "open", 1);
    make(f, "open/a.txt", 0);
    make(f, "shut", 1);
    make(f, "shut/b.txt", 0);
    snprintf(path, sizeof path, "%s/shut", f->dir);
    assert_int_equal(chmod(path, 0), 0);
    if (access(path, R_OK) == 0) {
        printf("skipped: an unreadable directory cannot be made here (running as root: "
               "chmod 000 does not stop reads)\n");
        skip();
    }
    walk_callbacks cb = {on_file, on_problem, f};
    assert_int_equal(walk_dir(f->dir, &cb), 0);
    assert_string_equal(f->seen, "open/a.txt|");
    assert_string_equal(f->problems, "shut:Permission denied|");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trailing_slash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
