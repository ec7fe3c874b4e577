-- trawl/init.lua: the Neovim (0.7+) front end of trawl, a full-text search engine for
-- news articles. Called by the commands of plugin/trawl.lua (:Trawl, :LTrawl, :TrawlOpen)
-- and by the user's require('trawl').setup{...}; tested by tests/editors/trawl_spec.lua.
--
-- It runs `trawl serve` once per database with vim.fn.jobstart and keeps it: one JSON
-- request a line on its stdin, one JSON response a line on its stdout (doc/protocol.md).
-- Each request carries an integer `id`; responses are matched to callbacks by it, and a
-- search response whose id is no longer the newest for its list is dropped unseen.
-- Searches ask for "offsets":"bytes", so the highlight ranges are byte columns, which is
-- what nvim_buf_add_highlight takes.

local M = {}

local api = vim.api
local json_encode = vim.json and vim.json.encode or vim.fn.json_encode
local json_decode = vim.json and vim.json.decode or vim.fn.json_decode

local config = {
  program = 'trawl', -- the trawl program, looked up in $PATH
  database = nil,    -- database directory; nil: trawl's default ($TRAWL_DB, ~/.local/share/trawl/db)
  limit = 20,        -- hits per search, 1..1000
  snippet = 200,     -- snippet length in characters, 0 for none
}

-- Running servers by database key ('' for the default). Each is a table:
-- { job = channel id, db = path or nil, partial = text after the last newline,
--   next_id = last id sent, callbacks = { [id] = function(response) }, stderr = last line }
M._servers = {}

-- The id of the newest search per list: 'qf', or 'loc' .. window id.
local latest = {}

local ns = api.nvim_create_namespace('trawl')
local SEP = ' — '

vim.cmd('highlight default link TrawlMatch Search')
vim.cmd('highlight default link TrawlTitle Title')

-- The text shown for each entry of a trawl quickfix or location list: the entry's own
-- text, so that highlight columns computed from it hold (quickfix-window-function).
vim.cmd([[
function! TrawlQuickfixText(info) abort
  return v:lua.require'trawl'._qf_text(a:info)
endfunction
]])

--- Sets the options: program, database, limit, snippet (any subset).
function M.setup(opts)
  opts = opts or {}
  vim.validate({
    program = { opts.program, 'string', true },
    database = { opts.database, 'string', true },
    limit = { opts.limit, 'number', true },
    snippet = { opts.snippet, 'number', true },
  })
  for k, v in pairs(opts) do
    config[k] = v
  end
end

local function notify_error(message, code)
  vim.notify(('trawl: %s (%s)'):format(message or 'unknown error', code or 'no code'),
    vim.log.levels.ERROR)
end

local function report(response)
  local err = type(response.error) == 'table' and response.error or {}
  notify_error(err.message, err.code)
end

local function db_key(db)
  return db and vim.fn.fnamemodify(db, ':p') or ''
end

-- Server processes ------------------------------------------------------------------

local function dispatch(server, line)
  local ok, response = pcall(json_decode, line)
  if not ok or type(response) ~= 'table' then
    notify_error('cannot read the server response ' .. line:sub(1, 80), 'bad_json')
    return
  end
  local callback = response.id and server.callbacks[response.id]
  if callback then
    server.callbacks[response.id] = nil
    callback(response)
  elseif response.ok ~= true then
    report(response)
  end
end

--- Takes one on_stdout delivery: `data` is a list of strings where the first continues
--- the line in progress and each further one starts a new line; the last is the
--- (possibly empty) start of the next line. Complete lines are dispatched.
function M._receive(server, data)
  server.partial = server.partial .. data[1]
  for i = 2, #data do
    local line = server.partial
    server.partial = data[i]
    if line ~= '' then
      dispatch(server, line)
    end
  end
end

local function exited(server, status)
  local key = db_key(server.db)
  if M._servers[key] == server then
    M._servers[key] = nil
  end
  local message = ('trawl serve exited with status %d%s'):format(status,
    server.stderr and (': ' .. server.stderr) or '')
  local callbacks = server.callbacks
  server.callbacks = {}
  for id, callback in pairs(callbacks) do
    callback({ id = id, ok = false, error = { code = 'unavailable', message = message } })
  end
end

local function start(db)
  local server = { db = db, partial = '', next_id = 0, callbacks = {} }
  local cmd = { config.program, 'serve' }
  if db then
    vim.list_extend(cmd, { '--db', vim.fn.fnamemodify(db, ':p') })
  end
  local ok, job = pcall(vim.fn.jobstart, cmd, {
    on_stdout = function(_, data) M._receive(server, data) end,
    on_stderr = function(_, data)
      for _, l in ipairs(data) do
        if l ~= '' then server.stderr = l end
      end
    end,
    on_exit = function(_, status) exited(server, status) end,
  })
  if not ok or job <= 0 then
    return nil, ok and (job == -1 and 'not executable' or 'invalid arguments') or job
  end
  server.job = job
  M._servers[db_key(db)] = server
  return server
