/*
 * store.c: the stored-record codec of libtrawl (see store.h). engine/db.c calls
 * store_encode to turn an article's compact JSON text into the record it keeps as Xapian
 * document data, store_decode to get the text back for `get` and snippets, and
 * store_text_length to keep the raw-text statistic without inflating. No I/O here.
 *
 * Record format, version 1 (all of it; nothing follows the deflate stream):
 *
 *   offset  size  field
 *   0       1     version: 1
 *   1       1     dictionary id: 0 = none, else an id known to store_dict.c
 *   2       1..4  text length in bytes, unsigned LEB128 (7 bits a byte, low group first,
 *                 high bit = more), shortest form, at most STORE_MAX_TEXT
 *   2+n     4     CRC-32 of the text (zlib's crc32), little-endian
 *   6+n     rest  the text as one raw deflate stream (RFC 1951: no zlib header or
 *                 trailer), compressed against the preset dictionary when the id is not 0
 *
 * A record decodes only when every byte is accounted for: known version and dictionary,
 * canonical length, a deflate stream that ends exactly at the end of the record with zero
 * padding bits, inflating to exactly the recorded length, with a matching CRC. Anything
 * else is TRAWL_ECORRUPT. Memory is bounded by the header: the output buffer is the
 * recorded length (itself checked against STORE_MAX_TEXT and against deflate's maximum
 * ratio of 1032:1 to the stream's size) and inflate may not write past it.
 *
 * Why these choices (measured in doc/store.md): raw deflate saves zlib's 6 header/trailer
 * bytes on every record; the CRC costs 4 bytes a record (0.4% of the text) and catches
 * damage that still inflates cleanly; the preset dictionary brings Reuters articles from
 * ~57% to about 41% of their text; level 6 compresses within 0.1% of level 9 for less
 * CPU. Priming the dictionary costs more than compressing a short article, so
 * store_encoder keeps a primed stream and copies it for each record.
 */
#define ZLIB_CONST
#include "store.h"
#include "store_dict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define STORE_VERSION 1
#define STORE_VARINT_MAX 4   /* 4 x 7 bits covers STORE_MAX_TEXT (2^26) */
#define STORE_CRC_BYTES 4
#define STORE_LEVEL 6
#define STORE_MEMLEVEL 8
#define STORE_WINDOW_BITS (-15) /* raw deflate, 32 KiB window */
#define DEFLATE_MAX_RATIO 1032  /* 258 bytes per 2 bits: no stream inflates further */

/* A parsed record header. */
struct header {
    unsigned version;
    unsigned dict;
    size_t textlen;
    uint32_t crc;
    size_t size; /* bytes of header before the deflate stream */
};

