/*
 * fts5-query.c: turns a trawl query (Xapian QueryParser syntax) into an FTS5 MATCH
 * expression and a list of boolean filters. Called by fts5-serve.c for every search and
 * by tests/bench/test_fts5_query.c.
 *
 * Xapian's QueryParser joins adjacent terms with OR (its default operator) and treats the
 * last word as a partial word (FLAG_PARTIAL, as trawl does for editors typing a query);
 * FTS5 joins adjacent terms with AND. So the translation works in two passes:
 *  1. lex the query into items: words, "phrases", title:/body: column terms, filters
 *     (NAME:value for any other lower-case NAME), AND/OR/NOT/AND NOT, +word, -word, ( );
 *  2. emit the FTS5 expression, quoting every word and phrase ("plant's" -> "plant's"),
 *     inserting OR between two operands that have no operator between them, writing
 *     "AND NOT" and "-word" as FTS5's binary NOT, the trailing bare word as a prefix query
 *     ("pric" *), and dropping filters (with an operator that joined them), which the
 *     server applies as SQL conditions instead.
 */
#include "fts5-query.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { I_WORD, I_PHRASE, I_COLUMN, I_FILTER, I_AND, I_OR, I_NOT, I_LP, I_RP } item_kind;

typedef struct {
    item_kind kind;
    const char *text; /* borrowed from the query: word, phrase body, or filter value */
    size_t len;
    const char *field; /* I_COLUMN / I_FILTER: the field name, borrowed */
    size_t flen;
    int prefix;        /* I_WORD: the partial last word */
} item;

typedef struct {
    item *v;
    size_t n, cap;
} items;

static int push(items *it, item x)
{
    if (it->n == it->cap) {
        size_t cap = it->cap ? it->cap * 2 : 16;
        item *v = realloc(it->v, cap * sizeof *v);
        if (!v)
            return -1;
        it->v = v;
        it->cap = cap;
    }
    it->v[it->n++] = x;
    return 0;
}

static int is_operand(item_kind k)
{
    return k == I_WORD || k == I_PHRASE || k == I_COLUMN;
}

static int is_binop(item_kind k)
{
    return k == I_AND || k == I_OR || k == I_NOT;
}

/* Reads a phrase body starting after its opening quote; an unterminated phrase runs to
 * the end. Returns the position after the closing quote. */
static const char *lex_phrase(const char *p, const char **start, size_t *len)
{
    *start = p;
    while (*p && *p != '"')
        p++;
    *len = (size_t)(p - *start);
    return *p == '"' ? p + 1 : p;
}

/* A NAME: prefix at p (lower-case letters and '_'), returning its length or 0. */
static size_t field_prefix(const char *p, size_t wlen)
{
    size_t i = 0;
    while (i < wlen && (islower((unsigned char)p[i]) || p[i] == '_'))
        i++;
    return (i > 0 && i < wlen && p[i] == ':') ? i : 0;
}

static int text_column(const char *f, size_t n)
{
    return (n == 5 && !memcmp(f, "title", 5)) || (n == 4 && !memcmp(f, "body", 4));
}

/* Is the word one FTS5 token (letters, digits and non-ASCII only)? Xapian keeps "today's"
 * as one term and expands it as a prefix; FTS5 splits it into "today" "s", and a prefix
 * on the last piece ("s"*) would expand to every word starting with s. Such a word is
 * searched as the exact phrase instead. */
static int single_token(const char *w, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)w[i]) && !((unsigned char)w[i] & 0x80))
            return 0;
    return 1;
}

/* Pass 1: the query's items. Returns 0, or -1 with *err set. */
static int lex(const char *q, items *it, const char **err)
{
    const char *p = q;
    while (*p) {
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        item x = {0};
        if (*p == '"') {
            x.kind = I_PHRASE;
            p = lex_phrase(p + 1, &x.text, &x.len);
        } else if (*p == '(' || *p == ')') {
            x.kind = *p == '(' ? I_LP : I_RP;
            p++;
        } else {
            const char *w = p;
            while (*p && !isspace((unsigned char)*p) && *p != '"' && *p != '(' && *p != ')')
                p++;
            size_t wlen = (size_t)(p - w);
            size_t flen = field_prefix(w, wlen);
            if (flen && flen + 1 == wlen && *p != '"')
                flen = 0; /* "NAME:" with nothing after it is a plain word */
            if (flen && flen + 1 == wlen && *p == '"') { /* NAME:"a phrase" */
                x.kind = text_column(w, flen) ? I_COLUMN : I_FILTER;
                x.field = w;
                x.flen = flen;
                p = lex_phrase(p + 1, &x.text, &x.len);
            } else if (flen) {
                if (flen == 4 && !memcmp(w, "date", 4)) {
                    *err = "date ranges are not supported by the FTS5 baseline";
                    return -1;
                }
                x.kind = text_column(w, flen) ? I_COLUMN : I_FILTER;
                x.field = w;
                x.flen = flen;
                x.text = w + flen + 1;
                x.len = wlen - flen - 1;
            } else if (wlen == 3 && !memcmp(w, "AND", 3)) {
                x.kind = I_AND;
            } else if (wlen == 2 && !memcmp(w, "OR", 2)) {
                x.kind = I_OR;
            } else if (wlen == 3 && !memcmp(w, "NOT", 3)) {
                x.kind = I_NOT;
            } else if (wlen == 3 && !memcmp(w, "XOR", 3)) {
                *err = "XOR is not supported by the FTS5 baseline";
                return -1;
            } else if (*w == '-' && wlen > 1) {
                if (push(it, (item){.kind = I_NOT}) < 0)
                    goto nomem;
                x.kind = I_WORD;
                x.text = w + 1;
                x.len = wlen - 1;
            } else {
                x.kind = I_WORD;
                x.text = (*w == '+' && wlen > 1) ? w + 1 : w;
                x.len = wlen - (size_t)(x.text - w);
            }
        }
        if (push(it, x) < 0)
            goto nomem;
    }
    /* The last word is partial unless the query ends with a space, as with FLAG_PARTIAL. */
    if (it->n && it->v[it->n - 1].kind == I_WORD && *q && !isspace((unsigned char)q[strlen(q) - 1]))
        it->v[it->n - 1].prefix = single_token(it->v[it->n - 1].text, it->v[it->n - 1].len);
    return 0;
nomem:
    *err = "out of memory";
    return -1;
}

