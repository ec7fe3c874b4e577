/*
 * store.h: the stored-record codec (internal to libtrawl). Bytes in, bytes out: no I/O,
 * no Xapian, so it can be unit-tested and fuzzed on its own. engine/db.c encodes each
 * article's serialised text with store_encode before handing it to Xapian as document
 * data, and decodes it with store_decode when an article is fetched or snippeted.
 *
 * The record format is described in store.c, where it is implemented.
 */
#ifndef TRAWL_STORE_H
#define TRAWL_STORE_H

#include <stddef.h>
#include "trawl.h"

/* Largest uncompressed record accepted (and so the largest article). */
#define STORE_MAX_TEXT ((size_t)64 * 1024 * 1024)

/* Compresses `len` bytes of `text` into a new record. On success *out (caller frees) holds
 * *outlen bytes. TRAWL_ETOOLARGE over STORE_MAX_TEXT, TRAWL_ENOMEM, TRAWL_EINTERNAL. */
trawl_status store_encode(const char *text, size_t len, unsigned char **out, size_t *outlen);

/* A reusable encoder for many records: it primes the preset dictionary once, where
 * store_encode primes it for every record (the larger cost for a short article). Its
 * records are identical to store_encode's. A writer (engine/db.c) keeps one per handle.
 * Not thread-safe: one encoder per thread. */
typedef struct store_encoder store_encoder;

/* Creates an encoder. On success *out is the caller's; free with store_encoder_free.
 * TRAWL_ENOMEM, TRAWL_EINTERNAL. */
trawl_status store_encoder_new(store_encoder **out);

/* Frees an encoder. NULL-safe. */
void store_encoder_free(store_encoder *enc);

/* As store_encode, with the encoder's primed dictionary. */
trawl_status store_encoder_encode(store_encoder *enc, const char *text, size_t len,
                                  unsigned char **out, size_t *outlen);

/* Decodes a record. On success *text (caller frees) holds *textlen bytes followed by a NUL
 * (not counted). A truncated, corrupt or unknown-version record gives TRAWL_ECORRUPT and
 * never reads outside `rec`. */
trawl_status store_decode(const unsigned char *rec, size_t len, char **text, size_t *textlen);

/* The uncompressed length recorded in a record's header, without inflating it; 0 when the
 * header is damaged. Used to keep the raw-text statistic up to date on replace/delete. */
size_t store_text_length(const unsigned char *rec, size_t len);

#endif
