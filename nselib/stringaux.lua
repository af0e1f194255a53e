---
-- String helpers: split and join, file-name-safe escaping, and
-- case-insensitive patterns.
--
-- @class module
-- @name stringaux
-- @copyright Same as Portolan

local assert = assert
local type = type

local string = require "string"
local table = require "table"

local _ENV = {}

--- <code>table.concat(list, delimiter)</code>, with the delimiter first.
-- @usage stringaux.strjoin(", ", {"a", "b"}) --> "a, b"
-- @param delimiter Separator string.
-- @param list Array of strings.
-- @return The joined string.
function strjoin(delimiter, list)
  assert(type(delimiter) == "string",
    "delimiter is of the wrong type! (did you get the parameters backward?)")
  return table.concat(list, delimiter)
end

--- Splits <code>text</code> wherever the Lua pattern <code>pattern</code>
-- matches. Empty pieces are kept, so n separators always give n+1 pieces.
-- @usage stringaux.strsplit(",%s*", "a, b,c") --> {"a", "b", "c"}
-- @param pattern Separator pattern; must not match the empty string at
--        the start (raises "delimiter matches empty string!").
-- @param text The string to split.
-- @return Array of pieces.
function strsplit(pattern, text)
  assert(pattern ~= "", "delimiter matches empty string!")
  local pieces = {}
  local from = 1
  while true do
    local i, j = string.find(text, pattern, from)
    if i == nil then
      pieces[#pieces + 1] = string.sub(text, from)
      return pieces
    end
    pieces[#pieces + 1] = string.sub(text, from, i - 1)
    from = j + 1
  end
end

--- Escapes every byte except ASCII letters, digits, ".", "_" and "-" as
-- "%xx" (lower-case hex), and also the names "." and "..", so the result
-- is safe as a single file name.
-- @param s The string.
-- @return The escaped string.
function filename_escape(s)
  if s == "." or s == ".." then
    return (string.gsub(s, ".", "%%2e"))
  end
  return (string.gsub(s, "[^a-zA-Z0-9._-]", function(c)
    return string.format("%%%02x", string.byte(c))
  end))
end

--- Turns a Lua pattern into one that matches letters in either case:
-- each letter outside a %-escape and outside a [set] becomes "[xX]".
-- @usage stringaux.ipattern("user") --> "[uU][sS][eE][rR]"
-- @param pattern The pattern.
-- @return The case-insensitive pattern.
function ipattern(pattern)
  local in_set = false
  return (string.gsub(pattern, "(%%?)(.)", function(escape, c)
    if escape ~= "" then
      return nil
    end
    if c == "[" then
      in_set = true
    elseif c == "]" then
      in_set = false
    elseif not in_set and string.match(c, "%a") then
      return "[" .. string.lower(c) .. string.upper(c) .. "]"
    end
    return nil
  end))
end

return _ENV
