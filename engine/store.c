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
 * canonical lengths, a deflate stream that ends exactly at the end of the record (in its
 * last byte), inflating to exactly the recorded length, with a matching CRC. Anything
 * else is TRAWL_ECORRUPT. The padding bits after the final block's end code in the last
 * byte are not checked: they carry no data (the CRC covers every byte of the text), and
 * libdeflate, which decodes records (see store_decoder below), cannot report where in the
 * byte the stream ended; the zlib decoder before it refused non-zero padding. Memory is
 * bounded by the header: the output buffer is the recorded length (itself checked against
 * STORE_MAX_TEXT and against deflate's maximum ratio of 1032:1 to the stream's size) plus
 * a fixed slack, and libdeflate may not write past it.
 *
 * Records are written with zlib (deflate, level 6) and read with libdeflate; both speak
 * plain RFC 1951, so the format is the same whichever library wrote a record.
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
#include <libdeflate.h>
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
/* Texts of at most this many bytes are coded with deflate's fixed Huffman codes (zlib's
 * Z_FIXED strategy), longer ones with codes of their own (Z_DEFAULT_STRATEGY). A record in
 * fixed codes decodes without building its code tables: libdeflate keeps the fixed ones
 * built in a decompressor that decodes only such records (store_decoder's `fixed`), which
 * makes a Reuters record 1.5-2 us (about a third) quicker to inflate. Below 1 KiB a
 * record's own code tables save little: on Reuters, 69% of the articles (and of the hits
 * of the public queries) fall below it and the store grows from 40.5% to 40.9% of the
 * raw JSON text (test_reuters_ratio). doc/store.md has the measurements. */
#define STORE_FIXED_MAX 1024

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
    /* no input yet: deflateParams only sets the strategy */
    int prc = len <= STORE_FIXED_MAX ? deflateParams(zs, STORE_LEVEL, Z_FIXED) : Z_OK;
    if (prc != Z_OK) {
        free(rec);
        deflateEnd(zs);
        return zstatus(prc);
    }
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

/* A decoder decodes with libdeflate, which is 2-3 times faster than zlib's inflate but
 * has no preset-dictionary call. A raw deflate stream compressed against a dictionary
 * decodes, bit for bit, as the tail of a stream that first writes the dictionary itself:
 * a stored block that is not the last one (a 0x00 byte: BFINAL 0, BTYPE 00 and the
 * padding to the byte boundary; then LEN, the dictionary length, and NLEN = ~LEN, both
 * little-endian 16 bits) and the dictionary bytes, after which the record's stream goes
 * on from a byte boundary. The decoder keeps that prefix in `in`, built once per
 * dictionary id, copies only each record's stream after it, and inflates into `out`,
 * which then holds the dictionary followed by the text: the text starts at prefix_out.
 * A record without a dictionary decodes straight from the record. */
#define STORED_HEADER 5
/* Spare output room after the text: libdeflate's fast loop runs only while about 300
 * bytes of output room remain (FASTLOOP_MAX_BYTES_WRITTEN in its decompressor). */
#define LIBDEFLATE_SLACK 320

struct store_decoder {
    struct libdeflate_decompressor *d;     /* records whose first block has its own codes */
    struct libdeflate_decompressor *fixed; /* records whose first block has the fixed ones
                                            * (which it keeps built from record to record) */
    unsigned char *in; /* [stored block header][dictionary][the record's stream] */
    size_t incap;
    unsigned prefix_dict; /* the dictionary id in `in`, STORE_DICT_NONE for none yet */
    size_t prefix_in;     /* bytes of `in` before the record's stream */
    size_t prefix_out;    /* the dictionary's length: where the text starts in `out` */
    char *out;            /* the dictionary, then the text (store_decoder_borrow's result) */
    size_t outcap;
};

trawl_status store_decoder_new(store_decoder **out)
{
    if (out == NULL)
        return TRAWL_EINVAL;
    *out = NULL;
    store_decoder *dec = calloc(1, sizeof *dec);
    if (dec == NULL)
        return TRAWL_ENOMEM;
    dec->d = libdeflate_alloc_decompressor();
    dec->fixed = libdeflate_alloc_decompressor();
    if (dec->d == NULL || dec->fixed == NULL) {
        libdeflate_free_decompressor(dec->d);
        libdeflate_free_decompressor(dec->fixed);
        free(dec);
        return TRAWL_ENOMEM;
    }
    *out = dec;
    return TRAWL_OK;
}

void store_decoder_free(store_decoder *dec)
{
    if (dec == NULL)
        return;
    libdeflate_free_decompressor(dec->d);
    libdeflate_free_decompressor(dec->fixed);
    free(dec->in);
    free(dec->out);
    free(dec);
}

void store_decoder_trim(store_decoder *dec, size_t keep)
{
    if (dec == NULL || (dec->incap <= keep && dec->outcap <= keep))
        return;
    free(dec->in);
    free(dec->out);
    dec->in = NULL;
    dec->out = NULL;
    dec->incap = dec->outcap = 0;
    dec->prefix_dict = STORE_DICT_NONE; /* the prefix went with `in` */
}

/* Makes dec->in hold the stored block of dict followed by room for slen more bytes
 * (building the prefix only when the dictionary changed). */
