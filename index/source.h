/*
 * source.h: one input file (or stdin) read through zlib, so gzip-compressed input is
 * decompressed transparently. index/indexer.c opens each file it indexes with
 * source_open and reads it in chunks with source_read; the reason for every failure comes
 * back as a short string naming the cause (the caller adds the file name).
 *
 * A file whose name ends in ".gz" must be gzip: one that is not, or whose stream is
 * truncated or corrupt, is an error. Any other regular file is read as it is, unless it
 * happens to be gzip, which is then decompressed as well. Standard input, pipes and
 * terminals not named .gz are read as they are, and each read returns as soon as some
 * data arrives (so records flow through a pipe one by one); gzip data arriving that way
 * is refused with a message rather than read as garbage.
 */
#ifndef TRAWL_INDEX_SOURCE_H
#define TRAWL_INDEX_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct source source;

/* Opens `path` for reading; "-" means standard input (which stays open afterwards).
 * Returns 0 and *out (close with source_close), or -1 with *errmsg (caller frees). */
int source_open(const char *path, source **out, char **errmsg);

/* Reads up to n bytes of decompressed data into buf. Returns the number read, 0 at the
 * clean end of the input, or -1 on an error (a read error, a truncated or corrupt gzip
 * stream, a .gz file that is not gzip), with *errmsg (caller frees) saying which. */
ssize_t source_read(source *s, void *buf, size_t n, char **errmsg);

/* The size of the file on disk, or -1 when unknown (stdin, a pipe). */
int64_t source_size(const source *s);

/* How far into the file on disk reading has gone (compressed bytes, for progress). */
int64_t source_offset(source *s);

/* Closes. NULL-safe. */
void source_close(source *s);

/* 1 when the path's name ends in ".gz". */
int source_is_gz_name(const char *path);

#endif
