---
-- LPeg helpers (case-insensitive literals, search, splitting, quoted
-- strings, grammar tracing) and readers for the service fingerprints that
-- version detection leaves in <code>port.version.service_fp</code>.
--
-- Fingerprint text holds each probe's reply as <code>%r(NAME,LEN,"...")</code>
-- where the quoted reply escapes quotes and backslashes with a backslash and
-- writes other bytes as <code>\xHH</code>, <code>\t</code>, <code>\r</code>,
-- <code>\n</code> or <code>\0</code>. Long fingerprints are wrapped into
-- lines starting with <code>SF:</code>, which are joined back first.
--
-- @class module
-- @name lpeg-utility
-- @copyright Same as Portolan

local assert = assert
local lpeg = require "lpeg"
local pairs = pairs
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"
local tonumber = tonumber

local _ENV = {}

--- A pattern matching <code>literal</code> in any mix of cases.
-- @param literal A non-empty string.
-- @return An LPeg pattern.
function caseless(literal)
  assert(#literal > 0, "caseless needs a non-empty literal")
  local patt = lpeg.P(true)
  for i = 1, #literal do
    local c = string.sub(literal, i, i)
    patt = patt * lpeg.S(string.lower(c) .. string.upper(c))
  end
  return patt
end

--- A pattern that finds <code>patt</code> at or after the current position
-- (the first place it matches), like an unanchored search.
-- @param patt An LPeg pattern.
-- @return An LPeg pattern.
function anywhere(patt)
  return lpeg.P {"search", search = patt + 1 * lpeg.V "search"}
end

--- Adds the locale classes (<code>alpha</code>, <code>digit</code>,
-- <code>space</code>, ...) of <code>lpeg.locale</code> to a grammar table
-- and compiles it.
-- @param grammar A grammar table.
-- @return An LPeg pattern.
function localize(grammar)
  return lpeg.P(lpeg.locale(grammar))
end

--- Splits <code>str</code> on <code>sep</code> (a string or pattern) and
-- returns every piece, empty ones included, as separate values.
function split(str, sep)
  sep = lpeg.P(sep)
  local piece = lpeg.C((1 - sep) ^ 0)
  return (piece * (sep * piece) ^ 0):match(str)
end

--- A pattern that finds <code>patt</code> where a word starts: at the
-- current position or just after a non-letter (like PCRE's \b before it).
-- @param patt An LPeg pattern.
-- @return An LPeg pattern.
function atwordboundary(patt)
  return localize {
    "try",
    try = patt + lpeg.V "alpha" ^ 0 * (1 - lpeg.V "alpha") * lpeg.V "try",
  }
end

--- A pattern matching a quoted string and capturing its contents, with
-- <code>esc</code> followed by <code>esc</code> or <code>quot</code> taken
-- as that character; <code>esc</code> before anything else is kept as is.
-- @param quot The quote (default <code>"</code>).
-- @param esc The escape (default backslash); must differ from the quote.
-- @return An LPeg pattern with one capture.
function escaped_quote(quot, esc)
  quot = quot or '"'
  esc = esc or "\\"
  assert(quot ~= esc, "quote and escape must differ")
  local function at(s, i, what)
    return string.sub(s, i, i + #what - 1) == what
  end
  return lpeg.Cmt(lpeg.P(quot), function(s, i)
    local out = {}
    while i <= #s do
      if at(s, i, quot) then
        return i + #quot, table.concat(out)
      elseif at(s, i, esc) then
        local j = i + #esc
        if at(s, j, esc) then
          out[#out + 1] = esc
          i = j + #esc
        elseif at(s, j, quot) then
          out[#out + 1] = quot
          i = j + #quot
        elseif j <= #s then
          out[#out + 1] = string.sub(s, i, j)
          i = j + 1
        else
          return false
        end
      else
        out[#out + 1] = string.sub(s, i, i)
        i = i + 1
      end
    end
    return false
  end)
end

--- Makes every rule of a grammar table report, through
-- <code>printer</code> (default <code>stdnse.debug1</code>), when it is
-- entered, when it fails ("LEAVE") and where it matched. The table is
-- modified in place and returned.
-- @param grammar A grammar table.
-- @param printer A printf-like function.
-- @return The same table.
function debug(grammar, printer)
  printer = printer or stdnse.debug1
  for name, rule in pairs(grammar) do
    if name ~= 1 then
      local enter = lpeg.Cmt(lpeg.P(true), function(_, pos)
        printer("ENTER %s", name)
        return pos
      end)
      local leave = lpeg.Cmt(lpeg.P(true), function()
        printer("LEAVE %s", name)
        return false
      end)
      local matched = lpeg.Cmt(lpeg.P(true), function(s, pos)
        printer("---%s---", name)
        printer("pos: %d, [%s]", pos, string.sub(s, 1, pos - 1))
        return pos
      end)
      grammar[name] = enter * rule * matched + leave
    end
  end
  return grammar
end

-- The quoted reply starting at a given position (the opening quote), with
-- quote and backslash escapes removed (other escapes are left for
-- unescape), then the position after the closing quote.
local quoted_at = escaped_quote() * lpeg.Cp()

local SPECIALS = {t = "\t", r = "\r", n = "\n", ["0"] = "\0"}

-- Decodes the byte escapes of a fingerprint reply in one left-to-right
-- pass: \t \r \n \0, \x with up to two hex digits; a backslash before
-- anything else is dropped.
local function unescape(s)
  return (string.gsub(s, "\\(.)(%x?%x?)", function(c, hex)
    if c == "x" then
      if hex == "" then
        return ""
      end
      return string.char(tonumber(hex, 16))
    end
    return (SPECIALS[c] or c) .. hex
  end))
end

-- Fingerprint text as one line.
local function unwrap(fp)
  return (string.gsub(fp, "\nSF:", ""))
end

--- The raw reply to one probe recorded in a service fingerprint.
-- @param fp <code>port.version.service_fp</code>.
-- @param probe The probe name, e.g. "NULL" or "GetRequest".
-- @return The reply bytes, or nil if that probe got no reply.
function get_response(fp, probe)
  fp = unwrap(fp)
  local _, last = string.find(fp, probe .. ",%x+,")
  if last == nil then
    return nil
  end
  local reply = quoted_at:match(fp, last + 1)
  if reply == nil then
    return nil
  end
  return unescape(reply)
end

--- Every probe reply in a service fingerprint, as a table from probe name
-- to reply bytes.
-- @param fp <code>port.version.service_fp</code>.
-- @return The table, or nil if the fingerprint holds no reply.
function parse_fp(fp)
  fp = unwrap(fp)
  local start = string.find(fp, "%r(", 1, true)
  if start == nil then
    return nil
  end
  local replies, found = {}, false
  local pos = start + 3
  while true do
    local name, after = string.match(fp, "^([^,]+),[%dA-F]+,()", pos)
    if name == nil then
      break
    end
    local reply, next_pos = quoted_at:match(fp, after)
    if reply == nil then
      break
    end
    replies[name] = unescape(reply)
    found = true
    pos = next_pos
    if string.sub(fp, pos, pos + 3) == ")%r(" then
      pos = pos + 4
    end
  end
  if not found then
    return nil
  end
  return replies
end

return _ENV