static trawl_status set_prefix(store_decoder *dec, const store_dict *dict, size_t slen)
{
    size_t need = STORED_HEADER + dict->len + slen;
    if (dict->len > 0xffff)
        return TRAWL_EINTERNAL; /* a stored block holds at most 65535 bytes */
    if (dec->incap < need) {
        unsigned char *in = realloc(dec->in, need);
        if (in == NULL)
            return TRAWL_ENOMEM;
        dec->in = in;
        dec->incap = need;
    }
    if (dec->prefix_dict != dict->id) {
        unsigned len = (unsigned)dict->len, nlen = ~len & 0xffff;
        unsigned char *p = dec->in;
        p[0] = 0x00;
        p[1] = (unsigned char)len;
        p[2] = (unsigned char)(len >> 8);
        p[3] = (unsigned char)nlen;
        p[4] = (unsigned char)(nlen >> 8);
        memcpy(p + STORED_HEADER, dict->data, dict->len);
        dec->prefix_dict = dict->id;
        dec->prefix_in = STORED_HEADER + dict->len;
        dec->prefix_out = dict->len;
    }
    return TRAWL_OK;
}

/* Makes dec->out hold n bytes. */
static trawl_status out_room(store_decoder *dec, size_t n)
{
    if (dec->outcap >= n)
        return TRAWL_OK;
    char *out = realloc(dec->out, n);
    if (out == NULL)
        return TRAWL_ENOMEM;
    dec->out = out;
    dec->outcap = n;
    return TRAWL_OK;
}

/* Decodes rec (its header h parsed) into dec->out; on success *text points at the text
 * in it, NUL-terminated. The stream must end exactly at the end of the record and yield
 * exactly h->textlen bytes with the recorded CRC. libdeflate cannot say where in the last
 * byte the stream ended, so the padding bits after it are not checked (they carry no
 * data; see the format comment at the top). */
static trawl_status decode_into(store_decoder *dec, const unsigned char *rec, size_t len,
                                const struct header *h, char **text)
{
    const store_dict *dict = h->dict == STORE_DICT_NONE ? NULL : store_dict_find(h->dict);
    const unsigned char *stream = rec + h->size, *in = stream;
    size_t slen = len - h->size, inlen = slen, skip = 0;
    trawl_status st;
    if (dict) {
        if ((st = set_prefix(dec, dict, slen)) != TRAWL_OK)
            return st;
        memcpy(dec->in + dec->prefix_in, stream, slen);
        in = dec->in;
        inlen = dec->prefix_in + slen;
        skip = dec->prefix_out;
    }
    if ((st = out_room(dec, skip + h->textlen + LIBDEFLATE_SLACK)) != TRAWL_OK)
        return st;
    size_t used_in = 0, used_out = 0;
    /* the first block's type: bits 1-2 of the stream's first byte (01: fixed codes) */
    int fixed = slen > 0 && ((stream[0] >> 1) & 3) == 1;
    enum libdeflate_result rc = libdeflate_deflate_decompress_ex(
        fixed ? dec->fixed : dec->d, in, inlen, dec->out, skip + h->textlen + LIBDEFLATE_SLACK, &used_in, &used_out);
    if (rc != LIBDEFLATE_SUCCESS || used_in != inlen || used_out != skip + h->textlen)
        return TRAWL_ECORRUPT;
    char *t = dec->out + skip;
    uint32_t crc = libdeflate_crc32(0, rec + h->tailpos, h->tailn);
    if (libdeflate_crc32(crc, t, h->textlen) != h->crc)
        return TRAWL_ECORRUPT;
    t[h->textlen] = '\0';
    *text = t;
    return TRAWL_OK;
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

/* Who frees what: *text is the caller's (free), a copy of the text decoded in dec. */
trawl_status store_decoder_decode(store_decoder *dec, const unsigned char *rec, size_t len,
                                  char **text, size_t *textlen, size_t *tail)
{
    char *t = NULL;
    size_t n = 0, tl = 0;
    trawl_status st = decode_args(dec, text, textlen, tail);
    if (st != TRAWL_OK)
        return st;
    if ((st = store_decoder_borrow(dec, rec, len, &t, &n, &tl)) != TRAWL_OK)
        return st;
    char *copy = malloc(n + 1);
    if (copy == NULL)
        return TRAWL_ENOMEM;
    memcpy(copy, t, n + 1);
    *text = copy;
    *textlen = n;
    if (tail)
        *tail = tl;
    return TRAWL_OK;
}

/* Who frees what: *text points into dec, valid until dec's next decode or its free. */
trawl_status store_decoder_borrow(store_decoder *dec, const unsigned char *rec, size_t len,
                                  char **text, size_t *textlen, size_t *tail)
{
    struct header h;
    char *t = NULL;
    trawl_status st = decode_args(dec, text, textlen, tail);
    if (st != TRAWL_OK)
        return st;
    if (parse_header(rec, len, &h) != 0)
        return TRAWL_ECORRUPT;
    if ((st = decode_into(dec, rec, len, &h, &t)) != TRAWL_OK)
        return st;
    *text = t;
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

size_t store_tail_length(const unsigned char *rec, size_t len)
{
    struct header h;
    return parse_header(rec, len, &h) == 0 ? h.taillen : 0;
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
