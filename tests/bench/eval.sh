#!/bin/sh
# eval.sh: end-to-end test of `trawl-bench eval` (bench/eval.c) with the real trawl: a tiny
# collection made here, whose every judged query has its one relevant article on top,
# must score 1 on nDCG@10, MAP, R@100 and MRR, and 0.1 on P@10; its queries are full of
# query syntax that must not break the search; a query with no relevant article is left
# out of the means; the run file is TREC format; a missing collection is an error naming
# the file. Run by `make check` with $TRAWL_BIN and $TRAWL_BENCH_BIN set.
set -u

bench=${TRAWL_BENCH_BIN:-./trawl-bench}
trawl=${TRAWL_BIN:-./trawl}
for p in "$bench" "$trawl"; do
    if [ ! -x "$p" ]; then
        echo "eval.sh: $p is not built: skipped"
        exit 77
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/trawl-eval-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
col=$tmp/tiny
mkdir "$col"
cat >"$col/docs.jsonl" <<'EOF'
{"id": "d1", "title": "Crude oil prices rise", "body": "Oil prices rose sharply on Monday as crude supplies fell."}
{"id": "d2", "title": "Wheat harvest", "body": "The winter wheat harvest was larger than expected in Kansas."}
{"id": "d3", "title": "Gold mines", "body": "Gold mining output in South Africa fell for the third month."}
{"id": "d4", "title": "Shipping", "body": "Freight rates for bulk carriers were steady this week."}
EOF
printf '%s\t%s\n' \
    q1 'what about "oil prices"? (crude: AND' \
    q2 'wheat harvest -' \
    q3 'NOT gold* mining+ title:output ..' \
    q4 'freight rates' >"$col/queries.tsv"
cat >"$col/qrels.txt" <<'EOF'
q1 0 d1 2
q1 0 d2 0
q2 0 d2 1
q3 0 d3 1
q4 0 d4 0
EOF

fail=0
check() { # name, condition result
    if [ "$2" -eq 0 ]; then echo "ok - $1"; else echo "FAIL - $1"; fail=1; fi
}

out=$("$bench" eval --trawl "$trawl" --collection "$col" --runs-out "$tmp/run" 2>"$tmp/err")
check "eval exits 0" $?
row=$(printf '%s\n' "$out" | grep '^| tiny ')
echo "$row"
# | tiny | default | queries | nDCG@10 | MAP | P@10 | R@100 | MRR |
printf '%s\n' "$row" | awk -F'|' '{
    for (i = 2; i <= 9; i++) gsub(/ /, "", $i)
    exit !($4 == 3 && $5 == "1.0000" && $6 == "1.0000" && $7 == "0.1000" &&
           $8 == "1.0000" && $9 == "1.0000") }'
check "3 judged queries, every relevant article first" $?

awk 'NF != 6 || $2 != "Q0" || $4 !~ /^[0-9]+$/ { bad = 1 } END { exit bad || NR == 0 }' "$tmp/run"
check "run file in TREC format" $?
grep -q '^q1 Q0 d1 1 ' "$tmp/run"
check "run file: d1 first for q1" $?

json=$("$bench" eval --trawl "$trawl" --collection "$col" --json 2>/dev/null)
check "eval --json exits 0" $?
printf '%s\n' "$json" | grep -q '"ndcg10": 1'
check "JSON report has ndcg10" $?

"$bench" eval --trawl "$trawl" --collection "$tmp/missing" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "$tmp/missing/queries.tsv" "$tmp/err"
check "missing collection: exit 1 naming the file" $?

"$bench" eval --collection "$col" --ranking 'bad name' >/dev/null 2>&1
[ $? -eq 2 ]
check "bad ranking name: usage error" $?

[ $fail -eq 0 ] || cat "$tmp/err"
exit $fail
