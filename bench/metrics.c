/*
 * metrics.c: trec_eval-compatible ranking metrics and the TREC qrels reader, for
 * `trawl-bench eval` (bench/eval.c) and the ranking experiment tool (bench/tools/).
 * The conventions are written in metrics.h; each metric below follows trec_eval 9's
 * m_map.c, m_ndcg_cut.c, m_P.c, m_recall.c and m_recip_rank.c.
 */
#include "bench/metrics.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_hit(const void *a, const void *b)
{
    const metrics_hit *x = a, *y = b;
    if (x->score > y->score)
        return -1;
    if (x->score < y->score)
        return 1;
    return strcmp(y->doc, x->doc); /* descending, as trec_eval's comp_sim_docno */
}

void metrics_sort_hits(metrics_hit *hits, size_t n)
{
    if (n > 1)
        qsort(hits, n, sizeof *hits, cmp_hit);
}

static int cmp_judgment(const void *a, const void *b)
{
    const metrics_judgment *x = a, *y = b;
    return strcmp(x->doc, y->doc);
}

/* The gain of `doc` in judgments sorted by doc id; 0 when unjudged. */
static int gain_of(const metrics_judgment *judged, size_t n, const char *doc)
{
    metrics_judgment key = {doc, 0};
    const metrics_judgment *j =
        n ? bsearch(&key, judged, n, sizeof *judged, cmp_judgment) : NULL;
    return j ? j->gain : 0;
}

static int cmp_gain_desc(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

/* DCG@10 of the ideal order: the 10 largest positive gains, best first. */
static double ideal_dcg10(const metrics_judgment *judged, size_t n)
{
    int top[METRICS_NDCG_DEPTH];
    size_t ntop = 0;
    for (size_t i = 0; i < n; i++) {
        int g = judged[i].gain;
        if (g <= 0)
            continue;
        if (ntop < METRICS_NDCG_DEPTH) {
            top[ntop++] = g;
        } else {
            size_t min = 0; /* replace the smallest kept gain when g beats it */
            for (size_t k = 1; k < ntop; k++)
                if (top[k] < top[min])
                    min = k;
            if (g > top[min])
                top[min] = g;
        }
    }
    qsort(top, ntop, sizeof top[0], cmp_gain_desc);
    double dcg = 0;
    for (size_t i = 0; i < ntop; i++)
        dcg += top[i] / log2((double)i + 2);
    return dcg;
}

size_t metrics_score_query(metrics_hit *hits, size_t nhits, metrics_judgment *judged,
                           size_t njudged, metrics_scores *out)
{
    memset(out, 0, sizeof *out);
    size_t nrel = 0;
    for (size_t i = 0; i < njudged; i++)
        nrel += judged[i].gain >= 1;
    if (nrel == 0)
        return 0;
    if (njudged > 1)
        qsort(judged, njudged, sizeof *judged, cmp_judgment);
    metrics_sort_hits(hits, nhits);

    double dcg = 0, ap_sum = 0;
    size_t found = 0;
    for (size_t i = 0; i < nhits && i < METRICS_MAP_DEPTH; i++) {
        int g = gain_of(judged, njudged, hits[i].doc);
        if (i < METRICS_NDCG_DEPTH && g > 0)
            dcg += g / log2((double)i + 2);
        if (g < 1)
            continue;
        found++;
        ap_sum += (double)found / (double)(i + 1);
        if (found == 1)
            out->rr = 1.0 / (double)(i + 1);
        if (i < METRICS_P_DEPTH)
            out->p10 += 1.0 / METRICS_P_DEPTH;
        if (i < METRICS_RECALL_DEPTH)
            out->recall100 += 1.0 / (double)nrel;
    }
    out->ap = ap_sum / (double)nrel;
    out->ndcg10 = dcg / ideal_dcg10(judged, njudged);
    return nrel;
}

void metrics_mean_add(metrics_mean *m, const metrics_scores *s)
{
    m->sum.ap += s->ap;
    m->sum.ndcg10 += s->ndcg10;
    m->sum.p10 += s->p10;
    m->sum.recall100 += s->recall100;
    m->sum.rr += s->rr;
    m->nqueries++;
}

void metrics_mean_get(const metrics_mean *m, metrics_scores *out)
{
    memset(out, 0, sizeof *out);
    if (m->nqueries == 0)
        return;
    double n = (double)m->nqueries;
    out->ap = m->sum.ap / n;
    out->ndcg10 = m->sum.ndcg10 / n;
    out->p10 = m->sum.p10 / n;
    out->recall100 = m->sum.recall100 / n;
    out->rr = m->sum.rr / n;
}

/* ------------------------------------------------------------------------------------ */
/* Qrels                                                                                 */

typedef struct {
    char *qid;
    metrics_judgment *j; /* doc strings owned here */
    size_t n, cap;
} qrels_query;

struct metrics_qrels {
    qrels_query *q;
    size_t n, cap;
};

void metrics_qrels_free(metrics_qrels *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++) {
        for (size_t k = 0; k < q->q[i].n; k++)
            free((char *)q->q[i].j[k].doc);
        free(q->q[i].j);
        free(q->q[i].qid);
    }
    free(q->q);
    free(q);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap * 2 : 16;
    void *p2 = realloc(*p, cap2 * size);
    if (!p2)
        return -1;
    *p = p2;
    *cap = cap2;
    return 0;
}

