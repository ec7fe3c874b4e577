#!/bin/sh
# tests/cli/cli.sh: the trawl program end to end, run by `make check` (tests/cli/local.mk).
# It indexes the example articles in $top_srcdir/examples into a temporary database and
# checks every subcommand's output and exit status: --help and --version, usage errors
# (exit 2), search (text and --json, paging, sorting, filters, highlighting, non-ASCII),
# get, stats, delete, a locked database (exit 3), a missing database, the database path
# rules and write errors on stdout. Expected values come from the fixture files, not from
# a recorded run. Needs $TRAWL_BIN and $top_srcdir (set by the test harness); python3
# checks the JSON.
# shellcheck disable=SC2015 # "test && ok || bad": ok always succeeds
set -u

: "${TRAWL_BIN:?TRAWL_BIN must name the trawl program}"
: "${top_srcdir:?top_srcdir must name the source tree}"
trawl=$TRAWL_BIN
[ -x "$trawl" ] || { echo "ERROR: $trawl is not an executable program"; exit 99; }
news=$top_srcdir/examples/news.jsonl
notes=$top_srcdir/examples/notes

tmp=$(mktemp -d "${TMPDIR:-/tmp}/trawl-cli.XXXXXX") || exit 99
writer_pid=
cleanup() {
    [ -n "$writer_pid" ] && kill "$writer_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
db=$tmp/db
out=$tmp/out
err=$tmp/err

passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    printf 'FAIL: %s\n' "$*"
    printf '  command: %s\n  status: %s\n' "$last_cmd" "$rc"
    printf '  stdout:\n'; sed -n '1,15s/^/    /p' "$out"
    printf '  stderr:\n'; sed -n '1,10s/^/    /p' "$err"
}

# run ARG...: runs the command, keeping stdout in $out, stderr in $err, status in $rc.
# A sanitizer report (in a --enable-sanitizers build) fails the check whatever the status.
run() {
    last_cmd="$*"
    "$@" >"$out" 2>"$err"
    rc=$?
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$err"; then
        bad "sanitizer report"
    fi
}

status_is() { if [ "$rc" -eq "$1" ]; then ok; else bad "$2: expected exit status $1"; fi; }
out_has() { if grep -qF -- "$1" "$out"; then ok; else bad "$2: stdout lacks '$1'"; fi; }
out_lacks() { if grep -qF -- "$1" "$out"; then bad "$2: stdout has '$1'"; else ok; fi; }
err_has() { if grep -qF -- "$1" "$err"; then ok; else bad "$2: stderr lacks '$1'"; fi; }
err_empty() { if [ -s "$err" ]; then bad "$1: stderr not empty"; else ok; fi; }

# py NAME SCRIPT: runs a python3 check on $out (SCRIPT reads sys.argv[1] = the output).
have_python=no
command -v python3 >/dev/null 2>&1 && have_python=yes
py() {
    if [ $have_python = no ]; then
        echo "SKIP: $1: python3 not installed"
        return
    fi
    if python3 -c "$2" "$out" "$news" >"$tmp/py" 2>&1; then ok; else
        bad "$1: $(tail -n 3 "$tmp/py")"
    fi
}

# The hit ids of a text search output, one a line (the rank lines: "RANK  ID  DATE  TITLE").
hit_ids() { awk '/^[0-9]+  / { print $2 }' "$out"; }

# ---- global options and dispatch -------------------------------------------------------

run "$trawl" --help
status_is 0 "--help"
for c in index search get stats delete serve; do out_has "  $c " "--help lists $c"; done
err_empty "--help"

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "${top_builddir:-.}/config.h" 2>/dev/null)
run "$trawl" --version
status_is 0 "--version"
out_has "trawl ${version:-}" "--version names the configured version"

run "$trawl"
status_is 2 "no command"
err_has "Usage: trawl" "no command prints usage on stderr"

run "$trawl" frobnicate
status_is 2 "unknown command"
err_has "trawl: unknown command 'frobnicate'" "unknown command names it"

run "$trawl" --frobnicate
status_is 2 "unknown global option"

for c in index search get stats delete serve; do
    run "$trawl" "$c" --help
    status_is 0 "$c --help"
    out_has "Usage: trawl $c" "$c --help"
    run "$trawl" help "$c"
    status_is 0 "help $c"
    out_has "Usage: trawl $c" "help $c"
done
run "$trawl" help nosuch
status_is 2 "help for an unknown command"

