#!/bin/sh
# test_symbols.sh: checks that libtrawl.so exports exactly the functions declared in
# engine/trawl.h: nothing internal leaks (store_, shim_, article_, C++ symbols) and
# nothing declared is missing. Run by `make check` with $top_srcdir and $top_builddir set.

src=${top_srcdir:-.}
build=${top_builddir:-.}
header="$src/engine/trawl.h"
lib="$build/.libs/libtrawl.so"

if ! command -v nm >/dev/null 2>&1; then
    echo "test_symbols: skipped: nm (binutils) is not installed"
    exit 77
fi
if [ ! -f "$lib" ]; then
    echo "test_symbols: $lib is missing: build libtrawl first (make)" >&2
    exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/trawl-symbols.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# Declarations start at the beginning of a line (comments start with " *" or "/*"):
# a return type, then the trawl_ name directly followed by "(".
grep -E '^[A-Za-z]' "$header" | grep -v '^typedef' |
    grep -oE '\btrawl_[a-z0-9_]+\(' | tr -d '(' | sort -u >"$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "W" || $2 == "D" || $2 == "B" || $2 == "R" { print $3 }' |
    sort -u >"$tmp/exported"

if [ ! -s "$tmp/declared" ]; then
    echo "test_symbols: found no declarations in $header" >&2
    exit 99
fi
if ! diff -u "$tmp/declared" "$tmp/exported" >"$tmp/diff"; then
    echo "test_symbols: libtrawl.so exports differ from trawl.h (- declared only, + exported only):"
    cat "$tmp/diff"
    exit 1
fi
echo "test_symbols: libtrawl.so exports exactly the $(wc -l <"$tmp/declared") functions of trawl.h"
