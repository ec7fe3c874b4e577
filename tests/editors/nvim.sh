#!/bin/sh
# tests/editors/nvim.sh: runs the Neovim plugin's tests (trawl_spec.lua) in
# `nvim --headless` against a real `trawl serve` on a fixture database. Run by
# `make check`; skips (77) when Neovim or the trawl program is missing.
. "${top_srcdir:-.}/tests/editors/common.sh"
editors_need_editor NVIM nvim neovim
editors_need_trawl
editors_make_db

# -u NONE loads no user config and no plugins: the plugin file is sourced explicitly.
TRAWL_TEST_PROGRAM=$TRAWL_BIN TRAWL_TEST_DB=$EDITORS_DB \
    "$NVIM" --headless -u NONE -i NONE -n \
    --cmd "set runtimepath^=$top_srcdir/editors/nvim" \
    -c 'runtime plugin/trawl.lua' \
    -c "luafile $top_srcdir/tests/editors/trawl_spec.lua" </dev/null
