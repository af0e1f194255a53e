---
-- Standard NSE library: logging, argument lookup, output helpers, encoding
-- helpers, registry helpers and module environments.
--
-- The module table is strict (see <code>strict</code>): reading a name that
-- is not defined here raises, as Nmap's does, so latent script bugs such as
-- <code>stdnse.format_ouput</code> fail the same way on both engines.
--
-- Several functions are placeholders that the engine replaces with
-- <code>rawset</code> once a script thread exists: <code>getid</code>,
-- <code>getinfo</code>, <code>gethostport</code>, <code>base</code>,
-- <code>gettid</code>, <code>isworker</code>, <code>new_thread</code> and
-- <code>silent_require</code>. The placeholders answer as "no running
-- script", so a library that logs while it is being loaded still works.
-- Every function here looks the engine's hooks up at call time, never
-- caching them, so the injected versions take effect.
--
-- @class module
-- @name stdnse
-- @copyright Same as Portolan

local nmap = require "nmap"
local string = require "string"
local table = require "table"

local assert = assert
local error = error
local getmetatable = getmetatable
local ipairs = ipairs
local next = next
local pairs = pairs
local print = print
local rawset = rawset
local require = require
local select = select
local setmetatable = setmetatable
local tonumber = tonumber
local tostring = tostring
local type = type
local _G = _G

local format = string.format

local _ENV = require "strict" {}

--- Sleeps for <code>t</code> seconds (fractions allowed), yielding to the
-- engine meanwhile. The same function as <code>nmap.socket.sleep</code>.
-- @name sleep
-- @class function
-- @param t Seconds to sleep.
if nmap.socket and nmap.socket.sleep then
  sleep = nmap.socket.sleep
else
  -- The engine may add nmap.socket after this library loads.
  sleep = function(t)
    return nmap.socket.sleep(t)
  end
end

-- Placeholders for the engine-injected functions. Outside a script thread
-- the real ones return nothing too.
getid = function() return end
getinfo = function() return end
gethostport = function() return end
base = function() return end
gettid = function() return end
isworker = function() return end

new_thread = function()
  error("stdnse.new_thread can only be run from an active script")
end

--- Like <code>require</code>, but a missing library makes the engine skip the
-- calling script quietly. This placeholder is a plain <code>require</code>.
silent_require = function(...)
  return require(...)
end

-- Writes one log line through the engine with an optional "[prefix] ".
local function emit(prefix, ...)
  local text = format(...)
  if prefix ~= nil and prefix ~= "" then
    text = "[" .. prefix .. "] " .. text
  end
  nmap.log_write("stdout", text)
end

-- " ip" or " ip:port" for the current thread's target, or "".
local function target_suffix()
  local host, port = _ENV.gethostport()
  if type(host) ~= "table" then
    return ""
  end
  local s = " " .. tostring(host.ip)
  if type(port) == "table" then
    s = s .. ":" .. tostring(port.number)
  end
  return s
end

--- Logs a formatted message when the debugging level is at least
-- <code>level</code> (default 1 when the first argument is not a number).
-- The prefix is the script id at -d1 and the thread info at -d2 or more,
-- followed by the target address and port when known.
-- @param level Optional debugging level.
-- @param fmt Format string for <code>string.format</code>.
-- @param ... Format arguments.
function debug(level, ...)
  if type(level) ~= "number" then
    return debug(1, level, ...)
  end
  local current = nmap.debugging()
  if level > current then
    return
  end
  local who
  if current >= 2 then
    who = _ENV.getinfo()
  else
    who = _ENV.getid()
  end
  emit((who or "") .. target_suffix(), ...)
end

function debug1(...) return debug(1, ...) end
function debug2(...) return debug(2, ...) end
function debug3(...) return debug(3, ...) end
function debug4(...) return debug(4, ...) end
function debug5(...) return debug(5, ...) end

--- Logs a formatted message when the verbosity is at least
-- <code>level</code> (default 1). The prefix is the script id, plus the
-- target at verbosity 2 or more.
-- @param level Optional verbosity level.
-- @param fmt Format string.
-- @param ... Format arguments.
function verbose(level, ...)
  if type(level) ~= "number" then
    return verbose(1, level, ...)
  end
  local current = nmap.verbosity()
  if level > current then
    return
  end
  local prefix = _ENV.getid() or ""
  if current >= 2 then
    prefix = prefix .. target_suffix()
  end
  emit(prefix, ...)
end

function verbose1(...) return verbose(1, ...) end
function verbose2(...) return verbose(2, ...) end
function verbose3(...) return verbose(3, ...) end
function verbose4(...) return verbose(4, ...) end
function verbose5(...) return verbose(5, ...) end

