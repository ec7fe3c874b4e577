/*
 * snippet.h: the C half of trawl's snippets (internal). engine/db.c cleans an article's
 * text with snippet_prepare, has Xapian cut and mark a snippet from it (MSet::snippet,
 * through the shim, with SNIPPET_HI_START/END around matched words), and turns the marked
 * snippet into plain text plus highlight spans with snippet_unmark. Bytes in, bytes out:
 * no Xapian, no I/O.
 *
 * Xapian's snippet tokenises and stems every word of the text it is given, so a long
 * article costs in proportion to its length. snippet_window picks, with a cheap scan for
 * the query's words, the part of a long text around the densest region of them, and db.c
 * hands Xapian only that part (snippet_edges then restores the "..." marks that the cut
 * hides from Xapian).
 */
#ifndef TRAWL_SNIPPET_H
#define TRAWL_SNIPPET_H

#include <stddef.h>
#include "trawl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Markers Xapian puts around highlighted words; snippet_prepare removes them from the
 * text beforehand, so they are unambiguous. */
#define SNIPPET_HI_START "\x01"
#define SNIPPET_HI_END "\x02"
/* Where Xapian cut text off. */
#define SNIPPET_OMIT "..."

/* A copy of `len` bytes of `text` made for snippeting: the marker bytes become spaces,
 * and every run of white space (newlines included) becomes one space, trimmed at both
 * ends, so a snippet is one line. *out (caller frees) holds *outlen bytes plus a NUL;
 * *nchars is its length in UTF-8 characters. TRAWL_ENOMEM. */
trawl_status snippet_prepare(const char *text, size_t len, char **out, size_t *outlen,
                             size_t *nchars);

/* The snippet budget in bytes for Xapian, which counts bytes, from one in characters:
 * `chars` scaled by the text's bytes per character (so exact for ASCII). */
size_t snippet_bytes(size_t chars, size_t text_bytes, size_t text_chars);

/* Turns Xapian's marked snippet into plain text: removes the markers, recording each
 * marked word as a span of UTF-8 byte offsets into the plain text; undoes Xapian's XML
 * escaping (&amp; &lt; &gt;); collapses white space; keeps at most `max_chars` characters
 * (a word cut by the limit is dropped, unless it is the only word; a span cut with it
 * ends there). On success *plain (caller frees) and *spans
 * (caller frees; NULL when *nspans is 0). TRAWL_ENOMEM. */
trawl_status snippet_unmark(const char *marked, size_t max_chars, char **plain,
                            trawl_span **spans, size_t *nspans);

/* A word (or phrase) of the text that a snippet would highlight: text[begin, end), and
 * which query term (or phrase) it matched, as an index into the weights. */
typedef struct {
    size_t begin, end;
    size_t probe;
} snippet_hit;

/* Texts up to this many snippet budgets are handed to Xapian whole. */
#define SNIPPET_WINDOW_FACTOR 2

/* Picks the part [*start, *end) of the cleaned text[0..len) (snippet_prepare's output) to
 * hand to Xapian for a snippet of `budget` bytes, given the words a snippet would
 * highlight in it (hits, in text order; weights[hit.probe] their relevance). A text of at
 * most SNIPPET_WINDOW_FACTOR budgets is kept whole. Otherwise the budget-long region where
 * the hits weigh most is found as Xapian scores it (a term's weight halves with every
 * repeat in the region; the last of equal regions wins), and the window is that region
 * with half a budget more on either side, cut at spaces. With no hits, the window is the
 * first budget of the text, cut at a space. TRAWL_ENOMEM. */
trawl_status snippet_window(const char *text, size_t len, const snippet_hit *hits,
                            size_t nhits, const double *weights, size_t nweights,
                            size_t budget, size_t *start, size_t *end);

/* Xapian's snippet of a window [start, end) of text[0..len) cannot know that the text
 * went on beyond the window. Given its marked snippet, *out (caller frees) is the snippet
 * with SNIPPET_OMIT added at the front when the window starts inside the text, mid-sentence,
 * and Xapian's snippet starts at the window's first word; and at the end when the window
 * ends inside the text and Xapian's snippet ends without a mark or a sentence's end.
 * TRAWL_ENOMEM. */
trawl_status snippet_edges(const char *text, size_t len, size_t start, size_t end,
                           const char *marked, char **out);

#ifdef __cplusplus
}
#endif

#endif