/* The query `qid`, added when new; NULL when out of memory. Qrels files group lines by
 * query, so the last query is checked first. */
static qrels_query *query_for(metrics_qrels *q, const char *qid)
{
    for (size_t i = q->n; i-- > 0;)
        if (strcmp(q->q[i].qid, qid) == 0)
            return &q->q[i];
    if (grow((void **)&q->q, &q->cap, q->n + 1, sizeof *q->q))
        return NULL;
    qrels_query *nq = &q->q[q->n];
    memset(nq, 0, sizeof *nq);
    if (!(nq->qid = strdup(qid)))
        return NULL;
    q->n++;
    return nq;
}

static int add_judgment(qrels_query *qq, const char *doc, int gain)
{
    for (size_t k = qq->n; k-- > 0;)
        if (strcmp(qq->j[k].doc, doc) == 0) {
            qq->j[k].gain = gain; /* a later judgment replaces an earlier one */
            return 0;
        }
    if (grow((void **)&qq->j, &qq->cap, qq->n + 1, sizeof *qq->j))
        return -1;
    char *d = strdup(doc);
    if (!d)
        return -1;
    qq->j[qq->n].doc = d;
    qq->j[qq->n].gain = gain;
    qq->n++;
    return 0;
}

static char *fmt(const char *path, unsigned long line, const char *what)
{
    char *msg = NULL;
    if (asprintf(&msg, "%s:%lu: %s", path, line, what) < 0)
        msg = NULL;
    return msg;
}

/* Parses one qrels line into its fields; returns NULL on success, else what is wrong.
 * The strings are the caller's to free (also on failure). */
static const char *parse_line(const char *line, char **qid, char **doc, int *gain)
{
    char *iter = NULL, *g = NULL, rest;
    int nf = sscanf(line, "%ms %ms %ms %ms %c", qid, &iter, doc, &g, &rest);
    free(iter);
    const char *err = NULL;
    if (nf != 4) {
        err = nf > 4 ? "expected 4 fields (qid iter docid gain), found more"
                     : "expected 4 fields (qid iter docid gain)";
    } else {
        char *end;
        errno = 0;
        long v = strtol(g, &end, 10);
        if (errno || *end || end == g || v < INT_MIN || v > INT_MAX)
            err = "the gain is not an integer";
        else
            *gain = (int)v;
    }
    free(g);
    return err;
}

metrics_qrels *metrics_qrels_load(const char *path, char **errmsg)
{
    *errmsg = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (asprintf(errmsg, "cannot open '%s': %s", path, strerror(errno)) < 0)
            *errmsg = NULL;
        return NULL;
    }
    metrics_qrels *q = calloc(1, sizeof *q);
    char *line = NULL;
    size_t linecap = 0;
    unsigned long lineno = 0;
    while (q && !*errmsg && getline(&line, &linecap, f) >= 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == strlen(line))
            continue; /* blank line */
        char *qid = NULL, *doc = NULL;
        int gain = 0;
        const char *err = parse_line(line, &qid, &doc, &gain);
        qrels_query *qq = err ? NULL : query_for(q, qid);
        if (err)
            *errmsg = fmt(path, lineno, err);
        else if (!qq || add_judgment(qq, doc, gain))
            *errmsg = fmt(path, lineno, "out of memory");
        free(qid);
        free(doc);
    }
    if (q && !*errmsg && ferror(f))
        *errmsg = fmt(path, lineno, strerror(errno));
    if (!q && !*errmsg)
        *errmsg = fmt(path, 0, "out of memory");
    free(line);
    fclose(f);
    if (*errmsg) {
        metrics_qrels_free(q);
        return NULL;
    }
    return q;
}

void metrics_qrels_get(metrics_qrels *q, const char *qid, metrics_judgment **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->q[i].qid, qid) == 0) {
            *out = q->q[i].j;
            *n = q->q[i].n;
            return;
        }
}
