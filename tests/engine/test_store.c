/*
 * test_store.c: cmocka tests of the stored-record codec (engine/store.c), run by
 * `make check`. Round trips (empty, 10 MB, non-ASCII, JSON, a record without dictionary),
 * every truncation and many corruptions of a record (each must give TRAWL_ECORRUPT, never
 * a crash or wrong text; run under ASan to check no byte outside the record is read),
 * header checks, limits; version 2 records (text with a tail) the same way, and the
 * reusable decoder across good and bad records of both versions; the hit summary codec;
 * and, when $TRAWL_SHARED holds the Reuters corpus, the compression ratio of the whole
 * corpus, in both record layouts, against the target of issue 4 (at most 43% of the raw
 * text).
 */
#define ZLIB_CONST
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "store.h"
#include "store_dict.h"

#define RATIO_TARGET 0.43

static const char json_text[] =
    "{\"id\":\"test-1\",\"date\":\"1987-02-26T15:01:01Z\",\"title\":\"COCOA PRICES RISE\","
    "\"dateline\":\"LONDON, Feb 26\",\"body\":\"Cocoa prices rose on the London market "
    "today as dealers said the crop outlook was poor.\\n    The company said it expects "
    "prices to stay firm.\\n Reuter\",\"topics\":[\"cocoa\"],\"places\":[\"uk\"]}";

/* A record of `text` (len bytes) in a malloc'd buffer; fails the test on error. */
static unsigned char *encode_ok(const char *text, size_t len, size_t *reclen)
{
    unsigned char *rec = NULL;
    assert_int_equal(store_encode(text, len, &rec, reclen), TRAWL_OK);
    assert_non_null(rec);
    assert_true(*reclen > 6);
    return rec;
}

/* Decodes rec and checks it gives back exactly text[0..len), NUL-terminated. */
static void assert_decodes_to(const unsigned char *rec, size_t reclen, const char *text,
                              size_t len)
{
    char *out = NULL;
    size_t outlen = 1;
    assert_int_equal(store_decode(rec, reclen, &out, &outlen), TRAWL_OK);
    assert_non_null(out);
    assert_int_equal(outlen, len);
    assert_memory_equal(out, text, len);
    assert_int_equal(out[len], '\0');
    free(out);
}

static void roundtrip(const char *text, size_t len)
{
    size_t reclen;
    unsigned char *rec = encode_ok(text, len, &reclen);
    assert_int_equal(store_text_length(rec, reclen), len);
    assert_decodes_to(rec, reclen, text, len);
    free(rec);
}

/* Decoding rec[0..len) from an exact-size copy (so ASan sees any over-read) must fail
 * with TRAWL_ECORRUPT and clear the outputs. */
static void assert_corrupt(const unsigned char *rec, size_t len, const char *what, size_t at)
{
    unsigned char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, rec, len);
    char *out = (char *)&out;
    size_t outlen = 99;
    trawl_status st = store_decode(copy, len, &out, &outlen);
    if (st != TRAWL_ECORRUPT)
        fail_msg("%s at %zu (record %zu bytes): status %d, want TRAWL_ECORRUPT", what, at,
                 len, (int)st);
    assert_null(out);
    assert_int_equal(outlen, 0);
    free(copy);
}

/* A damaged record that libdeflate still decodes must decode to exactly the original
 * text (a flip in bits no decoder reads: the final byte's padding, or a precode length
 * libdeflate does not check the way zlib did); anything else is TRAWL_ECORRUPT. Returns
 * 1 when it decoded. */
static int corrupt_or_same(const unsigned char *rec, size_t len, const char *text,
                           size_t textlen, const char *what, size_t at)
{
    char *out = NULL;
    size_t outlen = 99;
    trawl_status st = store_decode(rec, len, &out, &outlen);
    if (st == TRAWL_OK) {
        if (outlen != textlen || memcmp(out, text, textlen) != 0)
            fail_msg("%s at %zu: decoded to a different text", what, at);
        free(out);
        return 1;
    }
    assert_corrupt(rec, len, what, at);
    return 0;
}

static void test_empty(void **state)
{
    (void)state;
    roundtrip("", 0);
    roundtrip(NULL, 0);
}

static void test_json(void **state)
{
    (void)state;
    roundtrip(json_text, strlen(json_text));
}

static void test_non_ascii(void **state)
{
    (void)state;
    static const char text[] =
        "{\"title\":\"Zürich: Ölpreis fällt — 原油价格下跌 — Нефть дешевеет — نفط\","
        "\"body\":\"naïve café 🚢 \\u0000 tab\\t\"}";
    roundtrip(text, sizeof text - 1);
    /* Arbitrary bytes, NULs and invalid UTF-8 included: the codec only sees bytes. */
    char bytes[4096];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (char)(i * 131 + (i >> 7));
    roundtrip(bytes, sizeof bytes);
}

/* Deterministic text of `len` bytes drawn from a small vocabulary: compressible like
 * prose, but not trivially. */
