#!/bin/sh
# tests/editors/emacs.sh: runs the ERT tests of the Emacs plugin (trawl-tests.el) in
# `emacs --batch` against a real `trawl serve` on a fixture database. Run by `make check`;
# skips (77) when Emacs or the trawl program is missing.
. "${top_srcdir:-.}/tests/editors/common.sh"
editors_need_editor EMACS emacs emacs-nox
editors_need_trawl
editors_make_db

TRAWL_TEST_PROGRAM=$TRAWL_BIN TRAWL_TEST_DB=$EDITORS_DB \
    "$EMACS" --batch -Q -L "$top_srcdir/editors/emacs" \
    -l "$top_srcdir/tests/editors/trawl-tests.el" -f ert-run-tests-batch-and-exit
