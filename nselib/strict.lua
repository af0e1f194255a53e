---
-- Undeclared-global checking for an environment table.
--
-- <code>require "strict"</code> returns one function, <code>strict(env)</code>,
-- which installs checks on <code>env</code> and returns it. After that:
-- * reading a name that was never declared raises
--   <code>variable 'NAME' is not declared</code>;
-- * assigning a new name from inside any function other than a main chunk
--   raises <code>assign to undeclared variable 'NAME'</code>.
-- A name becomes declared when a main chunk (file scope) or a C function
-- assigns it, even to <code>nil</code>. Accesses made from C (for example
-- <code>lua_getglobal</code> in the engine) are never checked.
--
-- Any <code>__index</code> or <code>__newindex</code> that the environment
-- already had (such as the one <code>stdnse.seeall</code> installs) keeps
-- working: it is consulted first, and only a miss is treated as undeclared.
-- So pass <code>strict</code> last to <code>stdnse.module</code>.
--
-- @class module
-- @name strict
-- @copyright Same as Portolan

local debug_getinfo = require "debug".getinfo
local error = error
local getmetatable = getmetatable
local rawget = rawget
local rawset = rawset
local setmetatable = setmetatable
local tostring = tostring
local type = type

local _ENV = {}

-- Kind of the function that performed the access being checked. Level 1 is
-- this helper, 2 the metamethod, 3 the code doing the indexing. A missing
-- frame (a tail call from the top) counts as C: we cannot blame anyone.
local function accessor_kind()
  local info = debug_getinfo(3, "S")
  if info == nil then
    return "C"
  end
  return info.what
end

-- Consults the index handler that was present before strict was applied.
local function previous_lookup(handler, t, name)
  if type(handler) == "function" then
    return handler(t, name)
  elseif handler ~= nil then
    return handler[name]
  end
  return nil
end

local function strict(env)
  local mt = getmetatable(env)
  if mt == nil then
    mt = {}
    setmetatable(env, mt)
  end
  local old_index, old_newindex = mt.__index, mt.__newindex
  local declared = {}
  mt.__declared = declared

  mt.__newindex = function(t, name, value)
    if type(old_newindex) == "function" then
      old_newindex(t, name, value)
    end
    if not declared[name] then
      local kind = accessor_kind()
      if kind ~= "main" and kind ~= "C" then
        error("assign to undeclared variable '" .. tostring(name) .. "'", 2)
      end
      declared[name] = true
    end
    rawset(t, name, value)
  end

  mt.__index = function(t, name)
    local value = previous_lookup(old_index, t, name)
    if value ~= nil then
      return value
    end
    if not declared[name] and accessor_kind() ~= "C" then
      error("variable '" .. tostring(name) .. "' is not declared", 2)
    end
    return rawget(t, name)
  end

  return env
end

return strict
