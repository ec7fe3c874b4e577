/*
 * snippet.h: the C half of trawl's snippets (internal). For each hit of a search,
 * engine/db.c has the shim read the article's text, as stored, into words as Xapian's
 * tokeniser reads them, each marked with the query term or phrase it matches
 * (shim_mset_words, which first indexes the text's bytes as bit masks with snippet_index),
 * builds the snippet from those words with snippet_make (which reads
 * the text as if snippet_clean had cleaned it, without copying it), and turns it into
 * plain text plus highlight spans with snippet_unmark. Bytes in, bytes out:
 * no Xapian (the character classes come from the shim through a function pointer), no I/O.
 *
 * snippet_make does what Xapian's MSet::snippet (flag SNIPPET_EXHAUSTIVE) does with the
 * same words: the same sliding window scored the same way (a term's weight halves with
 * each repeat inside the window; the last of equal windows wins), the same leading and
 * trailing punctuation, the same "..." rules, every matched word (and phrase) inside the
 * window highlighted. It used to be Xapian itself, given a window of the text picked with
 * a similar scan: Xapian then tokenised and stemmed the window a second time, and with
 * copying and cleaning the text that cost 230 K instructions a hit on Reuters (callgrind),
 * 46 us of p50; now 123 K and 27 us, of which the record's inflating is more than half.
 * doc/snippets.md has the numbers and how closely the two agree (identical on all 8,400
 * Reuters hits of the public queries). db.c keeps the Xapian path reachable for
 * comparison (db_snippet_reference in db_debug.h, used by the tests).
 */
#ifndef TRAWL_SNIPPET_H
#define TRAWL_SNIPPET_H

#include <stddef.h>
#include <stdint.h>
#include "trawl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Markers around highlighted words in a marked snippet (snippet_make's and Xapian's);
 * snippet_clean removes them from the text beforehand, so they are unambiguous. */
#define SNIPPET_HI_START "\x01"
#define SNIPPET_HI_END "\x02"
/* Where text was cut off. */
#define SNIPPET_OMIT "..."

/* The most bytes of one text a snippet is looked for in: past them, a longer text's
 * words are not read (as Elasticsearch highlights only the first million characters).
 * Keeps a hit on a huge article (up to STORE_MAX_TEXT, 64 MiB) from costing hundreds of
 * megabytes of words and a quarter of a second per 13 MB; no Reuters article comes near
 * it, and below it the snippets are Xapian's (doc/snippets.md). */
#define SNIPPET_MAX_SCAN (1024 * 1024)

/* How much of text[0..len) to read for a snippet: all of it when it is at most
 * SNIPPET_MAX_SCAN bytes, else the longest prefix of at most that many bytes that ends
 * before a blank byte (so that no word is cut), or, when the last 256 bytes hold none, at
 * a UTF-8 character boundary. */
size_t snippet_scan_length(const char *text, size_t len);

/* Cleans text[0..len) in place for Xapian's MSet::snippet (db_snippet_reference): the
 * marker bytes become spaces, and every run of white space (newlines included) becomes one
 * space, trimmed at both ends, so a snippet is one line (snippet_make reads the text as if
 * so cleaned, without cleaning it). text[len] must be readable (a NUL, say); it is overwritten with NUL
 * at the new length, which is returned; *nchars is that length in UTF-8 characters. */
size_t snippet_clean(char *text, size_t len, size_t *nchars);

/* The snippet budget in bytes, which Xapian's rules count, from one in characters:
 * `chars` scaled by the text's bytes per character (so exact for ASCII). */
size_t snippet_bytes(size_t chars, size_t text_bytes, size_t text_chars);

/* Turns a marked snippet into plain text: removes the markers, recording each marked word
 * as a span of UTF-8 byte offsets into the plain text; with `xml` set (Xapian's snippets),
 * undoes the XML escaping (&amp; &lt; &gt;); collapses white space; keeps at most
 * `max_chars` characters (a word cut by the limit is dropped, unless it is the only word;
 * a span cut with it ends there). On success *plain (caller frees) and *spans (caller
 * frees; NULL when *nspans is 0). TRAWL_ENOMEM. */
trawl_status snippet_unmark(const char *marked, int xml, size_t max_chars, char **plain,
                            trawl_span **spans, size_t *nspans);

