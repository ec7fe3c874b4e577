#!/bin/sh
# rankexp.sh: reruns every ranking candidate of doc/ranking.md with the experiment tool
# (bench/tools/rankexp.cc) and prints the tables as Markdown, one section per question.
# Run by hand from a build directory, after `make bench/tools/rankexp`:
#
#   sh ../bench/tools/rankexp.sh [RANKEXP] [SHARED_DIR] > /tmp/ranking-tables.md
#
# Takes a few minutes on two cores. Every row is "candidate | nDCG@10 and MAP per
# collection | means over the three | settings"; settings are rankexp's (see its header).
set -eu
rankexp=${1:-./bench/tools/rankexp}
shared=${2:-$(dirname "$0")/../../../shared}

# The layout trawl indexes (engine/db.c): title with wdf 3 before the body, and again
# under prefix S for title:word searches.
E=title=3,tprefix=1

section() {
    printf '\n### %s\n\n' "$1"
    shift
    "$rankexp" --shared "$shared" "$@" 2>/dev/null
}

section "Reproducing the issue's baseline (plain Xapian, title and body as one text)" \
    issue-base: \
    raw-text:neut=0 \
    keep-case:lower=0 \
    no-title:title=0

section "trawl's index layout with plain BM25 (the bm25 ranking)" \
    issue-base: \
    trawl-bm25:$E

section "BM25 parameters (k1, b) on trawl's layout" \
    trawl-bm25:$E \
    k1=0.6,b=0.75:$E,k1=0.6,b=0.75 \
    k1=1.2,b=0.3:$E,k1=1.2,b=0.3 \
    k1=1.2,b=0.5:$E,k1=1.2,b=0.5 \
    k1=1.2,b=0.75:$E,k1=1.2,b=0.75 \
    k1=1.2,b=0.9:$E,k1=1.2,b=0.9 \
    k1=1.5,b=0.75:$E,k1=1.5,b=0.75 \
    k1=2,b=0.5:$E,k1=2,b=0.5 \
    k1=2,b=0.75:$E,k1=2,b=0.75 \
    k1=2,b=0.9:$E,k1=2,b=0.9 \
    k1=3,b=0.75:$E,k1=3,b=0.75 \
    min_normlen=0.2:$E,k1=2,b=0.75,mnl=0.2

section "Query-time stop words (Snowball English list, SimpleStopper) and stemming" \
    trawl-bm25:$E \
    stop:$E,stop=1 \
    stem-all:$E,stem=all \
    stem-all+stop:$E,stem=all,stop=1 \
    bm25-k2-b0.75+stop:$E,k1=2,b=0.75,stop=1

section "Xapian's other weighting schemes, at their default parameters" \
    trawl-bm25:$E \
    bm25+:$E,w=bm25+ \
    bm25+-k1.2-b0.75:$E,w=bm25+,k1=1.2,b=0.75 \
    pl2:$E,w=pl2 \
    pl2-c3:$E,w=pl2,c=3 \
    pl2+:$E,w=pl2+ \
    dlh:$E,w=dlh \
    dph:$E,w=dph \
    inl2:$E,w=inl2 \
    ifb2:$E,w=ifb2 \
    ineb2:$E,w=ineb2 \
    bb2:$E,w=bb2 \
    tradweight:$E,w=trad \
    tfidf-ntn:$E,w=tfidf,tfidf=ntn \
    lm-two-stage:$E,w=lm \
    lm-dirichlet-2000:$E,w=lm,smooth=dir,s1=2000 \
    lm-jelinek-mercer-0.7:$E,w=lm,smooth=jm,s1=0.7 \
    lm-jelinek-mercer-0.3:$E,w=lm,smooth=jm,s1=0.3 \
    lm-absolute:$E,w=lm,smooth=abs

section "IneB2: its parameter c, with and without stop words" \
    trawl-bm25:$E \
    ineb2-c0.25:$E,w=ineb2,c=0.25 \
    ineb2-c0.5:$E,w=ineb2,c=0.5 \
    ineb2-c1:$E,w=ineb2,c=1 \
    ineb2-c2:$E,w=ineb2,c=2 \
    ineb2-c0.25+stop:$E,w=ineb2,c=0.25,stop=1 \
    ineb2-c0.5+stop:$E,w=ineb2,c=0.5,stop=1 \
    ineb2-c0.75+stop:$E,w=ineb2,c=0.75,stop=1 \
    ineb2-c1+stop:$E,w=ineb2,c=1,stop=1 \
    ineb2-c2+stop:$E,w=ineb2,c=2,stop=1 \
    inl2-c0.5+stop:$E,w=inl2,c=0.5,stop=1 \
    dlh+stop:$E,w=dlh,stop=1

section "Title weight (index-time wdf, and a separate title field in the query)" \
    ineb2+stop-title1:title=1,tprefix=1,w=ineb2,c=0.5,stop=1 \
    ineb2+stop-title2:title=2,tprefix=1,w=ineb2,c=0.5,stop=1 \
    ineb2+stop-title3:$E,w=ineb2,c=0.5,stop=1 \
    ineb2+stop-title5:title=5,tprefix=1,w=ineb2,c=0.5,stop=1 \
    ineb2+stop-title0+S0.5:title=0,tprefix=1,tq=0.5,w=ineb2,c=0.5,stop=1 \
    ineb2+stop-title3+S0.3:$E,tq=0.3,w=ineb2,c=0.5,stop=1 \
    bm25-title1:title=1,tprefix=1 \
    bm25-title5:title=5,tprefix=1

section "Proximity: OP_AND_MAYBE(terms, W x adjacent pairs as phrase or NEAR window)" \
    ineb2+stop:$E,w=ineb2,c=0.5,stop=1 \
    phrase-W0.03:$E,w=ineb2,c=0.5,stop=1,prox=0.03 \
    phrase-W0.1:$E,w=ineb2,c=0.5,stop=1,prox=0.1 \
    phrase-W0.3:$E,w=ineb2,c=0.5,stop=1,prox=0.3 \
    near5-W0.05:$E,w=ineb2,c=0.5,stop=1,prox=0.05,win=5 \
    near8-W0.3:$E,w=ineb2,c=0.5,stop=1,prox=0.3,win=8 \
    bm25-k2+stop-phrase-W0.1:$E,k1=2,b=0.75,stop=1,prox=0.1

section "Pseudo-relevance feedback (top K documents, N expansion terms, weight W)" \
    ineb2+stop:$E,w=ineb2,c=0.5,stop=1 \
    prf-5-10-0.5:$E,w=ineb2,c=0.5,stop=1,prf=5:10:0.5 \
    prf-10-20-0.5:$E,w=ineb2,c=0.5,stop=1,prf=10:20:0.5 \
    prf-10-20-1:$E,w=ineb2,c=0.5,stop=1,prf=10:20:1
