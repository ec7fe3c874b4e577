#!/bin/sh
# tests/editors/emacs.sh: runs the ERT tests of the Emacs plugin (trawl-tests.el) in
# `emacs --batch` against a real `trawl serve` on a fixture database, then checks that the
# server ends with Emacs. Run by `make check`; skips (77) when Emacs or the trawl program
# is missing.
. "${top_srcdir:-.}/tests/editors/common.sh"
editors_need_editor EMACS emacs emacs-nox
editors_need_trawl
editors_make_db

TRAWL_TEST_PROGRAM=$TRAWL_BIN TRAWL_TEST_DB=$EDITORS_DB \
    "$EMACS" --batch -Q -L "$top_srcdir/editors/emacs" \
    -l "$top_srcdir/tests/editors/trawl-tests.el" -f ert-run-tests-batch-and-exit || exit 1

# The server started by a search must not outlive Emacs.
pid=$(TRAWL_TEST_PROGRAM=$TRAWL_BIN TRAWL_TEST_DB=$EDITORS_DB \
    "$EMACS" --batch -Q -L "$top_srcdir/editors/emacs" --eval "(require 'trawl)" --eval "
(let ((trawl-program (getenv \"TRAWL_TEST_PROGRAM\"))
      (trawl-database (getenv \"TRAWL_TEST_DB\"))
      (done nil))
  (trawl--request '((op . \"ping\")) (lambda (_) (setq done t)) trawl-database)
  (while (not done) (accept-process-output nil 0.05))
  (princ (process-id (trawl--server-process
                      (gethash (trawl--db-key trawl-database) trawl--servers)))))")
case $pid in '' | *[!0-9]*) echo "FAIL: no server pid from Emacs: '$pid'"; exit 1 ;; esac
editors_wait_gone "$pid" "Emacs"
