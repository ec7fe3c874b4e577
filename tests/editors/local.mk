# tests/editors/local.mk: the editor-plugin tests, run by `make check`: trawl.el
# byte-compiles cleanly (emacs-compile.sh), the ERT tests in Emacs (emacs.sh) and the Lua
# tests in headless Neovim (nvim.sh), both against the real `trawl serve` on a database
# that common.sh builds with `trawl index`. Each skips (77) when its editor or the trawl
# program is missing.

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

