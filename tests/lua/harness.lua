-- Assertion helpers and a runner for tests/lua/test_*.lua.
--
-- A test file is an NSE script whose prerule returns true and whose action
-- returns harness.run(cases): "PASS <checks>" when every case passed, else
-- "FAIL <failed>/<cases>: <details>". Each case is {name, function}; a case
-- fails when it raises (the helpers below raise on a failed check). With
-- the script argument test.gc set, a full collectgarbage() runs before and
-- after every case, so state that only survives by luck of the collector
-- shows up (STYLE.md: Lua tests run a second pass that way).
--
-- Loaded with dofile, so it runs in _G (strict): it declares no globals.

local stdnse = require "stdnse"

local H = {}
local checks = 0

-- Short printable form of a value for failure messages.
local function show(v)
  if type(v) == "string" then
    return (string.format("%q", v):gsub("\\\n", "\\n"))
  end
  return tostring(v)
end
H.show = show

function H.ok(cond, what)
  checks = checks + 1
  if not cond then
    error(what or "check failed", 2)
  end
end

function H.eq(got, want, what)
  checks = checks + 1
  if got ~= want or math.type(got) ~= math.type(want) then
    error(string.format("%s: got %s (%s), want %s (%s)", what or "eq",
      show(got), math.type(got) or type(got), show(want),
      math.type(want) or type(want)), 2)
  end
end

-- Deep equality of plain tables (pairs order ignored).
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then
    return a == b and math.type(a) == math.type(b)
  end
  for k, v in pairs(a) do
    if not same(v, b[k]) then
      return false
    end
  end
  for k in pairs(b) do
    if a[k] == nil then
      return false
    end
  end
  return true
end

function H.same(got, want, what)
  checks = checks + 1
  if not same(got, want) then
    error((what or "same") .. ": tables differ", 2)
  end
end

-- fn must raise an error whose text contains the plain string needle.
function H.raises(fn, needle, what)
  checks = checks + 1
  local ok, err = pcall(fn)
  if ok then
    error((what or "raises") .. ": did not raise", 2)
  end
  if needle and not string.find(tostring(err), needle, 1, true) then
    error(string.format("%s: error %s lacks %s", what or "raises",
      show(tostring(err)), show(needle)), 2)
  end
end

-- Calls fn with nmap.log_write, nmap.debugging and nmap.verbosity replaced,
-- and returns the lines fn logged. Restores the originals even on error.
function H.capture_log(debugging, verbosity, fn)
  local saved_write = nmap.log_write
  local saved_debugging, saved_verbosity = nmap.debugging, nmap.verbosity
  local lines = {}
  nmap.log_write = function(where, text)
    lines[#lines + 1] = where .. "|" .. text
  end
  nmap.debugging = function() return debugging end
  nmap.verbosity = function() return verbosity end
  local ok, err = pcall(fn)
  nmap.log_write = saved_write
  nmap.debugging, nmap.verbosity = saved_debugging, saved_verbosity
  if not ok then
    error(err, 0)
  end
  return lines
end

function H.run(cases)
  local use_gc = stdnse.get_script_args("test.gc") ~= nil
  local failed = {}
  for i, case in ipairs(cases) do
    if use_gc then
      collectgarbage("collect")
    end
    local ok, err = pcall(case[2])
    if not ok then
      failed[#failed + 1] = string.format("[%d %s] %s", i, case[1],
        (tostring(err):gsub("\n", "\\n")))
    end
    if use_gc then
      collectgarbage("collect")
    end
  end
  if #failed > 0 then
    return string.format("FAIL %d/%d: %s", #failed, #cases,
      table.concat(failed, "; "))
  end
  return "PASS " .. checks
end

return H
