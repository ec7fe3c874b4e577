/*
 * prepare.h: making an article into a Xapian document (internal to libtrawl). The public
 * half, trawl_prepare and trawl_prepared_*, is declared in trawl.h; this header gives
 * engine/db.c what it needs beside: the document layout it searches (value slots, the
 * title prefix, the summary's fields), the prepared document's contents, which
 * trawl_db_put_prepared hands to Xapian, and the constructor behind trawl_preparer_new.
 * The layout itself is described in prepare.c, where documents are built.
 */
#ifndef TRAWL_PREPARE_H
#define TRAWL_PREPARE_H

#include <stddef.h>
#include "shim.h"
#include "trawl.h"

#define DATE_SLOT 0
#define SUMMARY_SLOT 1
#define TITLE_PREFIX "S"

/* The fields of the hit summary, in order. */
enum { SUMMARY_ID, SUMMARY_TITLE, SUMMARY_DATE, SUMMARY_FIELDS };

struct trawl_prepared {
    char *id;          /* the article's id */
    char *idterm;      /* its unique term (article_id_term) */
    shim_doc *doc;     /* terms, values and the stored record as data */
    char **fields;     /* the filter field names it has, nfields of them */
    size_t nfields;
    size_t reclen;     /* the stored record's size ... */
    size_t textlen;    /* ... and the size of the text it holds */
};

/* A preparer stemming in `language`; `path` (copied) names the database in messages. On
 * failure *errmsg (caller frees; may be NULL on out-of-memory) says why. */
trawl_status prepare_new(const char *language, const char *path, trawl_preparer **out,
                         char **errmsg);

#endif
