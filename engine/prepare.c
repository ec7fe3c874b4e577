/*
 * prepare.c: turns articles into Xapian documents (trawl_prepare, see trawl.h), the first
 * half of trawl_db_put. engine/db.c calls it for trawl_db_put and makes preparers for
 * trawl_preparer_new; index/writer.c calls trawl_prepare on its reading thread so that
 * term generation and record compression run beside the thread writing the database. A
 * preparer owns its own shim handle (a term generator and stemmer on no database) and its
 * own record encoder, so it shares nothing with any database handle.
 *
 * Document layout (one Xapian document per article):
 *  - unique term "Q" + id (article_id_term: long ids are cut and hashed);
 *  - title: free text with wdf TITLE_WDF (so a title match outranks a body match), and
 *    again with prefix "S" for `title:word`; body: free text with wdf 1; both stemmed
 *    (STEM_SOME: "Z" terms), with positions, separated by a gap so no phrase spans them;
 *  - each filter-field value: boolean term article_filter_term(field, value);
 *  - value slot DATE_SLOT: the date as YYYYMMDDhhmmss (UTC), sortable;
 *  - value slot SUMMARY_SLOT: the hit summary (id, title, date as stored), encoded by
 *    store_summary_encode, so that a hit without a snippet needs neither the record nor
 *    JSON parsing. Articles stored before it existed have none, and their hits are read
 *    from the record instead;
 *  - data: the stored record (engine/store.c, version 2): the article as compact JSON
 *    with its body replaced by "", followed by the body's bytes as the record's tail, so
 *    a snippet takes the body without parsing JSON and `get` puts it back in its place.
 *    Version 1 records (the whole article as JSON) are still read. The record travels
 *    with its document across shards.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "prepare.h"
#include "status.h"
#include "store.h"

#define TITLE_WDF 3
#define FIELD_GAP 100 /* term positions left between title and body */

struct trawl_preparer {
    shim_db *x;         /* a builder handle: term generator and stemmer */
    store_encoder *enc; /* made at the first record, primed once */
    char *path;         /* the database's, for messages */
    char *errmsg;       /* last failure; NULL means "" */
};

/* Records a failure on the preparer; returns st. */
static trawl_status prep_fail(trawl_preparer *p, trawl_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st = status_record(&p->errmsg, st, fmt, ap);
    va_end(ap);
    return st;
}

/* Records a shim failure with what was being done. */
static trawl_status prep_shim_fail(trawl_preparer *p, trawl_status st, const char *what)
{
    return prep_fail(p, st, "%s in '%s': %s", what, p->path, shim_errmsg(p->x));
}

trawl_status prepare_new(const char *language, const char *path, trawl_preparer **out,
                         char **errmsg)
{
    trawl_preparer *p = calloc(1, sizeof *p);
    trawl_status st;
    *out = NULL;
    *errmsg = NULL;
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return TRAWL_ENOMEM;
    }
    if ((st = shim_builder_new(language, &p->x, errmsg)) != TRAWL_OK) {
        trawl_preparer_free(p);
        return st;
    }
    *out = p;
    return TRAWL_OK;
}

void trawl_preparer_free(trawl_preparer *p)
{
    if (!p)
        return;
    shim_close(p->x);
    store_encoder_free(p->enc);
    free(p->path);
    free(p->errmsg);
    free(p);
}

const char *trawl_preparer_errmsg(const trawl_preparer *p)
{
    return p && p->errmsg ? p->errmsg : "";
}

const char *trawl_prepared_id(const trawl_prepared *doc)
{
    return doc ? doc->id : "";
}

void trawl_prepared_free(trawl_prepared *doc)
{
    if (!doc)
        return;
    shim_doc_free(doc->doc);
    for (size_t i = 0; i < doc->nfields; i++)
        free(doc->fields[i]);
    free(doc->fields);
    free(doc->idterm);
    free(doc->id);
    free(doc);
}

/* ---- terms and values ----------------------------------------------------------------- */

/* Notes a filter field name of the document (once). */
static trawl_status note_field(trawl_prepared *doc, const char *name)
{
    for (size_t i = 0; i < doc->nfields; i++)
        if (strcmp(doc->fields[i], name) == 0)
            return TRAWL_OK;
    char **f = realloc(doc->fields, (doc->nfields + 1) * sizeof *f);
    if (!f)
        return TRAWL_ENOMEM;
    doc->fields = f;
    if (!(f[doc->nfields] = strdup(name)))
        return TRAWL_ENOMEM;
    doc->nfields++;
    return TRAWL_OK;
}