#define SNIPPET_NO_PROBE SIZE_MAX

/* One word of a text, as Xapian's tokeniser reads it (words over 64 bytes are not words
 * here, as in MSet::snippet). */
typedef struct {
    size_t begin, end; /* the word is text[begin, end) */
    size_t probe;      /* the query term or phrase it matches (an index into the weights),
                        * or SNIPPET_NO_PROBE */
    size_t highlight;  /* 0 when it matches nothing; 1 for a word; n > 1 when it ends a
                        * phrase of n words (the phrase is highlighted from its first) */
} snippet_word;

/* A word as snippet_make works on it: 16 bytes, where a snippet_word (which the tests and
 * callers outside the engine give) has 40. The shim writes these directly
 * (snippet_make_scanned); snippet_make turns snippet_words into them. Texts are at most
 * SNIPPET_TOK_MAX_TEXT bytes here. */
typedef struct {
    uint32_t end;       /* the word ends at text[end] (it starts after the word before) */
    uint32_t cend;      /* where it ends in the text once cleaned: set and used by
                         * snippet_make without masks (with them, worked out as needed) */
    uint32_t probe;     /* an index into the weights, or SNIPPET_NO_MATCH */
    uint32_t highlight; /* as snippet_word's */
} snippet_tok;

#define SNIPPET_NO_MATCH UINT32_MAX
#define SNIPPET_TOK_MAX_TEXT ((size_t)UINT32_MAX - 1)

/* Bit masks of a text, 64 bytes to a 64-bit word: bit k of word j is about byte 64j + k.
 * Built once per text by snippet_index, so that the shim finds where ASCII words start
 * and end, and snippet_make where snippet_clean would drop white space, with a count of
 * trailing zeros instead of a branch per byte (which mispredicts once or twice a word:
 * about two thirds of a plain byte-by-byte tokeniser's time on Reuters). Bits past the
 * text's end are 0. */
typedef struct {
    const char *text;        /* the text indexed (compared by address and length) */
    size_t len;
    uint64_t *word;          /* an ASCII word character: letter, digit or '_' */
    uint64_t *high;          /* a byte >= 0x80 (part of a non-ASCII character) */
    uint64_t *removed;       /* a blank byte snippet_clean drops: one after a blank, or first */
    size_t *removed_before;  /* removed bytes in the words before word j (nmask + 1 of them) */
    size_t continuation;     /* the text's UTF-8 continuation bytes (10xxxxxx): its bytes
                              * minus its characters */
    size_t nmask, capmask;
} snippet_masks;

/* Buffers reused from hit to hit, so that a warm server allocates nothing per snippet but
 * its results. Zero-initialise; snippet_scratch_free frees the buffers (not the struct).
 * The shim fills toks[0..ntoks) (and the masks, with snippet_index) for
 * snippet_make_scanned; callers of snippet_make fill words[0..nwords); the rest is
 * snippet_make's. */
typedef struct {
    snippet_word *words;
    size_t nwords, capwords;
    snippet_tok *toks;      /* the shim's words (snippet_make_scanned), or snippet_make's */
    size_t ntoks, captoks;
    double *cur;
    size_t capcur;
    uint32_t *idx; /* snippet_make's: the matched words, then those counted in the window */
    size_t capidx;
    char *out;
    size_t outlen, capout;
    snippet_masks masks;
    int text_goes_on; /* the caller's: the text given to snippet_make is the first part
                       * of a longer one (snippet_scan_length), so a snippet that reaches
                       * its end ends with SNIPPET_OMIT */
} snippet_scratch;

void snippet_scratch_free(snippet_scratch *s);

/* Frees the scratch's buffers when together they hold more than `keep` bytes (after a
 * snippet of a long text), as snippet_scratch_free does; otherwise leaves them. */
void snippet_scratch_trim(snippet_scratch *s, size_t keep);

/* Builds s->masks for text[0..len) (with SSE2 where the compiler has it, else byte by
 * byte; both give the same bits). The masks stay valid while the text does not change;
 * snippet_make uses them for the same text and length, and scans the text otherwise.
 * TRAWL_ENOMEM. */
trawl_status snippet_index(snippet_scratch *s, const char *text, size_t len);