/* Writes `v` as LEB128 into p (room for STORE_VARINT_MAX bytes); returns bytes written. */
static size_t put_varint(unsigned char *p, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Reads a canonical LEB128 from p[0..len) into *v; returns bytes read, 0 when truncated,
 * too long or not in shortest form. */
static size_t get_varint(const unsigned char *p, size_t len, size_t *v)
{
    size_t val = 0;
    for (size_t i = 0; i < len && i < STORE_VARINT_MAX; i++) {
        val |= (size_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            if (i > 0 && p[i] == 0)
                return 0; /* a trailing zero group: not the shortest form */
            *v = val;
            return i + 1;
        }
    }
    return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parses and checks the header of rec[0..len): 0 when sound, -1 when damaged. A sound
 * header leaves at least one byte of deflate stream. */
static int parse_header(const unsigned char *rec, size_t len, struct header *h)
{
    if (rec == NULL || len < 3)
        return -1;
    h->version = rec[0];
    h->dict = rec[1];
    if (h->version != STORE_VERSION)
        return -1;
    if (h->dict != STORE_DICT_NONE && store_dict_find(h->dict) == NULL)
        return -1;
    size_t n = get_varint(rec + 2, len - 2, &h->textlen);
    if (n == 0 || h->textlen > STORE_MAX_TEXT)
        return -1;
    h->size = 2 + n + STORE_CRC_BYTES;
    if (len <= h->size)
        return -1;
    h->crc = get_le32(rec + 2 + n);
    if (h->textlen / DEFLATE_MAX_RATIO > len - h->size)
        return -1;
    return 0;
}

static trawl_status zstatus(int zrc)
{
    return zrc == Z_MEM_ERROR ? TRAWL_ENOMEM : TRAWL_EINTERNAL;
}

/* Starts a raw deflate stream primed with dict (NULL for none). */
static trawl_status deflate_start(z_stream *zs, const store_dict *dict)
{
    memset(zs, 0, sizeof *zs);
    int rc = deflateInit2(zs, STORE_LEVEL, Z_DEFLATED, STORE_WINDOW_BITS, STORE_MEMLEVEL,
                          Z_DEFAULT_STRATEGY);
    if (rc != Z_OK)
        return zstatus(rc);
    if (dict && (rc = deflateSetDictionary(zs, dict->data, (uInt)dict->len)) != Z_OK) {
        deflateEnd(zs);
        return zstatus(rc);
    }
    return TRAWL_OK;
}

/* Writes the header for text[0..len) compressed against dict into rec; returns its size. */
static size_t put_header(unsigned char *rec, const char *text, size_t len,
                         const store_dict *dict)
{
    rec[0] = STORE_VERSION;
    rec[1] = (unsigned char)(dict ? dict->id : STORE_DICT_NONE);
    size_t n = 2 + put_varint(rec + 2, len);
    put_le32(rec + n, (uint32_t)crc32(0L, (const Bytef *)text, (uInt)len));
    return n + STORE_CRC_BYTES;
}

static trawl_status check_encode_args(const char *text, size_t len, unsigned char **out,
                                      size_t *outlen)
{
    if (out)
        *out = NULL;
    if (outlen)
        *outlen = 0;
    if (out == NULL || outlen == NULL || (text == NULL && len > 0))
        return TRAWL_EINVAL;
    return len > STORE_MAX_TEXT ? TRAWL_ETOOLARGE : TRAWL_OK;
}

/* Compresses text with zs, a fresh stream primed with dict, into a new record, and ends
 * the stream whatever happens. */
static trawl_status encode_with(z_stream *zs, const store_dict *dict, const char *text,
                                size_t len, unsigned char **out, size_t *outlen)
{
    size_t cap = deflateBound(zs, (uLong)len);
    unsigned char *rec = malloc(2 + STORE_VARINT_MAX + STORE_CRC_BYTES + cap);
    if (rec == NULL) {
        deflateEnd(zs);
        return TRAWL_ENOMEM;
    }
    size_t n = put_header(rec, text, len, dict);
    zs->next_in = (const Bytef *)text;
    zs->avail_in = (uInt)len;
    zs->next_out = rec + n;
    zs->avail_out = (uInt)cap;
    int rc = deflate(zs, Z_FINISH);
    size_t zlen = zs->total_out;
    deflateEnd(zs);
    if (rc != Z_STREAM_END) {
        free(rec);
        return zstatus(rc);
    }
    *out = rec;
    *outlen = n + zlen;
    return TRAWL_OK;
}

trawl_status store_encode(const char *text, size_t len, unsigned char **out, size_t *outlen)
{
    trawl_status st = check_encode_args(text, len, out, outlen);
    if (st != TRAWL_OK)
        return st;
    const store_dict *dict = store_dict_find(STORE_DICT_DEFAULT);
    z_stream zs;
    if ((st = deflate_start(&zs, dict)) != TRAWL_OK)
        return st;
    return encode_with(&zs, dict, text, len, out, outlen);
}

/* The encoder keeps a stream primed with the dictionary and never fed: each record
 * starts from a deflateCopy of it, which copies ~256 KiB instead of hashing the 32 KiB
 * dictionary again (measured in doc/store.md). */
struct store_encoder {
    const store_dict *dict;
    z_stream primed;
};

trawl_status store_encoder_new(store_encoder **out)
{
    if (out == NULL)
        return TRAWL_EINVAL;
    *out = NULL;
    store_encoder *enc = calloc(1, sizeof *enc);
    if (enc == NULL)
        return TRAWL_ENOMEM;
    enc->dict = store_dict_find(STORE_DICT_DEFAULT);
    trawl_status st = deflate_start(&enc->primed, enc->dict);
    if (st != TRAWL_OK) {
        free(enc);
        return st;
    }
    *out = enc;
    return TRAWL_OK;
}

void store_encoder_free(store_encoder *enc)
{
    if (enc == NULL)
        return;
    deflateEnd(&enc->primed);
    free(enc);
}

trawl_status store_encoder_encode(store_encoder *enc, const char *text, size_t len,
                                  unsigned char **out, size_t *outlen)
{
    trawl_status st = check_encode_args(text, len, out, outlen);
    if (st != TRAWL_OK)
        return st;
    if (enc == NULL)
        return TRAWL_EINVAL;
    z_stream zs;
    int rc = deflateCopy(&zs, &enc->primed);
    if (rc != Z_OK)
        return zstatus(rc);
    return encode_with(&zs, enc->dict, text, len, out, outlen);
}

/* The padding bits after the final block's end code, in the last byte the stream used,
 * must be zero (as deflate writes them): a flip there would otherwise go unnoticed.
 * `bits` is the count of unused bits inflate reports (data_type & 7). */
static int padding_is_zero(const z_stream *zs, int bits)
{
    if (bits == 0)
        return 1;
    unsigned last = zs->next_in[-1];
    return (last >> (8 - bits)) == 0;
}

/* Inflates the stream stream[0..slen) into buf (room for textlen + 1 bytes) and checks
 * it ends exactly at slen with zero padding and yields exactly textlen bytes. */
static trawl_status inflate_exact(const unsigned char *stream, size_t slen,
                                  const store_dict *dict, char *buf, size_t textlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int rc = inflateInit2(&zs, STORE_WINDOW_BITS);
    if (rc != Z_OK)
        return zstatus(rc);
    if (dict && inflateSetDictionary(&zs, dict->data, (uInt)dict->len) != Z_OK) {
        inflateEnd(&zs);
        return TRAWL_EINTERNAL;
    }
    zs.next_in = stream;
    zs.avail_in = (uInt)slen;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)(textlen + 1); /* one spare byte to notice overlong output */
    trawl_status st = TRAWL_ECORRUPT;
    int padding_ok = 1;
    for (;;) {
        /* Z_BLOCK stops after each block; after the last one, data_type holds the number
         * of unused (padding) bits in the last byte read, plus 64 (last block) and 128
         * (at a block boundary). */
        rc = inflate(&zs, Z_BLOCK);
        if (rc == Z_OK && (zs.data_type & 192) == 192)
            padding_ok = padding_is_zero(&zs, zs.data_type & 7);
        if (rc != Z_OK)
            break;
        if (zs.avail_in == 0 && (zs.data_type & 192) != 192)
            break; /* out of input before the end: truncated */
        if (zs.avail_out == 0)
            break; /* longer than recorded */
    }
    if (rc == Z_STREAM_END && padding_ok && zs.avail_in == 0 && zs.total_out == textlen)
        st = TRAWL_OK;
    else if (rc == Z_MEM_ERROR)
        st = TRAWL_ENOMEM;
    inflateEnd(&zs);
    return st;
}

trawl_status store_decode(const unsigned char *rec, size_t len, char **text, size_t *textlen)
{
    if (text)
        *text = NULL;
    if (textlen)
        *textlen = 0;
    if (text == NULL || textlen == NULL)
        return TRAWL_EINVAL;
    struct header h;
    if (parse_header(rec, len, &h) != 0)
        return TRAWL_ECORRUPT;
    const store_dict *dict = h.dict == STORE_DICT_NONE ? NULL : store_dict_find(h.dict);
    char *buf = malloc(h.textlen + 1);
    if (buf == NULL)
        return TRAWL_ENOMEM;
    trawl_status st = inflate_exact(rec + h.size, len - h.size, dict, buf, h.textlen);
    if (st == TRAWL_OK && crc32(0L, (const Bytef *)buf, (uInt)h.textlen) != h.crc)
        st = TRAWL_ECORRUPT;
    if (st != TRAWL_OK) {
        free(buf);
        return st;
    }
    buf[h.textlen] = '\0';
    *text = buf;
    *textlen = h.textlen;
    return TRAWL_OK;
}

size_t store_text_length(const unsigned char *rec, size_t len)
{
    struct header h;
    return parse_header(rec, len, &h) == 0 ? h.textlen : 0;
}