/* Writes `len` bytes as an FTS5 string, doubling any quote. */
static void put_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static int add_filter(fts5q *out, const item *x)
{
    fts5q_filter *v = realloc(out->filters, (out->nfilters + 1) * sizeof *v);
    if (!v)
        return -1;
    out->filters = v;
    size_t flen = x->flen;
    if (flen > 1 && x->field[flen - 1] == 's')
        flen--; /* topics: -> topic, as trawl does */
    fts5q_filter *f = &v[out->nfilters];
    f->field = strndup(x->field, flen);
    f->value = strndup(x->text, x->len);
    if (!f->field || !f->value) {
        free(f->field);
        free(f->value);
        return -1;
    }
    out->nfilters++;
    return 0;
}

/* Pass 2: filters out, then the expression. Returns 0, or -1 with *err set. */
static int emit(items *it, fts5q *out, const char **err)
{
    /* Take filters out with the binary operator that joined them to their neighbour. */
    size_t n = 0;
    for (size_t i = 0; i < it->n; i++) {
        item *x = &it->v[i];
        if (x->kind != I_FILTER) {
            it->v[n++] = *x;
            continue;
        }
        if (add_filter(out, x) < 0) {
            *err = "out of memory";
            return -1;
        }
        if (n > 0 && is_binop(it->v[n - 1].kind))
            n--;
        else if (i + 1 < it->n && is_binop(it->v[i + 1].kind) && it->v[i + 1].kind != I_NOT)
            i++;
    }
    it->n = n;
    if (n == 0)
        return 0;

    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    if (!f) {
        *err = "out of memory";
        return -1;
    }
    item_kind prev = I_LP; /* "nothing before" behaves like an opening parenthesis */
    for (size_t i = 0; i < n; i++) {
        const item *x = &it->v[i];
        int after_operand = is_operand(prev) || prev == I_RP;
        if ((is_operand(x->kind) || x->kind == I_LP) && after_operand)
            fputs(" OR ", f);
        switch (x->kind) {
        case I_WORD:
            put_string(f, x->text, x->len);
            if (x->prefix)
                fputs(" *", f);
            break;
        case I_PHRASE:
            put_string(f, x->text, x->len);
            break;
        case I_COLUMN:
            fprintf(f, "%.*s : ", (int)x->flen, x->field);
            put_string(f, x->text, x->len);
            break;
        case I_AND:
            if (i + 1 < n && it->v[i + 1].kind == I_NOT)
                break; /* AND NOT: the NOT writes the operator */
            fputs(" AND ", f);
            break;
        case I_OR:
            fputs(" OR ", f);
            break;
        case I_NOT:
            fputs(" NOT ", f);
            break;
        case I_LP:
            fputc('(', f);
            break;
        case I_RP:
            fputc(')', f);
            break;
        case I_FILTER:
            break;
        }
        if (!(x->kind == I_AND && i + 1 < n && it->v[i + 1].kind == I_NOT))
            prev = x->kind;
    }
    if (fclose(f) != 0) {
        free(buf);
        *err = "out of memory";
        return -1;
    }
    out->match = buf;
    return 0;
}

int fts5q_translate(const char *q, fts5q *out, const char **err)
{
    memset(out, 0, sizeof *out);
    items it = {0};
    int rc = lex(q, &it, err);
    if (rc == 0 && it.n == 0) {
        *err = "empty query";
        rc = -1;
    }
    if (rc == 0)
        rc = emit(&it, out, err);
    free(it.v);
    if (rc < 0)
        fts5q_free(out);
    return rc;
}

void fts5q_free(fts5q *q)
{
    if (!q)
        return;
    free(q->match);
    for (size_t i = 0; i < q->nfilters; i++) {
        free(q->filters[i].field);
        free(q->filters[i].value);
    }
    free(q->filters);
    memset(q, 0, sizeof *q);
}
