#!/bin/sh
# valgrind.sh: the body of `make check-valgrind` (tests/robust/local.mk), which
# ./quickstart check (and so CI) runs after the plain test suite. It runs the server
# integration test, tests/protocol/test_serve, with every `trawl` process it starts
# (`trawl serve` and the `trawl index` that builds its fixtures) under valgrind memcheck,
# and the request fuzzer's replay (the parser and dispatcher in-process, over the seeds
# and regressions) likewise. Passes when the tests pass and every process logged zero
# errors and no definite leak.
#
# Environment: top_builddir, top_srcdir (set by make); SAN_FLAGS (a sanitizer build is
# skipped: valgrind and ASan do not mix); VALGRIND (default: valgrind).
set -u
: "${top_builddir:?top_builddir must be set}"
: "${top_srcdir:?top_srcdir must be set}"
VALGRIND=${VALGRIND:-valgrind}
if [ -n "${SAN_FLAGS:-}" ]; then
    echo "check-valgrind: skipped: this build uses sanitizers ($SAN_FLAGS); run it in a plain build"
    exit 0
fi
if ! command -v "$VALGRIND" >/dev/null 2>&1; then
    echo "check-valgrind: FAIL: valgrind is not installed (Debian package valgrind)"
    exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
REAL=$top_builddir/trawl
VG_OPTS="--quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
--show-leak-kinds=definite --track-origins=yes --num-callers=30"

# Every trawl process the test starts goes through this wrapper.
cat >"$TMP/trawl" <<WRAP
#!/bin/sh
exec "$VALGRIND" $VG_OPTS --log-file="$TMP/vg.%p.log" "$REAL" "\$@"
WRAP
chmod +x "$TMP/trawl"

status=0
t0=$(date +%s)
echo "check-valgrind: tests/protocol/test_serve with every trawl process under memcheck"
if ! TRAWL_BIN=$TMP/trawl "$top_builddir/tests/protocol/test_serve" >"$TMP/test_serve.out" 2>&1; then
    echo "check-valgrind: FAIL: test_serve failed under valgrind:"
    grep -E 'FAILED|Failure|error|ERROR' "$TMP/test_serve.out" | head -20 | sed 's/^/    /'
    status=1
fi
echo "check-valgrind: tests/fuzz/replay_request under memcheck"
if ! top_srcdir=$top_srcdir "$VALGRIND" $VG_OPTS --log-file="$TMP/vg.replay.log" \
        "$top_builddir/tests/fuzz/replay_request" >"$TMP/replay.out" 2>&1; then
    echo "check-valgrind: FAIL: replay_request failed under valgrind"
    status=1
fi

# Any error or definite leak in any process fails, whatever its exit status was.
procs=0
for log in "$TMP"/vg.*.log; do
    [ -e "$log" ] || continue
    procs=$((procs + 1))
    if [ -s "$log" ]; then
        echo "check-valgrind: FAIL: memcheck reported in $(basename "$log"):"
        head -40 "$log" | sed 's/^/    /'
        status=1
    fi
done
if [ $procs -eq 0 ]; then
    echo "check-valgrind: FAIL: no process ran under valgrind"
    status=1
fi
[ $status -eq 0 ] &&
    echo "check-valgrind: passed: $procs processes, 0 errors, no definite leaks ($(($(date +%s) - t0)) s)"
exit $status
