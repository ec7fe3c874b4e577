/*
 * store.h: the stored-record codec (internal to libtrawl). Bytes in, bytes out: no I/O,
 * no Xapian, so it can be unit-tested and fuzzed on its own. engine/db.c encodes each
 * article's serialised text with store_encode before handing it to Xapian as document
 * data, and decodes it with a store_decoder when an article is fetched or snippeted. It
 * also encodes the small hit summary (id, title, date) that db.c keeps in a value slot.
 *
 * The record and summary formats are described in store.c, where they are implemented.
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

/* As store_encoder_encode, but writes a version 2 record, which also records that the
 * last `tail` bytes of the text (at most len) are its tail, handed back apart by
 * store_decoder_decode. TRAWL_EINVAL when tail > len. */
trawl_status store_encoder_encode_split(store_encoder *enc, const char *text, size_t len,
                                        size_t tail, unsigned char **out, size_t *outlen);

/* A reusable decoder (libdeflate): keeps its state, its dictionary prefix and its
 * buffers from record to record. A reader
 * (engine/db.c) keeps one per handle. Not thread-safe: one decoder per thread. */
typedef struct store_decoder store_decoder;

/* Creates a decoder. On success *out is the caller's; free with store_decoder_free.
 * TRAWL_ENOMEM, TRAWL_EINTERNAL. */
trawl_status store_decoder_new(store_decoder **out);

/* Frees a decoder. NULL-safe. */
void store_decoder_free(store_decoder *dec);

/* Decodes a record of either version, as store_decode; *tail (may be NULL) is set to the
 * length of the text's tail, its last bytes (0 for a version 1 record). */
trawl_status store_decoder_decode(store_decoder *dec, const unsigned char *rec, size_t len,
                                  char **text, size_t *textlen, size_t *tail);

/* As store_decoder_decode, but *text is the decoder's own buffer, which the caller may
 * write to (textlen + 1 bytes, NUL-terminated) until the decoder's next use or free: no
 * allocation per record once the buffer has grown to the longest text. On failure *text
 * is NULL. */
trawl_status store_decoder_borrow(store_decoder *dec, const unsigned char *rec, size_t len,
                                  char **text, size_t *textlen, size_t *tail);

/* Frees the decoder's buffers when either has grown past `keep` bytes (after a huge
 * record), so that one hit on a huge article does not stay in memory; the next decode
 * allocates again. Any borrowed text is invalid afterwards. NULL-safe. */
void store_decoder_trim(store_decoder *dec, size_t keep);

/* Decodes a record. On success *text (caller frees) holds *textlen bytes followed by a NUL
 * (not counted). A truncated, corrupt or unknown-version record gives TRAWL_ECORRUPT and
 * never reads outside `rec`. */
trawl_status store_decode(const unsigned char *rec, size_t len, char **text, size_t *textlen);

/* The uncompressed length recorded in a record's header, without inflating it; 0 when the
 * header is damaged. Used to keep the raw-text statistic up to date on replace/delete. */
size_t store_text_length(const unsigned char *rec, size_t len);

/* The tail length recorded in a version 2 record's header, without inflating it; 0 for a
 * version 1 record or a damaged header. Used to tell whether the articles' bodies would fit
 * in memory before inflating any (the record preload). */
size_t store_tail_length(const unsigned char *rec, size_t len);

/* Encodes n strings (a NULL one counts as "") into a hit summary. On success *out (caller
 * frees) holds *outlen bytes. TRAWL_EINVAL, TRAWL_ETOOLARGE, TRAWL_ENOMEM. */
trawl_status store_summary_encode(const char *const *fields, size_t n, unsigned char **out,
                                  size_t *outlen);

/* Decodes a hit summary of exactly n strings: fields[0..n) point into *buf (caller frees),
 * each NUL-terminated (a string holding a NUL reads as cut there). TRAWL_ECORRUPT when the
 * bytes are not such a summary (never reading outside v[0..len)), TRAWL_ENOMEM. */
trawl_status store_summary_decode(const unsigned char *v, size_t len, size_t n, char **buf,
                                  const char **fields);

#endif
