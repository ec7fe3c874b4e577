#!/bin/sh
# index.sh: end-to-end tests of `trawl index`, run by `make check` (TESTS) with $TRAWL_BIN
# set to the built program. Each case indexes files made here into a temporary database
# and checks the exit status, the messages and, through `trawl get` and `trawl stats`,
# what the database holds: a directory (sorted walk, hidden and unknown files, text and
# JSON Lines), idempotent re-runs, bad records, --strict, stdin, usage errors, a locked
# database and SIGTERM, bad files (binary .txt, truncated and fake gzip, a symlink loop),
# and a full disk (a file-size limit).

set -u
BIN=${TRAWL_BIN:-./trawl}
if [ ! -x "$BIN" ]; then
    echo "SKIP: no trawl program at '$BIN'"
    exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-index-test.XXXXXX") || exit 99
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
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

# expect_err TEXT: the last command's stderr holds TEXT (a fixed string).
expect_err() {
    grep -qF -- "$1" "$TMP/err" || {
        fail "stderr lacks '$1'; it was:"
        sed 's/^/    /' "$TMP/err"
    }
}

no_err() {
    grep -qF -- "$1" "$TMP/err" && fail "stderr unexpectedly holds '$1'"
    return 0
}

count() { # count DB: the number of articles in DB
    "$BIN" stats --db "$1" | awk '/^articles:/ {print $2}'
}

expect_count() { # expect_count DB N
    n=$(count "$1")
    [ "$n" = "$2" ] || fail "database $1 holds '$n' articles, want $2"
}

has() { # has DB ID: the article is there
    "$BIN" get --db "$1" "$2" >/dev/null 2>&1 || fail "article '$2' missing from $1"
}

lacks() {
    "$BIN" get --db "$1" "$2" >/dev/null 2>&1 && fail "article '$2' unexpectedly in $1"
    return 0
}

# ---- a directory: text, Markdown and JSON Lines, hidden and unknown files -------------
D=$TMP/docs
mkdir -p "$D/sub" "$D/.git"
printf 'Oil prices rise\nCrude oil rose three percent.\n' >"$D/a.txt"
printf '# Cocoa crop\n\nThe cocoa harvest was late.\n' >"$D/b.md"
printf 'Grain exports\nWheat and maize.\n' >"$D/sub/c.txt"
printf 'hidden\n' >"$D/.hidden.txt"
printf 'in git\n' >"$D/.git/x.txt"
printf '\211PNG\r\n' >"$D/image.png"
printf '{"id":"j1","title":"Gold","body":"Gold fell."}\n{"id":"j2","title":"Tin"}\n' \
    >"$D/sub/news.jsonl"
DB=$TMP/db1
run 0 "$BIN" index --db "$DB" "$D"
expect_err "trawl: indexed 5 articles (5 added, 0 replaced, 0 skipped)"
expect_count "$DB" 5
for id in a.txt b.md sub/c.txt j1 j2; do has "$DB" "$id"; done
lacks "$DB" .hidden.txt
"$BIN" get --db "$DB" b.md | grep -q '"title": *"Cocoa crop"' || fail "b.md's title is not 'Cocoa crop'"

# Idempotent: a second run replaces, never duplicates.
run 0 "$BIN" index --db "$DB" "$D"
expect_err "(0 added, 5 replaced, 0 skipped)"
expect_count "$DB" 5

# --quiet: no summary. A single file's id is its name.
run 0 "$BIN" index --quiet --db "$DB" "$D/sub/c.txt"
[ -s "$TMP/err" ] && fail "--quiet still printed: $(cat "$TMP/err")"
has "$DB" c.txt

