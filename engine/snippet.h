/*
 * snippet.h: the C half of trawl's snippets (internal). engine/db.c cleans an article's
 * text with snippet_prepare, has Xapian cut and mark a snippet from it (MSet::snippet,
 * through the shim, with SNIPPET_HI_START/END around matched words), and turns the marked
 * snippet into plain text plus highlight spans with snippet_unmark. Bytes in, bytes out:
 * no Xapian, no I/O.
 */
#ifndef TRAWL_SNIPPET_H
#define TRAWL_SNIPPET_H

#include <stddef.h>
#include "trawl.h"

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

#endif
