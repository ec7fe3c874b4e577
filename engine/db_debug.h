/*
 * db_debug.h: internal hooks into engine/db.c for the tests (not part of libtrawl's API:
 * trawl.h is). tests/engine/test_snippet_quality.c uses them to compare trawl's snippets
 * with Xapian's own MSet::snippet on the same text, and to check the scan's prefilter
 * against a corpus's vocabulary; tests/engine/test_preload.c to wait for the record
 * preload.
 */
#ifndef TRAWL_DB_DEBUG_H
#define TRAWL_DB_DEBUG_H

#include <stdint.h>

#include "trawl.h"

/* With `on` non-zero, the handle's searches make their snippets with Xapian's
 * MSet::snippet (flag SNIPPET_EXHAUSTIVE) over the whole clean text, as trawl did before
 * it made them itself (see doc/snippets.md); with 0, with snippet_make, the default. */
void db_snippet_reference(trawl_db *db, int on);

/* Whether the snippet scan's prefilter holds for every word of the database: each starts
 * with its stem but the stem's last character (shim_stem_starts_hold). 1 when it does,
 * with *words the words checked; 0 when not, with *bad (caller frees) the first word that
 * does not, "word -> stem"; -1 on error. */
int db_stem_starts_hold(trawl_db *db, size_t *words, char **bad);

/* Waits until the handle's record preload (trawl_db_set_preload) is not loading any more
 * and returns the bytes it holds (0 when none: off, over its limit, or not started yet,
 * which the first search with snippets does); *bodies gets 1 when they are the articles'
 * bodies, inflated, and 0 when they are the stored records; *served gets how many hits'
 * bodies or records the handle's searches have taken from memory so far. */
size_t db_preload_wait(trawl_db *db, uint64_t *served, int *bodies);

#endif