# ---- bad records: each reported as FILE:LINE, skipped, the rest indexed ----------------
B=$TMP/bad.jsonl
{
    printf '\357\273\277{"id":"g1","title":"BOM on line 1"}\r\n'
    printf '{"id":"b2",\n'
    printf '{"title":"no id"}\n'
    printf '{"id":"b4","title":5}\n'
    printf '{"id":"b5","title":"\303\050"}\n'
    printf '\n'
    printf '{"id":"g7","body":"after a blank line"}\r\n'
    printf '{"id":"b8","body":"%0200d"}\n' 0
    printf '{"id":7}\n'
    printf '{"id":"g10","body":"last line, no LF"}'
} >"$B"
DB=$TMP/db2
run 1 "$BIN" index --db "$DB" --max-size 150 "$B"
expect_err "bad.jsonl:2: "
expect_err "bad.jsonl:3: "
expect_err "bad.jsonl:4: "
expect_err "bad.jsonl:5: "
expect_err "bad.jsonl:8: line over the size limit of 150 bytes"
expect_err "bad.jsonl:9: "
no_err "bad.jsonl:1:"
no_err "bad.jsonl:7:"
no_err "bad.jsonl:10:"
expect_err "(3 added, 0 replaced, 6 skipped)"
for id in g1 g7 g10; do has "$DB" "$id"; done
for id in b2 b4 b5 b8; do lacks "$DB" "$id"; done

# --strict: stops at the first bad record; what came before it is committed.
DB=$TMP/db3
run 1 "$BIN" index --db "$DB" --strict "$B" "$D"
expect_err "bad.jsonl:2: "
no_err "bad.jsonl:3: "
expect_count "$DB" 1
has "$DB" g1
lacks "$DB" a.txt

# ---- stdin ----------------------------------------------------------------------------
DB=$TMP/db4
printf '{"id":"s1","title":"From stdin"}\n{"id":"s2"}\n' | "$BIN" index --db "$DB" - 2>"$TMP/err"
[ $? = 0 ] || fail "indexing stdin failed: $(cat "$TMP/err")"
expect_count "$DB" 2
printf '{"id":"s3"}\n{bad\n' | "$BIN" index --db "$DB" - 2>"$TMP/err"
[ $? = 1 ] || fail "a bad record on stdin did not give status 1"
expect_err "<stdin>:2: "
gzip -c "$B" | "$BIN" index --db "$DB" - 2>"$TMP/err"
[ $? = 1 ] || fail "gzip data on stdin did not give status 1"
expect_err "<stdin>: gzip data on a pipe"

# ---- usage errors: status 2 -----------------------------------------------------------
run 2 "$BIN" index --db "$DB"
expect_err "no PATH given"
run 2 "$BIN" index --db "$DB" --format yaml "$B"
expect_err "unknown format 'yaml'"
run 2 "$BIN" index --db "$DB" --batch 0 "$B"
run 2 "$BIN" index --db "$DB" --batch=-5 "$B"
run 2 "$BIN" index --db "$DB" --no-such-option "$B"
run 0 "$BIN" index --help
grep -q 'Usage: trawl index' "$TMP/out" || fail "--help printed no usage"
grep -q '16 MiB' "$TMP/out" || fail "--help does not give the size limit"

# A file of no known kind: skipped, unless --format names one.
printf '{"id":"x1"}\n' >"$TMP/records.data"
run 1 "$BIN" index --db "$DB" "$TMP/records.data"
expect_err "records.data: unknown kind of file"
run 0 "$BIN" index --db "$DB" --format jsonl "$TMP/records.data"
has "$DB" x1
run 1 "$BIN" index --db "$DB" "$TMP/missing.jsonl"
expect_err "missing.jsonl: No such file or directory"

# ---- --language: set on a new database, refused once it holds articles ---------------
DB=$TMP/db-fr
printf '{"id":"fr1","title":"Les prix du cacao montent"}\n' >"$TMP/fr.jsonl"
run 0 "$BIN" index --db "$DB" --language french "$TMP/fr.jsonl"
run 0 "$BIN" index --db "$DB" --language french "$TMP/fr.jsonl"
run 1 "$BIN" index --db "$DB" --language german "$TMP/fr.jsonl"
expect_err "cannot use language 'german'"

# ---- bad files in a directory: each skipped with a message, the rest indexed ----------
E=$TMP/mixed
mkdir -p "$E/deep"
printf 'Good text\nbody\n' >"$E/good.txt"
printf 'bin\000ary\n' >"$E/binary.txt"
printf '\377\376l\000a\000t\000i\000n\000' >"$E/latin.md"
: >"$E/empty.txt"
printf '{"id":"z1"}\n{"id":"z2"}\n' | gzip -c >"$E/ok.jsonl.gz"
printf '{"id":"not gzip"}\n' >"$E/fake.jsonl.gz"
i=0
while [ $i -lt 3000 ]; do
    printf '{"id":"t%d","body":"truncated stream record %d"}\n' $i $i
    i=$((i + 1))