static char *make_text(size_t len, uint32_t seed)
{
    static const char *const words[] = {
        "the ", "company ", "said ", "oil ", "prices ", "mln ", "dlrs ", "in ", "1987 ",
        "Reuter\n", "shares ", "of ", "to ", "a ", "bank ", "rose ", "pct ", "trade ",
    };
    char *t = malloc(len + 1);
    assert_non_null(t);
    size_t n = 0;
    while (n < len) {
        seed = seed * 1103515245u + 12345u;
        const char *w = words[(seed >> 16) % (sizeof words / sizeof words[0])];
        size_t wl = strlen(w);
        if (wl > len - n)
            wl = len - n;
        memcpy(t + n, w, wl);
        n += wl;
    }
    t[len] = '\0';
    return t;
}

static void test_10mb(void **state)
{
    (void)state;
    size_t len = (size_t)10 * 1024 * 1024;
    char *t = make_text(len, 42);
    roundtrip(t, len);
    /* All zeros compresses close to deflate's 1032:1 limit: the decoder's ratio bound
     * must still accept it. */
    memset(t, 0, len);
    size_t reclen;
    unsigned char *rec = encode_ok(t, len, &reclen);
    assert_true(reclen < len / 1000);
    assert_decodes_to(rec, reclen, t, len);
    free(rec);
    free(t);
}

static void test_too_large(void **state)
{
    (void)state;
    /* calloc'd pages are never touched: the length check comes first. */
    char *big = calloc(STORE_MAX_TEXT + 1, 1);
    assert_non_null(big);
    unsigned char *rec = (unsigned char *)big;
    size_t reclen = 7;
    assert_int_equal(store_encode(big, STORE_MAX_TEXT + 1, &rec, &reclen), TRAWL_ETOOLARGE);
    assert_null(rec);
    assert_int_equal(reclen, 0);
    free(big);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    unsigned char *rec;
    size_t reclen;
    char *text;
    size_t textlen;
    assert_int_equal(store_encode(NULL, 5, &rec, &reclen), TRAWL_EINVAL);
    assert_int_equal(store_encode("x", 1, NULL, &reclen), TRAWL_EINVAL);
    assert_int_equal(store_encode("x", 1, &rec, NULL), TRAWL_EINVAL);
    assert_int_equal(store_decode((const unsigned char *)"x", 1, NULL, &textlen), TRAWL_EINVAL);
    assert_int_equal(store_decode((const unsigned char *)"x", 1, &text, NULL), TRAWL_EINVAL);
    assert_int_equal(store_decode(NULL, 0, &text, &textlen), TRAWL_ECORRUPT);
    assert_int_equal(store_text_length(NULL, 10), 0);
    assert_int_equal(store_tail_length(NULL, 10), 0);
}

/* The header: version 1, the default dictionary, varint length, 4 CRC bytes. */
static void test_header_layout(void **state)
{
    (void)state;
    size_t len = strlen(json_text), reclen;
    unsigned char *rec = encode_ok(json_text, len, &reclen);
    assert_int_equal(rec[0], 1);
    assert_int_equal(rec[1], STORE_DICT_DEFAULT);
    assert_non_null(store_dict_find(rec[1]));
    assert_true(len >= 128 && len < 16384); /* so the varint takes two bytes */
    assert_int_equal(rec[2], (len & 0x7f) | 0x80);
    assert_int_equal(rec[3], len >> 7);
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)json_text, (uInt)len);
    assert_int_equal(rec[4] | rec[5] << 8 | rec[6] << 16 | (uint32_t)rec[7] << 24, crc);
    free(rec);
}

static void test_every_truncation(void **state)
{
    (void)state;
    size_t reclen;
    unsigned char *rec = encode_ok(json_text, strlen(json_text), &reclen);
    for (size_t n = 0; n < reclen; n++)
        assert_corrupt(rec, n, "truncated", n);
    free(rec);
}

static void test_trailing_garbage(void **state)
{
    (void)state;
    size_t reclen;
    unsigned char *rec = encode_ok(json_text, strlen(json_text), &reclen);
    unsigned char *longer = malloc(reclen + 1);
    assert_non_null(longer);
    memcpy(longer, rec, reclen);
    for (unsigned b = 0; b < 256; b += 17) {
        longer[reclen] = (unsigned char)b;
        assert_corrupt(longer, reclen + 1, "trailing byte", b);
    }
    free(longer);
    free(rec);
}

/* Every single-bit flip anywhere in the record is caught (header checks, inflate, the
 * length and the CRC between them) or gives back the very same text: since libdeflate
 * decodes records, a flip in the final byte's padding bits, or one that libdeflate decodes
 * to the same text where zlib stopped, is not damage to the text (a handful of the
 * record's bits: printed; 4 of 1072 when this was written). */
