/*
 * text.h: the plain-text reader, as a codec that does no I/O: one document's bytes in,
 * one article out. index/indexer.c calls it for each .txt/.md file (after reading the
 * whole file through index/source.c); the tests and the libFuzzer target call it directly.
 *
 * Rules: the id is given by the caller (the path relative to the argument); a UTF-8 byte
 * order mark is dropped; the title is the first line that is not blank, trimmed of
 * surrounding white space and of a Markdown heading's leading '#'s; the body is
 * everything after that line, less leading blank lines; no date. A document with a NUL
 * byte or invalid UTF-8 is refused as binary, and one with no text at all as empty.
 */
#ifndef TRAWL_INDEX_TEXT_H
#define TRAWL_INDEX_TEXT_H

#include <stddef.h>
#include "trawl.h"

/* Builds an article with the given id from `len` bytes of text (need not be
 * NUL-terminated). On success *out is the caller's (trawl_article_free). On failure
 * (TRAWL_EINVAL for binary or empty text, TRAWL_ENOMEM) *out is NULL and *errmsg (caller
 * frees; pass NULL to ignore) says why, e.g. "binary file (NUL byte at offset 12)". */
trawl_status text_to_article(const char *id, const char *data, size_t len,
                             trawl_article **out, char **errmsg);

/* The offset of the first byte of `data` that is not part of well-formed UTF-8 (no
 * overlong forms, no surrogates, nothing above U+10FFFF), or `len` when all of it is. */
size_t text_utf8_check(const char *data, size_t len);

#endif
