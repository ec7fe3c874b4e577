/*
 * reuters.h: what the engine tests that compare on the Reuters corpus share (test_search,
 * test_rank, test_snippet_quality): finding ../shared's corpus and query set through
 * $TRAWL_SHARED, and indexing the corpus the same way in each. cmocka tests only: a
 * failure ends the test.
 */
#ifndef TRAWL_TESTS_REUTERS_H
#define TRAWL_TESTS_REUTERS_H

#include <stddef.h>

#include "trawl.h"

#define REUTERS_ARTICLES 21577

/* Fills corpus (and queries, when not NULL) with the paths under $TRAWL_SHARED. Returns 1
 * when they are readable; else 0, having printed why `what` is skipped: call skip(). */
int reuters_files(const char *what, char *corpus, size_t ncorpus, char *queries,
                  size_t nqueries);

/* Puts every article of the gzip'd JSON Lines `file` into w (writable), committing every
 * 5000 and at the end; returns how many. A bad line fails the test, naming it. */
size_t reuters_index(trawl_db *w, const char *file);

#endif