-- Shared body of the deprecated print_debug and print_verbose: no prefix,
-- and a first argument that is not a number is part of the message.
local function print_unprefixed(current, level, fmt, ...)
  local wanted = tonumber(level)
  if wanted ~= nil then
    if wanted <= current then
      emit(nil, fmt, ...)
    end
  elseif current >= 1 then
    emit(nil, level, fmt, ...)
  end
end

--- Deprecated: like <code>debug</code> but without the bracket prefix.
function print_debug(level, fmt, ...)
  return print_unprefixed(nmap.debugging(), level, fmt, ...)
end

--- Deprecated: like <code>verbose</code> but without the bracket prefix.
function print_verbose(level, fmt, ...)
  return print_unprefixed(nmap.verbosity(), level, fmt, ...)
end

--- Returns a function that reads <code>socket</code> and hands out one
-- piece of the stream per call, split on the pattern <code>sep</code>
-- (which is not included). Leftover data without a final separator is
-- returned once; then, and on any receive error, it returns
-- <code>nil, err</code> with the socket's error string.
-- @param socket A connected NSE socket.
-- @param sep A Lua pattern, e.g. <code>"\r?\n"</code>.
-- @return The reader function.
function make_buffer(socket, sep)
  local pending = ""
  local finished, last_err = false, nil
  local function reader()
    while true do
      if finished then
        return nil, last_err
      end
      local i, j = string.find(pending, sep)
      -- An empty match would never advance; treat it as "need more data".
      if i ~= nil and j >= i then
        local piece = string.sub(pending, 1, i - 1)
        pending = string.sub(pending, j + 1)
        return piece
      end
      local ok, data = socket:receive()
      if not ok then
        if pending ~= "" then
          finished, last_err = true, data
          local rest = pending
          pending = ""
          return rest
        end
        return ok, data
      end
      pending = pending .. data
    end
  end
  return reader
end

local BINARY_NIBBLES = {
  ["0"] = "0000", ["1"] = "0001", ["2"] = "0010", ["3"] = "0011",
  ["4"] = "0100", ["5"] = "0101", ["6"] = "0110", ["7"] = "0111",
  ["8"] = "1000", ["9"] = "1001", a = "1010", b = "1011",
  c = "1100", d = "1101", e = "1110", f = "1111",
}

--- Binary digits of the integer <code>n</code>, in groups of four (12 gives
-- "1100"; leading zeros of the first nibble are kept).
function tobinary(n)
  return (string.gsub(format("%x", n), "%x", BINARY_NIBBLES))
end

--- Octal digits of the integer <code>n</code> (12 gives "14").
function tooctal(n)
  return format("%o", n)
end

--- Lower-case hex of a string's bytes, or of an integer's value.
--
-- The options table (<code>separator</code>, <code>group</code>) is
-- accepted but, as in Nmap 7.93, has no effect on the result: 7.93 computes
-- the separated form and then returns the plain one, and scripts' output
-- (e.g. <code>format_mac</code>) shows the plain form.
-- @param s String or number.
-- @param options Optional table; see above.
-- @return Hex string.
function tohex(s, options) -- luacheck: no unused args
  if type(s) == "number" then
    return format("%x", s)
  elseif type(s) == "string" then
    return (string.gsub(s, ".", function(c)
      return format("%02x", string.byte(c))
    end))
  end
  error("Type not supported in tohex(): " .. type(s), 2)
end

--- Decodes hex digits (either case, whitespace ignored) into bytes.
-- @param hex The text.
-- @return The bytes, or <code>nil</code> and an error message.
function fromhex(hex)
  local bad = string.find(hex, "[^%x%s]")
  if bad then
    return nil, "Invalid hexadecimal digits at position " .. bad
  end
  local digits = string.gsub(hex, "%s+", "")
  if #digits % 2 == 1 then
    return nil, "Odd number of hexadecimal digits"
  end
  return (string.gsub(digits, "%x%x", function(pair)
    return string.char(tonumber(pair, 16))
  end))
end

--- Formats a binary MAC address for output (see the note on
-- <code>tohex</code>: 7.93 prints it without separators).
function format_mac(mac)
  return tohex(mac, {separator = ":"})
end

--- Returns <code>s</code>, or <code>blank</code> (default "&lt;blank&gt;")
-- when <code>s</code> is nil or empty.
function string_or_blank(s, blank)
  if s == nil or s == "" then
    if blank == nil then
      return "<blank>"
    end
    return blank
  end
  return s
end

-- Units are case-sensitive, as in Nmap 7.93 ("10S" does not parse).
local TIMESPEC_UNITS = {[""] = 1, ms = 0.001, s = 1, m = 60, h = 3600}

