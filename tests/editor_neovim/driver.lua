-- Drives Neovim as a user would, with a documented setup as its init.lua
-- (see tests/editor_neovim.rs): opens the project's files, waits for their
-- diagnostics, hovers, picks a quick fix from the code-action menu, runs
-- "Fix all safe problems" with the documented call, saves a config, quits.
-- Writes what the editor held to $BAKELINT_RESULT as JSON. Works on Neovim
-- 0.7 and later.
local result = { steps = {}, errors = {} }
local uv = vim.uv or vim.loop

local function finish()
  local f = assert(io.open(vim.env.BAKELINT_RESULT, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qa!")
end

-- A diagnostic as the editor shows it: 1-based line and character column
-- (what `bakelint check` prints), and the text it covers.
local function diags(buf)
  local res = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1] or ""
    local end_line = vim.api.nvim_buf_get_lines(buf, d.end_lnum, d.end_lnum + 1, false)[1] or ""
    local stop = (d.end_lnum == d.lnum) and d.end_col or #line
    table.insert(res, {
      code = d.code,
      line = d.lnum + 1,
      col = vim.fn.charidx(line, d.col) + 1,
      end_line = d.end_lnum + 1,
      end_col = (d.end_col >= #end_line) and (vim.fn.strchars(end_line) + 1)
        or (vim.fn.charidx(end_line, d.end_col) + 1),
      text = line:sub(d.col + 1, stop),
    })
  end
  table.sort(res, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    if a.col ~= b.col then return a.col < b.col end
    return tostring(a.code) < tostring(b.code)
  end)
  return res
end

local function has_code(buf, code)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code then return true end
  end
  return false
end

local function clock() return uv.hrtime() / 1e6 end

local function lines(buf) return vim.api.nvim_buf_get_lines(buf, 0, -1, false) end

local function clients(buf)
  if vim.lsp.get_clients then return #vim.lsp.get_clients({ bufnr = buf }) end
  return #vim.tbl_keys(vim.lsp.buf_get_clients(buf))
end

-- The server publishes a document's own diagnostics with its version, the
-- findings in files that are not open without: count the former per URI.
local own_publications = {}
local publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, params, ctx, config)
  if params and params.version ~= nil and params.version ~= vim.NIL then
    own_publications[params.uri] = (own_publications[params.uri] or 0) + 1
  end
  return publish(err, params, ctx, config)
end

-- Records every entry of the next code-action menu and picks the first.
local function pick_first(into)
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      table.insert(into, opts.format_item and opts.format_item(item) or tostring(item))
    end
    on_choice(items[1], 1)
  end
end

-- Opens a file and waits for the server's diagnostics of it.
local function open(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  local start = clock()
  vim.wait(10000, function() return (own_publications[uri] or 0) > 0 end, 5)
  result.steps[path] = {
    filetype = vim.bo[buf].filetype,
    bomb = vim.bo[buf].bomb,
    clients = clients(buf),
    ms = math.floor(clock() - start),
    diagnostics = diags(buf),
  }
  return buf
end

local ok, err = pcall(function()
  local df = open("Dockerfile")
  open("bom.Dockerfile")
  local bake = open("docker-bake.hcl")
  open("compose.yaml")
  open(".github/workflows/ci.yml")

  -- Hover on the Dockerfile's first diagnostic.
  vim.cmd("buffer " .. df)
  local first = vim.diagnostic.get(df, { lnum = 0 })[1]
  if first then
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(df) },
      position = { line = first.lnum, character = first.col },
    }
    for _, r in pairs(vim.lsp.buf_request_sync(df, "textDocument/hover", params, 5000) or {}) do
      if r.result and r.result.contents then
        local c = r.result.contents
        result.hover = type(c) == "table" and (c.value or vim.fn.json_encode(c)) or tostring(c)
      end
    end
  end

  -- A quick fix picked from the code-action menu on a bake file line.
  vim.cmd("buffer " .. bake)
  local target
  for _, d in ipairs(vim.diagnostic.get(bake)) do
    if d.code == "BP003" then target = d end
  end
  if target then
    vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
    local menu = {}
    pick_first(menu)
    local before = table.concat(lines(bake), "\n")
    vim.lsp.buf.code_action()
    vim.wait(5000, function() return table.concat(lines(bake), "\n") ~= before end, 5)
    vim.wait(5000, function() return not has_code(bake, "BP003") end, 5)
    result.quickfix = {
      menu = menu,
      line = vim.api.nvim_buf_get_lines(bake, target.lnum, target.lnum + 1, false)[1],
      diagnostics = diags(bake),
    }
  else
    table.insert(result.errors, "no BP003 in docker-bake.hcl")
  end

  -- "Fix all safe problems" with the documented call, then :write.
  vim.cmd("buffer " .. df)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  local menu = {}
  pick_first(menu)
  local before = table.concat(lines(df), "\n")
  assert(loadstring(vim.env.BAKELINT_FIX_ALL))()
  vim.wait(5000, function() return table.concat(lines(df), "\n") ~= before end, 5)
  vim.cmd("write")
  vim.wait(5000, function() return not has_code(df, "DL3042") end, 5)
  result.fix_all = { menu = menu, text = lines(df), diagnostics = diags(df) }

  -- A config saved from the editor, in a buffer the server is not attached to.
  vim.cmd("edit bakelint.toml")
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'ignore = ["DL3013"]' })
  vim.cmd("write")
  vim.cmd("buffer " .. df)
  local start = clock()
  vim.wait(10000, function() return not has_code(df, "DL3013") end, 5)
  result.config = { ms = math.floor(clock() - start), diagnostics = diags(df) }
end)
if not ok then table.insert(result.errors, tostring(err)) end
finish()
