-- plugin/trawl.lua: the user commands of trawl's Neovim plugin, sourced at start-up from
-- the 'runtimepath'. The work is done, on first use, by lua/trawl/init.lua.
--   :Trawl {query}     search, filling the quickfix list
--   :LTrawl {query}    search, filling the current window's location list
--   :TrawlOpen [doc]   open the article of the current entry (or the given id)
if vim.g.loaded_trawl then
  return
end
vim.g.loaded_trawl = 1

local command = vim.api.nvim_create_user_command

command('Trawl', function(o)
  require('trawl').search(o.args)
end, { nargs = '+' })

command('LTrawl', function(o)
  require('trawl').search(o.args, { loclist = true })
end, { nargs = '+' })

command('TrawlOpen', function(o)
  if o.args ~= '' then
    require('trawl').open(o.args)
  else
    require('trawl').open_current()
  end
end, { nargs = '?' })

-- Re-apply the match highlights when a trawl list is shown again in a quickfix window.
vim.api.nvim_create_autocmd('BufWinEnter', {
  group = vim.api.nvim_create_augroup('trawl', { clear = true }),
  callback = function(ev)
    if vim.bo[ev.buf].buftype == 'quickfix' and package.loaded['trawl'] then
      local win = vim.api.nvim_get_current_win()
      local loc = vim.fn.getwininfo(win)[1].loclist == 1 and win or nil
      require('trawl')._decorate(ev.buf, loc)
    end
  end,
})
