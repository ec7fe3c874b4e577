/*
 * metrics.h: retrieval-quality metrics (MAP@1000, nDCG@10 with graded gains, P@10,
 * Recall@100, reciprocal rank) computed with trec_eval's conventions, and a reader for TREC
 * qrels files. Called by `trawl-bench eval` (bench/eval.c), by the ranking experiment tool
 * (bench/tools/rankexp.cc) and by tests/bench/test_metrics.c. No I/O except
 * metrics_qrels_load.
 *
 * Conventions (those of trec_eval 9, so figures can be compared with published ones):
 *  - A run is re-sorted before scoring, whatever order it came in: score descending, ties
 *    broken by document id in DESCENDING strcmp order (trec_eval's comp_sim_docno). A
 *    run's own rank numbers are never used.
 *  - A document is relevant when its judged gain is >= 1. A document absent from the
 *    judgments (unjudged) counts as not relevant, with gain 0.
 *  - nDCG@10 uses the gain itself (linear, not 2^g - 1) discounted by log2(rank + 1), and
 *    normalises by the DCG of the ideal order of ALL judged gains, cut at 10.
 *  - MAP is computed over the top 1000 retrieved documents and divided by the number of
 *    relevant documents, retrieved or not. P@10 divides by 10 even when fewer than 10 were
 *    retrieved; Recall@100 divides by the number of relevant documents.
 *  - A query with no relevant document has no scores: metrics_score_query says so, and the
 *    caller leaves it out of the means.
 */
#ifndef TRAWL_BENCH_METRICS_H
#define TRAWL_BENCH_METRICS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define METRICS_MAP_DEPTH 1000
#define METRICS_NDCG_DEPTH 10
#define METRICS_P_DEPTH 10
#define METRICS_RECALL_DEPTH 100

/* One retrieved document. `doc` is borrowed: it must outlive the scoring call. */
typedef struct {
    const char *doc;
    double score;
} metrics_hit;

/* One judgment: `gain` 0 means judged not relevant. `doc` is borrowed. */
typedef struct {
    const char *doc;
    int gain;
} metrics_judgment;

/* The scores of one query, or (from metrics_mean_get) their means. */
typedef struct {
    double ap;        /* average precision over the top METRICS_MAP_DEPTH */
    double ndcg10;    /* nDCG@10, graded gains */
    double p10;       /* precision at 10 */
    double recall100; /* recall at 100 */
    double rr;        /* reciprocal rank of the first relevant document; 0 when none */
} metrics_scores;

/* Sorts hits into trec_eval order: score descending, then doc id descending (strcmp). */
void metrics_sort_hits(metrics_hit *hits, size_t n);

/*
 * Scores one query. `hits` (the run for that query, distinct doc ids) are sorted in place
 * with metrics_sort_hits; `judged` (distinct doc ids) are sorted in place by doc id.
 * Returns the number of relevant documents (gain >= 1). When that is 0, *out is all zeros
 * and the query must be left out of the means, as trec_eval does.
 */
size_t metrics_score_query(metrics_hit *hits, size_t nhits, metrics_judgment *judged,
                           size_t njudged, metrics_scores *out);

/* Running means over the queries added. Zero-initialise before use. */
typedef struct {
    metrics_scores sum;
    size_t nqueries;
} metrics_mean;

void metrics_mean_add(metrics_mean *m, const metrics_scores *s);

/* The means so far (all zeros when no query was added). */
void metrics_mean_get(const metrics_mean *m, metrics_scores *out);

/* ------------------------------------------------------------------------------------ */
/* Qrels: `qid iter docid gain` per line, whitespace-separated (TREC format).            */

typedef struct metrics_qrels metrics_qrels;

/*
 * Reads a qrels file. Returns NULL on failure after writing a message naming the file and
 * line to *errmsg (caller frees). On success the result is the caller's; free with
 * metrics_qrels_free. A later judgment of the same (qid, doc) replaces an earlier one.
 */
metrics_qrels *metrics_qrels_load(const char *path, char **errmsg);

void metrics_qrels_free(metrics_qrels *q); /* NULL-safe */

/*
 * The judgments of query `qid`: sets *out to an array of *n judgments, borrowed from `q`
 * (valid until metrics_qrels_free; metrics_score_query may reorder it). A query with no
 * judgments gives *out NULL and *n 0.
 */
void metrics_qrels_get(metrics_qrels *q, const char *qid, metrics_judgment **out, size_t *n);

#ifdef __cplusplus
}
#endif

#endif
