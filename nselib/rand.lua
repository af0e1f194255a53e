---
-- Random strings for probes and test names. Not for secrets: characters
-- picked from a charset use <code>math.random</code>.
--
-- @class module
-- @name rand
-- @copyright Same as Portolan

local math = require "math"
local pcall = pcall
local require = require
local string = require "string"
local table = require "table"
local type = type

local _ENV = {}

-- Raw random bytes: OpenSSL's generator when the module is present, else
-- the engine's.
local random_bytes
do
  local ok, openssl = pcall(require, "openssl")
  if ok and type(openssl) == "table" and openssl.rand_pseudo_bytes then
    random_bytes = openssl.rand_pseudo_bytes
  else
    random_bytes = require("nmap").get_random_bytes
  end
end

--- A random string of <code>len</code> characters.
-- @param len Length wanted.
-- @param charset Optional: a string whose characters, or an array whose
--        entries, are picked uniformly. Without it the result is random
--        bytes (NUL included).
-- @return The string.
function random_string(len, charset)
  if not charset then
    return random_bytes(len)
  end
  local out = {}
  if type(charset) == "string" then
    for i = 1, len do
      local k = math.random(#charset)
      out[i] = string.sub(charset, k, k)
    end
  else
    for i = 1, len do
      out[i] = charset[math.random(#charset)]
    end
  end
  return table.concat(out)
end

--- Appends the characters from <code>first</code> to <code>last</code>
-- (characters or byte values) to a charset array.
-- @param first Lower bound.
-- @param last Upper bound; an empty range adds nothing.
-- @param set Optional array to extend; a new one by default.
-- @return The array.
function charset(first, last, set)
  set = set or {}
  if type(first) == "string" then
    first = string.byte(first)
  end
  if type(last) == "string" then
    last = string.byte(last)
  end
  for b = first, last do
    set[#set + 1] = string.char(b)
  end
  return set
end

local LOWER = charset("a", "z")

--- A random word of <code>len</code> lower-case letters.
function random_alpha(len)
  return random_string(len, LOWER)
end

return _ENV
