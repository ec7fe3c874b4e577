#!/bin/sh
# tests/cli/install.sh: `make install` into a DESTDIR, run by `make check`
# (tests/cli/local.mk). Checks that it installs the trawl program, libtrawl (shared and
# static), trawl.h, trawl.pc and the man page, then compiles and runs a small C program
# against the installed library using only `pkg-config --cflags --libs trawl`: the way a
# user of libtrawl builds. Needs $top_builddir, $MAKE and $CC from the harness; skips
# (77) without pkg-config or a C compiler.
# shellcheck disable=SC2015 # "test && ok || bad": ok always succeeds
set -u

: "${top_builddir:?top_builddir must name the build tree}"
MAKE=${MAKE:-make}
CC=${CC:-cc}

command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: pkg-config not installed"; exit 77; }
command -v "${CC%% *}" >/dev/null 2>&1 || { echo "SKIP: no C compiler ($CC)"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/trawl-install.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }

# Where the build installs, from its Makefile (prefix and friends as configured).
var() { sed -n "s|^$1 = ||p" "$top_builddir/Makefile" | head -n 1; }
prefix=$(var prefix)

if ! $MAKE -s -C "$top_builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "FAIL: make install DESTDIR=$dest"
    exit 1
fi
# Expand ${prefix}-relative directories the way make would.
expand() { printf '%s\n' "$1" | sed -e "s|\${prefix}|$prefix|g" -e "s|\${exec_prefix}|$prefix|g" \
    -e "s|\${datarootdir}|$prefix/share|g"; }
bindir=$(expand "$(var bindir)")
libdir=$(expand "$(var libdir)")
includedir=$(expand "$(var includedir)")
mandir=$(expand "$(var mandir)")

for f in "$bindir/trawl" "$libdir/libtrawl.a" "$includedir/trawl.h" \
    "$libdir/pkgconfig/trawl.pc" "$mandir/man1/trawl.1"; do
    [ -f "$dest$f" ] && ok || bad "not installed: $f"
done
ls "$dest$libdir"/libtrawl.so* >/dev/null 2>&1 && ok || bad "not installed: $libdir/libtrawl.so"
[ -x "$dest$bindir/trawl" ] && ok || bad "$bindir/trawl is not executable"
for f in "$dest$includedir"/*.h; do
    [ "$f" = "$dest$includedir/trawl.h" ] && ok || bad "an internal header is installed: $f"
done

# Only the trawl_ names leave the shared library.
if command -v nm >/dev/null 2>&1; then
    so=$(find "$dest$libdir" -name "libtrawl.so.*" -type f | head -n 1)
    leaked=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ && $3 !~ /^trawl_/ { print $3 }')
    [ -z "$leaked" ] && ok || bad "libtrawl.so exports non-trawl_ symbols: $(printf "%s " "$leaked" | head -c 300)"
fi

# A user's program, built with what pkg-config says and nothing else.
cat >"$tmp/user.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <trawl.h>

int main(int argc, char **argv)
{
    trawl_db *db = NULL;
    char *msg = NULL;
    if (argc != 2)
        return 2;
    if (trawl_db_open(argv[1], TRAWL_DB_WRITABLE, &db, &msg) != TRAWL_OK) {
        fprintf(stderr, "open: %s\n", msg ? msg : "?");
        return 1;
    }
    trawl_article *a = NULL;
    trawl_article_new("hello", &a);
    trawl_article_set(a, "title", "Hello from an installed libtrawl");
    trawl_db_put(db, a, NULL);
    trawl_article_free(a);
    trawl_db_commit(db);
    trawl_stats st;
    trawl_db_stats(db, &st);
    printf("%s %llu\n", trawl_version(), (unsigned long long)st.articles);
    trawl_db_close(db);
    return strcmp(trawl_version(), TRAWL_VERSION) == 0 ? 0 : 3;
}
EOF
PKG_CONFIG_PATH=$dest$libdir/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$dest
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
if flags=$(pkg-config --cflags --libs trawl 2>"$tmp/pc.err"); then
    ok
    # SAN_FLAGS: a sanitizer build's library needs the sanitizer runtimes linked in.
    # shellcheck disable=SC2086 # flags are words
    if $CC ${SAN_FLAGS:-} -o "$tmp/user" "$tmp/user.c" $flags 2>"$tmp/cc.err"; then
        ok
        if LD_LIBRARY_PATH=$dest$libdir "$tmp/user" "$tmp/db" >"$tmp/user.out" 2>&1 &&
            grep -q ' 1$' "$tmp/user.out"; then
            ok
        else
            bad "the program linked with the installed libtrawl fails: $(cat "$tmp/user.out")"
        fi
    else
        bad "cannot compile against the installed trawl.h/libtrawl: $(cat "$tmp/cc.err")"
    fi
else
    bad "pkg-config --cflags --libs trawl: $(cat "$tmp/pc.err")"
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