static void test_every_bit_flip(void **state)
{
    (void)state;
    size_t reclen;
    unsigned char *rec = encode_ok(json_text, strlen(json_text), &reclen);
    size_t same = 0;
    for (size_t i = 0; i < reclen; i++) {
        for (int bit = 0; bit < 8; bit++) {
            rec[i] ^= (unsigned char)(1u << bit);
            if (corrupt_or_same(rec, reclen, json_text, strlen(json_text), "bit flip",
                                i * 8 + (size_t)bit)) {
                print_message("bit flip at byte %zu of %zu, bit %d: the same text\n", i,
                              reclen, bit);
                same++;
            }
            rec[i] ^= (unsigned char)(1u << bit);
        }
    }
    assert_true(same < 8 * reclen / 20);
    assert_decodes_to(rec, reclen, json_text, strlen(json_text));
    free(rec);
}

/* Random damage (1 to 4 random bytes replaced) on records of assorted texts. */
static void test_random_damage(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t len = 1 + round % 700;
        char *t = make_text(len, (uint32_t)round);
        size_t reclen;
        unsigned char *rec = encode_ok(t, len, &reclen);
        int nflips = 1 + round % 4;
        for (int k = 0; k < nflips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % reclen;
            unsigned char x = (unsigned char)(1 + (seed >> 3) % 255);
            rec[at] ^= x;
        }
        /* A replaced byte may cancel an earlier one: only then may it decode, and then
         * only to the original text. */
        char *out = NULL;
        size_t outlen;
        trawl_status st = store_decode(rec, reclen, &out, &outlen);
        if (st == TRAWL_OK) {
            assert_int_equal(outlen, len);
            assert_memory_equal(out, t, len);
            free(out);
        } else {
            assert_int_equal(st, TRAWL_ECORRUPT);
            assert_null(out);
        }
        free(rec);
        free(t);
    }
}

static void test_wrong_version_and_dictionary(void **state)
{
    (void)state;
    size_t reclen;
    unsigned char *rec = encode_ok(json_text, strlen(json_text), &reclen);
    for (unsigned v = 0; v < 256; v++) {
        if (v == 1 || v == 2) /* 2 reads a tail length: tested in test_split_damage */
            continue;
        rec[0] = (unsigned char)v;
        assert_corrupt(rec, reclen, "version", v);
        assert_int_equal(store_text_length(rec, reclen), 0);
    }
    rec[0] = 1;
    for (unsigned d = 0; d < 256; d++) {
        if (d == STORE_DICT_DEFAULT)
            continue;
        rec[1] = (unsigned char)d;
        assert_corrupt(rec, reclen, "dictionary id", d);
        if (store_dict_find(d) == NULL && d != STORE_DICT_NONE)
            assert_int_equal(store_text_length(rec, reclen), 0);
    }
    free(rec);
}

/* A version-1 record written without a dictionary (id 0) decodes. */
static void test_no_dictionary_record(void **state)
{
    (void)state;
    size_t len = strlen(json_text);
    unsigned char rec[1024];
    rec[0] = 1;
    rec[1] = STORE_DICT_NONE;
    rec[2] = (unsigned char)((len & 0x7f) | 0x80);
    rec[3] = (unsigned char)(len >> 7);
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)json_text, (uInt)len);
    for (int i = 0; i < 4; i++)
        rec[4 + i] = (unsigned char)(crc >> (8 * i));
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (const Bytef *)json_text;
    zs.avail_in = (uInt)len;
    zs.next_out = rec + 8;
    zs.avail_out = (uInt)(sizeof rec - 8);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t reclen = 8 + zs.total_out;
    deflateEnd(&zs);
    assert_int_equal(store_text_length(rec, reclen), len);
    assert_decodes_to(rec, reclen, json_text, len);
    /* one decoder, records with and without the dictionary in turn (its prefix kept) */
    store_decoder *dec = NULL;
    size_t dlen;
    unsigned char *withd = encode_ok(json_text, len, &dlen);
    assert_int_equal(store_decoder_new(&dec), TRAWL_OK);
    for (int round = 0; round < 4; round++) {
        char *t = NULL;
        size_t n = 0, tail = 9;
        assert_int_equal(store_decoder_borrow(dec, round % 2 ? rec : withd,
                                              round % 2 ? reclen : dlen, &t, &n, &tail),
                         TRAWL_OK);
        assert_int_equal(n, len);
        assert_int_equal(tail, 0);
        assert_memory_equal(t, json_text, len);
        assert_int_equal(t[len], '\0');
    }
    store_decoder_free(dec);
    free(withd);
}

/* store_decoder_trim drops buffers grown past its bound (after a big record), keeps
 * smaller ones, and the decoder goes on decoding either way (the dictionary prefix is
 * built again). */