end

local function server_for(db)
  local server = M._servers[db_key(db)]
  if server and vim.fn.jobwait({ server.job }, 0)[1] == -1 then
    return server
  end
  return start(db)
end

--- Sends `request` (a table without id) to the server for `db`; `callback` gets the
--- response table. Returns the id, or nil when the server could not be started (said
--- with vim.notify; the callback is then never called).
function M._request(request, callback, db)
  local server, why = server_for(db)
  if not server then
    notify_error(('cannot run %s serve: %s'):format(config.program, why), 'unavailable')
    return nil
  end
  server.next_id = server.next_id + 1
  local id = server.next_id
  request.id = id
  server.callbacks[id] = callback
  vim.fn.chansend(server.job, json_encode(request) .. '\n')
  return id
end

local function cancel(id, db)
  local server = M._servers[db_key(db)]
  if id and server and server.callbacks[id] then
    M._request({ op = 'cancel', target = id }, function() end, db)
  end
end

-- Quickfix and location lists -------------------------------------------------------

local function one_line(s)
  return (tostring(s or ''):gsub('[\r\n\t]', ' '))
end

-- The entry of one hit, and the byte column where its snippet starts in that text.
local function entry(hit)
  local snippet = one_line(hit.snippet)
  local head = ('%d. %s%s'):format(hit.rank or 0, one_line(hit.title),
    snippet ~= '' and SEP or '')
  return { text = head .. snippet, valid = 0 }, #head
end

local function get_list(loc_win, what)
  if loc_win then
    return vim.fn.getloclist(loc_win, what)
  end
  return vim.fn.getqflist(what)
end

