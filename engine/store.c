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
 * Version 2 is version 1 with a second LEB128 after the text length: the length of the
 * text's *tail*, its last bytes, which the caller wants apart from the rest (engine/db.c
 * puts an article's body there, after the JSON of its other fields, so that a snippet
 * needs no JSON parsing). The tail length is in shortest form and at most the text length.
 * The stream holds the whole text, head and tail, as in version 1; the CRC covers the
 * tail-length field's bytes and then the text (so damage to the field is caught too).
 * Version 1 records read as version 2 ones with an empty tail.
 *
 * A record decodes only when every byte is accounted for: known version and dictionary,
 * canonical lengths, a deflate stream that ends exactly at the end of the record with zero
 * padding bits, inflating to exactly the recorded length, with a matching CRC. Anything
 * else is TRAWL_ECORRUPT. Memory is bounded by the header: the output buffer is the
 * recorded length (itself checked against STORE_MAX_TEXT and against deflate's maximum
 * ratio of 1032:1 to the stream's size) and inflate may not write past it.
 *
 * The hit summary (store_summary_encode) is a second, tiny format kept in a Xapian value
 * slot, so that a search hit shows its id, title and date without inflating the record:
 *
 *   offset  size  field
 *   0       1     version: 1
 *   1       ...   each field in turn: its length (LEB128, shortest form), then its bytes
 *
 * with exactly the number of fields the reader expects and nothing after them.
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

#define STORE_VERSION 1       /* the text in one piece */
#define STORE_VERSION_SPLIT 2 /* the text with its tail length */
#define SUMMARY_VERSION 1
#define STORE_VARINT_MAX 4   /* 4 x 7 bits covers STORE_MAX_TEXT (2^26) */
#define STORE_CRC_BYTES 4
#define STORE_LEVEL 6
#define STORE_MEMLEVEL 8
#define STORE_WINDOW_BITS (-15) /* raw deflate, 32 KiB window */
#define DEFLATE_MAX_RATIO 1032  /* 258 bytes per 2 bits: no stream inflates further */
/* Spare room after a record's text in the inflate buffer: zlib's fast decoding loop
 * (inflate_fast) runs only while 258 bytes of output room remain, so without it the last
 * 258 bytes of every text went through the slow loop. */
#define INFLATE_SLACK 259

/* A parsed record header. */
struct header {
    unsigned version;
    unsigned dict;
    size_t textlen;
    size_t taillen; /* 0 for version 1 */
    size_t tailpos, tailn; /* where the tail-length field is: rec[tailpos..tailpos+tailn) */
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
    h->taillen = 0;
    h->tailpos = h->tailn = 0;
    if (h->version != STORE_VERSION && h->version != STORE_VERSION_SPLIT)
        return -1;
    if (h->dict != STORE_DICT_NONE && store_dict_find(h->dict) == NULL)
        return -1;
    size_t n = get_varint(rec + 2, len - 2, &h->textlen);
    if (n == 0 || h->textlen > STORE_MAX_TEXT)
        return -1;
    h->size = 2 + n;
    if (h->version == STORE_VERSION_SPLIT) {
        n = get_varint(rec + h->size, len - h->size, &h->taillen);
        if (n == 0 || h->taillen > h->textlen)
            return -1;
        h->tailpos = h->size;
        h->tailn = n;
        h->size += n;
    }
    if (len <= h->size + STORE_CRC_BYTES)
        return -1;
    h->crc = get_le32(rec + h->size);
    h->size += STORE_CRC_BYTES;
    if (h->textlen / DEFLATE_MAX_RATIO > len - h->size)
        return -1;
    return 0;
}

static trawl_status zstatus(int zrc)
{
    return zrc == Z_MEM_ERROR ? TRAWL_ENOMEM : TRAWL_EINTERNAL;
}

/* Starts a raw deflate stream primed with dict (NULL for none), allocating with zs's
 * zalloc, zfree and opaque (Z_NULL for zlib's own). */
static trawl_status deflate_start(z_stream *zs, const store_dict *dict)
{
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

/* Writes the header for text[0..len) compressed against dict into rec; returns its size.
 * `tail` is SIZE_MAX for a version 1 record, else the tail length of a version 2 one. */
static size_t put_header(unsigned char *rec, const char *text, size_t len, size_t tail,
                         const store_dict *dict)
{
    rec[0] = tail == SIZE_MAX ? STORE_VERSION : STORE_VERSION_SPLIT;
    rec[1] = (unsigned char)(dict ? dict->id : STORE_DICT_NONE);
    size_t n = 2 + put_varint(rec + 2, len), tailn = 0;
    uLong crc = crc32(0L, Z_NULL, 0);
    if (tail != SIZE_MAX) {
        tailn = put_varint(rec + n, tail);
        crc = crc32(crc, rec + n, (uInt)tailn);
        n += tailn;
    }
    put_le32(rec + n, (uint32_t)crc32(crc, (const Bytef *)text, (uInt)len));
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

/* Compresses text with zs, a fresh stream primed with dict, into a new record (version 1
 * when tail is SIZE_MAX, else version 2), and ends the stream whatever happens. */
static trawl_status encode_with(z_stream *zs, const store_dict *dict, const char *text,
                                size_t len, size_t tail, unsigned char **out, size_t *outlen)
{
    size_t cap = deflateBound(zs, (uLong)len);
    unsigned char *rec = malloc(2 + 2 * STORE_VARINT_MAX + STORE_CRC_BYTES + cap);
    if (rec == NULL) {
        deflateEnd(zs);
        return TRAWL_ENOMEM;
    }
    size_t n = put_header(rec, text, len, tail, dict);
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
    memset(&zs, 0, sizeof zs);
    if ((st = deflate_start(&zs, dict)) != TRAWL_OK)
        return st;
    return encode_with(&zs, dict, text, len, SIZE_MAX, out, outlen);
}

/* The encoder keeps a stream primed with the dictionary and never fed: each record
 * starts from a deflateCopy of it, which copies ~256 KiB instead of hashing the 32 KiB
 * dictionary again (measured in doc/store.md). The copy's five buffers come from the
 * encoder's pool, where deflateEnd leaves them for the next record: allocating and
 * freeing them from the heap for every record (mmap or brk and trim, page faults) cost
 * as much as the copy itself. */
#define POOL_SLOTS 16 /* the primed stream's buffers and one copy's, with room */

struct pool_slot {
    void *p;      /* NULL: an empty slot */
    size_t size;
    int used;
};

struct store_encoder {
    const store_dict *dict;
    z_stream primed;
    struct pool_slot pool[POOL_SLOTS];
};

/* zlib's allocator for the encoder's streams: a free buffer of the same size from the
 * pool, else a new one, kept in the pool when there is room. */
static voidpf pool_alloc(voidpf opaque, uInt items, uInt size)
{
    store_encoder *enc = opaque;
    size_t n = (size_t)items * size;
    struct pool_slot *empty = NULL;
    for (size_t i = 0; i < POOL_SLOTS; i++) {
        struct pool_slot *sl = &enc->pool[i];
        if (sl->p && !sl->used && sl->size == n) {
            sl->used = 1;
            return sl->p;
        }
        if (!sl->p && !empty)
            empty = sl;
    }
    void *p = malloc(n);
    if (p && empty)
        *empty = (struct pool_slot){p, n, 1};
    return p;
}

/* Gives a buffer back to the pool (or to the heap, when it is not the pool's). */
static void pool_free(voidpf opaque, voidpf p)
{
    store_encoder *enc = opaque;
    for (size_t i = 0; i < POOL_SLOTS; i++)
        if (enc->pool[i].p == p) {
            enc->pool[i].used = 0;
            return;
        }
    free(p);
}

trawl_status store_encoder_new(store_encoder **out)
{
    if (out == NULL)
        return TRAWL_EINVAL;
    *out = NULL;
    store_encoder *enc = calloc(1, sizeof *enc);
    if (enc == NULL)
        return TRAWL_ENOMEM;
    enc->dict = store_dict_find(STORE_DICT_DEFAULT);
    enc->primed.zalloc = pool_alloc; /* deflateCopy gives its copies the same */
    enc->primed.zfree = pool_free;
    enc->primed.opaque = enc;
    trawl_status st = deflate_start(&enc->primed, enc->dict);
    if (st != TRAWL_OK) {
        store_encoder_free(enc);
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
    for (size_t i = 0; i < POOL_SLOTS; i++)
        free(enc->pool[i].p);
    free(enc);
}

/* Encodes with the encoder's primed stream: version 1 when tail is SIZE_MAX. */
static trawl_status encoder_encode(store_encoder *enc, const char *text, size_t len,
                                   size_t tail, unsigned char **out, size_t *outlen)
{
    trawl_status st = check_encode_args(text, len, out, outlen);
    if (st != TRAWL_OK)
        return st;
    if (enc == NULL || (tail != SIZE_MAX && tail > len))
        return TRAWL_EINVAL;
    z_stream zs;
    int rc = deflateCopy(&zs, &enc->primed);
    if (rc != Z_OK)
        return zstatus(rc);
    return encode_with(&zs, enc->dict, text, len, tail, out, outlen);
}

trawl_status store_encoder_encode(store_encoder *enc, const char *text, size_t len,
                                  unsigned char **out, size_t *outlen)
{
    return encoder_encode(enc, text, len, SIZE_MAX, out, outlen);
}

trawl_status store_encoder_encode_split(store_encoder *enc, const char *text, size_t len,
                                        size_t tail, unsigned char **out, size_t *outlen)
{
    if (tail == SIZE_MAX) {
        check_encode_args(text, len, out, outlen);
        return TRAWL_EINVAL;
    }
    return encoder_encode(enc, text, len, tail, out, outlen);
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

/* Inflates the stream stream[0..slen) with zs (freshly reset, its dictionary set) into
 * buf (room for textlen + 1 bytes) and checks it ends exactly at slen with zero padding
 * and yields exactly textlen bytes. */
static trawl_status inflate_exact(z_stream *zs, const unsigned char *stream, size_t slen,
                                  char *buf, size_t textlen)
{
    zs->next_in = stream;
    zs->avail_in = (uInt)slen;
    zs->next_out = (Bytef *)buf;
    zs->avail_out = (uInt)(textlen + INFLATE_SLACK); /* room to notice overlong output */
    int rc, padding_ok = 1;
    for (;;) {
        /* Z_BLOCK stops after each block; after the last one, data_type holds the number
         * of unused (padding) bits in the last byte read, plus 64 (last block) and 128
         * (at a block boundary). */
        rc = inflate(zs, Z_BLOCK);
        if (rc == Z_OK && (zs->data_type & 192) == 192)
            padding_ok = padding_is_zero(zs, zs->data_type & 7);
        if (rc != Z_OK)
            break;
        if (zs->avail_in == 0 && (zs->data_type & 192) != 192)
            break; /* out of input before the end: truncated */
        if (zs->avail_out == 0)
            break; /* longer than recorded */
    }
    if (rc == Z_STREAM_END && padding_ok && zs->avail_in == 0 && zs->total_out == textlen)
        return TRAWL_OK;
    return rc == Z_MEM_ERROR ? TRAWL_ENOMEM : TRAWL_ECORRUPT;
}

/* A decoder keeps one raw inflate stream (with its 32 KiB window) from record to record:
 * inflateReset instead of inflateInit2 and inflateEnd, so decoding a record allocates
 * only its output (and store_decoder_borrow, nothing once its buffer is large enough).
 * The dictionary is still copied into the window for every record (inflateSetDictionary,
 * a 32 KiB memcpy, about 1 us): inflateReset empties the window, and inflateResetKeep,
 * which keeps it, keeps the last record's text in it too, which the next record's
 * distances must not see; zlib has no way to restore a window but to copy it again. */
struct store_decoder {
    z_stream zs;
    int ready; /* zs is initialised */
    char *buf; /* store_decoder_borrow's output */
    size_t cap;
};

trawl_status store_decoder_new(store_decoder **out)
{
    if (out == NULL)
        return TRAWL_EINVAL;
    *out = NULL;
    store_decoder *dec = calloc(1, sizeof *dec);
    if (dec == NULL)
        return TRAWL_ENOMEM;
    int rc = inflateInit2(&dec->zs, STORE_WINDOW_BITS);
    if (rc != Z_OK) {
        free(dec);
        return zstatus(rc);
    }
    dec->ready = 1;
    *out = dec;
    return TRAWL_OK;
}

void store_decoder_free(store_decoder *dec)
{
    if (dec == NULL)
        return;
    if (dec->ready)
        inflateEnd(&dec->zs);
    free(dec->buf);
    free(dec);
}

/* Decodes rec into buf (room for textlen + INFLATE_SLACK bytes), the header h parsed. */
static trawl_status decode_into(store_decoder *dec, const unsigned char *rec, size_t len,
                                const struct header *h, char *buf)
{
    const store_dict *dict = h->dict == STORE_DICT_NONE ? NULL : store_dict_find(h->dict);
    if (inflateReset(&dec->zs) != Z_OK ||
        (dict && inflateSetDictionary(&dec->zs, dict->data, (uInt)dict->len) != Z_OK))
        return TRAWL_EINTERNAL;
    trawl_status st = inflate_exact(&dec->zs, rec + h->size, len - h->size, buf, h->textlen);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), rec + h->tailpos, (uInt)h->tailn);
    if (st == TRAWL_OK && crc32(crc, (const Bytef *)buf, (uInt)h->textlen) != h->crc)
        st = TRAWL_ECORRUPT;
    if (st == TRAWL_OK)
        buf[h->textlen] = '\0';
    return st;
}

/* Sets the OUT parameters of a decode to nothing; TRAWL_EINVAL when they are missing. */
static trawl_status decode_args(const store_decoder *dec, char **text, size_t *textlen,
                                size_t *tail)
{
    if (text)
        *text = NULL;
    if (textlen)
        *textlen = 0;
    if (tail)
        *tail = 0;
    return dec == NULL || text == NULL || textlen == NULL ? TRAWL_EINVAL : TRAWL_OK;
}

trawl_status store_decoder_decode(store_decoder *dec, const unsigned char *rec, size_t len,
                                  char **text, size_t *textlen, size_t *tail)
{
    struct header h;
    trawl_status st = decode_args(dec, text, textlen, tail);
    if (st != TRAWL_OK)
        return st;
    if (parse_header(rec, len, &h) != 0)
        return TRAWL_ECORRUPT;
    char *buf = malloc(h.textlen + INFLATE_SLACK);
    if (buf == NULL)
        return TRAWL_ENOMEM;
    if ((st = decode_into(dec, rec, len, &h, buf)) != TRAWL_OK) {
        free(buf);
        return st;
    }
    *text = buf;
    *textlen = h.textlen;
    if (tail)
        *tail = h.taillen;
    return TRAWL_OK;
}

trawl_status store_decoder_borrow(store_decoder *dec, const unsigned char *rec, size_t len,
                                  char **text, size_t *textlen, size_t *tail)
{
    struct header h;
    trawl_status st = decode_args(dec, text, textlen, tail);
    if (st != TRAWL_OK)
        return st;
    if (parse_header(rec, len, &h) != 0)
        return TRAWL_ECORRUPT;
    if (dec->cap < h.textlen + INFLATE_SLACK) {
        char *buf = realloc(dec->buf, h.textlen + INFLATE_SLACK);
        if (buf == NULL)
            return TRAWL_ENOMEM;
        dec->buf = buf;
        dec->cap = h.textlen + INFLATE_SLACK;
    }
    if ((st = decode_into(dec, rec, len, &h, dec->buf)) != TRAWL_OK)
        return st;
    *text = dec->buf;
    *textlen = h.textlen;
    if (tail)
        *tail = h.taillen;
    return TRAWL_OK;
}

trawl_status store_decode(const unsigned char *rec, size_t len, char **text, size_t *textlen)
{
    store_decoder *dec = NULL;
    if (text)
        *text = NULL;
    if (textlen)
        *textlen = 0;
    if (text == NULL || textlen == NULL)
        return TRAWL_EINVAL;
    trawl_status st = store_decoder_new(&dec);
    if (st != TRAWL_OK)
        return st;
    st = store_decoder_decode(dec, rec, len, text, textlen, NULL);
    store_decoder_free(dec);
    return st;
}

size_t store_text_length(const unsigned char *rec, size_t len)
{
    struct header h;
    return parse_header(rec, len, &h) == 0 ? h.textlen : 0;
}

/* ---- the hit summary ---------------------------------------------------------------- */

trawl_status store_summary_encode(const char *const *fields, size_t n, unsigned char **out,
                                  size_t *outlen)
{
    size_t len = 1;
    if (out)
        *out = NULL;
    if (outlen)
        *outlen = 0;
    if (fields == NULL || out == NULL || outlen == NULL)
        return TRAWL_EINVAL;
    for (size_t i = 0; i < n; i++) {
        size_t f = fields[i] ? strlen(fields[i]) : 0;
        if (f > STORE_MAX_TEXT)
            return TRAWL_ETOOLARGE;
        len += STORE_VARINT_MAX + f;
    }
    unsigned char *v = malloc(len), *p = v;
    if (v == NULL)
        return TRAWL_ENOMEM;
    *p++ = SUMMARY_VERSION;
    for (size_t i = 0; i < n; i++) {
        size_t f = fields[i] ? strlen(fields[i]) : 0;
        p += put_varint(p, f);
        if (f)
            memcpy(p, fields[i], f);
        p += f;
    }
    *out = v;
    *outlen = (size_t)(p - v);
    return TRAWL_OK;
}

trawl_status store_summary_decode(const unsigned char *v, size_t len, size_t n, char **buf,
                                  const char **fields)
{
    if (buf)
        *buf = NULL;
    if (buf == NULL || fields == NULL || (v == NULL && len > 0))
        return TRAWL_EINVAL;
    if (len < 1 || v[0] != SUMMARY_VERSION)
        return TRAWL_ECORRUPT;
    char *b = malloc(len + n), *q = b; /* every field's bytes and its NUL fit */
    size_t at = 1;
    if (b == NULL)
        return TRAWL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t f = 0, k = get_varint(v + at, len - at, &f);
        if (k == 0 || f > len - at - k) {
            free(b);
            return TRAWL_ECORRUPT;
        }
        at += k;
        memcpy(q, v + at, f);
        q[f] = '\0';
        fields[i] = q;
        q += f + 1;
        at += f;
    }
    if (at != len) {
        free(b);
        return TRAWL_ECORRUPT;
    }
    *buf = b;
    return TRAWL_OK;
}
