/*
 * fuzz_store.c: libFuzzer target for the stored-record codec (engine/store.c) and the
 * article decoder behind trawl_db_get. The first input byte picks the mode:
 *  - even: the rest is a stored record, as read from a (maybe damaged) database:
 *    store_decode must either refuse it with TRAWL_ECORRUPT or return exactly the length
 *    its header (store_text_length) promises, NUL-terminated; decoded text goes through
 *    trawl_article_from_json as trawl_db_get does;
 *  - odd: the rest is article text: store_encode then store_decode must give it back
 *    byte for byte.
 * Built by tests/fuzz/local.mk as fuzz_store and replay_store (for `make check`).
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "trawl.h"

static void decode(const unsigned char *rec, size_t len)
{
    char *text = NULL;
    size_t textlen = 12345;
    trawl_status st = store_decode(rec, len, &text, &textlen);
    if (st != TRAWL_OK) {
        FUZZ_CHECK(st == TRAWL_ECORRUPT || st == TRAWL_ENOMEM, "a bad record is corrupt");
        FUZZ_CHECK(text == NULL, "no text on failure");
        return;
    }
    FUZZ_CHECK(text != NULL && text[textlen] == '\0', "decoded text is NUL-terminated");
    FUZZ_CHECK(textlen <= STORE_MAX_TEXT, "decoded text is within the limit");
    FUZZ_CHECK(store_text_length(rec, len) == textlen, "the header's length is the text's");
    trawl_article *a = NULL;
    char *msg = NULL;
    st = trawl_article_from_json(text, textlen, &a, &msg);
    FUZZ_CHECK(st == TRAWL_OK || (a == NULL && msg != NULL), "an article or a reason");
    trawl_article_free(a);
    free(msg);
    free(text);
}

static void round_trip(const char *text, size_t len)
{
    unsigned char *rec = NULL;
    size_t reclen = 0;
    FUZZ_CHECK(store_encode(text, len, &rec, &reclen) == TRAWL_OK, "store_encode");
    char *back = NULL;
    size_t backlen = 0;
    FUZZ_CHECK(store_decode(rec, reclen, &back, &backlen) == TRAWL_OK, "decode what was encoded");
    FUZZ_CHECK(backlen == len && memcmp(back, text, len) == 0, "the text comes back unchanged");
    FUZZ_CHECK(store_text_length(rec, reclen) == len, "the header records the length");
    /* Any record cut short must be refused, never read past. */
    if (reclen > 1) {
        char *cut = NULL;
        size_t cutlen = 0;
        size_t drop = 1 + rec[reclen - 1] % (reclen - 1);
        trawl_status st = store_decode(rec, reclen - drop, &cut, &cutlen);
        FUZZ_CHECK(st == TRAWL_ECORRUPT && cut == NULL, "a truncated record is corrupt");
    }
    free(back);
    free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        round_trip((const char *)data + 1, size - 1);
    else
        decode(data + 1, size - 1);
    return 0;
}
