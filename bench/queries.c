/*
 * queries.c: query files for trawl-bench query. Reads one query a line and gives each a
 * kind, so latencies can be reported per kind: either named by the file ("KIND<TAB>QUERY")
 * or derived from the query's syntax (bench_query_kind). Tested by
 * tests/bench/test_stats.c.
 *
 * The public Reuters query set marks no kinds, and a trailing partial word cannot be told
 * from a whole one by syntax; such a file gets the four syntactic kinds below.
 */
#include "bench.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Does q contain `word` as a whole, space-delimited word? */
static int has_word(const char *q, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(q, word); p; p = strstr(p + 1, word)) {
        int start = p == q || isspace((unsigned char)p[-1]) || p[-1] == '(';
        int end = !p[n] || isspace((unsigned char)p[n]) || p[n] == '(';
        if (start && end)
            return 1;
    }
    return 0;
}

/* Does q hold a NAME:value term (NAME lower-case letters, outside quotes)? */
static int has_filter(const char *q)
{
    int quoted = 0;
    for (const char *p = q; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        if (quoted || !islower((unsigned char)*p) || (p > q && !isspace((unsigned char)p[-1]) &&
                                                      p[-1] != '(' && p[-1] != '-' && p[-1] != '+'))
            continue;
        const char *e = p;
        while (islower((unsigned char)*e) || *e == '_')
            e++;
        if (*e == ':' && e[1] && !isspace((unsigned char)e[1]))
            return 1;
    }
    return 0;
}

const char *bench_query_kind(const char *q)
{
    if (has_filter(q))
        return "filter";
    if (has_word(q, "AND") || has_word(q, "OR") || has_word(q, "NOT") || has_word(q, "XOR"))
        return "boolean";
    if (strchr(q, '"'))
        return "phrase";
    return "terms";
}

static int add(bench_queries *qs, size_t *cap, const char *line)
{
    if (qs->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        bench_query *v = realloc(qs->v, ncap * sizeof *v);
        if (!v)
            return -1;
        qs->v = v;
        *cap = ncap;
    }
    bench_query *q = &qs->v[qs->n];
    *q = (bench_query){0};
    const char *tab = strchr(line, '\t');
    if (tab) {
        q->own_kind = strndup(line, (size_t)(tab - line));
        q->text = strdup(tab + 1);
        q->kind = q->own_kind;
    } else {
        q->text = strdup(line);
        q->kind = q->text ? bench_query_kind(q->text) : NULL;
    }
    if (!q->text || (tab && !q->own_kind)) {
        free(q->text);
        free(q->own_kind);
        return -1;
    }
    qs->n++;
    return 0;
}

int bench_queries_load(const char *path, bench_queries *out)
{
    *out = (bench_queries){0};
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "trawl-bench: cannot open query file '%s': %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0, cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &lcap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n > 0 && line[0] != '#')
            rc = add(out, &cap, line);
    }
    free(line);
    fclose(f);
    if (rc == 0 && out->n == 0) {
        fprintf(stderr, "trawl-bench: query file '%s' holds no queries\n", path);
        rc = -1;
    } else if (rc < 0) {
        fprintf(stderr, "trawl-bench: out of memory reading '%s'\n", path);
    }
    if (rc < 0)
        bench_queries_free(out);
    return rc;
}

void bench_queries_free(bench_queries *qs)
{
    if (!qs)
        return;
    for (size_t i = 0; i < qs->n; i++) {
        free(qs->v[i].text);
        free(qs->v[i].own_kind);
    }
    free(qs->v);
    *qs = (bench_queries){0};
}
