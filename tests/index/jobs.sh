#!/bin/sh
# jobs.sh: end-to-end tests of `trawl index --jobs` (parallel shards merged at the end,
# index/shards.c), run by `make check` (TESTS) with $TRAWL_BIN set to the built program:
# the same database as one job (articles, store totals, search results), duplicate ids
# ending as one article (the last), one job when the database is not empty or the input
# is stdin, usage errors, stale shard directories removed, SIGKILL leaving the target
# untouched and the next run completing it, SIGINT merging what was done (exit 130), and
# a full disk leaving the target untouched with no shard directory behind.

set -u
BIN=${TRAWL_BIN:-./trawl}
if [ ! -x "$BIN" ]; then
    echo "SKIP: no trawl program at '$BIN'"
    exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-jobs-test.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT
unset TRAWL_DB
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run WANT_STATUS CMD...: runs CMD with stderr in $TMP/err, stdout in $TMP/out.
run() {
    want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" != "$want" ]; then
        fail "'$*' exited $got, want $want; stderr:"
        sed 's/^/    /' "$TMP/err"
    fi
}

expect_err() {
    grep -qF -- "$1" "$TMP/err" || {
        fail "stderr lacks '$1'; it was:"
        sed 's/^/    /' "$TMP/err"
    }
}

stat_of() { # stat_of DB FIELD: a line of `trawl stats`, after the colon
    "$BIN" stats --db "$1" | sed -n "s/^$2: *//p"
}

no_shard_dirs() { # no_shard_dirs DB: nothing named DB.trawl-shards.* is left
    for d in "$1".trawl-shards.*; do
        [ -e "$d" ] && fail "shard directory '$d' was left behind"
    done
    return 0
}

# gen FILE N PREFIX: N articles PREFIX0..PREFIX(N-1) with words to search for
gen() {
    awk -v n="$2" -v p="$3" 'BEGIN {
        split("oil grain cocoa gold copper wheat sugar coffee", w, " ")
        for (i = 0; i < n; i++)
            printf "{\"id\":\"%s%d\",\"title\":\"%s report %d\",\"body\":\"The %s market moved %d points on %s news.\",\"topics\":[\"%s\"]}\n",
                p, i, w[i % 8 + 1], i, w[i % 8 + 1], i % 97, w[(i * 3) % 8 + 1], w[i % 8 + 1]
    }' >"$1"
}

# ---- two jobs give the database one job gives; duplicates end as the last copy ---------
IN=$TMP/in.jsonl
gen "$IN" 3000 a
gen "$TMP/dup.jsonl" 200 a
printf '{"id":"a5","title":"The last copy","body":"replaced twice"}\n' >>"$TMP/dup.jsonl"
cat "$IN" "$TMP/dup.jsonl" >"$TMP/all.jsonl"
run 0 "$BIN" index --jobs 2 --db "$TMP/p" "$TMP/all.jsonl"
expect_err "(3000 added, 201 replaced, 0 skipped)"
run 0 "$BIN" index --jobs 1 --db "$TMP/s" "$TMP/all.jsonl"
expect_err "(3000 added, 201 replaced, 0 skipped)"
for f in articles terms store; do
    a=$(stat_of "$TMP/p" $f) b=$(stat_of "$TMP/s" $f)
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "stats '$f': '$a' with two jobs, '$b' with one"
done
"$BIN" get --db "$TMP/p" a5 | grep -qF '"The last copy"' || fail "a5 is not its last copy"
for q in oil "cocoa market" 'topic:gold' '"market moved"' 'title:wheat AND NOT sugar'; do
    a=$("$BIN" search --db "$TMP/p" --snippet 0 -n 1000 -- "$q" | grep -c '^ *[0-9]')
    b=$("$BIN" search --db "$TMP/s" --snippet 0 -n 1000 -- "$q" | grep -c '^ *[0-9]')
    [ "$a" = "$b" ] && [ "$a" -gt 0 ] || fail "search '$q': $a hits with two jobs, $b with one"
done
no_shard_dirs "$TMP/p"
# the merged database is compacted, so smaller
[ "$(du -sk "$TMP/p" | cut -f1)" -lt "$(du -sk "$TMP/s" | cut -f1)" ] ||
    fail "the merged database is not smaller than the one built with one job"

