#!/bin/sh
# tests/editors/emacs-compile.sh: checks that trawl.el byte-compiles with no warning at all
# (byte-compile-error-on-warn), that its package headers parse, and that its autoloads
# define the two commands. Run by `make check`; skips (77) when Emacs is missing.
. "${top_srcdir:-.}/tests/editors/common.sh"
editors_need_editor EMACS emacs emacs-nox
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trawl-elc.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cp "$top_srcdir/editors/emacs/trawl.el" "$tmp/"

"$EMACS" --batch -Q --eval '(setq byte-compile-error-on-warn t)' \
    -f batch-byte-compile "$tmp/trawl.el" || exit 1

"$EMACS" --batch -Q --eval "(require 'autoload)" --eval "
(let ((file \"$tmp/trawl.el\")
      (generated-autoload-file \"$tmp/trawl-autoloads.el\"))
  (require 'package)
  (with-temp-buffer
    (insert-file-contents file)
    (let ((desc (package-buffer-info)))
      (unless (equal (package-desc-version desc) '(0 1 0))
        (error \"bad package version %S\" (package-desc-version desc)))
      (unless (assq 'emacs (package-desc-reqs desc))
        (error \"no Package-Requires on emacs\"))))
  (update-file-autoloads file t generated-autoload-file)
  (load generated-autoload-file nil t)
  (dolist (f '(trawl-search trawl-search-live))
    (unless (and (fboundp f) (autoloadp (symbol-function f)))
      (error \"%s is not autoloaded\" f)))
  (princ \"headers and autoloads ok\n\"))" || exit 1