static void test_decoder_trim(void **state)
{
    (void)state;
    size_t len = strlen(json_text), blen = (size_t)3 << 20, dlen, biglen, n, tail;
    char *big = make_text(blen, 7), *t = NULL;
    unsigned char *small = encode_ok(json_text, len, &dlen), *bigrec = encode_ok(big, blen, &biglen);
    store_decoder *dec = NULL;
    assert_int_equal(store_decoder_new(&dec), TRAWL_OK);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(store_decoder_borrow(dec, small, dlen, &t, &n, &tail), TRAWL_OK);
        char *kept = t;
        store_decoder_trim(dec, (size_t)1 << 20); /* small buffers: kept */
        assert_ptr_equal(t, kept);
        assert_memory_equal(t, json_text, len);
        assert_int_equal(store_decoder_borrow(dec, bigrec, biglen, &t, &n, &tail), TRAWL_OK);
        assert_int_equal(n, blen);
        assert_memory_equal(t, big, blen);
        store_decoder_trim(dec, (size_t)1 << 20); /* 3 MiB: dropped */
        assert_int_equal(store_decoder_borrow(dec, small, dlen, &t, &n, &tail), TRAWL_OK);
        assert_int_equal(n, len);
        assert_memory_equal(t, json_text, len);
    }
    store_decoder_trim(NULL, 0);
    store_decoder_free(dec);
    free(small);
    free(bigrec);
    free(big);
}

/* Edits a copy of rec's length field: the rest of the record is unchanged. */
static void test_length_field(void **state)
{
    (void)state;
    size_t len = strlen(json_text), reclen;
    unsigned char *rec = encode_ok(json_text, len, &reclen);
    unsigned char *bad = malloc(reclen + 8);
    assert_non_null(bad);
    static const struct {
        const char *what;
        unsigned char lenbytes[5];
        size_t n;
    } cases[] = {
        {"length one less", {0, 0}, 2},      /* filled in below */
        {"length one more", {0, 0}, 2},
        {"non-canonical 3-byte form", {0, 0, 0}, 3},
        {"5-byte varint", {0x80, 0x80, 0x80, 0x80, 0x01}, 5},
        {"over STORE_MAX_TEXT", {0x81, 0x80, 0x80, 0x20}, 4},
        {"huge length, tiny stream", {0xff, 0xff, 0xff, 0x1f}, 4},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned char lb[5];
        size_t n = cases[c].n;
        memcpy(lb, cases[c].lenbytes, sizeof lb);
        if (c < 2) {
            size_t l = c == 0 ? len - 1 : len + 1;
            lb[0] = (unsigned char)((l & 0x7f) | 0x80);
            lb[1] = (unsigned char)(l >> 7);
        } else if (c == 2) {
            lb[0] = (unsigned char)((len & 0x7f) | 0x80);
            lb[1] = (unsigned char)((len >> 7) | 0x80);
            lb[2] = 0;
        }
        bad[0] = rec[0];
        bad[1] = rec[1];
        memcpy(bad + 2, lb, n);
        memcpy(bad + 2 + n, rec + 4, reclen - 4);
        size_t badlen = reclen - 2 + n;
        print_message("case: %s\n", cases[c].what);
        assert_corrupt(bad, badlen, cases[c].what, c);
        if (c >= 2)
            assert_int_equal(store_text_length(bad, badlen), 0);
        else
            assert_int_equal(store_text_length(bad, badlen), c == 0 ? len - 1 : len + 1);
    }
    free(bad);
    free(rec);
}

static void test_text_length(void **state)
{
    (void)state;
    size_t reclen;
    unsigned char *rec = encode_ok(json_text, strlen(json_text), &reclen);
    assert_int_equal(store_text_length(rec, reclen), strlen(json_text));
    /* The header alone (no stream byte) is damaged; so is each shorter prefix. */
    for (size_t n = 0; n <= 8; n++)
        assert_int_equal(store_text_length(rec, n), 0);
    assert_int_equal(store_text_length(rec, 9), strlen(json_text));
    free(rec);
    char *t = make_text(300000, 7);
    rec = encode_ok(t, 300000, &reclen);
    assert_int_equal(store_text_length(rec, reclen), 300000);
    free(rec);
    free(t);
}

/* The encoder gives the same records as store_encode, for many texts in a row, and
 * checks its arguments the same way. */
static void test_encoder(void **state)
{
    (void)state;
    store_encoder *enc = NULL;
    assert_int_equal(store_encoder_new(&enc), TRAWL_OK);
    assert_non_null(enc);
    for (size_t len = 0; len < 3000; len += 97) {
        char *t = make_text(len, (uint32_t)len);
        unsigned char *a, *b;
        size_t alen, blen;
        assert_int_equal(store_encoder_encode(enc, t, len, &a, &alen), TRAWL_OK);
        assert_int_equal(store_encode(t, len, &b, &blen), TRAWL_OK);
        assert_int_equal(alen, blen);
        assert_memory_equal(a, b, alen);
        assert_decodes_to(a, alen, t, len);
        free(a);
        free(b);
        free(t);
    }
    unsigned char *rec = (unsigned char *)&rec;
    size_t reclen = 3;
    assert_int_equal(store_encoder_encode(NULL, "x", 1, &rec, &reclen), TRAWL_EINVAL);
    assert_null(rec);
    assert_int_equal(store_encoder_encode(enc, NULL, 1, &rec, &reclen), TRAWL_EINVAL);
    char *big = calloc(STORE_MAX_TEXT + 1, 1);
    assert_non_null(big);
    assert_int_equal(store_encoder_encode(enc, big, STORE_MAX_TEXT + 1, &rec, &reclen),
                     TRAWL_ETOOLARGE);
    assert_null(rec);
    assert_int_equal(reclen, 0);
    free(big);
    store_encoder_free(enc);
    store_encoder_free(NULL);
    assert_int_equal(store_encoder_new(NULL), TRAWL_EINVAL);
}

