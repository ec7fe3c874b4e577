#!/bin/sh
# reuters.sh: indexes the Reuters-21578 corpus from the shared data ($TRAWL_SHARED) with
# `trawl index`, run by `make check`: all 21,577 articles, nothing skipped, the count
# confirmed by `trawl stats`, and a filter search that finds cocoa stories. Skips (77)
# when the shared data is absent. Takes a while: Xapian's writer is the bound.

set -u
BIN=${TRAWL_BIN:-./trawl}
CORPUS=${TRAWL_SHARED:-}/corpora/reuters21578.jsonl.gz
if [ -z "${TRAWL_SHARED:-}" ] || [ ! -r "$CORPUS" ]; then
    echo "SKIP: the Reuters corpus is not at '$CORPUS' (set TRAWL_SHARED to the shared data)"
    exit 77
fi
if [ ! -x "$BIN" ]; then
    echo "SKIP: no trawl program at '$BIN'"
    exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-reuters-test.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT
DB=$TMP/db
status=0

"$BIN" index --db "$DB" "$CORPUS" 2>"$TMP/err"
st=$?
cat "$TMP/err"
if [ $st != 0 ]; then
    echo "FAIL: trawl index exited $st"
    status=1
fi
grep -qF "trawl: indexed 21577 articles (21577 added, 0 replaced, 0 skipped)" "$TMP/err" || {
    echo "FAIL: the summary does not report 21577 articles added and none skipped"
    status=1
}
n=$("$BIN" stats --db "$DB" | awk '/^articles:/ {print $2}')
if [ "$n" != 21577 ]; then
    echo "FAIL: trawl stats reports '$n' articles, want 21577"
    status=1
fi
hits=$("$BIN" search --db "$DB" --limit 5 'topic:cocoa' | grep -ci 'cocoa')
if [ "$hits" -lt 1 ]; then
    echo "FAIL: 'topic:cocoa' finds nothing"
    status=1
fi
exit $status