done | gzip -c >"$TMP/whole.gz"
size=$(wc -c <"$TMP/whole.gz")
head -c $((size / 2)) "$TMP/whole.gz" >"$E/cut.jsonl.gz"
ln -s .. "$E/deep/loop"
printf 'Locked\nbody\n' >"$E/locked.txt"
chmod 000 "$E/locked.txt"
DB=$TMP/db5
run 1 "$BIN" index --db "$DB" "$E"
if [ -r "$E/locked.txt" ]; then
    echo "skipped: the unreadable-file case (running as root: chmod 000 does not stop reads)"
else
    expect_err "locked.txt: Permission denied"
fi
expect_err "binary.txt: binary file (NUL byte"
expect_err "latin.md: binary file"
expect_err "empty.txt: empty file"
expect_err "fake.jsonl.gz: not a gzip file"
expect_err "cut.jsonl.gz:"
expect_err "truncated gzip stream"
expect_err "deep/loop: symbolic link loop"
has "$DB" good.txt
has "$DB" z1
has "$DB" z2
has "$DB" t0
lacks "$DB" t2999

# ---- a locked database: status 3; SIGTERM commits and exits 130 -----------------------
DB=$TMP/db6
mkfifo "$TMP/fifo"
"$BIN" index --db "$DB" - <"$TMP/fifo" 2>"$TMP/err1" &
pid=$!
exec 3>"$TMP/fifo"
printf '{"id":"w1","title":"first writer"}\n' >&3
i=0
while [ ! -e "$DB/flintlock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
run 3 "$BIN" index --db "$DB" "$B"
expect_err "trawl: index: database '$DB' is locked by another writer"
kill -TERM $pid
wait $pid
st=$?
exec 3>&-
[ $st = 130 ] || fail "the first writer exited $st after SIGTERM, want 130: $(cat "$TMP/err1")"
grep -qF "(1 added, 0 replaced, 0 skipped)" "$TMP/err1" ||
    fail "no summary after SIGTERM: $(cat "$TMP/err1")"
has "$DB" w1

# ---- a full disk (file-size limit): a clear error, non-zero, the database still opens --
# These two cases test batch commits into the database itself, so they ask for one job
# (one job is the default; parallel shards are tested in jobs.sh).
G=$TMP/big.jsonl
i=0
while [ $i -lt 4000 ]; do
    printf '{"id":"f%d","title":"Record %d","body":"words %d of a record that takes room in the index and store %d"}\n' \
        $i $i $i $((i * 7919))
    i=$((i + 1))
done >"$G"
DB=$TMP/db7
(ulimit -f 2048 && "$BIN" index --jobs 1 --db "$DB" --batch 200 "$G") >/dev/null 2>"$TMP/err"
st=$?
if [ $st = 0 ]; then
    echo "note: 4000 records fit under a 1-2 MB file-size limit; the disk-full case was not reached"
else
    expect_err "trawl: index: "
    expect_err "$DB'"
    n=$(count "$DB")
    [ -n "$n" ] || fail "the database does not open after the full disk"
    [ $((n % 200)) = 0 ] || fail "the database holds $n articles: not whole batches of 200"
    echo "full disk: status $st, $n articles kept; $(head -1 "$TMP/err")"
fi

# ---- SIGKILL mid-run: the database opens, holds whole batches, a re-run completes it ----
DB=$TMP/db8
for delay in 0.2 0.5 0.9; do
    "$BIN" index --jobs 1 --quiet --db "$DB" --batch 100 "$G" 2>/dev/null &
    pid=$!
    sleep $delay
    kill -KILL $pid 2>/dev/null
    wait $pid
    n=$(count "$DB" 2>/dev/null)
    n=${n:-0} # killed before the first commit: there may be no database yet
    [ $((n % 100)) = 0 ] || [ "$n" = 4000 ] ||
        fail "after SIGKILL at ${delay}s the database holds $n articles: not whole batches"
    echo "SIGKILL after ${delay}s: $n articles kept"
done
run 0 "$BIN" index --db "$DB" --batch 100 "$G"
expect_count "$DB" 4000
for id in f0 f1999 f3999; do has "$DB" "$id"; done

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all trawl index tests passed"
