/*
 * fuzz_store.c: libFuzzer target for the stored-record codec (engine/store.c) and the
 * article decoder behind trawl_db_get: what a damaged database could hand the engine. The
 * first input byte picks the mode, the rest is its input:
 *  0. a stored record: store_decode and a reused store_decoder (as engine/db.c keeps one)
 *     must agree; either both refuse it with TRAWL_ECORRUPT, or both give exactly the
 *     length its header promises (store_text_length), NUL-terminated, with a tail no
 *     longer than the text; the text goes through trawl_article_from_json as `get` does;
 *  1. article text: store_encode then store_decode gives it back byte for byte, and any
 *     cut of the record is refused;
 *  2. article text and a tail length (the second byte, as a fraction of the text): a
 *     version 2 record (store_encoder_encode_split) decodes to the same text and tail;
 *  3. a hit summary value: store_summary_decode either refuses it or gives three strings
 *     that encode and decode again to the same three.
 * Built by tests/fuzz/local.mk as fuzz_store and replay_store (for `make check`).
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "trawl.h"

#define SUMMARY_N 3

/* Made once and reused, as engine/db.c does; reachable, so never reported as leaks. */
static store_decoder *dec;
static store_encoder *enc;

static void decode(const unsigned char *rec, size_t len)
{
    char *text = NULL, *text2 = NULL;
    size_t textlen = 12345, textlen2 = 54321, tail = 0;
    trawl_status st = store_decode(rec, len, &text, &textlen);
    trawl_status st2 = store_decoder_decode(dec, rec, len, &text2, &textlen2, &tail);
    FUZZ_CHECK(st == st2 || st == TRAWL_ENOMEM || st2 == TRAWL_ENOMEM, "the decoders agree");
    if (st != TRAWL_OK) {
        FUZZ_CHECK(st == TRAWL_ECORRUPT || st == TRAWL_ENOMEM, "a bad record is corrupt");
        FUZZ_CHECK(text == NULL && text2 == NULL, "no text on failure");
        return;
    }
    FUZZ_CHECK(textlen == textlen2 && memcmp(text, text2, textlen) == 0, "the same text");
    FUZZ_CHECK(text[textlen] == '\0' && text2[textlen2] == '\0', "NUL-terminated");
    FUZZ_CHECK(tail <= textlen, "the tail is part of the text");
    FUZZ_CHECK(textlen <= STORE_MAX_TEXT, "decoded text is within the limit");
    FUZZ_CHECK(store_text_length(rec, len) == textlen, "the header's length is the text's");
    trawl_article *a = NULL;
    char *msg = NULL;
    st = trawl_article_from_json(text, textlen, &a, &msg);
    FUZZ_CHECK(st == TRAWL_OK || (a == NULL && msg != NULL), "an article or a reason");
    trawl_article_free(a);
    free(msg);
    free(text);
    free(text2);
}

/* Every cut of a record is refused, never read past. */
static void check_cut(const unsigned char *rec, size_t reclen)
{
    if (reclen < 2)
        return;
    size_t drop = 1 + rec[reclen - 1] % (reclen - 1);
    char *cut = NULL;
    size_t cutlen = 0;
    trawl_status st = store_decoder_decode(dec, rec, reclen - drop, &cut, &cutlen, NULL);
    FUZZ_CHECK(st == TRAWL_ECORRUPT && cut == NULL, "a truncated record is corrupt");
}

static void round_trip(const char *text, size_t len, int split, size_t tail)
{
    unsigned char *rec = NULL;
    size_t reclen = 0;
    trawl_status st = split ? store_encoder_encode_split(enc, text, len, tail, &rec, &reclen)
                            : store_encode(text, len, &rec, &reclen);
    FUZZ_CHECK(st == TRAWL_OK, "encode");
    char *back = NULL;
    size_t backlen = 0, backtail = 99;
    st = store_decoder_decode(dec, rec, reclen, &back, &backlen, &backtail);
    FUZZ_CHECK(st == TRAWL_OK, "decode what was encoded");
    FUZZ_CHECK(backlen == len && memcmp(back, text, len) == 0, "the text comes back unchanged");
    FUZZ_CHECK(backtail == (split ? tail : 0), "the tail comes back");
    FUZZ_CHECK(store_text_length(rec, reclen) == len, "the header records the length");
    check_cut(rec, reclen);
    free(back);
    free(rec);
}

static void summary(const unsigned char *v, size_t len)
{
    char *buf = NULL, *buf2 = NULL;
    const char *f[SUMMARY_N], *g[SUMMARY_N];
    if (store_summary_decode(v, len, SUMMARY_N, &buf, f) != TRAWL_OK) {
        FUZZ_CHECK(buf == NULL, "no buffer on failure");
        return;
    }
    unsigned char *again = NULL;
    size_t againlen = 0;
    FUZZ_CHECK(store_summary_encode(f, SUMMARY_N, &again, &againlen) == TRAWL_OK, "re-encode");
    FUZZ_CHECK(store_summary_decode(again, againlen, SUMMARY_N, &buf2, g) == TRAWL_OK,
               "decode what was encoded");
    for (int i = 0; i < SUMMARY_N; i++)
        FUZZ_CHECK(strcmp(f[i], g[i]) == 0, "a summary field comes back unchanged");
    free(again);
    free(buf);
    free(buf2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (store_decoder_new(&dec) != TRAWL_OK || store_encoder_new(&enc) != TRAWL_OK)
        fuzz_fail(__FILE__, __LINE__, "store_*_new", "cannot make the codec");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dec)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size < 1)
        return 0;
    const unsigned char *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0:
        decode(p, n);
        break;
    case 1:
        round_trip((const char *)p, n, 0, 0);
        break;
    case 2:
        if (n >= 1)
            round_trip((const char *)p + 1, n - 1, 1, (n - 1) * p[0] / 255);
        break;
    default:
        summary(p, n);
        break;
    }
    return 0;
}