# ---- one job when shards cannot merge: a database with articles, or stdin --------------
gen "$TMP/more.jsonl" 50 m
run 0 "$BIN" index --jobs 2 --db "$TMP/p" "$TMP/more.jsonl"
expect_err "indexing with one job, not 2: the database is not empty"
[ "$(stat_of "$TMP/p" articles)" = 3050 ] || fail "adding to a merged database"
run 0 "$BIN" index --jobs 2 --db "$TMP/stdin" - <"$TMP/more.jsonl"
expect_err "indexing with one job, not 2: standard input is read"
[ "$(stat_of "$TMP/stdin" articles)" = 50 ] || fail "indexing stdin"
run 0 "$BIN" index --db "$TMP/default" "$TMP/more.jsonl" # the default says nothing
[ -s "$TMP/err" ] && grep -q "one job" "$TMP/err" && fail "a note without --jobs"

# ---- usage errors -------------------------------------------------------------------------
for bad in 0 -1 x 65 ''; do
    run 2 "$BIN" index --jobs "$bad" --db "$TMP/u" "$IN"
done
run 2 "$BIN" index -j 0 --db "$TMP/u" "$IN"
expect_err "--jobs wants a positive whole number"
[ -e "$TMP/u" ] && fail "a usage error created the database"

# ---- stale shard directories of killed runs go; others stay -------------------------------
mkdir -p "$TMP/c.trawl-shards.OLD123/shard-0" "$TMP/cc.trawl-shards.OTHER"
echo junk >"$TMP/c.trawl-shards.OLD123/shard-0/x"
run 0 "$BIN" index --jobs 1 --db "$TMP/c" "$TMP/more.jsonl"
[ -e "$TMP/c.trawl-shards.OLD123" ] && fail "a stale shard directory was not removed"
[ -e "$TMP/cc.trawl-shards.OTHER" ] || fail "another database's shard directory was removed"

# ---- SIGKILL: the target is untouched, the next run removes the shards and completes ----
BIG=$TMP/big.jsonl
gen "$BIG" 40000 k
DB=$TMP/k
"$BIN" index --jobs 2 --quiet --db "$DB" "$BIG" 2>/dev/null &
pid=$!
i=0
while ! ls -d "$DB".trawl-shards.* >/dev/null 2>&1 && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
sleep 0.3
kill -KILL $pid 2>/dev/null
wait $pid
st=$?
if [ $st = 0 ]; then
    echo "note: 40000 articles were indexed before SIGKILL; the kill case was not reached"
else
    n=$(stat_of "$DB" articles)
    [ "$n" = 0 ] || fail "after SIGKILL during the shards the target holds '$n' articles, want 0"
    ls -d "$DB".trawl-shards.* >/dev/null 2>&1 || fail "SIGKILL left no shard directory (test)"
    echo "SIGKILL during the shards: target untouched (0 articles), shards left beside it"
fi
run 0 "$BIN" index --jobs 2 --db "$DB" "$BIG"
[ "$(stat_of "$DB" articles)" = 40000 ] || fail "the run after SIGKILL did not complete"
no_shard_dirs "$DB"

# ---- SIGINT: what was done is merged, exit 130 ---------------------------------------------
DB=$TMP/i
"$BIN" index --jobs 2 --db "$DB" "$BIG" 2>"$TMP/err" &
pid=$!
i=0
while ! ls -d "$DB".trawl-shards.*/shard-1 >/dev/null 2>&1 && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
sleep 0.5
kill -INT $pid
wait $pid
st=$?
if [ $st = 0 ]; then
    echo "note: 40000 articles were indexed before SIGINT; the interrupt case was not reached"
else
    [ $st = 130 ] || fail "SIGINT: exit status $st, want 130: $(cat "$TMP/err")"
    added=$(sed -n 's/.*(\([0-9]*\) added.*/\1/p' "$TMP/err")
    n=$(stat_of "$DB" articles)
    [ -n "$added" ] && [ "$n" = "$added" ] ||
        fail "SIGINT: the database holds '$n' articles, the summary says '$added' added"
    echo "SIGINT during the shards: $n articles merged, status $st"
fi
no_shard_dirs "$DB"

# ---- a full disk: an error, the target untouched, no shard directory left -----------------
DB=$TMP/f
(ulimit -f 1024 && "$BIN" index --jobs 2 --db "$DB" "$BIG") >/dev/null 2>"$TMP/err"
st=$?
if [ $st = 0 ]; then
    echo "note: the index fit under a 0.5-1 MB file-size limit; the disk-full case was not reached"
else
    [ $st = 1 ] || fail "full disk: exit status $st, want 1"
    expect_err "trawl: index: "
    n=$(stat_of "$DB" articles)
    [ "$n" = 0 ] || fail "after a full disk the target holds '$n' articles, want 0"
    echo "full disk: status $st, target untouched; $(grep -m1 'trawl: index:' "$TMP/err")"
fi
no_shard_dirs "$DB"

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all trawl index --jobs tests passed"