function M._qf_text(info)
  local list = info.quickfix == 1 and vim.fn.getqflist({ id = info.id, items = 1 })
    or vim.fn.getloclist(info.winid, { id = info.id, items = 1 })
  local lines = {}
  for i = info.start_idx, info.end_idx do
    lines[#lines + 1] = list.items[i].text
  end
  return lines
end

-- Highlights the matches of the trawl list shown in quickfix buffer `buf`, and maps <CR>.
function M._decorate(buf, loc_win)
  local ctx = get_list(loc_win, { context = 1 }).context
  if type(ctx) ~= 'table' or type(ctx.trawl) ~= 'table' then
    return
  end
  api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  local count = api.nvim_buf_line_count(buf)
  for i, ranges in ipairs(ctx.trawl.highlights) do
    if i > count then break end
    for _, r in ipairs(ranges) do
      api.nvim_buf_add_highlight(buf, ns, 'TrawlMatch', i - 1, r[1], r[2])
    end
  end
  vim.keymap.set('n', '<CR>', M.open_current, { buffer = buf, desc = 'trawl: open the article' })
end

function M._show(target, loc_win, query, db, response)
  local items, docs, highlights = {}, {}, {}
  for i, hit in ipairs(response.hits or {}) do
    local item, base = entry(hit)
    items[i], docs[i], highlights[i] = item, hit.doc, {}
    local len = #item.text
    for _, r in ipairs(hit.highlights or {}) do
      local s, e = base + r[1], math.min(base + r[2], len)
      if r[1] >= 0 and s < e then
        table.insert(highlights[i], { s, e })
      end
    end
  end
  local what = {
    title = 'trawl: ' .. query,
    items = items,
    quickfixtextfunc = 'TrawlQuickfixText',
    context = { trawl = { query = query, database = db or vim.NIL, docs = docs,
                          highlights = highlights } },
  }
  if loc_win then
    if not api.nvim_win_is_valid(loc_win) then return end
    vim.fn.setloclist(loc_win, {}, ' ', what)
    api.nvim_win_call(loc_win, function() vim.cmd('lopen') end)
  else
    vim.fn.setqflist({}, ' ', what)
    vim.cmd('copen')
  end
  local buf = get_list(loc_win, { qfbufnr = 1 }).qfbufnr
  if buf and buf > 0 then
    M._decorate(buf, loc_win)
  end
  if #items == 0 then
    vim.notify(('trawl: no articles match %s'):format(query), vim.log.levels.INFO)
  end
end

local function on_search(target, loc_win, query, db, response)
  if response.id ~= latest[target] then
    return -- stale: a newer search was sent for this list
  end
  latest[target] = nil
  if response.ok ~= true then
    report(response)
  else
    M._show(target, loc_win, query, db, response)
  end
end

--- Searches for `query` and fills the quickfix list, or with opts.loclist the current
--- window's location list, when the response arrives. Returns the request id or nil.
function M.search(query, opts)
  opts = opts or {}
  local loc_win = opts.loclist and api.nvim_get_current_win() or nil
  local target = loc_win and ('loc' .. loc_win) or 'qf'
  local db = config.database
  cancel(latest[target], db)
  local id = M._request({ op = 'search', q = query, limit = config.limit,
                          snippet = config.snippet, offsets = 'bytes' },
    function(response) on_search(target, loc_win, query, db, response) end, db)
  latest[target] = id
  return id
end

-- Articles --------------------------------------------------------------------------

-- The words of a query worth highlighting: operators dropped, field prefixes removed,
-- a few English endings cut so that matching word beginnings finds the stemmed forms.
function M._query_terms(query)
  local ops = { AND = true, OR = true, NOT = true, XOR = true, NEAR = true, ADJ = true }
  local terms, seen = {}, {}
  for token in (query or ''):gmatch('%S+') do
    token = token:gsub('^.*:', '')
    for word in token:gmatch('[%w\128-\255]+') do
      if not ops[word] then
        word = vim.fn.tolower(word)
        for _, ending in ipairs({ 'ing', 'ed', 'es', 's' }) do
          if #word - #ending >= 3 and word:sub(-#ending) == ending then
            word = word:sub(1, -#ending - 1)
            break
          end
        end
        if not seen[word] then
          seen[word] = true
          terms[#terms + 1] = word
        end
      end
    end
  end
  return terms
end

local function highlight_terms(buf, terms)
  for _, term in ipairs(terms) do
    local re = vim.regex('\\c\\<' .. vim.fn.escape(term, '\\') .. '\\k*')
    for lnum = 0, api.nvim_buf_line_count(buf) - 1 do
      local col = 0
      while true do
        local s, e = re:match_line(buf, lnum, col)
        if not s then break end
        api.nvim_buf_add_highlight(buf, ns, 'TrawlMatch', lnum, col + s, col + e)
        col = col + math.max(e, s + 1)
      end
    end
  end
end

local function field_text(v)
  if type(v) == 'table' then
    local parts = {}
    for _, x in ipairs(v) do parts[#parts + 1] = tostring(x) end
    return table.concat(parts, ', ')
  end
  return tostring(v)
end

local function show_article(doc, query, win, response)
  if response.ok ~= true then
    report(response)
    return
  end
  local article = type(response.article) == 'table' and response.article or {}
  local name = 'trawl://' .. doc
  local buf = vim.fn.bufnr(name)
  if buf == -1 then
    buf = api.nvim_create_buf(true, true)
    api.nvim_buf_set_name(buf, name)
  end
  local lines = { one_line(article.title or doc) }
  -- JSON objects reach Lua unordered: known fields first, then the rest by name.
  local rank = { date = 1, author = 2, source = 3, url = 4 }
  local keys = vim.tbl_keys(article)
  table.sort(keys, function(a, b)
    local ra, rb = rank[a] or 99, rank[b] or 99
    if ra ~= rb then return ra < rb end
    return a < b
  end)
  for _, k in ipairs(keys) do
    if k ~= 'title' and k ~= 'body' and article[k] ~= vim.NIL then
      lines[#lines + 1] = k .. ': ' .. one_line(field_text(article[k]))
    end
  end
  lines[#lines + 1] = ''
  vim.list_extend(lines, vim.split(tostring(article.body or ''), '\n', { plain = true }))
  vim.bo[buf].modifiable = true
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'trawl'
  api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  api.nvim_buf_add_highlight(buf, ns, 'TrawlTitle', 0, 0, -1)
  highlight_terms(buf, M._query_terms(query))
  if not api.nvim_win_is_valid(win) then
    win = api.nvim_get_current_win()
  end
  api.nvim_win_set_buf(win, buf)
  api.nvim_set_current_win(win)
end

--- Opens the article `doc` in a scratch buffer, the words of `query` highlighted, in
--- window `win` (default: the current one, or the previous one from a quickfix window).
function M.open(doc, query, db, win)
  if not win then
    win = api.nvim_get_current_win()
    if vim.bo.buftype == 'quickfix' then
      win = vim.fn.win_getid(vim.fn.winnr('#'))
    end
  end
  return M._request({ op = 'get', doc = doc },
    function(response) show_article(doc, query, win, response) end, db or config.database)
end

--- Opens the article of the current trawl quickfix or location list entry: the entry
--- under the cursor in a list window, else the list's current entry. In a list that is
--- not trawl's, does what <CR> does there.
function M.open_current()
  local in_list = vim.bo.buftype == 'quickfix'
  local loc_win = nil
  if in_list and vim.fn.getwininfo(api.nvim_get_current_win())[1].loclist == 1 then
    loc_win = api.nvim_get_current_win()
  end
  local list = get_list(loc_win, { context = 1, idx = 0 })
  local idx = in_list and vim.fn.line('.') or list.idx
  local ctx = type(list.context) == 'table' and list.context.trawl
  if type(ctx) ~= 'table' then
    if in_list then
      vim.cmd((loc_win and 'll ' or 'cc ') .. vim.fn.line('.'))
    else
      notify_error('the quickfix list is not a trawl search', 'no_list')
    end
    return nil
  end
  local doc = ctx.docs[idx]
  if not doc then
    notify_error('no hit on this line', 'no_hit')
    return nil
  end
  local db = ctx.database ~= vim.NIL and ctx.database or nil
  return M.open(doc, ctx.query, db)
end

return M