/* Adds the boolean terms of one filter value (skipping empty strings). */
static trawl_status add_filter_value(trawl_preparer *p, shim_doc *d, const char *field,
                                     const json_t *v)
{
    char *term = NULL;
    trawl_status st;
    if (json_string_length(v) == 0)
        return TRAWL_OK;
    if ((st = article_filter_term(field, json_string_value(v), &term)) != TRAWL_OK)
        return prep_fail(p, st, "cannot make the term of field '%s'", field);
    st = shim_doc_add_boolean_term(p->x, d, term);
    free(term);
    return st == TRAWL_OK ? st : prep_shim_fail(p, st, "cannot add a filter term");
}

static trawl_status index_filters(trawl_preparer *p, trawl_prepared *doc, const json_t *obj)
{
    const char *name;
    const json_t *v, *e;
    size_t i;
    trawl_status st;

    json_object_foreach((json_t *)obj, name, v) {
        if (!article_is_filter(name, v))
            continue;
        if (note_field(doc, name) != TRAWL_OK)
            return prep_fail(p, TRAWL_ENOMEM, "out of memory");
        if (json_is_string(v)) {
            if ((st = add_filter_value(p, doc->doc, name, v)) != TRAWL_OK)
                return st;
        } else {
            json_array_foreach(v, i, e) if ((st = add_filter_value(p, doc->doc, name, e)) !=
                                            TRAWL_OK) return st;
        }
    }
    return TRAWL_OK;
}

static trawl_status index_text(trawl_preparer *p, shim_doc *d, const char *title,
                               const char *body)
{
    trawl_status st = TRAWL_OK;
    if (title && *title) {
        if ((st = shim_doc_index_text(p->x, d, title, TITLE_WDF, "")) != TRAWL_OK ||
            (st = shim_doc_increase_termpos(p->x, d, FIELD_GAP)) != TRAWL_OK ||
            (st = shim_doc_index_text(p->x, d, title, 1, TITLE_PREFIX)) != TRAWL_OK ||
            (st = shim_doc_increase_termpos(p->x, d, FIELD_GAP)) != TRAWL_OK)
            return prep_shim_fail(p, st, "cannot index a title");
    }
    if (body && *body && (st = shim_doc_index_text(p->x, d, body, 1, "")) != TRAWL_OK)
        return prep_shim_fail(p, st, "cannot index a body");
    return TRAWL_OK;
}

/* Stores the article's hit summary (id, title, date) in SUMMARY_SLOT. */
static trawl_status set_summary(trawl_preparer *p, shim_doc *d, const trawl_article *a)
{
    const char *fields[SUMMARY_FIELDS] = {
        [SUMMARY_ID] = trawl_article_id(a),
        [SUMMARY_TITLE] = trawl_article_get(a, "title"),
        [SUMMARY_DATE] = trawl_article_get(a, "date"),
    };
    unsigned char *v = NULL;
    size_t len = 0;
    trawl_status st = store_summary_encode(fields, SUMMARY_FIELDS, &v, &len);
    if (st != TRAWL_OK)
        return prep_fail(p, st, "cannot make the summary of article '%s': %s",
                         trawl_article_id(a), trawl_strerror(st));
    st = shim_doc_set_value_bytes(p->x, d, SUMMARY_SLOT, v, len);
    free(v);
    return st == TRAWL_OK ? st : prep_shim_fail(p, st, "cannot set the summary");
}

/* Fills the document from an article: terms, date and summary values, and `record` as
 * its data. */
static trawl_status build_doc(trawl_preparer *p, trawl_prepared *doc, const trawl_article *a,
                              const unsigned char *record, size_t reclen)
{
    const char *date = trawl_article_get(a, "date");
    char key[ARTICLE_DATE_KEY_LEN + 1];
    shim_doc *d = doc->doc;
    trawl_status st;

    if ((st = shim_doc_add_boolean_term(p->x, d, doc->idterm)) != TRAWL_OK)
        return prep_shim_fail(p, st, "cannot add the id term");
    if ((st = index_text(p, d, trawl_article_get(a, "title"), trawl_article_get(a, "body"))))
        return st;
    if ((st = index_filters(p, doc, a->obj)) != TRAWL_OK)
        return st;
    if (date && article_date_key(date, strlen(date), DATE_ARTICLE, key) == 0 &&
        (st = shim_doc_set_value(p->x, d, DATE_SLOT, key)) != TRAWL_OK)
        return prep_shim_fail(p, st, "cannot set the date");
    if ((st = set_summary(p, d, a)) != TRAWL_OK)
        return st;
    if ((st = shim_doc_set_data(p->x, d, record, reclen)) != TRAWL_OK)
        return prep_shim_fail(p, st, "cannot set the stored record");
    return TRAWL_OK;
}