# ---- usage errors: exit 2 with the command and the cause -------------------------------

for args in "" "--limit 0 oil" "--limit 1001 oil" "--limit abc oil" "--limit -1 oil" \
    "--limit 5x oil" "--limit 99999999999999999999999 oil" "--offset -3 oil" \
    "--snippet 10001 oil" "--sort sideways oil" "--ranking magic oil" \
    "--offsets words oil" "--bogus oil" "--limit"; do
    # shellcheck disable=SC2086 # split on purpose
    run "$trawl" search --db "$db" $args
    status_is 2 "search $args"
    err_has "trawl: search: " "search $args names the command"
done
run "$trawl" search --db "$db" --limit " 5" oil
status_is 2 "search --limit with a leading space"
err_has "--limit must be a whole number" "search --limit explains"
run "$trawl" search --db "$db" "   "
status_is 2 "search with a blank query"

run "$trawl" get --db "$db"
status_is 2 "get without an id"
run "$trawl" get --db "$db" a b
status_is 2 "get with two ids"
run "$trawl" stats --db "$db" extra
status_is 2 "stats with an argument"
run "$trawl" delete --db "$db"
status_is 2 "delete without an id"
err_has "trawl: delete: no article id given" "delete without an id says so"

# ---- a database that does not exist ------------------------------------------------------

for c in "search oil" "get x" stats; do
    # shellcheck disable=SC2086 # split on purpose
    run "$trawl" $c --db "$tmp/missing"
    status_is 1 "$c on a missing database"
    err_has "trawl: ${c%% *}: " "$c on a missing database names the command"
    err_has "$tmp/missing" "$c on a missing database names the path"
done
run "$trawl" search --db "$tmp/missing" -- -gas oil
status_is 1 "a query after -- may start with -"
[ -e "$tmp/missing" ] && bad "a read-only command created the database" || ok

# ---- index the fixture --------------------------------------------------------------------

narticles=$(grep -c . "$news")
run "$trawl" index --db "$db" "$news"
status_is 0 "index the example articles"

run "$trawl" stats --db "$db"
status_is 0 "stats"
out_has "articles:     $narticles" "stats counts the fixture's articles"
out_has "database:     $db" "stats names the database"
out_has "%)" "stats gives the store as a percentage of the text"
out_lacks "last commit:  never" "stats has a last commit"
grep -Eq '^last commit:  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "$out" &&
    ok || bad "stats: last commit in ISO 8601 UTC"

run "$trawl" stats --db "$db" --json
status_is 0 "stats --json"
py "stats --json" '
import json, sys
s = json.load(open(sys.argv[1]))
n = sum(1 for l in open(sys.argv[2]) if l.strip())
assert s["articles"] == n, s
for k in ("terms", "db_bytes", "store_bytes", "text_bytes", "revision"):
    assert isinstance(s[k], int) and s[k] > 0, (k, s)
assert s["store_bytes"] < s["text_bytes"], s
assert s["last_commit"].endswith("Z"), s
'

# ---- search: text output --------------------------------------------------------------------

run "$trawl" search --db "$db" fish prices
status_is 0 "search fish prices"
[ "$(hit_ids | head -n 1)" = trawl-2026-002 ] && ok ||
    bad "search fish prices: the article titled 'Fish prices fall' ranks first"
out_has "[[" "search marks highlights with [[ when not a terminal"
out_lacks "$(printf '\033')" "search writes no escape codes when not a terminal"
grep -q '^hits 1-[0-9]* of about [0-9]*$' "$out" && ok || bad "search prints a hit-count line"

run "$trawl" search --db "$db" '"interest rates"'
status_is 0 "phrase search"
hit_ids | grep -qx trawl-2026-004 && ok || bad "phrase search finds the council debate"

run "$trawl" search --db "$db" --sort date topic:maritime
status_is 0 "filter search sorted by date"
[ "$(hit_ids | tr '\n' ' ')" = "trawl-2026-007 trawl-2026-008 trawl-2026-012 " ] && ok ||
    bad "topic:maritime by date: 007, 008, 012 in order"

run "$trawl" search --db "$db" --sort -date topic:maritime
[ "$(hit_ids | tr '\n' ' ')" = "trawl-2026-012 trawl-2026-008 trawl-2026-007 " ] && ok ||
    bad "topic:maritime by -date: 012, 008, 007 in order"

run "$trawl" search --db "$db" place:island
hit_ids | grep -qx trawl-2026-003 && ok || bad "place:island (a filter from 'places')"

