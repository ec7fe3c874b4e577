/*
 * fuzz_tokens.c: libFuzzer target for the snippet scan's fast path (engine/snippet.c's
 * bit masks and the shim's masked tokeniser): for any text,
 *  - snippet_index (SSE2 where built with it) and snippet_index_scalar give the same
 *    masks, and the searches over them agree with a byte-by-byte reading;
 *  - the masked tokeniser reads the text into exactly the words the plain tokeniser
 *    (Xapian's rules) reads (shim_tokens_agree).
 * Built by tests/fuzz/local.mk as fuzz_tokens and replay_tokens (for `make check`).
 */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "shim.h"
#include "snippet.h"

static int word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

/* The masks of fast and scalar agree, bit for bit, over every word they hold. */
static void same_masks(const snippet_masks *a, const snippet_masks *b)
{
    FUZZ_CHECK(a->nmask == b->nmask && a->len == b->len, "the same number of mask words");
    for (size_t j = 0; j < a->nmask; j++) {
        FUZZ_CHECK(a->word[j] == b->word[j], "word masks agree");
        FUZZ_CHECK(a->high[j] == b->high[j], "high-byte masks agree");
        FUZZ_CHECK(a->removed[j] == b->removed[j], "removed-blank masks agree");
        FUZZ_CHECK(a->removed_before[j] == b->removed_before[j], "removed counts agree");
    }
    FUZZ_CHECK(a->removed_before[a->nmask] == b->removed_before[b->nmask], "the totals agree");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    snippet_scratch fast = {0}, scalar = {0};
    size_t where = 0;

    if (snippet_index(&fast, text, size) != TRAWL_OK ||
        snippet_index_scalar(&scalar, text, size) != TRAWL_OK)
        goto done; /* out of memory: nothing to check */
    same_masks(&fast.masks, &scalar.masks);
    /* the searches from every position, against the bytes themselves */
    for (size_t i = 0; i <= size && i < 4096; i++) {
        size_t w = i, nw = i;
        while (w < size && !word_byte(data[w]) && data[w] < 0x80)
            w++;
        while (nw < size && word_byte(data[nw]))
            nw++;
        FUZZ_CHECK(snippet_next_word_or_high(&fast.masks, i) == w, "next word or high byte");
        FUZZ_CHECK(snippet_next_non_word(&fast.masks, i) == nw, "next non-word byte");
    }
    int agree = shim_tokens_agree(text, size, &where);
    FUZZ_CHECK(agree != 0, "the masked tokeniser reads the words the plain one reads");
done:
    snippet_scratch_free(&fast);
    snippet_scratch_free(&scalar);
    return 0;
}
