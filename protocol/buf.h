/*
 * buf.h: a growable byte buffer with a sticky failure flag, in which the protocol code
 * builds each response before it is written in one go. Used by every file in protocol/
 * and by cli/cmd_search.c through the formatters in format.h.
 *
 * After a failed allocation the buffer keeps what it had, ignores every later append and
 * reports the failure once, at the end (buf_failed), so long chains of appends need a
 * single check.
 */
#ifndef TRAWL_PROTOCOL_BUF_H
#define TRAWL_PROTOCOL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;  /* owned; NUL-terminated when len > 0 or after any append */
    size_t len;  /* bytes held, not counting the terminating NUL */
    size_t cap;  /* bytes allocated */
    int failed;  /* nonzero after an allocation failed */
};

#define BUF_INIT { NULL, 0, 0, 0 }

/* Empties the buffer and clears the failure flag; keeps the allocation for reuse. */
void buf_reset(struct buf *b);

/* Frees the allocation; the buffer is empty and reusable afterwards. NULL-safe. */
void buf_free(struct buf *b);

/* Appends n bytes (may contain NUL). */
void buf_add(struct buf *b, const void *p, size_t n);

/* Appends a NUL-terminated string. */
void buf_adds(struct buf *b, const char *s);

/* Appends one byte. */
void buf_addc(struct buf *b, char c);

/* Appends an unsigned integer in decimal (much cheaper than buf_printf on hot paths). */
void buf_addu(struct buf *b, unsigned long long v);

/* Appends printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Nonzero when an append failed since the last reset. */
int buf_failed(const struct buf *b);

#endif
