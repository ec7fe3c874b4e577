/*
 * db_debug.h: internal hooks into engine/db.c for the tests (not part of libtrawl's API:
 * trawl.h is). tests/engine/test_snippet_quality.c uses them to compare trawl's snippets
 * with Xapian's own MSet::snippet on the same text, and to check the scan's prefilter
 * against a corpus's vocabulary.
 */
#ifndef TRAWL_DB_DEBUG_H
#define TRAWL_DB_DEBUG_H

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

#endif
