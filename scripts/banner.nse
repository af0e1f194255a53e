local comm = require "comm"
local nmap = require "nmap"
local shortport = require "shortport"
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"
local U = require "lpeg-utility"

description = [[
Connects to an open TCP port and reports what the service sends by itself
within a few seconds (five by default): its banner.

Bytes outside printable ASCII are shown as \xHH escapes, and the banner is
cut to fit one output line; each verbosity level above the first (beyond the
debugging level) allows one more line. When version detection already
recorded the service's reply to its empty (NULL) probe, that reply is used
and no new connection is made.
]]

---
-- @usage
-- portolan -sT -p 21,25 --script banner <target>
--
-- @output
-- 21/tcp open  ftp
-- |_banner: 220 FTP server ready\x0D\x0A
--
-- @args banner.ports Ports to grab, in -p syntax (TCP only); "common" means
--       a list of usual text-protocol ports. Default: every open TCP port.
-- @args banner.timeout How long to wait for the banner, as a time
--       specification ("5s", "500ms"). Default: 5s.

author = "Portolan"
license = "Same as Portolan"
categories = {"discovery", "safe"}

local COMMON_PORTS = "13,17,21-23,25,129,194,587,990,992,994,6667,6697"

local port_arg = stdnse.get_script_args(SCRIPT_NAME .. ".ports")
if port_arg then
  if port_arg == "common" then
    port_arg = COMMON_PORTS
  end
  -- Only TCP makes sense: force a T: prefix.
  port_arg = string.gsub(port_arg, "^[T:]*", "T:")
  portrule = shortport.port_range(port_arg)
else
  portrule = function(host, port)
    return port.protocol == "tcp"
  end
end

-- The reply to the NULL probe recorded by version detection, if any.
local function fingerprint_banner(port)
  local fp = port.version and port.version.service_fp
  if type(fp) ~= "string" then
    return nil
  end
  return U.get_response(fp, "NULL")
end

local function trim(s)
  return string.match(s, "^%s*(.-)%s*$")
end

local function grab(host, port)
  local cached = fingerprint_banner(port)
  if cached then
    return trim(cached)
  end
  local seconds = stdnse.parse_timespec(
    stdnse.get_script_args(SCRIPT_NAME .. ".timeout"))
  local opts = {timeout = (seconds or 5) * 1000}
  local ok, banner = comm.get_banner(host, port, opts)
  if not ok then
    -- Silent services and early closes are normal: log them only at -d3.
    local levels = {EOF = 3, TIMEOUT = 3, ERROR = 2}
    stdnse.debug(levels[banner] or 1,
      "failed for %s on %s port %s. Message: %s", host.ip, port.protocol,
      port.number, banner or "No Message.")
    return nil
  end
  return trim(banner)
end

-- Escapes bytes outside 0x20-0x7e as \xHH, stopping once the escaped text
-- reaches limit characters (the rest would be cut anyway).
local function escape(s, limit)
  local out, length = {}, 0
  for i = 1, #s do
    local b = string.byte(s, i)
    if b < 32 or b > 126 then
      out[#out + 1] = string.format("\\x%02X", b)
      length = length + 4
    else
      out[#out + 1] = string.char(b)
      length = length + 1
    end
    if length >= limit then
      break
    end
  end
  return table.concat(out)
end

-- Lines beyond the first that the user asked for with -v.
local function extra_lines()
  local n = nmap.verbosity() - nmap.debugging()
  if n > 0 then
    return n
  end
  return 0
end

-- Fits the escaped banner into the output width: the first line shares
-- its 75 columns with "| <id>: ", later lines with "|  ".
local function layout(banner)
  if type(banner) ~= "string" or banner == "" then
    return nil
  end
  local width = 75
  local first = 0
  if #SCRIPT_NAME < width - 5 then
    first = width - 1 - #SCRIPT_NAME - 5
  end
  local later = width - 1 - 3
  local budget
  if first > 0 then
    budget = first + extra_lines() * later
  else
    budget = (1 + extra_lines()) * later
  end
  local text = escape(banner, budget + 1)
  if #text > budget then
    -- Drop whole escapes from the end, then make room for the ellipsis
    -- (which, like Nmap's, may cut into an escape).
    while #text > budget do
      if string.match(string.sub(text, -4), "^\\x%x%x$") then
        text = string.sub(text, 1, -5)
      else
        text = string.sub(text, 1, -2)
      end
    end
    text = string.sub(text, 1, budget - 3) .. "..."
  end
  local lines = {}
  local room = first
  while #text >= room do
    lines[#lines + 1] = room > 0 and string.sub(text, 1, room) or " "
    text = string.sub(text, room + 1)
    room = later
  end
  lines[#lines + 1] = text
  return table.concat(lines, "\n")
end

action = function(host, port)
  return layout(grab(host, port))
end