run "$trawl" search --db "$db" Müller
status_is 0 "non-ASCII search"
hit_ids | grep -qx trawl-2026-006 && ok || bad "Müller finds the café article"
out_has "[[Müller]]" "a non-ASCII word is highlighted whole"

run "$trawl" search --db "$db" --limit 4 harbour
hit_ids >"$tmp/four"
[ "$(wc -l <"$tmp/four")" -eq 4 ] && ok || bad "--limit 4 gives 4 hits"
run "$trawl" search --db "$db" --limit 2 --offset 2 harbour
hit_ids >"$tmp/page2"
[ "$(sed -n '3,4p' "$tmp/four")" = "$(cat "$tmp/page2")" ] && ok ||
    bad "--offset 2 --limit 2 gives hits 3-4 of the --limit 4 search"
grep -q '^3  ' "$out" && ok || bad "--offset 2: ranks count from 3"

run "$trawl" search --db "$db" --snippet 0 harbour
[ "$(grep -c '^    ' "$out")" -eq 0 ] && ok || bad "--snippet 0 prints no snippets"

run "$trawl" search --db "$db" 'fish AND'
status_is 2 "a query with a syntax error"
err_has "trawl: search: bad query: " "a bad query is reported as such"
out_lacks "hits" "a bad query prints no hits"

run "$trawl" search --db "$db" zzzyzzx
status_is 0 "a search with no hits"
out_has "no matches" "a search with no hits says so"

run "$trawl" search --db "$db" --offset 500 harbour
status_is 0 "a search past the last hit"
out_has "no hits after 500" "a search past the last hit says so"

# On a terminal the highlights are bold (script(1) gives the program a pseudo-terminal).
if command -v script >/dev/null 2>&1; then
    script -qec "env -u NO_COLOR '$trawl' search --db '$db' fish" /dev/null >"$out" 2>"$err" </dev/null
    rc=$?
    last_cmd="script ... trawl search fish"
    grep -q "$(printf '\033')\\[1m" "$out" && ok || bad "search on a terminal uses bold"
else
    echo "SKIP: search on a terminal: script(1) not installed"
fi

# ---- search: JSON output --------------------------------------------------------------------

run "$trawl" search --db "$db" --json --limit 3 fish
status_is 0 "search --json"
[ "$(wc -l <"$out")" -eq 1 ] && ok || bad "search --json prints one line"
py "search --json shape" '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is True and r["total"] >= len(r["hits"]) > 0, r
assert [h["rank"] for h in r["hits"]] == list(range(1, len(r["hits"]) + 1)), r
for h in r["hits"]:
    for k in ("doc", "score", "title", "snippet", "highlights"):
        assert k in h, (k, h)
    for a, b in h["highlights"]:
        assert 0 <= a < b <= len(h["snippet"]), h
        assert h["snippet"][a:b].lower().startswith("fish"), h
'

run "$trawl" search --db "$db" --json Müller
py "search --json counts highlights in code points" '
import json, sys
h = json.load(open(sys.argv[1]))["hits"][0]
assert any(h["snippet"][a:b] == "Müller" for a, b in h["highlights"]), h
'
run "$trawl" search --db "$db" --json --offsets bytes Müller
py "search --json --offsets bytes counts UTF-8 bytes" '
import json, sys
h = json.load(open(sys.argv[1]))["hits"][0]
s = h["snippet"].encode()
assert any(s[a:b] == "Müller".encode() for a, b in h["highlights"]), h
'

run "$trawl" search --db "$db" --json --sort date topic:maritime
py "search --json --sort date omits no date" '
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]
dates = [h["date"] for h in hits]
assert dates == sorted(dates), dates
'

# ---- get ---------------------------------------------------------------------------------------

run "$trawl" get --db "$db" trawl-2026-012
status_is 0 "get"
[ "$(wc -l <"$out")" -gt 3 ] && ok || bad "get indents its JSON"
py "get gives back every field of the input, numbers too" '
import json, sys
got = json.load(open(sys.argv[1]))
want = [json.loads(l) for l in open(sys.argv[2]) if "trawl-2026-012" in l][0]
for k, v in want.items():
    assert got.get(k) == v, (k, got.get(k), v)
'
run "$trawl" get --db "$db" --json trawl-2026-006
status_is 0 "get --json"
[ "$(wc -l <"$out")" -eq 1 ] && ok || bad "get --json prints one line"
out_has "Zoë Müller" "get keeps UTF-8 as it is"

