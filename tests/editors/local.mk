# tests/editors/local.mk: the editor-plugin tests, run by `make check`: trawl.el
# byte-compiles cleanly (emacs-compile.sh), the ERT tests in Emacs (emacs.sh) and the Lua
# tests in headless Neovim (nvim.sh), both against the real `trawl serve` on a database
# that common.sh builds with `trawl index`. Each skips (77) when its editor is missing.
# fake_serve is a stand-in server for working on the plugins without the real one
# (TRAWL_EDITORS_FAKE=1 make check TESTS=...); no test uses it by default.

TESTS += \
	%reldir%/emacs-compile.sh \
	%reldir%/emacs.sh \
	%reldir%/nvim.sh
EXTRA_DIST += \
	%reldir%/emacs-compile.sh \
	%reldir%/emacs.sh \
	%reldir%/nvim.sh \
	%reldir%/common.sh \
	%reldir%/trawl-tests.el \
	%reldir%/trawl_spec.lua

check_PROGRAMS += %reldir%/fake_serve
%canon_reldir%_fake_serve_SOURCES = %reldir%/fake_serve.c
%canon_reldir%_fake_serve_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
%canon_reldir%_fake_serve_LDADD = $(JANSSON_LIBS)
