#!/bin/sh
# trawl.sh: runs the harness against the real trawl: `trawl-bench index` with its default
# indexer (`trawl index`) and statistics server on a tiny corpus written here, then
# `trawl-bench query` with its default server (`trawl serve --db PATH`, found through
# $TRAWL_BIN), checking both reports' structure and percentiles. Run by `make check`;
# skipped (77) when the trawl program is not built.
set -u
: "${top_builddir:=.}"
bench=${TRAWL_BENCH_BIN:-$top_builddir/trawl-bench}
TRAWL_BIN=${TRAWL_BIN:-$top_builddir/trawl}
export TRAWL_BIN
check=$top_builddir/tests/bench/check-report
if [ ! -x "$TRAWL_BIN" ]; then
    echo "SKIP: no trawl program at '$TRAWL_BIN'"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trawl-bench-trawl.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

cat > "$tmp/corpus.jsonl" <<'JSON'
{"id":"a1","date":"1987-03-02","title":"Oil prices rise","body":"Crude oil prices rose sharply on Monday.","topics":["crude"],"places":["usa"]}
{"id":"a2","date":"1987-03-03","title":"Cocoa exports","body":"Ghana cocoa exports were reporting strong growth.","topics":["cocoa"],"places":["ghana"]}
{"id":"a3","title":"Gold falls","body":"Gold fell while oil held steady.","topics":["gold","crude"],"places":["uk"]}
{"id":"a4","title":"Bank rates","body":"The bank raised its rates.","places":["hong-kong"]}
JSON
"$bench" index --corpus "$tmp/corpus.jsonl" --db "$tmp/db" --json > "$tmp/index.json" ||
    fail "trawl-bench index exited $?"
"$check" --index 4 "$tmp/index.json" || fail "index report"
grep -q '"store_bytes": [1-9]' "$tmp/index.json" || fail "no store size from trawl's stats"

printf '%s\n' 'oil' 'gold prices' '"crude oil"' 'oil AND NOT gold' 'topic:cocoa' 'repor' \
    > "$tmp/q.txt"
"$bench" query --db "$tmp/db" --queries "$tmp/q.txt" --runs 3 --snippet 200,0 --json \
    > "$tmp/query.json" || fail "trawl-bench query exited $?"
"$check" --count 18 --errors 0 --variants 2 --kind filter "$tmp/query.json" || fail "query report"
grep -q '"server": ".*trawl serve --db' "$tmp/query.json" || fail "not the default trawl server"
exit $failed