--- Parses a duration such as "250ms", "10", "10s", "5m" or "1h" into seconds.
-- @param timespec The text.
-- @return Seconds, or <code>nil</code> and an error message.
function parse_timespec(timespec)
  if timespec == nil then
    return nil, "Can't parse nil timespec"
  end
  local number, unit = string.match(timespec, "^([%d.]+)(.*)$")
  if number == nil then
    return nil, format("Can't parse time specification \"%s\"", timespec)
  end
  local value = tonumber(number)
  if value == nil then
    return nil, format(
      "Can't parse time specification \"%s\" (bad number \"%s\")",
      timespec, number)
  end
  local scale = TIMESPEC_UNITS[unit]
  if scale == nil then
    return nil, format(
      "Can't parse time specification \"%s\" (bad unit \"%s\")",
      timespec, unit)
  end
  return value * scale
end

--- Milliseconds since the epoch (a float, from <code>nmap.clock</code>).
function clock_ms()
  return nmap.clock() * 1000
end

--- Microseconds since the epoch (a float).
function clock_us()
  return nmap.clock() * 1000000
end

-- Renders one level of format_output's data. depth counts enclosing
-- arrays; each level indents by two spaces, items by two more.
local function render_level(ok, data, depth, top)
  if #data == 0 then
    return ""
  end
  local err_prefix = ""
  if not ok then
    if nmap.debugging() < 1 then
      return nil
    end
    err_prefix = "ERROR: "
  end
  if type(data) == "string" then
    data = {data}
  end
  local pad = string.rep("  ", depth)
  local out = {}
  if top then
    out[#out + 1] = "\n"
  end
  local warning = nmap.debugging() > 0 and data.warning or nil
  if data.name then
    if warning then
      out[#out + 1] = format("%s%s%s (WARNING: %s)\n", pad, err_prefix,
        data.name, warning)
    else
      out[#out + 1] = format("%s%s%s\n", pad, err_prefix, data.name)
    end
  elseif warning then
    out[#out + 1] = format("%s%s(WARNING: %s)\n", pad, err_prefix, warning)
  end
  for _, item in ipairs(data) do
    if type(item) == "table" then
      out[#out + 1] = render_level(ok, item, depth + 1, false)
    elseif type(item) == "string" then
      if string.sub(item, -1) ~= "\n" then
        item = item .. "\n"
      end
      for line in string.gmatch(item, "([^\r\n]-)\n") do
        out[#out + 1] = format("%s  %s%s\n", pad, err_prefix, line)
      end
    end
  end
  return table.concat(out)
end

--- Deprecated text formatter for scripts' results.
--
-- <code>data</code> is a string or an array of strings and nested arrays;
-- an array may carry <code>name</code> (a heading) and <code>warning</code>
-- (shown only when debugging). The result starts with a newline. With
-- <code>status</code> false the result is nil unless debugging, and then
-- every line starts with "ERROR: ".
-- @param status Whether the script succeeded.
-- @param data String or array.
-- @param indent Internal; pass nil.
-- @return A string, or nil for empty data.
function format_output(status, data, indent)
  assert(data, "No data was passed to format_output()")
  if #data == 0 then
    return nil
  end
  local depth = 0
  if type(indent) == "table" then
    depth = #indent
  end
  local result = render_level(status, data, depth, indent == nil)
  if result == nil or result == "\n" then
    return nil
  end
  return result
end

-- One script argument by name: the full key, then a bare flag (gives 1),
-- then the same two lookups for the text after the last dot.
local function lookup_arg(args, name)
  local function find(key)
    local v = args[key]
    if v then
      return v
    end
    for _, flag in ipairs(args) do
      if flag == key then
        return 1
      end
    end
    return nil
  end
  local v = find(name)
  if v then
    return v
  end
  local short = string.match(name, "%.([^.]*)$")
  if short then
    return find(short)
  end
  return nil
end

--- Looks up script arguments. Each argument is a name or an array of
-- alternative names (the first found wins); one value is returned per
-- argument: the string or table given, 1 for a bare flag, or nil.
-- @param ... Names or arrays of names.
-- @return One value per argument.
function get_script_args(...)
  local args = nmap.registry.args or {}
  local n = select("#", ...)
  local found = {}
  for i = 1, n do
    local names = select(i, ...)
    if type(names) ~= "table" then
      names = {names}
    end
    for _, name in ipairs(names) do
      local v = lookup_arg(args, name)
      if v then
        found[i] = v
        break
      end
    end
  end
  return table.unpack(found, 1, n)
end

--- The best name for a host: the target as given, else the reverse DNS
-- name, else the address. A non-table argument is returned as is.
function get_hostname(host)
  if type(host) ~= "table" then
    return host
  end
  if host.targetname then
    return host.targetname
  end
  if host.name and host.name ~= "" then
    return host.name
  end
  return host.ip
end

--- Follows <code>subkeys</code> down from <code>nmap.registry</code>;
-- nil if any step is missing.
function registry_get(subkeys)
  local node = nmap.registry
  for _, key in ipairs(subkeys) do
    node = node[key]
    if not node then
      return nil
    end
  end
  return node
end

--- Whether the registry table at <code>subkeys</code> holds
-- <code>value</code> (under <code>key</code>, when a key is given).
function registry_exists(subkeys, key, value)
  local node = registry_get(subkeys)
  if not node then
    return false
  end
  for k, v in pairs(node) do
    if v == value and (key == nil or k == key) then
      return true
    end
  end
  return false
end

-- Walks subkeys from nmap.registry, creating missing tables.
local function registry_path(subkeys)
  local node = nmap.registry
  for _, key in ipairs(subkeys) do
    if not node[key] then
      node[key] = {}
    end
    node = node[key]
  end
  return node
end

--- Appends <code>value</code> to the registry array at <code>subkeys</code>
-- (created as needed) unless it is already there.
function registry_add_array(subkeys, value, allow_duplicates)
  if allow_duplicates ~= true and registry_exists(subkeys, nil, value) then
    return
  end
  local node = registry_path(subkeys)
  -- Duplicates are refused even when allowed: kept from Nmap.
  for _, v in pairs(node) do
    if v == value then
      return
    end
  end
  node[#node + 1] = value
end

--- Sets <code>key</code> to <code>value</code> in the registry table at
-- <code>subkeys</code> (created as needed).
function registry_add_table(subkeys, key, value, allow_duplicates)
  if allow_duplicates ~= true and registry_exists(subkeys, key, value) then
    return
  end
  registry_path(subkeys)[key] = value
end

--- Makes a module environment like Lua 5.1's <code>module</code>: a table
-- with <code>_NAME</code>, <code>_PACKAGE</code> and <code>_M</code>, then
-- passed to each option function in order.
-- @usage _ENV = stdnse.module("mylib", stdnse.seeall)
function module(name, ...)
  local env = {}
  env._NAME = name
  env._PACKAGE = string.match(name, "^(.+)%.[^.]+$")
  env._M = env
  for i = 1, select("#", ...) do
    local option = select(i, ...)
    option(env)
  end
  return env
end

--- Option for <code>module</code>: globals are visible through the
-- environment.
function seeall(env)
  local mt = getmetatable(env)
  if mt == nil then
    mt = {}
  end
  mt.__index = _G
  setmetatable(env, mt)
end

--- A table that iterates (<code>pairs</code>) in insertion order, for
-- structured script output. Re-setting a key keeps its place; setting it to
-- nil removes it, and setting it again appends it. <code>#t</code> counts
-- keys and <code>t()</code> tells whether it has any.
function output_table()
  local values = {}
  local order = {}
  local mt = {}
  mt.__index = values
  mt.__newindex = function(_, k, v)
    if v == nil then
      if values[k] ~= nil then
        for i, key in ipairs(order) do
          if key == k then
            table.remove(order, i)
            break
          end
        end
      end
    elseif values[k] == nil then
      order[#order + 1] = k
    end
    rawset(values, k, v)
  end
  mt.__pairs = function()
    local i = 0
    return function()
      i = i + 1
      local key = order[i]
      if key ~= nil then
        return key, values[key]
      end
    end
  end
  mt.__call = function()
    return next(order) ~= nil
  end
  mt.__len = function()
    return #order
  end
  return setmetatable({}, mt)
end

--- Writes a readable dump of <code>obj</code> by calling
-- <code>printer</code> (default <code>print</code>) with pieces of text.
function pretty_printer(obj, printer)
  printer = printer or print
  local function walk(v, indent)
    if type(v) == "table" then
      printer "{\n"
      local inner = indent .. "\t"
      for k, x in pairs(v) do
        printer(inner)
        printer "["
        walk(k, inner)
        printer "] = "
        walk(x, inner)
        printer ",\n"
      end
      printer(indent .. "}")
    elseif type(v) == "string" then
      printer(format("%q", v))
    else
      printer(tostring(v))
    end
  end
  return walk(obj, "")
end

--- A timeout in milliseconds for talking to <code>host</code>:
-- <code>host.times.timeout</code> (seconds) scaled linearly so that 1 s maps
-- to 2 s and beyond, clamped to [<code>min_timeout</code> (1000),
-- <code>max_timeout</code> (8000)]. Without timing data it is
-- <code>max_timeout</code>.
function get_timeout(host, max_timeout, min_timeout)
  max_timeout = max_timeout or 8000
  local t = type(host) == "table" and host.times and host.times.timeout
  if not t then
    return max_timeout
  end
  min_timeout = min_timeout or 1000
  local scaled = t * (max_timeout + 6000) / 7
  if scaled < min_timeout then
    return min_timeout
  elseif scaled > max_timeout then
    return max_timeout
  end
  return scaled
end

return _ENV