/* The type of the first deflate block of a version 1 record: 1 fixed codes, 2 its own. */
static unsigned first_block_type(const unsigned char *rec, size_t reclen)
{
    size_t h = 2;
    while (h < reclen && (rec[h] & 0x80))
        h++; /* the length varint */
    h += 1 + 4;  /* its last byte, the CRC */
    assert_true(h < reclen);
    return (rec[h] >> 1) & 3;
}

/* Texts of at most 1 KiB are coded with deflate's fixed codes, longer ones with codes of
 * their own; one decoder reads both kinds in any order (it keeps a decompressor for each),
 * and a damaged record of either kind is refused. */
static void test_fixed_codes(void **state)
{
    (void)state;
    store_decoder *dec = NULL;
    assert_int_equal(store_decoder_new(&dec), TRAWL_OK);
    static const size_t lens[] = {1, 40, 700, 1023, 1024, 1025, 1500, 3000, 20000};
    unsigned char *recs[9];
    size_t reclens[9];
    char *texts[9];
    for (size_t k = 0; k < 9; k++) {
        texts[k] = make_text(lens[k], (uint32_t)k + 7);
        recs[k] = encode_ok(texts[k], lens[k], &reclens[k]);
        unsigned type = first_block_type(recs[k], reclens[k]);
        if (lens[k] <= 1024)
            assert_int_equal(type, 1);
        else
            assert_int_equal(type, 2); /* prose of this length: its own codes win */
    }
    for (int round = 0; round < 200; round++) {
        size_t k = (size_t)(round * 7 + round / 9) % 9;
        char *t = NULL;
        size_t n = 0, tail = 0;
        assert_int_equal(store_decoder_borrow(dec, recs[k], reclens[k], &t, &n, &tail),
                         TRAWL_OK);
        assert_int_equal(n, lens[k]);
        assert_memory_equal(t, texts[k], n);
    }
    for (size_t k = 0; k < 9; k++) {
        char *t = NULL;
        size_t n = 0, tail = 0;
        recs[k][reclens[k] - 2] ^= 0x10; /* a bit inside the stream (the last byte may
                                          * end in padding, which is not checked) */
        assert_int_not_equal(store_decoder_borrow(dec, recs[k], reclens[k], &t, &n, &tail),
                             TRAWL_OK);
        free(recs[k]);
        free(texts[k]);
    }
    store_decoder_free(dec);
}

/* The built-in dictionary fits the deflate window. */
static void test_dictionary_table(void **state)
{
    (void)state;
    assert_null(store_dict_find(STORE_DICT_NONE));
    const store_dict *d = store_dict_find(STORE_DICT_DEFAULT);
    assert_non_null(d);
    assert_int_equal(d->id, STORE_DICT_DEFAULT);
    assert_true(d->len > 1024 && d->len <= 32768);
    assert_non_null(d->name);
}