/* The same masks, always byte by byte (for the tests, which compare the two). */
trawl_status snippet_index_scalar(snippet_scratch *s, const char *text, size_t len);

/* The first set bit at or after i (< m->len) in the masks a (| b), as a position;
 * m->len at most. With `invert`, the first clear bit of a instead. (The shim's tokeniser
 * reads the masks 64 bits at a time and calls this only for a word that runs on into the
 * next 64 bytes; the two below are for the tests, which check the masks with them.) */
static inline size_t snippet_next_bit(const snippet_masks *m, const uint64_t *a,
                                      const uint64_t *b, int invert, size_t i)
{
    size_t j = i / 64;
    uint64_t v = ((invert ? ~a[j] : a[j]) | (b ? b[j] : 0)) & (~(uint64_t)0 << (i % 64));
    while (!v) {
        if (++j >= m->nmask)
            return m->len;
        v = (invert ? ~a[j] : a[j]) | (b ? b[j] : 0);
    }
    i = 64 * j + (size_t)__builtin_ctzll(v);
    return i < m->len ? i : m->len;
}

/* The first position >= i of the indexed text holding an ASCII word byte or a byte >= 0x80
 * (a word may start there); the text's length when there is none. */
static inline size_t snippet_next_word_or_high(const snippet_masks *m, size_t i)
{
    return i >= m->len ? m->len : snippet_next_bit(m, m->word, m->high, 0, i);
}

/* The first position >= i that is not an ASCII word byte; the text's length at most. */
static inline size_t snippet_next_non_word(const snippet_masks *m, size_t i)
{
    return i >= m->len ? m->len : snippet_next_bit(m, m->word, NULL, 1, i);
}

/* Character classes, for the characters around the words. */
enum {
    SNIPPET_CHAR_WORD = 1,     /* a word character (Xapian::Unicode::is_wordchar) */
    SNIPPET_CHAR_SPACE = 2,    /* white space (Xapian::Unicode::is_whitespace) */
    SNIPPET_CHAR_LEADING = 4,  /* punctuation kept before a snippet's first word */
    SNIPPET_CHAR_TRAILING = 8  /* punctuation kept after its last word */
};
/* The classes of a Unicode code point (the shim's shim_char_class). */
typedef unsigned (*snippet_classify)(unsigned ch);

/* The marked snippet of text[0..len) (as stored: not cleaned) of at most about `chars`
 * characters, whose words are s->words[0..s->nwords) with weights[0..nweights) for their
 * probes, as MSet::snippet with SNIPPET_EXHAUSTIVE would make it of the text cleaned by
 * snippet_clean and a budget of snippet_bytes(chars, ...) bytes: highlighted words
 * between SNIPPET_HI_START and SNIPPET_HI_END, SNIPPET_OMIT where the text was cut (but,
 * unlike Xapian's, not escaped as XML, and with the text's own white space, which
 * snippet_unmark collapses: give it xml 0). Only the gaps between words and the window's
 * text are read, not cleaned: no copy of the text is made. (The words are copied into
 * s->toks, whose probes and highlights are rewritten on the way: a phrase's weight moves
 * to its first word.) On
 * success *marked (NUL-terminated) is borrowed from s, valid until its next use.
 * TRAWL_EINVAL for words out of order or beyond len, or a probe beyond the weights;
 * TRAWL_ENOMEM. */
trawl_status snippet_make(const char *text, size_t len, snippet_scratch *s,
                          const double *weights, size_t nweights, size_t chars,
                          snippet_classify classify, const char **marked);

/* snippet_make of the words the shim wrote into s->toks[0..s->ntoks) (snippet_tok: ends,
 * probes and highlights), for text[0..len) as indexed in s->masks (snippet_index): the same
 * snippet snippet_make gives for the same words, with less work per word (no 40-byte
 * record, the checks folded into the window's one pass). TRAWL_EINVAL as snippet_make's,
 * and when the masks are not of this text; TRAWL_ENOMEM. */
trawl_status snippet_make_scanned(const char *text, size_t len, snippet_scratch *s,
                                  const double *weights, size_t nweights, size_t chars,
                                  snippet_classify classify, const char **marked);

#ifdef __cplusplus
}
#endif

#endif
