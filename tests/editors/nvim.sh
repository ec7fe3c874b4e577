#!/bin/sh
# tests/editors/nvim.sh: runs the Neovim plugin's tests (trawl_spec.lua) in
# `nvim --headless` against a real `trawl serve` on a fixture database, then checks that
# the server ends with Neovim. Run by `make check`; skips (77) when Neovim or the trawl
# program is missing.
. "${top_srcdir:-.}/tests/editors/common.sh"
editors_need_editor NVIM nvim neovim
editors_need_trawl
editors_make_db

# -u NONE loads no user config and no plugins: the plugin file is sourced explicitly.
# A Lua error outside the cases would leave Neovim waiting for input: lua_run quits
# with status 2 instead.
nvim_run() {
    TRAWL_TEST_PROGRAM=$TRAWL_BIN TRAWL_TEST_DB=$EDITORS_DB \
        "$NVIM" --headless -u NONE -i NONE -n \
        --cmd "set runtimepath^=$top_srcdir/editors/nvim" \
        -c 'runtime plugin/trawl.lua' "$@" </dev/null
}
lua_run() {
    nvim_run -c "lua local ok, err = pcall(dofile, '$1') if not ok then io.stdout:write(tostring(err) .. '\\n') vim.cmd('cquit! 2') end"
}
lua_run "$top_srcdir/tests/editors/trawl_spec.lua" || exit 1

# The server started by a search must not outlive Neovim.
cat >"$EDITORS_TMP/pid.lua" <<'LUA'
  local trawl = require('trawl')
  local db = os.getenv('TRAWL_TEST_DB')
  trawl.setup({ program = os.getenv('TRAWL_TEST_PROGRAM'), database = db })
  local done = false
  trawl._request({ op = 'ping' }, function() done = true end, db)
  vim.wait(10000, function() return done end, 10)
  io.stdout:write(vim.fn.jobpid(trawl._servers[vim.fn.fnamemodify(db, ':p')].job))
  vim.cmd('qall!')
LUA
pid=$(lua_run "$EDITORS_TMP/pid.lua")
case $pid in '' | *[!0-9]*) echo "FAIL: no server pid from Neovim: '$pid'"; exit 1 ;; esac
editors_wait_gone "$pid" "Neovim"
