#!/bin/sh
# fts5.sh: tests the SQLite FTS5 baseline (bench/baselines/fts5) on a tiny corpus written
# here: fts5-index builds it; fts5-serve answers pings, stats, searches with the query
# semantics of README.md (OR of terms, phrases, AND NOT, a partial last word matched
# against unstemmed words, topic:/place: filters, highlights) and protocol errors; then
# `trawl-bench index` and `trawl-bench query` run against it. Run by `make check`;
# skipped (77) when configure found no SQLite.
set -u
: "${top_builddir:=.}"
bench=${TRAWL_BENCH_BIN:-$top_builddir/trawl-bench}
index=$top_builddir/fts5-index
serve=$top_builddir/fts5-serve
check=$top_builddir/tests/bench/check-report
if [ ! -x "$serve" ] || [ ! -x "$index" ]; then
    echo "SKIP: fts5-index/fts5-serve not built (configure found no sqlite3)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trawl-bench-fts5.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

cat > "$tmp/corpus.jsonl" <<'JSON'
{"id":"a1","date":"1987-03-02","title":"Oil prices rise","body":"Crude oil prices rose sharply on Monday.","topics":["crude"],"places":["usa"]}
{"id":"a2","date":"1987-03-03","title":"Cocoa exports","body":"Ghana cocoa exports were reporting strong growth.","topics":["cocoa"],"places":["ghana"]}
{"id":"a3","title":"Gold falls","body":"Gold fell while oil held steady.","topics":["gold","crude"],"places":["uk"]}
{"id":"a4","title":"Bank rates","body":"The bank raised its rates.","places":["hong-kong"]}
{"id":"a5","title":"Wheat harvest","body":"The wheat harvest was late this year."}
{"id":"a6","title":"Steel output","body":"Steel output fell in March."}
{"id":"a7","title":"Car sales","body":"Car sales grew in the spring."}
{"id":"a8","title":"Ship orders","body":"Shipyards took new orders."}
not json at all
{"title":"no id"}
JSON
"$index" --db "$tmp/db.sqlite" "$tmp/corpus.jsonl" 2> "$tmp/index.err"
[ $? -eq 1 ] || fail "fts5-index should exit 1 when lines were skipped"
grep -q 'corpus.jsonl:9' "$tmp/index.err" || fail "a bad line is not named file:line"
grep -q '8 articles, 2 skipped' "$tmp/index.err" || fail "wrong summary: $(cat "$tmp/index.err")"

# One request a line; the responses, one a line, in order.
cat > "$tmp/req.txt" <<'REQ'
{"id":1,"op":"ping"}
{"id":2,"op":"stats"}
{"id":3,"op":"search","q":"oil"}
{"id":4,"op":"search","q":"gold prices "}
{"id":5,"op":"search","q":"\"crude oil\""}
{"id":6,"op":"search","q":"oil AND NOT gold "}
{"id":7,"op":"search","q":"reporti"}
{"id":8,"op":"search","q":"topic:crude place:uk"}
{"id":9,"op":"search","q":"oil topic:crude","limit":1,"offset":1}
{"id":10,"op":"search","q":"cocoa","snippet":30}
{"id":11,"op":"search","q":"bank place:hong-kong "}
{"id":12,"op":"search","q":"\"sharply on\" AND","snippet":10}
{"id":13,"op":"search","q":"oil","limit":0}
{"id":14,"op":"search","q":"oil","colour":"red"}
{"id":15,"op":"frob"}
[1,2]
{"id":16,"op":"quit"}
{"id":17,"op":"ping"}
REQ
"$serve" --db "$tmp/db.sqlite" < "$tmp/req.txt" > "$tmp/resp.txt" || fail "fts5-serve exited $?"
[ "$(wc -l < "$tmp/resp.txt")" -eq 17 ] || fail "expected 17 responses (none after quit)"
line() { sed -n "$1p" "$tmp/resp.txt"; }
expect() { # expect N PATTERN WHAT
    line "$1" | grep -q -- "$2" || fail "response $1 ($3): $(line "$1")"
}
reject() {
    line "$1" | grep -q -- "$2" && fail "response $1 ($3): $(line "$1")"
}
expect 1 '"version":"fts5-baseline' "ping"
expect 2 '"articles":8' "stats"
expect 3 '"doc":"a1".*"doc":"a3"' "oil: the title match a1 ranks first"
expect 4 '"doc":"a3".*"doc":"a1"' "OR of terms: gold prices"
expect 5 '"doc":"a1"' "phrase"
reject 5 '"doc":"a3"' "phrase must not match a3"
expect 6 '"total":1,.*"doc":"a1"' "AND NOT"
expect 7 '"doc":"a2"' "a partial word matches the unstemmed 'reporting'"
expect 8 '"total":1,.*"doc":"a3"' "filters ANDed across fields"
expect 9 '"rank":2' "offset"
expect 10 '"highlights":\[\[' "highlights"
expect 11 '"doc":"a4"' "a hyphenated filter value"
expect 12 '"ok":false.*"bad_query"' "syntax error"
expect 13 '"bad_request"' "limit 0"
expect 14 '"bad_request"' "unknown field"
expect 15 '"unknown_op"' "unknown op"
expect 16 '"bad_json"' "not an object"
expect 17 '"id":16,"ok":true' "quit"

# The highlight ranges point at the query's words in the snippet (characters).
h=$(line 10 | sed 's/.*"snippet":"\([^"]*\)","highlights":\[\[\([0-9]*\),\([0-9]*\)\].*/\1|\2|\3/')
snip=${h%%|*}; rest=${h#*|}; start=${rest%%|*}; end=${rest#*|}
word=$(printf '%s' "$snip" | cut -c$((start + 1))-"$end")
[ "$word" = "cocoa" ] || [ "$word" = "Cocoa" ] || fail "highlight [$start,$end) of '$snip' is '$word'"

# The harness against the baseline.
printf '%s\n' 'oil' 'gold prices' '"crude oil"' 'oil AND NOT gold' 'topic:cocoa' > "$tmp/q.txt"
"$bench" query --db "$tmp/db.sqlite" --queries "$tmp/q.txt" --runs 3 --json \
    -- "$serve" --db "$tmp/db.sqlite" > "$tmp/query.json" || fail "trawl-bench query exited $?"
"$check" --count 15 --errors 0 --kind boolean "$tmp/query.json" || fail "query report"
grep -q '"version": "fts5-baseline' "$tmp/query.json" || fail "the report lacks the server version"
head -4 "$tmp/corpus.jsonl" > "$tmp/good.jsonl"
"$bench" index --corpus "$tmp/good.jsonl" --db "$tmp/db2.sqlite" --json \
    --stats-server "$serve --db $tmp/db2.sqlite" \
    -- "$index" --db "$tmp/db2.sqlite" "$tmp/good.jsonl" > "$tmp/index.json" 2> /dev/null ||
    fail "trawl-bench index exited $?"
"$check" --index 4 "$tmp/index.json" || fail "index report"
grep -q '"articles": 4' "$tmp/index.json" || fail "the index report lacks the stats"
exit $failed
