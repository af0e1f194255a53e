-- Tests for nselib/strict.lua and for the engine applying it to _G.
local stdnse = require "stdnse"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for strict."
categories = {"safe"}

prerule = function() return true end

local strict = require "strict"

-- A strict table with x declared by a main chunk.
local function fresh()
  local env = strict({})
  assert(load("x = 1; declared_nil = nil", "=decl", "t", env))()
  return env
end

local cases = {
  {"returns its argument", function()
    local t = {}
    H.eq(strict(t), t, "strict(t) is t")
    H.eq(type(strict), "function", "module is a function")
  end},
  {"declared by main chunk", function()
    local env = fresh()
    H.eq(env.x, 1, "x readable")
    H.eq(env.declared_nil, nil, "nil-declared readable")
  end},
  {"undeclared read raises", function()
    local env = fresh()
    H.raises(function() return env.nope end, "variable 'nope' is not declared")
  end},
  {"undeclared read message has caller position", function()
    local env = fresh()
    local ok, err = pcall(function() return env.nope end)
    H.ok(not ok, "raised")
    H.ok(err:match("^[^:]+:%d+: variable 'nope' is not declared$"),
      "position prefix: " .. err)
  end},
  {"undeclared assign from function raises", function()
    local env = fresh()
    H.raises(function() env.fresh_name = 2 end,
      "assign to undeclared variable 'fresh_name'")
    H.eq(rawget(env, "fresh_name"), nil, "not stored")
  end},
  {"declared assign from function works", function()
    local env = fresh()
    env.x = 5
    H.eq(env.x, 5, "reassigned")
  end},
  {"main chunk assign declares", function()
    local env = fresh()
    assert(load("later = 'v'", "=main", "t", env))()
    H.eq(env.later, "v", "declared later")
    env.later = nil
    H.eq(env.later, nil, "still declared after nil")
  end},
  {"C access is not checked", function()
    local env = fresh()
    -- gsub indexes the replacement table from C: a miss keeps the match.
    H.eq((string.gsub("nope", "%a+", env)), "nope", "C read")
    H.eq((string.gsub("x", "%a+", env)), "1", "C read of declared")
  end},
  {"previous __index is consulted first", function()
    local env = setmetatable({}, {__index = {inherited = "yes"}})
    strict(env)
    H.eq(env.inherited, "yes", "table __index")
    H.raises(function() return env.missing end, "variable 'missing' is not declared")
    local fenv = setmetatable({}, {__index = function(_, k)
      if k == "dyn" then return 7 end
    end})
    strict(fenv)
    H.eq(fenv.dyn, 7, "function __index")
    H.raises(function() return fenv.other end, "is not declared")
  end},
  {"previous __newindex is still called", function()
    local seen = {}
    local env = setmetatable({}, {__newindex = function(_, k) seen[#seen + 1] = k end})
    strict(env)
    assert(load("a = 1", "=m", "t", env))()
    H.eq(seen[1], "a", "hook saw a")
    H.eq(rawget(env, "a"), 1, "stored")
  end},
  {"module environment with seeall then strict", function()
    local env = stdnse.module("strictmod", stdnse.seeall, strict)
    local chunk = assert(load("mine = 1; return function() return mine, print, nope end",
      "=strictmod", "t", env))
    local fn = chunk()
    H.raises(fn, "variable 'nope' is not declared")
    H.eq(env.mine, 1, "module global")
    H.eq(env.print, print, "_G through seeall")
    H.raises(function() env.later = 1 end, "assign to undeclared variable 'later'")
  end},
  {"_G is strict for scripts", function()
    H.raises(function() return some_undeclared_global_for_test end,
      "variable 'some_undeclared_global_for_test' is not declared")
  end},
  {"stdnse module table is strict", function()
    H.raises(function() return stdnse.format_ouput end,
      "variable 'format_ouput' is not declared")
    H.raises(function() return stdnse.strsplit end, "is not declared")
  end},
}

action = function()
  return H.run(cases)
end
