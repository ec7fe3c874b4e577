/*
 * reuters.c: the Reuters corpus for the engine tests (reuters.h): its paths and one way
 * of indexing it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "tests/engine/reuters.h"

int reuters_files(const char *what, char *corpus, size_t ncorpus, char *queries,
                  size_t nqueries)
{
    const char *shared = getenv("TRAWL_SHARED");
    snprintf(corpus, ncorpus, "%s/corpora/reuters21578.jsonl.gz", shared ? shared : "");
    if (queries)
        snprintf(queries, nqueries, "%s/bench/queries-reuters.txt", shared ? shared : "");
    if (shared && access(corpus, R_OK) == 0 && (!queries || access(queries, R_OK) == 0))
        return 1;
    printf("skipping %s: %s%s%s not readable (set TRAWL_SHARED)\n", what, corpus,
           queries ? " or " : "", queries ? queries : "");
    return 0;
}

size_t reuters_index(trawl_db *w, const char *file)
{
    gzFile gz = gzopen(file, "rb");
    size_t cap = 1 << 20, n = 0, line = 0;
    char *buf = malloc(cap);
    assert_non_null(gz);
    assert_non_null(buf);
    gzbuffer(gz, 1 << 16);
    while (gzgets(gz, buf, (int)cap)) {
        size_t len = strlen(buf);
        trawl_article *a = NULL;
        char *msg = NULL;
        line++;
        if (len == cap - 1 && buf[len - 1] != '\n')
            fail_msg("%s:%zu: line over %zu bytes", file, line, cap);
        if (trawl_article_from_json(buf, len, &a, &msg) != TRAWL_OK)
            fail_msg("%s:%zu: %s", file, line, msg);
        if (trawl_db_put(w, a, NULL) != TRAWL_OK)
            fail_msg("%s:%zu: %s", file, line, trawl_db_errmsg(w));
        trawl_article_free(a);
        if (++n % 5000 == 0)
            assert_int_equal(trawl_db_commit(w), TRAWL_OK);
    }
    assert_int_equal(trawl_db_commit(w), TRAWL_OK);
    gzclose(gz);
    free(buf);
    return n;
}
