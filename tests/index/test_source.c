/*
 * test_source.c: cmocka tests for reading input files through zlib (index/source.c): a
 * plain file, a gzip file (named .gz or not), a truncated gzip file, a corrupt one, a
 * file named .gz that is not gzip, an empty .gz, a missing file and a directory. Each
 * file is written to a mkdtemp directory. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "index/source.h"
#include "tests/tmpdir.h"

typedef struct {
    char dir[128];
    char *text; /* what the files hold, decompressed */
    size_t len;
} fixture;

static char *path_in(const fixture *f, const char *name)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s", f->dir, name) > 0);
    return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void write_gzip(const char *path, const void *data, size_t len)
{
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* Reads the whole of `path` in small chunks. Returns what source_read last returned (0
 * for a clean end, -1 for an error); *got is the data read, *msg the error. */
static int read_all(const char *path, char **got, size_t *gotlen, char **msg)
{
    source *s = NULL;
    char buf[1000];
    ssize_t n;
    *got = NULL;
    *gotlen = 0;
    *msg = NULL;
    if (source_open(path, &s, msg) < 0)
        return -2;
    while ((n = source_read(s, buf, sizeof buf, msg)) > 0) {
        *got = realloc(*got, *gotlen + (size_t)n);
        assert_non_null(*got);
        memcpy(*got + *gotlen, buf, (size_t)n);
        *gotlen += (size_t)n;
    }
    source_close(s);
    return (int)n;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || tmpdir_make(f->dir, sizeof f->dir, "source") < 0)
        return -1;
    f->len = 200000;
    f->text = malloc(f->len);
    for (size_t i = 0; i < f->len; i++) /* compressible but not trivially so */
        f->text[i] = (i % 61 == 60) ? '\n' : (char)('a' + (i * 7 + i / 13) % 26);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (tmpdir_remove(f->dir) < 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f->text);
    free(f);
    return 0;
}

static void expect_text(fixture *f, const char *name, int is_gzip)
{
    char *path = path_in(f, name), *got, *msg;
    size_t gotlen;
    if (is_gzip)
        write_gzip(path, f->text, f->len);
    else
        write_file(path, f->text, f->len);
    int rc = read_all(path, &got, &gotlen, &msg);
    if (rc != 0)
        fail_msg("%s: read returned %d (%s)", name, rc, msg ? msg : "");
    assert_int_equal(gotlen, f->len);
    assert_memory_equal(got, f->text, f->len);
    free(got);
    free(path);
}

static void test_plain(void **state)
{
    expect_text(*state, "a.jsonl", 0);
}

static void test_gzip(void **state)
{
    expect_text(*state, "a.jsonl.gz", 1);
}

static void test_gzip_without_gz_name(void **state)
{
    expect_text(*state, "b.jsonl", 1);
}

/* Writes a damaged file and checks that reading it ends in an error naming `reason`. */
static void expect_error(fixture *f, const char *name, const void *data, size_t len,
                         const char *reason)
{
    char *path = path_in(f, name), *got, *msg;
    size_t gotlen;
    write_file(path, data, len);
    int rc = read_all(path, &got, &gotlen, &msg);
    if (rc != -1 || !msg || !strstr(msg, reason))
        fail_msg("%s: read returned %d with message '%s', want -1 and '%s'", name, rc,
                 msg ? msg : "(none)", reason);
    assert_true(gotlen <= f->len);
    if (gotlen)
        assert_memory_equal(got, f->text, gotlen); /* what came before is good data */
    free(got);
    free(msg);
    free(path);
}

/* The gzip bytes of the fixture's text, in memory. */
static unsigned char *gzip_bytes(fixture *f, size_t *len)
{
    char *path = path_in(f, "whole.gz");
    write_gzip(path, f->text, f->len);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char *buf = malloc(f->len + 1024);
    *len = fread(buf, 1, f->len + 1024, fp);
    fclose(fp);
    unlink(path);
    free(path);
    return buf;
}

static void test_truncated(void **state)
{
    fixture *f = *state;
    size_t len;
    unsigned char *gz = gzip_bytes(f, &len);
    static const size_t cuts[] = {1, 4, 8, 100}; /* bytes cut off the end */
    for (size_t i = 0; i < 4; i++)
        expect_error(f, "cut.jsonl.gz", gz, len - cuts[i], "truncated");
    expect_error(f, "header.jsonl.gz", gz, 10, "truncated");
    expect_error(f, "half.jsonl.gz", gz, len / 2, "truncated");
    free(gz);
}

static void test_corrupt(void **state)
{
    fixture *f = *state;
    size_t len;
    unsigned char *gz = gzip_bytes(f, &len);
    gz[len - 6] ^= 0x55; /* inside the CRC: the data inflates but does not check */
    expect_error(f, "crc.gz", gz, len, "corrupt");
    gz[len - 6] ^= 0x55;
    memset(gz + len / 2, 0xFF, 64); /* inside the deflate stream */
    expect_error(f, "mid.gz", gz, len, "corrupt");
    free(gz);
}

static void test_not_gzip(void **state)
{
    fixture *f = *state;
    expect_error(f, "plain.jsonl.gz", "{\"id\":\"a\"}\n", 11, "not a gzip file");
    expect_error(f, "empty.gz", "", 0, "not a gzip file");
}

static void test_open_errors(void **state)
{
    fixture *f = *state;
    source *s = (source *)f;
    char *msg = NULL, *path = path_in(f, "missing.jsonl");
    assert_int_equal(source_open(path, &s, &msg), -1);
    assert_null(s);
    assert_non_null(strstr(msg, "No such file"));
    free(msg);
    assert_int_equal(source_open(f->dir, &s, &msg), -1);
    assert_non_null(strstr(msg, "directory"));
    free(msg);
    free(path);
}

static void test_size_and_offset(void **state)
{
    fixture *f = *state;
    char *path = path_in(f, "size.gz"), *msg = NULL, buf[4096];
    write_gzip(path, f->text, f->len);
    source *s = NULL;
    assert_int_equal(source_open(path, &s, &msg), 0);
    int64_t size = source_size(s);
    assert_true(size > 0 && (size_t)size < f->len);
    while (source_read(s, buf, sizeof buf, &msg) > 0)
        assert_true(source_offset(s) <= size);
    assert_null(msg);
    assert_int_equal(source_offset(s), size);
    source_close(s);
    source_close(NULL);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_without_gz_name),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_not_gzip),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_size_and_offset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
