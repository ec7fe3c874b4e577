# editors/local.mk: installs the editor plugins over `trawl serve` and ships them in the
# tarball: trawl.el under $(datadir)/emacs/site-lisp (on Debian's load-path), and the
# Neovim plugin as a start package under $(datadir)/nvim/site/pack/trawl/start/trawl
# (in Neovim's default 'packpath'). Their tests are in tests/editors/.

emacslispdir = $(datadir)/emacs/site-lisp
dist_emacslisp_DATA = %reldir%/emacs/trawl.el

nvimpackdir = $(datadir)/nvim/site/pack/trawl/start/trawl
nvimluadir = $(nvimpackdir)/lua/trawl
dist_nvimlua_DATA = %reldir%/nvim/lua/trawl/init.lua
nvimplugindir = $(nvimpackdir)/plugin
dist_nvimplugin_DATA = %reldir%/nvim/plugin/trawl.lua
nvimdocdir = $(nvimpackdir)/doc
dist_nvimdoc_DATA = %reldir%/nvim/doc/trawl.txt

EXTRA_DIST += %reldir%/README.md
