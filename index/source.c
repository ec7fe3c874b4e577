/*
 * source.c: input files read through zlib's gzread (see source.h). zlib tells a clean
 * end of stream from a premature one only through gzerror after gzread returns 0
 * (Z_BUF_ERROR, "unexpected end of file"), so source_read checks it there.
 *
 * Pipes and terminals (stdin, unless named .gz) are read with plain read(2) instead:
 * gzread keeps reading until its buffer is full, so a record written to a pipe would sit
 * unread until 128 KiB followed it, and a signal arriving meanwhile would lose it. Called
 * by index/indexer.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "index/source.h"

#define GZ_BUFFER (128 * 1024)

struct source {
    int fd;         /* read directly when gz is NULL */
    gzFile gz;
    int64_t size;   /* on disk, -1 when unknown */
    int want_gzip;  /* named .gz: must be gzip */
    int checked;    /* want_gzip has been checked against the data */
    int64_t offset; /* bytes read directly */
};

int source_is_gz_name(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

static int fail(char **errmsg, const char *fmt, const char *arg)
{
    if (asprintf(errmsg, fmt, arg) < 0)
        *errmsg = NULL;
    return -1;
}

/* The file descriptor to read, and the file's size when it is a regular file. */
static int open_fd(const char *path, int64_t *size, char **errmsg)
{
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return fail(errmsg, "%s", strerror(errno));
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return fail(errmsg, "%s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(errmsg, "%s", strerror(EISDIR));
    }
    *size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
    return fd;
}

int source_open(const char *path, source **out, char **errmsg)
{
    *out = NULL;
    *errmsg = NULL;
    source *s = calloc(1, sizeof *s);
    if (!s)
        return fail(errmsg, "%s", strerror(ENOMEM));
    int fd = open_fd(path, &s->size, errmsg);
    if (fd < 0) {
        free(s);
        return -1;
    }
    s->fd = fd;
    s->want_gzip = strcmp(path, "-") != 0 && source_is_gz_name(path);
    if (s->size < 0 && !s->want_gzip) {
        *out = s;
        return 0;
    }
    s->gz = gzdopen(fd, "rb");
    if (!s->gz) {
        close(fd);
        free(s);
        return fail(errmsg, "%s", "cannot start reading (out of memory)");
    }
    gzbuffer(s->gz, GZ_BUFFER);
    *out = s;
    return 0;
}

/* The reason for the stream's current error, or NULL when there is none. */
static char *stream_error(source *s)
{
    int err = Z_OK;
    const char *msg = gzerror(s->gz, &err);
    char *out = NULL;
    if (err == Z_OK)
        return NULL;
    if (err == Z_BUF_ERROR)
        return strdup("truncated gzip stream (unexpected end of file)");
    if (err == Z_ERRNO)
        fail(&out, "%s", strerror(errno));
    else if (err == Z_DATA_ERROR)
        fail(&out, "corrupt gzip stream (%s)", msg);
    else
        fail(&out, "cannot decompress (%s)", msg);
    return out;
}

/* A pipe or terminal: whatever read(2) gives, at once. */
static ssize_t read_direct(source *s, void *buf, size_t n, char **errmsg)
{
    ssize_t got = read(s->fd, buf, n);
    if (got < 0) {
        fail(errmsg, "%s", strerror(errno));
        return -1;
    }
    if (s->offset == 0 && got >= 2 && memcmp(buf, "\x1f\x8b", 2) == 0) {
        *errmsg = strdup("gzip data on a pipe: decompress it first (zcat) or name the .gz file");
        return -1;
    }
    s->offset += (int64_t)got;
    return got;
}

ssize_t source_read(source *s, void *buf, size_t n, char **errmsg)
{
    *errmsg = NULL;
    if (n > INT_MAX)
        n = INT_MAX;
    if (!s->gz)
        return read_direct(s, buf, n, errmsg);
    int got = gzread(s->gz, buf, (unsigned)n);
    if (s->want_gzip && !s->checked) {
        s->checked = 1;
        if (gzdirect(s->gz) || (got == 0 && s->size == 0)) {
            *errmsg = strdup("not a gzip file (its name ends in .gz)");
            return -1;
        }
    }
    if (got > 0)
        return got;
    *errmsg = stream_error(s);
    if (*errmsg)
        return -1;
    if (got < 0) {
        *errmsg = strdup("read error");
        return -1;
    }
    return 0;
}

int64_t source_size(const source *s)
{
    return s->size;
}

int64_t source_offset(source *s)
{
    if (!s->gz)
        return s->offset;
    z_off_t off = gzoffset(s->gz);
    return off < 0 ? 0 : (int64_t)off;
}

void source_close(source *s)
{
    if (!s)
        return;
    if (s->gz)
        gzclose_r(s->gz);
    else
        close(s->fd);
    free(s);
}