/* Reads a whole gzip file into a malloc'd NUL-terminated buffer. */
static char *read_gz(const char *path, size_t *len)
{
    gzFile gz = gzopen(path, "rb");
    if (gz == NULL)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    int got;
    while ((got = gzread(gz, buf + n, (unsigned)(cap - n - 1))) > 0) {
        n += (size_t)got;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    assert_int_equal(got, 0);
    gzclose(gz);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The ratio target of issue 4 on the Reuters corpus: every article as compact JSON (what
 * the engine stores), encoded and decoded, records summed against texts summed. */
/* A version 2 record of text (len bytes) with a tail of `tail` bytes; fails on error. */
static unsigned char *encode_split_ok(store_encoder *enc, const char *text, size_t len,
                                      size_t tail, size_t *reclen)
{
    unsigned char *rec = NULL;
    assert_int_equal(store_encoder_encode_split(enc, text, len, tail, &rec, reclen), TRAWL_OK);
    assert_non_null(rec);
    assert_int_equal(rec[0], 2);
    return rec;
}

/* Decodes with dec from an exact-size copy and checks the text and tail, or the failure. */
static void check_decoder(store_decoder *dec, const unsigned char *rec, size_t reclen,
                          const char *text, size_t len, size_t tail, trawl_status want,
                          const char *what, size_t at)
{
    unsigned char *copy = malloc(reclen ? reclen : 1);
    char *out = (char *)&out;
    size_t outlen = 99, outtail = 99;
    assert_non_null(copy);
    if (reclen)
        memcpy(copy, rec, reclen);
    trawl_status st = store_decoder_decode(dec, copy, reclen, &out, &outlen, &outtail);
    free(copy);
    if (st != want)
        fail_msg("%s at %zu: status %d, want %d", what, at, (int)st, (int)want);
    if (st != TRAWL_OK) {
        assert_null(out);
        assert_int_equal(outlen, 0);
        assert_int_equal(outtail, 0);
        return;
    }
    assert_int_equal(outlen, len);
    assert_int_equal(outtail, tail);
    assert_memory_equal(out, text, len);
    assert_int_equal(out[len], '\0');
    free(out);
}

/* Version 2 round trips: every tail length from 0 to the whole text, read back by the
 * decoder (with the tail), by store_decode and store_text_length (whole text) and by
 * store_tail_length (the tail). */
static void test_split_roundtrip(void **state)
{
    (void)state;
    store_encoder *enc = NULL;
    store_decoder *dec = NULL;
    assert_int_equal(store_encoder_new(&enc), TRAWL_OK);
    assert_int_equal(store_decoder_new(&dec), TRAWL_OK);
    size_t len = strlen(json_text);
    for (size_t tail = 0; tail <= len; tail++) {
        size_t reclen;
        unsigned char *rec = encode_split_ok(enc, json_text, len, tail, &reclen);
        check_decoder(dec, rec, reclen, json_text, len, tail, TRAWL_OK, "tail", tail);
        assert_decodes_to(rec, reclen, json_text, len);
        assert_int_equal(store_text_length(rec, reclen), len);
        assert_int_equal(store_tail_length(rec, reclen), tail);
        assert_int_equal(store_tail_length(rec, 3), 0); /* a header cut short */
        free(rec);
    }
    /* an empty text, and a long one whose tail needs a 3-byte length */
    size_t reclen;
    unsigned char *rec = encode_split_ok(enc, "", 0, 0, &reclen);
    check_decoder(dec, rec, reclen, "", 0, 0, TRAWL_OK, "empty", 0);
    free(rec);
    char *big = make_text(300000, 7);
    rec = encode_split_ok(enc, big, 300000, 200000, &reclen);
    check_decoder(dec, rec, reclen, big, 300000, 200000, TRAWL_OK, "big", 0);
    assert_int_equal(store_tail_length(rec, reclen), 200000);
    rec[0] = 1; /* read as version 1: no tail */
    assert_int_equal(store_tail_length(rec, reclen), 0);
    free(rec);
    free(big);
    /* bad arguments */
    rec = (unsigned char *)&rec;
    assert_int_equal(store_encoder_encode_split(enc, "abc", 3, 4, &rec, &reclen), TRAWL_EINVAL);
    assert_null(rec);
    assert_int_equal(store_encoder_encode_split(enc, "abc", 3, SIZE_MAX, &rec, &reclen),
                     TRAWL_EINVAL);
    assert_null(rec);
    assert_int_equal(store_encoder_encode_split(NULL, "abc", 3, 1, &rec, &reclen), TRAWL_EINVAL);
    char *out = NULL;
    size_t outlen;
    assert_int_equal(store_decoder_decode(NULL, rec, 3, &out, &outlen, NULL), TRAWL_EINVAL);
    assert_int_equal(store_decoder_decode(dec, (const unsigned char *)"x", 1, NULL, &outlen,
                                          NULL),
                     TRAWL_EINVAL);
    assert_int_equal(store_decoder_new(NULL), TRAWL_EINVAL);
    store_decoder_free(NULL);
    store_decoder_free(dec);
    store_encoder_free(enc);
}

/* Every truncation, every single-bit flip (the tail-length field included: the CRC covers
 * it; a flip may decode only to the same text, as in test_every_bit_flip) and trailing
 * bytes of a version 2 record are caught, by one decoder reused across
 * all of them, which still decodes good records of both versions afterwards. */
static void test_split_damage(void **state)
{
    (void)state;
    store_encoder *enc = NULL;
    store_decoder *dec = NULL;
    size_t len = strlen(json_text), reclen, v1len;
    assert_int_equal(store_encoder_new(&enc), TRAWL_OK);
    assert_int_equal(store_decoder_new(&dec), TRAWL_OK);
    unsigned char *rec = encode_split_ok(enc, json_text, len, 150, &reclen);
    unsigned char *v1 = encode_ok(json_text, len, &v1len);
    size_t flips_same = 0;
    for (size_t n = 0; n < reclen; n++)
        check_decoder(dec, rec, n, NULL, 0, 0, TRAWL_ECORRUPT, "truncated", n);
    for (size_t i = 0; i < reclen; i++) {
        for (int bit = 0; bit < 8; bit++) {
            rec[i] ^= (unsigned char)(1u << bit);
            /* the decoder and store_decode agree; a flip that decodes gives the text */
            int same = corrupt_or_same(rec, reclen, json_text, len, "bit flip (store_decode)",
                                       i * 8 + (size_t)bit);
            check_decoder(dec, rec, reclen, json_text, len, 150,
                          same ? TRAWL_OK : TRAWL_ECORRUPT, "bit flip", i * 8 + (size_t)bit);
            flips_same += (size_t)same;
            rec[i] ^= (unsigned char)(1u << bit);
            if (bit == 3) /* good records between bad ones: the decoder recovers */
                check_decoder(dec, v1, v1len, json_text, len, 0, TRAWL_OK, "v1 after", i);
        }
    }
    assert_true(flips_same < 8 * reclen / 20);
    unsigned char *longer = malloc(reclen + 1);
    assert_non_null(longer);
    memcpy(longer, rec, reclen);
    longer[reclen] = 0;
    check_decoder(dec, longer, reclen + 1, NULL, 0, 0, TRAWL_ECORRUPT, "trailing byte", 0);
    free(longer);
    /* the header: 2, the dictionary, the text length and the tail length (LEB128, two
     * bytes each here), the CRC */
    assert_true(len >= 128 && len < 16384);
    assert_int_equal(rec[1], STORE_DICT_DEFAULT);
    assert_int_equal(rec[2], (len & 0x7f) | 0x80);
    assert_int_equal(rec[3], len >> 7);
    assert_int_equal(rec[4], (150 & 0x7f) | 0x80);
    assert_int_equal(rec[5], 150 >> 7);
    check_decoder(dec, rec, reclen, json_text, len, 150, TRAWL_OK, "intact", 0);
    /* a tail longer than the text */
    rec[4] = (unsigned char)(((len + 1) & 0x7f) | 0x80);
    rec[5] = (unsigned char)((len + 1) >> 7);
    check_decoder(dec, rec, reclen, NULL, 0, 0, TRAWL_ECORRUPT, "tail past the text", 0);
    assert_int_equal(store_text_length(rec, reclen), 0);
    free(v1);
    free(rec);
    store_decoder_free(dec);
    store_encoder_free(enc);
}

/* The hit summary: round trips, and every malformed summary refused. */
static void test_summary(void **state)
{
    (void)state;
    static const struct {
        const char *f[3];
    } cases[] = {
        {{"reuters-1", "COCOA PRICES RISE", "1987-02-26T15:01:01Z"}},
        {{"x", NULL, NULL}},
        {{"", "", ""}},
        {{"id-ü", "Zürich — 原油", "2026"}},
    };
    char *long_title = make_text(1000, 3);
    for (size_t c = 0; c <= sizeof cases / sizeof cases[0]; c++) {
        const char *in[3] = {"long", long_title, "2020-01-01"};
        if (c < sizeof cases / sizeof cases[0])
            memcpy(in, cases[c].f, sizeof in);
        unsigned char *v = NULL;
        size_t vlen = 0;
        assert_int_equal(store_summary_encode(in, 3, &v, &vlen), TRAWL_OK);
        const char *out[3];
        char *buf = NULL;
        assert_int_equal(store_summary_decode(v, vlen, 3, &buf, out), TRAWL_OK);
        for (int i = 0; i < 3; i++)
            if (strcmp(out[i], in[i] ? in[i] : "") != 0)
                fail_msg("case %zu field %d: '%s', want '%s'", c, i, out[i], in[i]);
        free(buf);
        /* every truncation, a trailing byte, the wrong field count, the wrong version */
        for (size_t n = 0; n < vlen; n++) {
            unsigned char *copy = malloc(n ? n : 1);
            memcpy(copy, v, n);
            buf = (char *)&buf;
            if (store_summary_decode(copy, n, 3, &buf, out) != TRAWL_ECORRUPT)
                fail_msg("case %zu truncated at %zu decoded", c, n);
            assert_null(buf);
            free(copy);
        }
        unsigned char *longer = malloc(vlen + 1);
        memcpy(longer, v, vlen);
        longer[vlen] = 0;
        assert_int_equal(store_summary_decode(longer, vlen + 1, 3, &buf, out), TRAWL_ECORRUPT);
        assert_int_equal(store_summary_decode(v, vlen, 2, &buf, out), TRAWL_ECORRUPT);
        longer[0] = 2;
        assert_int_equal(store_summary_decode(longer, vlen, 3, &buf, out), TRAWL_ECORRUPT);
        free(longer);
        free(v);
    }
    free(long_title);
    unsigned char *v = (unsigned char *)&v;
    size_t vlen;
    char *buf;
    const char *out[1];
    assert_int_equal(store_summary_encode(NULL, 1, &v, &vlen), TRAWL_EINVAL);
    assert_null(v);
    assert_int_equal(store_summary_decode(NULL, 0, 1, &buf, out), TRAWL_ECORRUPT);
    assert_int_equal(store_summary_decode((const unsigned char *)"\1", 1, 1, NULL, out),
                     TRAWL_EINVAL);
    /* a length running past the end */
    assert_int_equal(store_summary_decode((const unsigned char *)"\1\5ab", 4, 1, &buf, out),
                     TRAWL_ECORRUPT);
    /* a non-canonical length */
    assert_int_equal(store_summary_decode((const unsigned char *)"\1\x82\0ab", 5, 1, &buf, out),
                     TRAWL_ECORRUPT);
}

/* The text of a version 2 record as engine/db.c makes it: the article's compact JSON with
 * its body replaced by "", then the body's bytes (*tail of them). Caller frees. */
static char *split_text(json_t *obj, size_t *len, size_t *tail)
{
    json_t *body = json_object_get(obj, "body"), *copy = json_copy(obj);
    assert_non_null(copy);
    *tail = json_is_string(body) ? json_string_length(body) : 0;
    if (json_is_string(body))
        assert_int_equal(json_object_set_new(copy, "body", json_string("")), 0);
    char *head = json_dumps(copy, JSON_COMPACT);
    assert_non_null(head);
    json_decref(copy);
    size_t hlen = strlen(head);
    char *t = realloc(head, hlen + *tail + 1);
    assert_non_null(t);
    if (*tail)
        memcpy(t + hlen, json_string_value(body), *tail);
    *len = hlen + *tail;
    return t;
}

static void test_reuters_ratio(void **state)
{
    (void)state;
    const char *shared = getenv("TRAWL_SHARED");
    char path[4096];
    if (shared == NULL || *shared == '\0') {
        print_message("skipped: TRAWL_SHARED is not set (needs the Reuters corpus)\n");
        skip();
    }
    snprintf(path, sizeof path, "%s/corpora/reuters21578.jsonl.gz", shared);
    size_t inlen;
    char *in = read_gz(path, &inlen);
    if (in == NULL) {
        print_message("skipped: cannot read %s\n", path);
        skip();
    }
    uint64_t text_bytes = 0, rec_bytes = 0, split_bytes = 0, articles = 0;
    double enc_secs = 0;
    store_encoder *enc = NULL;
    assert_int_equal(store_encoder_new(&enc), TRAWL_OK);
    clock_t t0 = clock();
    for (char *line = in, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL)
            nl = line + strlen(line) - 1;
        json_error_t err;
        json_t *obj = json_loadb(line, (size_t)(nl - line + 1), 0, &err);
        if (obj == NULL)
            fail_msg("%s: line %llu: %s", path, (unsigned long long)articles + 1, err.text);
        char *text = json_dumps(obj, JSON_COMPACT);
        assert_non_null(text);
        size_t len = strlen(text), reclen;
        unsigned char *rec;
        clock_t e0 = clock();
        assert_int_equal(store_encoder_encode(enc, text, len, &rec, &reclen), TRAWL_OK);
        enc_secs += (double)(clock() - e0) / CLOCKS_PER_SEC;
        assert_decodes_to(rec, reclen, text, len);
        text_bytes += len;
        rec_bytes += reclen;
        free(rec);
        size_t slen, tail;
        char *st = split_text(obj, &slen, &tail);
        assert_int_equal(store_encoder_encode_split(enc, st, slen, tail, &rec, &reclen),
                         TRAWL_OK);
        assert_decodes_to(rec, reclen, st, slen);
        split_bytes += reclen;
        free(st);
        articles++;
        free(rec);
        free(text);
        json_decref(obj);
    }
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    store_encoder_free(enc);
    double ratio = (double)rec_bytes / (double)text_bytes;
    double split_ratio = (double)split_bytes / (double)text_bytes;
    print_message("reuters: %llu articles, text %llu bytes, store %llu bytes, ratio %.4f "
                  "(target %.2f); CPU %.2f s to encode, %.2f s in all (parse, encode, decode, "
                  "both layouts)\n",
                  (unsigned long long)articles, (unsigned long long)text_bytes,
                  (unsigned long long)rec_bytes, ratio, RATIO_TARGET, enc_secs, secs);
    print_message("reuters, version 2 records (body as tail): store %llu bytes, ratio %.4f of "
                  "the same JSON text\n", (unsigned long long)split_bytes, split_ratio);
    assert_true(articles > 20000);
    assert_true(ratio <= RATIO_TARGET);
    assert_true(split_ratio <= RATIO_TARGET);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_non_ascii),
        cmocka_unit_test(test_10mb),
        cmocka_unit_test(test_decoder_trim),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_header_layout),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_random_damage),
        cmocka_unit_test(test_wrong_version_and_dictionary),
        cmocka_unit_test(test_no_dictionary_record),
        cmocka_unit_test(test_length_field),
        cmocka_unit_test(test_text_length),
        cmocka_unit_test(test_encoder),
        cmocka_unit_test(test_fixed_codes),
        cmocka_unit_test(test_dictionary_table),
        cmocka_unit_test(test_split_roundtrip),
        cmocka_unit_test(test_split_damage),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_reuters_ratio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
