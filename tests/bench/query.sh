#!/bin/sh
# query.sh: tests `trawl-bench query` and `trawl-bench compare` against
# tests/bench/fake-server, which answers every search after sleeping a known 2 ms: the
# report's structure, its counts and errors, ordered percentiles, and the timing math
# (the median round trip can never be under the server's delay, and must not be far
# above it; with 4 requests in flight it must be about 4 times the delay). Run by
# `make check` with $top_builddir set.
set -u
: "${top_builddir:=.}"
bench=${TRAWL_BENCH_BIN:-$top_builddir/trawl-bench}
fake=$top_builddir/tests/bench/fake-server
check=$top_builddir/tests/bench/check-report
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trawl-bench-query.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

printf '%s\n' 'oil prices' '"crude oil"' 'oil AND gas' 'cocoa topic:cocoa' 'fail here' > "$tmp/q.txt"

# Sequential: 5 queries x 4 runs = 16 answered + 4 errors; p50 in [2 ms, 2 ms + 40 ms).
"$bench" query --queries "$tmp/q.txt" --runs 4 --warmup 1 --json \
    -- "$fake" --delay-us 2000 > "$tmp/seq.json" || fail "sequential run exited $?"
"$check" --count 16 --errors 4 --variants 1 --kind phrase --kind filter \
    --p50-min-us 2000 --p50-max-us 42000 "$tmp/seq.json" || fail "sequential report"

# The fake server reports took_us = its delay: the server-side p50 is exactly 2000 us.
grep -q '"overhead"' "$tmp/seq.json" || fail "no protocol overhead in the report"
tr -d ' \n' < "$tmp/seq.json" | grep -q '"server":{"count":16,"errors":0,"min_us":2000.0,"p50_us":2000.0' ||
    fail "the server-side times are not the fake server's took_us"

# Two snippet lengths in one run: two variants of 16 answers each.
"$bench" query --queries "$tmp/q.txt" --runs 4 --warmup 0 --snippet 200,0 --json \
    -- "$fake" --delay-us 2000 > "$tmp/var.json" || fail "snippet variants run exited $?"
"$check" --count 16 --errors 4 --variants 2 --p50-min-us 2000 "$tmp/var.json" ||
    fail "snippet variants report"

# Pipelined, 4 in flight on one server: each waits for the 3 before it, so p50 >= 6 ms.
"$bench" query --queries "$tmp/q.txt" --runs 8 --pipeline 4 --json \
    -- "$fake" --delay-us 2000 > "$tmp/pipe.json" || fail "pipelined run exited $?"
"$check" --count 32 --errors 8 --p50-min-us 6000 --p50-max-us 80000 "$tmp/pipe.json" ||
    fail "pipelined report"

# Two servers on two threads.
"$bench" query --queries "$tmp/q.txt" --runs 4 --parallel 2 --json \
    -- "$fake" --delay-us 2000 > "$tmp/par.json" || fail "parallel run exited $?"
"$check" --count 32 --errors 8 --p50-min-us 2000 "$tmp/par.json" || fail "parallel report"

# The readable table says what was measured.
"$bench" query --queries "$tmp/q.txt" --runs 1 -- "$fake" --delay-us 100 > "$tmp/table.txt" ||
    fail "table run exited $?"
for want in 'machine:' 'startup' 'peak RSS' 'queries/s' 'p99.9' 'fake-server'; do
    grep -q -- "$want" "$tmp/table.txt" || fail "the table lacks '$want'"
done

# compare: every figure of a report against itself has the ratio 1.
"$bench" compare "$tmp/seq.json" "$tmp/seq.json" > "$tmp/cmp.txt" || fail "compare exited $?"
grep -q 'results.snippet=default.all.p50_us' "$tmp/cmp.txt" || fail "compare lacks p50"
awk -F'\t' 'NR > 1 && $3 != "-" && $3 != "1.000" { bad = 1 } END { exit bad }' "$tmp/cmp.txt" ||
    fail "compare of a report with itself gave a ratio other than 1"

# median: rounds of a report merge into one whose every figure is the middle of the
# rounds' (the real reports' figures, then hand-made rounds with known medians).
"$bench" median "$tmp/seq.json" "$tmp/par.json" "$tmp/seq.json" > "$tmp/med.json" ||
    fail "median exited $?"
for key in results/snippet=default/all/p50_us qps startup_ms; do
    want=$("$bench" compare --get "$key" "$tmp/seq.json")
    got=$("$bench" compare --get "$key" "$tmp/med.json")
    [ "$got" = "$want" ] || fail "median of seq, par, seq: $key is $got, want $want"
done
[ "$("$bench" compare --get rounds "$tmp/med.json")" = 3 ] || fail "median lacks rounds = 3"
printf '{"a": 5, "b": {"c": 2.5, "s": "x"}, "d": 1.0}\n' > "$tmp/r1.json"
printf '{"a": 1, "b": {"c": 9.5, "s": "y"}, "d": "none"}\n' > "$tmp/r2.json"
printf '{"a": 3, "b": {"c": 0.5}, "d": 2.0}\n' > "$tmp/r3.json"
"$bench" median "$tmp/r1.json" "$tmp/r2.json" "$tmp/r3.json" > "$tmp/r.json" ||
    fail "median of hand-made rounds exited $?"
[ "$("$bench" compare --get a "$tmp/r.json")" = 3 ] || fail "median of 5, 1, 3 is not 3"
[ "$("$bench" compare --get b/c "$tmp/r.json")" = 2.500 ] || fail "median of 2.5, 9.5, 0.5"
grep -q '"d": null' "$tmp/r.json" || fail "a figure missing from a round is not null"
grep -q '"s": "x"' "$tmp/r.json" || fail "a string is not the first round's"
"$bench" median "$tmp/r1.json" "$tmp/nonexistent.json" > /dev/null 2> "$tmp/err.txt"
[ $? -eq 1 ] && grep -q 'nonexistent.json' "$tmp/err.txt" || fail "a missing round is not named"
"$bench" median 2> /dev/null; [ $? -eq 2 ] || fail "median without reports is not a usage error"

# --plot writes an SVG, or says clearly that gnuplot is missing.
if "$bench" query --queries "$tmp/q.txt" --runs 1 --plot "$tmp/cdf.svg" \
        -- "$fake" --delay-us 100 > /dev/null 2> "$tmp/plot.err"; then
    grep -q '<svg' "$tmp/cdf.svg" || fail "--plot wrote no SVG"
else
    grep -q 'gnuplot is not installed' "$tmp/plot.err" || fail "--plot failed: $(cat "$tmp/plot.err")"
fi

# Usage errors and a server that cannot start.
"$bench" query --runs 1 2> /dev/null; [ $? -eq 2 ] || fail "missing --queries is not a usage error"
"$bench" frobnicate 2> /dev/null; [ $? -eq 2 ] || fail "an unknown command is not a usage error"
"$bench" query --queries "$tmp/q.txt" -- /nonexistent/server 2> "$tmp/err.txt"
[ $? -eq 1 ] && grep -q '/nonexistent/server' "$tmp/err.txt" ||
    fail "a missing server is not reported by name"

exit $failed