/* ---- the stored record ---------------------------------------------------------------- */

/* The text of an article's record: its compact JSON with the body replaced by "", then
 * the body's bytes, the last *tail of the text (0 when it has no body). *text (caller
 * frees) holds *len bytes. */
static trawl_status record_text(const trawl_article *a, char **text, size_t *len, size_t *tail)
{
    const json_t *body = json_object_get(a->obj, "body");
    json_t *copy = NULL;
    char *head = NULL;
    size_t headlen;

    *text = NULL;
    *tail = 0;
    if (!json_is_string(body)) {
        trawl_status st = trawl_article_to_json(a, text);
        *len = *text ? strlen(*text) : 0;
        return st;
    }
    if (!(copy = json_copy(a->obj)) || json_object_set_new(copy, "body", json_string("")) ||
        !(head = json_dumps(copy, JSON_COMPACT))) {
        json_decref(copy);
        return TRAWL_ENOMEM;
    }
    json_decref(copy);
    headlen = strlen(head);
    *tail = json_string_length(body);
    if (!(*text = realloc(head, headlen + *tail + 1))) {
        free(head);
        return TRAWL_ENOMEM;
    }
    memcpy(*text + headlen, json_string_value(body), *tail);
    (*text)[headlen + *tail] = '\0';
    *len = headlen + *tail;
    return TRAWL_OK;
}

/* The article's stored record (version 2: see record_text), encoded by the preparer's
 * encoder; *textlen is the length of the record's text. *rec is the caller's. */
static trawl_status encode_article(trawl_preparer *p, const trawl_article *a,
                                   unsigned char **rec, size_t *reclen, size_t *textlen)
{
    char *text = NULL;
    size_t tail = 0;
    trawl_status st = record_text(a, &text, textlen, &tail);
    if (st != TRAWL_OK)
        return prep_fail(p, st, "cannot serialise article '%s'", trawl_article_id(a));
    if (!p->enc && (st = store_encoder_new(&p->enc)) != TRAWL_OK) {
        free(text);
        return prep_fail(p, st, "cannot make a record encoder: %s", trawl_strerror(st));
    }
    st = store_encoder_encode_split(p->enc, text, *textlen, tail, rec, reclen);
    free(text);
    if (st != TRAWL_OK)
        return prep_fail(p, st, "cannot store article '%s' (%zu bytes): %s",
                         trawl_article_id(a), *textlen, trawl_strerror(st));
    return TRAWL_OK;
}

/* ---- preparing -------------------------------------------------------------------------- */

/* Fills a new prepared document (whose fields are NULL) from the article. */
static trawl_status fill(trawl_preparer *p, trawl_prepared *doc, const trawl_article *a)
{
    unsigned char *rec = NULL;
    trawl_status st;

    if ((st = encode_article(p, a, &rec, &doc->reclen, &doc->textlen)) != TRAWL_OK)
        return st;
    if (!(doc->id = strdup(trawl_article_id(a))) ||
        (st = article_id_term(doc->id, &doc->idterm)) != TRAWL_OK) {
        st = prep_fail(p, TRAWL_ENOMEM, "out of memory");
    } else if ((st = shim_doc_new(p->x, &doc->doc)) != TRAWL_OK) {
        prep_shim_fail(p, st, "cannot make a document");
    } else {
        st = build_doc(p, doc, a, rec, doc->reclen);
        trawl_status done = shim_doc_done(p->x, doc->doc);
        if (st == TRAWL_OK && done != TRAWL_OK)
            st = prep_shim_fail(p, done, "cannot finish a document");
    }
    free(rec);
    return st;
}

trawl_status trawl_prepare(trawl_preparer *p, const trawl_article *a, trawl_prepared **out)
{
    trawl_prepared *doc;
    trawl_status st;

    if (out)
        *out = NULL;
    if (!p || !a || !out)
        return p ? prep_fail(p, TRAWL_EINVAL, "no article given") : TRAWL_EINVAL;
    if ((st = article_validate(a->obj, NULL)) != TRAWL_OK)
        return prep_fail(p, st, "article '%s' is not valid", trawl_article_id(a));
    if (!(doc = calloc(1, sizeof *doc)))
        return prep_fail(p, TRAWL_ENOMEM, "out of memory");
    if ((st = fill(p, doc, a)) != TRAWL_OK) {
        trawl_prepared_free(doc);
        return st;
    }
    *out = doc;
    return TRAWL_OK;
}
