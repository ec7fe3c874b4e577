#!/bin/sh
# run-fuzz.sh: the body of `make fuzz` (tests/fuzz/local.mk). For each target NAME given,
# runs BUILDDIR/fuzz_NAME for $FUZZ_SECONDS seconds (default 60) on a temporary copy of
# SRCDIR/corpus/NAME/ and SRCDIR/regressions/NAME/ (so the checked-in seeds are never
# modified), with a 10 s limit per input and $FUZZ_ARGS passed on. Any crash, leak,
# timeout, out-of-memory or sanitizer report fails the target; its input is kept in
# BUILDDIR/artifacts/NAME/ (copy it to SRCDIR/regressions/NAME/ once fixed) and its log in
# BUILDDIR/artifacts/NAME.log. Prints one summary line a target; exits 1 if any failed.
#
#   run-fuzz.sh SRCDIR BUILDDIR NAME...

set -u
[ $# -ge 3 ] || { echo "usage: run-fuzz.sh SRCDIR BUILDDIR NAME..." >&2; exit 2; }
SRC=$1
BUILD=$2
shift 2
SECONDS_EACH=${FUZZ_SECONDS:-60}
case $SECONDS_EACH in
'' | *[!0-9]*) echo "run-fuzz.sh: FUZZ_SECONDS must be a number of seconds, not '$SECONDS_EACH'" >&2; exit 2 ;;
esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
# The fuzzers' own temporary files (fuzz_db.c's database) go under it too: libFuzzer ends
# a timed run without running atexit handlers.
mkdir "$TMP/tmp" || exit 1
TMPDIR=$TMP/tmp
export TMPDIR
# Sanitizer reports end the run (with the string checks CI uses: quickstart sets
# strict_string_checks=1); leaks are reported by libFuzzer's own -detect_leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
failed=0

for name in "$@"; do
    prog=$BUILD/fuzz_$name
    if [ ! -x "$prog" ]; then
        echo "FAIL $name: no program '$prog' (configure with --enable-fuzzing and run make)"
        failed=1
        continue
    fi
    corpus=$TMP/$name
    mkdir -p "$corpus" "$BUILD/artifacts/$name"
    [ -d "$SRC/corpus/$name" ] && cp "$SRC/corpus/$name"/* "$corpus"/ 2>/dev/null
    [ -d "$SRC/regressions/$name" ] && cp "$SRC/regressions/$name"/* "$corpus"/ 2>/dev/null
    log=$BUILD/artifacts/$name.log
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
    "$prog" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$name/" \
        ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+).*/\1/')
    if [ $status -ne 0 ] || grep -qE 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:|ERROR: libFuzzer' "$log"; then
        echo "FAIL $name: exit status $status after ${execs:-?} runs; log: $log"
        grep -E 'ERROR:|runtime error:|invariant failed|Test unit written|SUMMARY' "$log" | head -8 | sed 's/^/    /'
        failed=1
    else
        echo "ok   $name: ${SECONDS_EACH} s, ${execs:-?} runs (${rate:-?}/s), ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) inputs"
    fi
done
exit $failed