run "$trawl" get --db "$db" no-such-article
status_is 1 "get of a missing article"
err_has "trawl: get: no article 'no-such-article'" "get of a missing article says so"

# ---- the database path rules ------------------------------------------------------------------

run env TRAWL_DB="$db" "$trawl" stats
status_is 0 "TRAWL_DB names the database"
out_has "database:     $db" "TRAWL_DB is used"
run env TRAWL_DB="$tmp/nowhere" "$trawl" stats --db "$db"
status_is 0 "--db wins over TRAWL_DB"
run env -u TRAWL_DB XDG_DATA_HOME="$tmp/xdg" "$trawl" stats
status_is 1 "XDG_DATA_HOME without a database"
err_has "$tmp/xdg/trawl/db" "XDG_DATA_HOME/trawl/db is the default"
run env -u TRAWL_DB -u XDG_DATA_HOME HOME="$tmp/home" "$trawl" stats
err_has "$tmp/home/.local/share/trawl/db" "HOME/.local/share/trawl/db is the last default"
run env -u TRAWL_DB XDG_DATA_HOME=relative HOME="$tmp/home" "$trawl" stats
err_has "$tmp/home/.local/share/trawl/db" "a relative XDG_DATA_HOME is ignored"

# ---- text files, and terminal-unsafe text ------------------------------------------------------

run "$trawl" index --db "$db" "$notes"
status_is 0 "index a directory of text files"
run "$trawl" search --db "$db" timetable crossing
hit_ids | grep -qx ferry-timetable.txt && ok || bad "a .txt file's id is its relative path"

printf '{"id":"esc","title":"Red \\u001b[31malert\\u001b[0m","body":"tabs\\tand\\nnewlines and \\u009b escapes in the body of the alert"}\n' >"$tmp/esc.jsonl"
run "$trawl" index --db "$db" "$tmp/esc.jsonl"
status_is 0 "index an article with control characters"
run "$trawl" search --db "$db" alert
hit_ids | grep -qx esc && ok || bad "the article with control characters is found"
if LC_ALL=C grep -q "$(printf '[\033\t]')" "$out" ||
    LC_ALL=C grep -q "$(printf '\302\233')" "$out"; then
    bad "search shows control characters from the article"
else ok; fi

# ---- delete, and a locked database --------------------------------------------------------------

before=$("$trawl" stats --db "$db" --json | sed 's/.*"articles":\([0-9]*\).*/\1/')
run "$trawl" delete --db "$db" trawl-2026-011 no-such-article
status_is 1 "delete with one unknown id"
err_has "trawl: delete: no article 'no-such-article'" "delete names the unknown id"
out_has "deleted 1 article" "delete says how many it deleted"
run "$trawl" get --db "$db" trawl-2026-011
status_is 1 "a deleted article is gone"
run "$trawl" stats --db "$db" --json
out_has "\"articles\":$((before - 1))," "stats counts one article less"
run "$trawl" delete --db "$db" trawl-2026-010
status_is 0 "delete of one existing id"

# A writer waiting on its standard input holds the lock: `delete` must report it, exit 3.
# A delete that comes before the writer has opened the database takes the lock itself
# (and the writer fails), so each attempt starts a new writer and waits longer for it.
mkfifo "$tmp/fifo"
attempt=1
while :; do
    "$trawl" index --db "$db" - <"$tmp/fifo" >/dev/null 2>"$tmp/writer.err" &
    writer_pid=$!
    exec 9>"$tmp/fifo"
    sleep "$attempt"
    run "$trawl" delete --db "$db" no-such-article
    exec 9>&-
    wait "$writer_pid"
    writer_rc=$?
    writer_pid=
    [ "$rc" -eq 3 ] || [ $attempt -ge 6 ] && break
    attempt=$((attempt + 1))
done
status_is 3 "delete while another writer holds the database"
err_has "trawl: delete: " "a locked database names the command"
err_has "locked" "a locked database says so"
[ "$writer_rc" -eq 0 ] && ok || bad "the writer holding the lock ends well: $(cat "$tmp/writer.err")"

# ---- write errors on stdout ---------------------------------------------------------------------

if [ -w /dev/full ]; then
    run sh -c "'$trawl' --help >/dev/full"
    status_is 1 "a write error on stdout fails the command"
    err_has "trawl: error writing output" "a write error on stdout is reported"
    run sh -c "'$trawl' search --db '$db' harbour >/dev/full"
    status_is 1 "a write error on search output fails the command"
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
