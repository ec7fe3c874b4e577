-- trawl_spec.lua: tests of the Neovim plugin (editors/nvim) over a real `trawl serve`.
-- Run by tests/editors/nvim.sh in `nvim --headless`, which builds the fixture database of
-- tests/editors/common.sh with `trawl index` and passes TRAWL_TEST_PROGRAM and
-- TRAWL_TEST_DB in the environment; the expected hits follow from that fixture.
-- Each case drives the plugin's commands, waits for the server with vim.wait (which runs
-- the job callbacks), and inspects the lists and buffers. Exits 0 when every case passed.

local trawl = require('trawl')
local api = vim.api

local program = assert(os.getenv('TRAWL_TEST_PROGRAM'), 'TRAWL_TEST_PROGRAM is not set')
local database = assert(os.getenv('TRAWL_TEST_DB'), 'TRAWL_TEST_DB is not set')
trawl.setup({ program = program, database = database, limit = 10 })

local ZEBRA_DOCS = { 'zebra-1', 'zebra-2', 'zebra-3' }
local ZEBRA_TITLES = { 'Zebra crossing rules', 'City traffic report', 'Zoo animals counted' }
local TIMEOUT = 15000
local ns = api.nvim_create_namespace('trawl')

-- Records what the plugin shows: the queries rendered, the notifications.
local shown, notes = {}, {}
local real_show = trawl._show
trawl._show = function(target, loc_win, query, db, response)
  shown[#shown + 1] = query
  return real_show(target, loc_win, query, db, response)
end
vim.notify = function(msg, level)
  notes[#notes + 1] = { msg = msg, level = level }
end

local function out(s)
  io.stdout:write(s .. '\n')
end

local function wait_for(what, cond)
  if not vim.wait(TIMEOUT, cond, 10) then
    error(('timed out waiting for %s (shown: %s; notes: %s)'):format(what,
      vim.inspect(shown), vim.inspect(notes)), 2)
  end
end

-- Lets responses still on their way arrive (the server answers in order).
local function settle()
  vim.wait(300, function() return false end, 10)
end

local function eq(want, got, what)
  if not vim.deep_equal(want, got) then
    error(('%s: want %s, got %s'):format(what, vim.inspect(want), vim.inspect(got)), 2)
  end
end

local function ok(cond, what)
  if not cond then error(what, 2) end
end

local function reset()
  shown, notes = {}, {}
end

-- Runs `:{cmd} {query}` and waits until that query's list is shown.
local function run(cmd, query)
  reset()
  vim.cmd(cmd .. ' ' .. query)
  wait_for('the results of ' .. query, function() return shown[#shown] == query end)
end

local function qf_texts()
  local texts = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    texts[#texts + 1] = item.text
  end
  return texts
end

local function docs_of(list)
  return list.context.trawl.docs
end

local cases = {}

cases[#cases + 1] = { 'on_stdout pieces are reassembled into lines', function()
  local got = {}
  local server = { partial = '', callbacks = {
    [1] = function(r) got[#got + 1] = r.title end,
    [2] = function(r) got[#got + 1] = r.title end,
  } }
  trawl._receive(server, { '{"id":1,"ok":true,"ti' })
  eq({}, got, 'before the newline')
  trawl._receive(server, { 'tle":"Zürich"}', '{"id":2,' })
  eq({ 'Zürich' }, got, 'after the first line')
  trawl._receive(server, { '"ok":true,"title":"b"}', '' })
  eq({ 'Zürich', 'b' }, got, 'after the second line')
  eq('', server.partial, 'nothing left over')
end }

cases[#cases + 1] = { ':Trawl fills the quickfix list with the hits in rank order', function()
  run('Trawl', 'zebra')
  local list = vim.fn.getqflist({ title = 1, context = 1, items = 1 })
  eq('trawl: zebra', list.title, 'list title')
  eq(ZEBRA_DOCS, docs_of(list), 'docs in order')
  local texts = qf_texts()
  eq(#ZEBRA_TITLES, #texts, 'number of entries')
  for i, title in ipairs(ZEBRA_TITLES) do
    local prefix = ('%d. %s — '):format(i, title)
    eq(prefix, texts[i]:sub(1, #prefix), 'entry ' .. i)
  end
  -- The quickfix window shows exactly the entries' text.
  local qfbuf = vim.fn.getqflist({ qfbufnr = 1 }).qfbufnr
  eq(texts, api.nvim_buf_get_lines(qfbuf, 0, -1, false), 'quickfix window lines')
end }

cases[#cases + 1] = { 'highlights land on the right byte columns of a non-ASCII snippet', function()
  run('Trawl', 'zürich')
  local qfbuf = vim.fn.getqflist({ qfbufnr = 1 }).qfbufnr
  local line = api.nvim_buf_get_lines(qfbuf, 0, 1, false)[1]
  local marks = api.nvim_buf_get_extmarks(qfbuf, ns, 0, -1, { details = true })
  ok(#marks > 0, 'no highlight in the quickfix window: ' .. line)
  local shifted = false
  for _, m in ipairs(marks) do
    local row, col, d = m[2], m[3], m[4]
    eq(0, row, 'highlight row')
    eq('TrawlMatch', d.hl_group, 'highlight group')
    local text = line:sub(col + 1, d.end_col)
    eq('zürich', vim.fn.tolower(text), 'highlighted text at bytes ' .. col .. '-' .. d.end_col)
    -- Byte and character columns differ here, so "bytes" offsets were used.
    shifted = shifted or vim.fn.strchars(line:sub(1, col)) ~= col
  end
  ok(shifted, 'no highlight after a non-ASCII character: ' .. line)
end }

cases[#cases + 1] = { 'stale responses are dropped, only the last search is shown', function()
  reset()
  -- Sent back to back: no response is read before the last search is sent.
  for _, q in ipairs({ 'zebra', 'zürich', 'maize', 'wheat' }) do
    trawl.search(q)
  end
  wait_for('the last search', function() return shown[#shown] == 'wheat' end)
  settle()
  eq({ 'wheat' }, shown, 'lists shown')
  eq({}, notes, 'notifications (cancelled searches must be silent)')
  eq({ 'grain-1', 'grain-3' }, docs_of(vim.fn.getqflist({ context = 1 })), 'docs')
end }

cases[#cases + 1] = { ':LTrawl fills the location list of the current window', function()
  vim.cmd('wincmd t')
  local win = api.nvim_get_current_win()
  run('LTrawl', 'maize')
  local list = vim.fn.getloclist(win, { title = 1, context = 1 })
  eq('trawl: maize', list.title, 'location list title')
  eq('grain-2', docs_of(list)[1], 'first hit')
  eq('grain-1', docs_of(vim.fn.getqflist({ context = 1 }))[1], 'quickfix list unchanged')
end }

cases[#cases + 1] = { '<CR> in the quickfix window opens the article, terms highlighted', function()
  run('Trawl', 'zebra')
  vim.cmd('copen')
  api.nvim_win_set_cursor(0, { 2, 0 })
  api.nvim_feedkeys(api.nvim_replace_termcodes('<CR>', true, false, true), 'x', false)
  wait_for('the article buffer', function() return vim.fn.bufnr('trawl://zebra-2') ~= -1 end)
  local buf = vim.fn.bufnr('trawl://zebra-2')
  eq(buf, api.nvim_get_current_buf(), 'the article is shown in the current window')
  ok(vim.bo.buftype ~= 'quickfix', 'the article replaced the quickfix window')
  eq(false, vim.bo[buf].modifiable, 'modifiable')
  eq('nofile', vim.bo[buf].buftype, 'buftype')
  local lines = api.nvim_buf_get_lines(buf, 0, -1, false)
  eq('City traffic report', lines[1], 'title line')
  ok(table.concat(lines, '\n'):find('second zebra crossing', 1, true), 'body missing')
  local n = 0
  for _, m in ipairs(api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
    if m[4].hl_group == 'TrawlMatch' then
      local text = lines[m[2] + 1]:sub(m[3] + 1, m[4].end_col)
      eq('zebra', vim.fn.tolower(text):sub(1, 5), 'highlighted word')
      n = n + 1
    end
  end
  ok(n >= 2, 'expected the two body matches highlighted, got ' .. n)
end }

cases[#cases + 1] = { ':TrawlOpen opens the current entry', function()
  run('Trawl', 'zebra')
  vim.cmd('cfirst')
  vim.cmd('wincmd t')
  reset()
  vim.cmd('TrawlOpen')
  wait_for('the article', function()
    return api.nvim_buf_get_name(0):match('trawl://zebra%-1$') ~= nil
  end)
  eq('Zebra crossing rules', api.nvim_buf_get_lines(0, 0, 1, false)[1], 'title line')
end }

cases[#cases + 1] = { 'a bad query is reported and the plugin keeps working', function()
  run('Trawl', 'zebra')
  reset()
  vim.cmd('Trawl zebra AND')
  wait_for('the error', function() return #notes > 0 end)
  ok(notes[1].msg:find('(bad_query)', 1, true), 'message: ' .. notes[1].msg)
  eq(vim.log.levels.ERROR, notes[1].level, 'level')
  eq(ZEBRA_DOCS, docs_of(vim.fn.getqflist({ context = 1 })), 'list kept')
  run('Trawl', 'maize')
  eq('grain-2', docs_of(vim.fn.getqflist({ context = 1 }))[1], 'next search')
end }

cases[#cases + 1] = { 'a killed server is restarted by the next search', function()
  run('Trawl', 'zebra')
  local server = trawl._servers[vim.fn.fnamemodify(database, ':p')]
  ok(server, 'no server registered for ' .. database)
  local pid = vim.fn.jobpid(server.job)
  vim.loop.kill(pid, 9)
  wait_for('the server to die', function() return vim.fn.jobwait({ server.job }, 0)[1] ~= -1 end)
  run('Trawl', 'wheat')
  local again = trawl._servers[vim.fn.fnamemodify(database, ':p')]
  ok(again and again ~= server, 'no new server')
  ok(vim.fn.jobpid(again.job) ~= pid, 'same pid')
  eq('grain-1', docs_of(vim.fn.getqflist({ context = 1 }))[1], 'results after restart')
end }

local failed = 0
for i, case in ipairs(cases) do
  local passed, err = pcall(case[2])
  if passed then
    out(('ok %d - %s'):format(i, case[1]))
  else
    failed = failed + 1
    out(('not ok %d - %s\n#   %s'):format(i, case[1], tostring(err)))
  end
end
out(('%d of %d cases passed'):format(#cases - failed, #cases))
vim.cmd((failed == 0 and 'qall!' or 'cquit! 1'))
